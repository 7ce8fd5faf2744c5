#!/usr/bin/env bash
# cmake --install to a temporary prefix, moved elsewhere; then, with the source and build trees
# hidden (a private mount namespace with empty folders mounted over them), run the main job
# command on a small installed trace from an unrelated folder: the binary must find its data
# relative to itself, through SKIPOPU_DATA_DIR or --data-dir, and the installed Python package
# must work. Its report must equal the build tree's.
# usage: install_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
SRC=$(cd "$1" && pwd -P); BUILD=$(cd "$2" && pwd -P)
T=$(mktemp -d /tmp/skipopu-install-test-XXXXXX)
trap 'rm -rf "$T"' EXIT
cmake --install "$BUILD" --prefix "$T/stage" >/dev/null
mv "$T/stage" "$T/prefix"   # relocated: nothing may depend on the install prefix either
mkdir -p "$T/elsewhere"
"$BUILD/src/cli/skipopu" run --trace "$SRC/traces/tiny-p8-d4.trace" --format csv > "$T/expected.csv"

cat > "$T/job.sh" <<'JOB'
set -euo pipefail
P=$1; SRC=$2; BUILD=$3
cd "$(dirname "$P")/elsewhere"
unset SKIPOPU_DATA_DIR
[ -e "$SRC/models" ] && { echo "source tree still visible"; exit 1; }
[ -e "$BUILD/src" ] && { echo "build tree still visible"; exit 1; }
# the main job's command (tools/quickstart run), on a small trace, data found next to the binary
"$P/bin/skipopu" run --trace "$P/share/skipopu/traces/tiny-p8-d4.trace" --json report.json --format csv > a.csv
cmp a.csv ../expected.csv
grep -q '"schema": "skipopu-report/1"' report.json
# the same through SKIPOPU_DATA_DIR and --data-dir, with the binary copied away from its data
mkdir -p lone/bin && cp "$P/bin/skipopu" lone/bin/
if lone/bin/skipopu run --trace "$P/share/skipopu/traces/tiny-p8-d4.trace" 2> err.txt; then
  echo "ran without a data directory"; exit 1
fi
grep -q "cannot find the data directory" err.txt && [ "$(wc -l < err.txt)" = 1 ]
SKIPOPU_DATA_DIR="$P/share/skipopu" lone/bin/skipopu run --trace "$P/share/skipopu/traces/tiny-p8-d4.trace" --format csv > b.csv
cmp b.csv ../expected.csv
lone/bin/skipopu run --data-dir "$P/share/skipopu" --trace "$P/share/skipopu/traces/tiny-p8-d4.trace" --format csv > c.csv
cmp c.csv ../expected.csv
# every other command that reads data
"$P/bin/skipopu" check-trace --trace "$P/share/skipopu/traces/tiny-gqa-p8-d4.trace" --brief > /dev/null
"$P/bin/skipopu" gen-trace --model tiny --prompt 4 --decode 2 --out g.trace 2> /dev/null
"$P/bin/skipopu" resources -q
"$P/bin/skipopu" hbm-bench --model burst --requests 16 > /dev/null
"$P/bin/skipopu" compare --trace "$P/share/skipopu/traces/tiny-p8-d4.trace" --set hbm.model=burst > /dev/null
# the installed Python package
PYTHONPATH="$P/lib/python3/dist-packages" /usr/bin/python3 -m skipopu check-trace g.trace \
  --model "$P/share/skipopu/models/tiny.json"
echo "installed binary, data and Python package work with the source and build trees hidden"
JOB

hide="mount -t tmpfs none '$SRC' && { [ -e '$BUILD/src' ] && mount -t tmpfs none '$BUILD' || true; }"
if unshare --mount --propagation private true 2>/dev/null; then
  unshare --mount --propagation private bash -c "$hide && bash '$T/job.sh' '$T/prefix' '$SRC' '$BUILD'"
else
  # No mount namespace here: the trees stay visible, so at least prove the binary has no path
  # into them compiled in, and run the job.
  echo "note: cannot unshare a mount namespace; source and build trees stay visible" >&2
  if grep -a -q -F "$SRC" "$T/prefix/bin/skipopu"; then echo "the binary contains $SRC"; exit 1; fi
  sed -i '/still visible/d' "$T/job.sh"
  bash "$T/job.sh" "$T/prefix" "$SRC" "$BUILD"
fi
