#!/usr/bin/env bash
# tests/rtl/rtl_controller.sh SKIPOPU SKIPOPU_RTL SRC SETS...
# RTL in the loop (docs/rtl.md "Controller in the loop"): the verilated generated controller
# sequences the overlay program (skipopu-rtl, blocks.controller=rtl) against the SystemC top's
# own sequencing (skipopu), on the small RTL design's config (SETS: its --set options) and a
# 2-layer, d_model 64 model decoding 12 tokens after an 8-token prompt (trace generated here,
# deterministic). For each variant both runs write the JSON report and a timeline of every
# instruction of every step: the reports must be identical except the implementation names
# (so every per-block busy/stall/byte counter agrees), and every instruction must start at the
# same cycle in both; the decode steps' cycles are printed. On a difference the first
# diverging instruction is printed (step token, pc, instruction, cycle in each run).
# The instruction issue interval (controller.issue_cycles) is the generated controller's own
# (one slot and a countdown gate), so a wrong interval in the RTL makes the runs differ. The
# linked design's interval comes from SKIPOPU_RTL_SIM_ARGS (the default config: 1); another one
# needs another build of skipopu-rtl, e.g.
#   cmake -B build-ic3 -DSKIPOPU_RTL_SIM_ARGS="<the default list>;--set;controller.issue_cycles=3"
# and this test run there (docs/rtl.md "Controller in the loop").
set -euo pipefail
sk=$1 skr=$2 src=$3
shift 3
sets=("$@")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
model=$src/tests/rtl/tiny-d64.json
"$sk" gen-trace --model "$model" --prompt 8 --decode 12 --seed 1 --out "$tmp/t.trace" >/dev/null 2>&1
fail=0
rtl_extra=()  # what only the RTL run gets besides blocks.controller=rtl
run_variant() {
  local name=$1
  shift
  local t0 t1 t2
  t0=$(date +%s.%N)
  "$sk" run --trace "$tmp/t.trace" --model "$model" --config "$src/configs/u280.json" "${sets[@]}" "$@" \
    --format json --out "$tmp/sc.json" --timeline "$tmp/sc_tl.json" --timeline-tokens 0:20 ||
    { echo "$name: the systemc run failed"; fail=1; return; }
  t1=$(date +%s.%N)
  "$skr" run --trace "$tmp/t.trace" --model "$model" --config "$src/configs/u280.json" "${sets[@]}" "$@" \
    "${rtl_extra[@]}" --set blocks.controller=rtl --format json --out "$tmp/rtl.json" --timeline "$tmp/rtl_tl.json" --timeline-tokens 0:20 ||
    { echo "$name: the rtl run failed"; fail=1; return; }
  t2=$(date +%s.%N)
  if ! python3 - "$tmp" "$name" "$t0" "$t1" "$t2" <<'PY'
import json, sys
d = sys.argv[1]
a, b = (json.load(open(f"{d}/{n}.json")) for n in ("sc", "rtl"))
ta, tb = (json.load(open(f"{d}/{n}_tl.json")) for n in ("sc", "rtl"))
assert "controller" not in a["inputs"]["blocks"], a["inputs"]["blocks"]
assert b["inputs"]["blocks"]["controller"] == "rtl", b["inputs"]["blocks"]
assert b["config"]["blocks"]["controller"] == "rtl", b["config"]["blocks"]
del b["inputs"]["blocks"]["controller"], b["config"]["blocks"]["controller"]
# The RTL compute blocks (when the RTL run uses them) are compared by tests/rtl/rtl_run.sh.
for r in (a, b):
    del r["inputs"]["blocks"]
    r["config"]["blocks"] = {}
def instrs(t):
    ev = t["traceEvents"] if isinstance(t, dict) else t
    return [(e["args"]["token"], e["args"]["cycle"], e["args"]["instr"], e["name"], e["args"]["cycles"])
            for e in ev if e.get("cat") == "instr"]
ia, ib = instrs(ta), instrs(tb)
ok = True
for k in range(max(len(ia), len(ib))):
    x = ia[k] if k < len(ia) else None
    y = ib[k] if k < len(ib) else None
    if x != y:
        def show(v):
            return "none" if v is None else f"pc {v[2]} {v[3]} at cycle {v[1]} ({v[4]} cycles)"
        tok = (x or y)[0]
        print(f"  first diverging instruction: #{k} of the run, step of token {tok}: "
              f"systemc {show(x)}, rtl {show(y)}")
        ok = False
        break
if a != b:
    ok = False
    out = []
    def diff(x, y, p=""):
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y)):
                diff(x.get(k), y.get(k), p + "/" + k)
        elif x != y:
            out.append(f"  report differs at {p}: systemc {str(x)[:80]}, rtl {str(y)[:80]}")
    diff(a, b)
    print("\n".join(out[:8] + ([f"  ... {len(out) - 8} more"] if len(out) > 8 else [])))
if not ok:
    sys.exit(1)
# Per decode step: from its first instruction to the next step's (the last: the run's end).
starts = {}
for tok, cyc, *_ in ia:
    starts.setdefault(tok, cyc)
