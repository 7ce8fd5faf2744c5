#!/usr/bin/env bash
# tests/rtl/rtl_run.sh SKIPOPU SKIPOPU_RTL SRC SETS...
# The same trace on the small RTL design's config (SETS: its --set options), once with the
# SystemC blocks (skipopu) and once with the verilated RTL blocks (skipopu-rtl, every block
# "rtl"): the JSON reports must be identical except the implementation names
# (config.blocks, inputs.blocks). Variants cover both traces' steps (prefill batch, decode),
# mixed token counts in one GEMM (kv.policy dense: K/V projections for every token, Q only
# for the routed ones), unfused softmax passes on the nonlinear unit, and router weights read
# from HBM. A run's wall time is printed for each (simulator speed). skipopu-rtl compares the
# RTL's cycle count with timing.hpp on every call and fails the run (exit 1) on a difference.
set -euo pipefail
sk=$1 skr=$2 src=$3
shift 3
sets=("$@")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rtl=(--set blocks.pe_array=rtl --set blocks.nonlinear=rtl --set blocks.router=rtl)
fail=0
run_variant() {
  local name=$1 trace=$2
  shift 2
  local t0 t1 t2
  t0=$(date +%s.%N)
  "$sk" run --trace "$src/traces/$trace" --config "$src/configs/u280.json" "${sets[@]}" "$@" --format json --out "$tmp/sc.json"
  t1=$(date +%s.%N)
  "$skr" run --trace "$src/traces/$trace" --config "$src/configs/u280.json" "${sets[@]}" "$@" "${rtl[@]}" \
    --format json --out "$tmp/rtl.json"
  t2=$(date +%s.%N)
  if python3 - "$tmp/sc.json" "$tmp/rtl.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
want = {"pe_array": "rtl (GEMM; attention: systemc)", "nonlinear": "rtl", "router": "rtl"}
assert b["inputs"]["blocks"] == want, b["inputs"]["blocks"]
assert b["config"]["blocks"] == {k: "rtl" for k in want}, b["config"]["blocks"]
assert a["inputs"]["blocks"] == {k: "systemc" for k in want}, a["inputs"]["blocks"]
for r in (a, b):
    del r["inputs"]["blocks"], r["config"]["blocks"]
if a != b:
    def diff(x, y, p=""):
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y)):
                diff(x.get(k), y.get(k), p + "/" + k)
        elif x != y:
            print(f"  differs at {p}: systemc {str(x)[:80]}, rtl {str(y)[:80]}")
    diff(a, b)
    sys.exit(1)
PY
  then
    python3 - "$tmp/sc.json" "$name" "$t0" "$t1" "$t2" <<'PY'
import json, sys
cyc = json.load(open(sys.argv[1]))["stats"]["groups"]["summary"]["stats"]["total_cycles"]["value"]
t0, t1, t2 = (float(x) for x in sys.argv[3:6])
print(f"{sys.argv[2]:<46} identical: {cyc} cycles; wall systemc {t1 - t0:.2f} s ({cyc / (t1 - t0):.3g} cycles/s), "
      f"rtl {t2 - t1:.2f} s ({cyc / (t2 - t1):.3g} cycles/s)")
PY
  else
    echo "$name: reports DIFFER"
    fail=1
  fi
}
run_variant "tiny-p8-d4" tiny-p8-d4.trace
run_variant "tiny-p8-d4, kv.policy=dense" tiny-p8-d4.trace --set kv.policy=dense
run_variant "tiny-gqa-p8-d4, fusion off, router from HBM" tiny-gqa-p8-d4.trace --set fusion=false \
  --set router.weights_on_chip=false
# The standard binary names the key and points to skipopu-rtl; skipopu-rtl refuses a config
# whose shape is not the linked RTL's (here the default 64 x 128 array), naming the field.
expect_error() {
  local want=$1 rc=0
  shift
  "$@" >/dev/null 2>"$tmp/err" || rc=$?
  local got
  got=$(sed "s#$src/configs/u280.json#<cfg>#" "$tmp/err")
  if [ "$rc" = 2 ] && [ "$got" = "$want" ]; then
    echo "exit 2: $got"
  else
    echo "expected exit 2 and: $want"
    echo "got exit $rc and: $got"
    fail=1
  fi
}
expect_error 'skipopu run: error: <cfg>: /blocks/pe_array: implementation "rtl" needs the skipopu-rtl binary (built when Verilator is found; docs/rtl.md); this binary has only "systemc"' \
  "$sk" run --trace "$src/traces/tiny-p8-d4.trace" --config "$src/configs/u280.json" "${sets[@]}" --set blocks.pe_array=rtl
expect_error 'skipopu run: error: <cfg>: /pe_array/rows: skipopu-rtl links RTL generated for 4 (CMake SKIPOPU_RTL_SIM_ARGS); got 64' \
  "$skr" run --trace "$src/traces/tiny-p8-d4.trace" --config "$src/configs/u280.json" --set blocks.pe_array=rtl
expect_error 'skipopu run: error: <cfg>: /nonlinear/softmax_apply/latency: skipopu-rtl links RTL generated for 5 (CMake SKIPOPU_RTL_SIM_ARGS); got 6' \
  "$skr" run --trace "$src/traces/tiny-p8-d4.trace" --config "$src/configs/u280.json" "${sets[@]}" \
  --set nonlinear.softmax_apply.latency=6 --set blocks.nonlinear=rtl
exit $fail
