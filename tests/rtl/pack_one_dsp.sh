#!/usr/bin/env bash
# Yosys maps each generated packing datapath of the default config onto exactly one
# DSP48E2 (synth_xilinx -family xcup), the rest in fabric: prints the cell counts.
set -u
gen=$1
shift
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for layout in "$@"; do
  top=skipopu_pack_$layout
  yosys -q -p "read_verilog $gen/$top.v; synth_xilinx -family xcup -noiopad -top $top; tee -q -o $tmp/stat stat" \
    >"$tmp/log" 2>&1 || { echo "FAIL $layout: yosys: $(tail -3 "$tmp/log")"; fail=1; continue; }
  stat=$(cat "$tmp/stat")
  dsp=$(sed -n 's/^ *DSP48E2 *\([0-9]*\)$/\1/p' <<<"$stat")
  cells=$(grep -E '^ +(LUT[1-6]|CARRY[48]|DSP48E2|FD[RSCP]E|MUXF[78]) +[0-9]+$' <<<"$stat" | awk '{printf "%s %s, ", $1, $2}')
  if [ "$dsp" = 1 ]; then echo "ok   $layout: $cells"; else echo "FAIL $layout: DSP48E2 '${dsp}', cells: $cells"; fail=1; fi
done
exit $fail