summ = a["stats"]["groups"]["summary"]["stats"]
end = summ["total_cycles"]["value"]
decode_end = summ["prefill_cycles"]["value"] + summ["decode_cycles"]["value"]
toks = sorted(starts)
dec = [(starts[toks[i + 1]] if i + 1 < len(toks) else decode_end) - starts[t] for i, t in enumerate(toks) if t >= 8]
# The timeline's steps against the report's own per-token figures.
assert len(dec) == 12 and sum(dec) == summ["decode_cycles"]["value"], dec
assert min(dec) == summ["cycles_per_token_min"]["value"] and max(dec) == summ["cycles_per_token_max"]["value"], dec
t0, t1, t2 = (float(x) for x in sys.argv[3:6])
print(f"{sys.argv[2]:<40} identical: {len(ia)} instructions, {end} cycles; wall systemc {t1 - t0:.2f} s, rtl {t2 - t1:.2f} s")
print("  decode cycles per token: " + " ".join(str(c) for c in dec))
PY
  then
    echo "$name: DIFFER"
    fail=1
  fi
}
run_variant "reuse, fused"
run_variant "dense K/V, unfused" --set kv.policy=dense --set fusion=false
run_variant "evict, router weights from HBM" --set kv.policy=evict --set router.weights_on_chip=false
rtl_extra=(--set blocks.pe_array=rtl --set blocks.nonlinear=rtl --set blocks.router=rtl)
run_variant "reuse, fused; RTL compute blocks too"
# A waveform of the controller (--wave): the run is the same; the VCD has the controller's
# scope and two time steps per core cycle of the run.
rtl_extra=(--wave "$tmp/w.vcd")
run_variant "reuse, fused, --wave"
if grep -q '^ *\$scope module rtl_controller' "$tmp/w.vcd" &&
   python3 - "$tmp/w.vcd" "$tmp/sc.json" <<'PY'
import json, sys
last = max(int(l[1:]) for l in open(sys.argv[1]) if l.startswith("#"))
cyc = json.load(open(sys.argv[2]))["stats"]["groups"]["summary"]["stats"]["total_cycles"]["value"]
print(f"  --wave: {last + 1} VCD time steps for {cyc} cycles")
sys.exit(0 if last + 1 >= 2 * cyc else 1)
PY
then :; else echo "--wave: no controller waveform"; fail=1; fi
msg=$("$sk" run --trace "$tmp/t.trace" --model "$model" "${sets[@]}" -q --wave "$tmp/w2.vcd" 2>&1) && fail=1
echo "$msg"
case "$msg" in *"command line: --wave: expected blocks.controller=rtl"*) ;; *) fail=1 ;; esac
# A program longer than the linked controller's memory: one line naming the field, exit 2.
python3 -c "import json,sys; m=json.load(open(sys.argv[1])); m['layers']=64; m['name']='deep'; json.dump(m, open(sys.argv[2], 'w'))" \
  "$model" "$tmp/deep.json"
"$sk" gen-trace --model "$tmp/deep.json" --prompt 2 --decode 1 --seed 1 --out "$tmp/deep.trace" >/dev/null 2>&1
rc=0
msg=$("$skr" run --trace "$tmp/deep.trace" --model "$tmp/deep.json" "${sets[@]}" -q --set blocks.controller=rtl 2>&1) || rc=$?
echo "exit $rc: $msg"
case "$msg" in *"/blocks/controller: the program has 1088 instructions; skipopu-rtl links a controller with room for 1023"*)
  [ $rc -eq 2 ] || fail=1 ;; *) fail=1 ;; esac
# A config whose instruction issue interval is not the linked controller's (the interval is
# the generated design's countdown): one line naming the field, exit 2.
linked=$(printf '%s\n' "${sets[@]}" | sed -n 's/^controller\.issue_cycles=//p' | tail -1)
[ -n "$linked" ] || linked=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['controller']['issue_cycles'])" "$src/configs/u280.json")
rc=0
msg=$("$skr" run --trace "$tmp/t.trace" --model "$model" "${sets[@]}" -q --set blocks.controller=rtl \
  --set controller.issue_cycles=$((linked + 1)) 2>&1) || rc=$?
echo "exit $rc: $msg"
case "$msg" in *"/controller/issue_cycles: $((linked + 1)) with blocks.controller=rtl; skipopu-rtl links a controller generated with issue_cycles $linked"*)
  [ $rc -eq 2 ] || fail=1 ;; *) fail=1 ;; esac
# skipopu itself has only the SystemC controller: one line naming the field, exit 2.
set +e
msg=$("$sk" run --trace "$tmp/t.trace" --model "$model" "${sets[@]}" --set blocks.controller=rtl 2>&1)
rc=$?
set -e
echo "exit $rc: $msg"
case "$msg" in
  *"/blocks/controller: implementation \"rtl\" needs the skipopu-rtl binary"*) [ $rc -eq 2 ] || fail=1 ;;
  *) fail=1 ;;
esac
exit $fail
