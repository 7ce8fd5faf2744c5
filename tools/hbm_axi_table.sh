#!/bin/sh
# AXI front end table for docs/hbm.md ("AXI front end"): one AXI port reading random 32-B and
# 64-B requests over 1, 2 and 4 pseudo-channels with one AXI ID and with 32 IDs (round-robin),
# U280 preset (axi.id_ordering single_slave_per_id), bank model; then PG310's case, four
# ports each reading random 64 B over the same four PCs, with 1 ID and with 64 IDs per port.
# Usage: tools/hbm_axi_table.sh [path/to/skipopu]   (default: build/src/cli/skipopu)
# Deterministic: every figure is exact for a given tree.
set -eu
BIN=${1:-build/src/cli/skipopu}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

row() {  # label, then hbm-bench options
  label=$1; shift
  "$BIN" hbm-bench --preset u280 --model bank --pattern random "$@" --json "$TMP/r.json" > /dev/null
  python3 - "$label" "$TMP/r.json" <<'PY'
import json, sys
label, path = sys.argv[1], sys.argv[2]
j = json.load(open(path)); r = j["results"]
stall = next((s["value"] for s in [j["report"]["stats"].get("axi_id_stalls")] if s), 0)
print(f"| {label} | {r['bandwidth_gbs']:.2f} | {r['latency_cycles']['mean']:.1f} | {stall} |")
PY
}

echo "| workload (u280, bank model, random reads, 32 outstanding per port) | GB/s | mean latency (AXI cycles) | ID stalls |"
echo "|---|---|---|---|"
for size in 32 64; do
  for pcs in 1 2 4; do
    for ids in 1 32; do
      row "1 port, ${size} B, ${pcs} PC(s), ${ids} ID(s)" --size "$size" --pcs "$pcs" --ports 1 --axi-ids "$ids" --requests 20000
    done
  done
done
S="--stream port=0,pc=0-3 --stream port=1,pc=0-3 --stream port=2,pc=0-3 --stream port=3,pc=0-3"
# shellcheck disable=SC2086
row "4 ports x the same 4 PCs, 64 B, 1 ID (PG310: 4.225 GB/s without RAMA)" $S --size 64 --axi-ids 1 --requests 5000
# shellcheck disable=SC2086
row "4 ports x the same 4 PCs, 64 B, 64 IDs (PG310: 40.73 GB/s with RAMA)" $S --size 64 --axi-ids 64 --requests 5000
