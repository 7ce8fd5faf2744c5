#!/usr/bin/env bash
# gen-rtl end to end: output is deterministic (two runs byte-identical); bad configs and
# usage exit 2 with one line naming the file and field; an unwritable folder exits 3.
set -u
skipopu=$1 root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {  # check NAME WANT_RC WANT_TEXT -- command...
  local name=$1 want=$2 text=$3
  shift 4
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -ne "$want" ] || ! grep -qF -- "$text" <<<"$out" || [ "$(wc -l <<<"$out")" -ne 1 ]; then
    echo "FAIL $name: rc $rc (want $want), output: $out"; fail=1
  else
    echo "ok   $name: $out"
  fi
}
"$skipopu" gen-rtl --out "$tmp/a" --all-layouts --model "$root/models/tiny.json" >/dev/null &&
  "$skipopu" gen-rtl --out "$tmp/b" --all-layouts --model "$root/models/tiny.json" >/dev/null
if diff -r "$tmp/a" "$tmp/b" >/dev/null && [ "$(ls "$tmp/a" | wc -l)" -ge 12 ] && [ -s "$tmp/a/skipopu_program.hex" ]; then echo "ok   deterministic"; else echo "FAIL deterministic"; fail=1; fi
ls "$tmp/a" | grep -q '\.tmp$' && { echo "FAIL temporary files left"; fail=1; }
cfg=$root/configs/u280.json
check "group_size" 2 "u280.json: /weights/group_size: expected pe_array.cols" -- \
  "$skipopu" gen-rtl --out "$tmp/c" --set weights.group_size=64
check "rows vs lanes" 2 "/pe_array/rows: expected a multiple of the layout's 2 lanes" -- \
  "$skipopu" gen-rtl --out "$tmp/c" --set pe_array.rows=63
check "latency" 2 "/pe_array/pipeline_latency: expected at least 2" -- \
  "$skipopu" gen-rtl --out "$tmp/c" --set pe_array.pipeline_latency=1
check "not a hybrid layout" 2 "is not an FP16-mantissa x INT4 layout" -- \
  "$skipopu" gen-rtl --out "$tmp/c" --set pe_array.layout_fp16_int4=int8x2_wp486
check "nonlinear latency" 2 "u280.json: /nonlinear/softmax_apply/latency: expected at least 2" -- \
  "$skipopu" gen-rtl --out "$tmp/c" --set nonlinear.softmax_apply.latency=1
check "rope lanes odd" 2 "/nonlinear/rope/elems_per_cycle: expected an even number" -- \
  "$skipopu" gen-rtl --out "$tmp/c" --set nonlinear.rope.elems_per_cycle=7
check "router weights" 2 "/router/weight_bits: expected 16 to generate RTL" -- \
  "$skipopu" gen-rtl --out "$tmp/c" --set router.weight_bits=8
check "router latency" 2 "/router/latency: expected at least 2" -- \
  "$skipopu" gen-rtl --out "$tmp/c" --set router.latency=1
check "kv buffer empty" 2 "u280.json: /kv_buffer/urams: expected at least one 256-bit beat of storage" -- \
  "$skipopu" gen-rtl --out "$tmp/c" --set kv_buffer.urams=0
check "kv tokens" 2 "--kv-tokens: expected a power of two in [2, 2^20], got 1000" -- \
  "$skipopu" gen-rtl --out "$tmp/c" --kv-tokens 1000
check "outstanding reads" 2 "/hbm/preset: axi.max_outstanding_reads: expected at most 255" -- \
  "$skipopu" gen-rtl --out "$tmp/c" --set hbm.overrides.axi.max_outstanding_reads=256
# the request and beat-to-array latencies are fixed by the processor's registers (issue 12): one each
for kv in embedding.request_cycles=0 pe_array.dma_request_cycles=2 pe_array.gemm_start_cycles=0 \
          pe_array.weight_beat_cycles=3 kv.request_cycles=4 kv.walk_cycles_per_token=0 hbm.master_ar_cycles=1 \
          hbm.master_command_gap_cycles=0; do
  field=/${kv%%=*}; field=${field//./\/}
  check "latency ${kv%%=*}" 2 "u280.json: $field: expected " -- "$skipopu" gen-rtl --out "$tmp/c" --set "$kv"
done
# the masters' AR pace in AXI cycles: one AR a core cycle, the AXI clock over the core's
check "master pace, core clock" 2 "u280.json: /hbm/master_ar_cycles: expected 3, the generated AXI masters' one burst address a core cycle" -- \
  "$skipopu" gen-rtl --out "$tmp/c" --set clocks.core_mhz=150
# the read masters' command gap likewise (docs/rtl.md step 22): one core cycle in AXI cycles
check "master command gap, core clock" 2 "u280.json: /hbm/master_command_gap_cycles: expected 3, the generated AXI read masters' one core cycle between two commands" -- \
  "$skipopu" gen-rtl --out "$tmp/c" --set clocks.core_mhz=150 --set hbm.master_ar_cycles=3
check "master pace, no whole ratio" 2 "u280.json: /hbm/master_ar_cycles: the generated AXI masters issue one burst address a core cycle, not a whole number of AXI cycles" -- \
  "$skipopu" gen-rtl --out "$tmp/c" --set clocks.core_mhz=200
check "model card" 2 "nope.json: cannot open file" -- "$skipopu" gen-rtl --out "$tmp/c" --model "$tmp/nope.json"
check "no --out" 2 "--out: expected an output folder" -- "$skipopu" gen-rtl --config "$cfg"
check "unwritable" 3 "cannot create folder" -- "$skipopu" gen-rtl --out /proc/skipopu-no/x
[ -e "$tmp/c" ] && { echo "FAIL a rejected config left an output folder"; fail=1; }
exit $fail
