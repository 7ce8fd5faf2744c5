#!/bin/sh
# HBM model speed and bandwidth benchmark (not part of CI; no timed assertions anywhere).
# Usage: tools/hbm_speed.sh [path/to/skipopu]   (default: build-hbm/src/cli/skipopu)
# Prints, for each workload, the simulated bandwidth and the simulator speed in requests and
# 32-B units per CPU second, for the fast path and the detailed reference path, and checks
# that both report identical results.
set -eu
BIN=${1:-build-hbm/src/cli/skipopu}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

run() {  # name, then hbm-bench options
  name=$1; shift
  "$BIN" hbm-bench "$@" --json "$TMP/f.json" > "$TMP/f.txt"
  "$BIN" hbm-bench "$@" --detailed --json "$TMP/d.json" > "$TMP/d.txt"
  python3 - "$name" "$TMP" <<'PY'
import json, sys
name, tmp = sys.argv[1], sys.argv[2]
f = json.load(open(tmp + "/f.json")); d = json.load(open(tmp + "/d.json"))
same = f["results"] == d["results"]
def speed(path):
    for line in open(path):
        if line.strip().startswith("simulator"):
            w = line.split()
            return float(w[1]), float(w[7]), float(w[9])
cf, rf, uf = speed(tmp + "/f.txt"); cd, rd, ud = speed(tmp + "/d.txt")
r = f["results"]
print(f"{name:34s} {r['bandwidth_gbs']:8.2f} GB/s  fast {rf:9.3g} req/s {uf:9.3g} 32B/s  "
      f"detailed {rd:9.3g} req/s {ud:9.3g} 32B/s  identical={same}")
if not same:
    sys.exit(1)
PY
}

echo "workload                            bandwidth        simulator speed per CPU second"
run "seq 1 MiB x 32 PCs (weights)"      --size 1048576 --requests 8 --outstanding 2
run "seq 4 KiB x 32 PCs (KV entries)"   --size 4096 --requests 4000 --outstanding 8
run "seq 512 B x 32 PCs"                --size 512 --requests 20000 --outstanding 16
run "seq 32 B x 32 PCs"                 --size 32 --requests 100000 --outstanding 64
run "random 32 B x 32 PCs"              --pattern random --size 32 --requests 20000 --outstanding 32
run "random 64 B x 32 PCs, 30% writes"  --pattern random --size 64 --requests 20000 --outstanding 32 --write-fraction 0.3
run "strided 128 B / 8 KiB x 32 PCs"    --pattern strided --size 128 --stride 8192 --requests 20000 --outstanding 32
