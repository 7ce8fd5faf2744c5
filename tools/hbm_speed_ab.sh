#!/bin/bash
# A/B speed benchmark of two skipopu binaries on the HBM microbenchmark (fast path; not part of
# CI; nothing here asserts a time). Runs OLD and NEW alternately N times per workload and prints,
# per binary, the best and the median simulator speed per CPU second of the simulation loop
# (requests/s and 32-B units/s). On a shared machine the best run is the least disturbed one;
# the median says how often that happens.
# Usage: tools/hbm_speed_ab.sh OLD_BINARY NEW_BINARY [N=7]
set -eu
OLD=$1; NEW=$2; N=${3:-7}
W=(
"seq 1 MiB x 32 PCs|--size 1048576 --requests 8 --outstanding 2"
"seq 4 KiB x 32 PCs|--size 4096 --requests 4000 --outstanding 8"
"seq 512 B x 32 PCs|--size 512 --requests 20000 --outstanding 16"
"seq 32 B x 32 PCs|--size 32 --requests 100000 --outstanding 64"
"random 32 B x 32 PCs|--pattern random --size 32 --requests 20000 --outstanding 32"
"random 64 B, 30% writes|--pattern random --size 64 --requests 20000 --outstanding 32 --write-fraction 0.3"
"strided 128 B / 8 KiB|--pattern strided --size 128 --stride 8192 --requests 20000 --outstanding 32"
)
for w in "${W[@]}"; do
  name=${w%%|*}; args=${w#*|}
  for _ in $(seq "$N"); do
    for b in "$OLD" "$NEW"; do
      # "simulator  X s CPU (Y s wall), R requests/s, U 32-B units/s (per CPU second)"
      echo "$b $("$b" hbm-bench $args | awk '/simulator/{print $2, $8, $10}')"
    done
  done | /usr/bin/python3 -c '
import sys
name, old, new = sys.argv[1], sys.argv[2], sys.argv[3]
runs = {}
for line in sys.stdin:
    b, cpu, req, unit = line.split()
    runs.setdefault(b, []).append((float(cpu), float(req), float(unit)))
cells = []
for b in (old, new):
    v = sorted(runs[b])
    best, med = v[0], v[len(v) // 2]
    cells.append(f"best {best[1]:.3g} req/s {best[2]:.3g} 32B/s, median {med[1]:.3g} req/s {med[2]:.3g} 32B/s")
pad = " " * 26
print(f"{name:26s} old: {cells[0]}")
print(f"{pad} new: {cells[1]}")
' "$name" "$OLD" "$NEW"
done
