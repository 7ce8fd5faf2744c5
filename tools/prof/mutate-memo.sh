#!/bin/sh
# Mutation check of src/hbm/stream_memo.cpp (docs/hbm-speed.md, spd13k), or of another file of
# src/hbm (FILE): copies the file, replaces OLD by NEW (exactly one occurrence), compiles it with
# the Release flags into a copy of the build's libskipopu_hbm.a, relinks test_hbm from the
# build's objects and runs the `stream extrapolation*` cases (or the test filter FILTER).
# Nothing in the tree or the build dir changes.
# usage: tools/prof/mutate-memo.sh BUILD_DIR NAME 'OLD' 'NEW' [FILE [FILTER]]   (outputs in /tmp/mutate-memo/)
set -e
B=$(cd "$1" && pwd); N=$2; W=$(cd "$(dirname "$0")/../.." && pwd); M=/tmp/mutate-memo
mkdir -p $M
F=${5:-stream_memo.cpp}; FILTER=${6:-stream extrapolation*}
cp $W/src/hbm/$F $M/sm_$N.cpp
python3 - "$M/sm_$N.cpp" "$3" "$4" <<'PY'
import sys
p, o, n = sys.argv[1:]
s = open(p).read()
if s.count(o) != 1: sys.exit("mutate-memo: the text to replace must occur exactly once")
open(p, "w").write(s.replace(o, n))
PY
c++ -DSKIPOPU_VERSION=\"0.1.0\" -I$W/include -I$W/src/hbm -O3 -DNDEBUG -std=c++17 -c $M/sm_$N.cpp -o $M/$F.o
cp $B/src/hbm/libskipopu_hbm.a $M/lib_$N.a
(cd $M && ar r lib_$N.a $F.o)
cd $B/tests
OBJS=$(tr ' ' '\n' < CMakeFiles/test_hbm.dir/link.txt | grep '\.cpp\.o$' | tr '\n' ' ')
c++ -O3 -DNDEBUG $OBJS -o $M/test_hbm_$N $M/lib_$N.a ../src/common/libskipopu_common.a
cd $W
$M/test_hbm_$N "$FILTER" 2>&1 | tail -4
