#!/usr/bin/env bash
# tests/rtl/rtl_top.sh SKIPOPU SKIPOPU_RTL SRC SETS...
# The whole processor in the loop (docs/rtl.md "The whole processor in the loop"): the same
# trace of the tiny model (tests/rtl/tiny-d64.json: 8 prompt tokens, 12 decoded, seed 1,
# generated here) on the SystemC top (skipopu) and on the verilated skipopu_processor with the
# SystemC HBM model behind its AXI ports (skipopu-rtl, blocks.top=rtl), both on the config of
# the linked processor (SETS: the --set options of SKIPOPU_RTL_PROC_ARGS, and since step 21 of
# docs/rtl.md "The whole processor in the loop" --set kv.gather_bytes=256, one K/V entry: the
# generated gather's request shape; tests/rtl/CMakeLists.txt's top_sets). Printed: each side's
# cycles per step (the prefill, then every decode token), the per-block counters (those with one
# definition on both sides compared: busy, GEMM tile steps and weight waits, K/V buffer events,
# HBM bytes by class), the
# first diverging instruction (step token, pc, instruction, the block it runs on, start cycle
# in each run), the instructions' durations summed by kind (rtl - systemc) and each run's
# simulation speed.
# The test requires the two to be cycle-identical (since docs/rtl.md step 27): every instruction
# of the run issued at the same cycle on both sides (so every step's cycles equal) and every
# compared counter equal; a difference fails it with the first diverging instruction. It also
# keeps both sides' figures (tests/rtl/rtl_top.expected: per-step cycles, per-block counters,
# the error lines), so a change that moves both sides alike is seen too; --update rewrites that
# file from this run (it never accepts a run that is not identical).
set -euo pipefail
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
sk=$1 skr=$2 src=$3
shift 3
sets=("$@")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
model=$src/tests/rtl/tiny-d64.json
expected=$src/tests/rtl/rtl_top.expected
"$sk" gen-trace --model "$model" --prompt 8 --decode 12 --seed 1 --out "$tmp/t.trace" >/dev/null 2>&1
common=(run --trace "$tmp/t.trace" --model "$model" --config "$src/configs/u280.json" "${sets[@]}" --format json)
t0=$(date +%s.%N)
"$sk" "${common[@]}" --out "$tmp/sc.json" --timeline "$tmp/sc_tl.json" --timeline-tokens 0:20
t1=$(date +%s.%N)
"$skr" "${common[@]}" --set blocks.top=rtl --out "$tmp/rtl.json" --timeline "$tmp/rtl_tl.json" --timeline-tokens 0:20
t2=$(date +%s.%N)
python3 - "$tmp" "$t0" "$t1" "$t2" "$src" > "$tmp/out.txt" <<'PY'
import json, sys
d = sys.argv[1]
a, b = (json.load(open(f"{d}/{n}.json")) for n in ("sc", "rtl"))
ta, tb = (json.load(open(f"{d}/{n}_tl.json")) for n in ("sc", "rtl"))
assert "top" not in a["inputs"]["blocks"], a["inputs"]["blocks"]
assert b["inputs"]["blocks"]["top"] == "rtl", b["inputs"]["blocks"]
sys.path.insert(0, sys.argv[5] + "/tools")
import rtl_top_diff  # the timelines' instructions and durations, one parser for both tools
def instrs(t):
    return rtl_top_diff.instrs(t["traceEvents"] if isinstance(t, dict) else t)
def summary(r):
    return r["stats"]["groups"]["summary"]["stats"]
def steps(ins, r):
    starts = {}
    for tok, cyc, *_ in ins:
        starts.setdefault(tok, cyc)
    s = summary(r)
    end = s["prefill_cycles"]["value"] + s["decode_cycles"]["value"]
    toks = sorted(starts)
    return [(t, (starts[toks[i + 1]] if i + 1 < len(toks) else end) - starts[t]) for i, t in enumerate(toks)]
ia, ib = instrs(ta), instrs(tb)
sa, sb = steps(ia, a), steps(ib, b)
# Which block an instruction runs on (as the SystemC top's timeline groups them).
def block(name):
    op = name.split()[0]
    return {"EMBED": "hbm (embedding)", "ROUTE": "router", "GEMM": "pe_array", "ATTN": "pe_array (attention)",
            "LOADW": "weight_dma", "KV_STORE": "kv store", "KV_PREFETCH": "kv_history", "BRANCH": "controller",
            "JUMP": "controller"}.get(op, "nonlinear")
print("cycles per step (token: systemc rtl rtl-systemc):")
for (t, x), (u, y) in zip(sa, sb):
    assert t == u, (t, u)
    print(f"  {'prefill' if t == 0 else 'token ' + str(t):>9}: {x:7d} {y:7d} {y - x:+7d}")
ea, eb = summary(a)["total_cycles"]["value"], summary(b)["total_cycles"]["value"]
print(f"total: systemc {ea} cycles, rtl {eb} cycles; instructions issued: systemc {len(ia)}, rtl {len(ib)}")
first = None
for k in range(max(len(ia), len(ib))):
    x = ia[k] if k < len(ia) else None
    y = ib[k] if k < len(ib) else None
    if x is None or y is None or x[0] != y[0] or x[1] != y[1] or x[2] != y[2]:
        first = (k, x, y)
        break
if first is None:
    print("no diverging instruction: every instruction starts at the same cycle")
else:
    k, x, y = first
    def show(v):
        return "none" if v is None else f"pc {v[2]} {v[3]} [{block(v[3])}] at cycle {v[1]}"
    print(f"first diverging instruction: #{k} of the run, step of token {(x or y)[0]}: systemc {show(x)}, rtl {show(y)}")
# Each instruction's duration (to the next one's issue; the last one's to the run's end), summed
# by kind (GEMM by matrix, ATTN by layer): the mechanism table of docs/rtl.md.
def durations(ins, r):
    s = summary(r)
    return rtl_top_diff.durations(ins, s["prefill_cycles"]["value"] + s["decode_cycles"]["value"])
def kind(name):
    op, *rest = name.split()
    if op == "GEMM":
        return "GEMM " + "..".join(p.split(".")[-1] for p in rest[0].split(".."))
    return op + (" " + rest[0] if op == "ATTN" else "")
kinds = {}
for (tok, name, x), (_, _, y) in zip(durations(ia, a), durations(ib, b)):
    v = kinds.setdefault(kind(name), [0, 0, 0, 0])  # decode: rtl-systemc, differing, all; prefill: rtl-systemc
    if tok == 0:
        v[3] += y - x
    else:
        v[0] += y - x
        v[1] += y != x
        v[2] += 1
print("instruction durations by kind, rtl-systemc (decode: sum, differing of all; prefill: sum):")
for k in sorted(kinds):
    v = kinds[k]
    if v[1] or v[3]:
        print(f"  {k:<22} decode {v[0]:+6d} ({v[1]} of {v[2]})  prefill {v[3]:+5d}")
blk = lambda r: r["stats"]["groups"]["blocks"]["groups"]
# Each unit's counters with one definition on both sides: the SystemC blocks' (their report
# groups) and the generated processor's unit state counted by the transactor (rtl_top).
sv = lambda grp, k: blk(a)[grp]["stats"][k]["value"]
rv = lambda k: blk(b)["rtl_top"]["stats"][k]["value"]
pairs = [("router busy", sv("router", "busy_cycles"), rv("router_busy")),
         ("nonlinear busy", sv("nonlinear", "busy_cycles"), rv("nonlinear_busy")),
         ("pe_array GEMM tile steps", sv("pe_array", "gemm_compute_cycles"), rv("pe_array_tile_steps")),
         ("pe_array GEMM run", sv("pe_array", "gemm_run_cycles"), rv("pe_array_busy")),
         ("pe_array GEMM weight wait", sv("pe_array", "gemm_weight_wait_cycles"), rv("pe_array_weight_wait")),
         ("attention busy", sv("pe_array", "attention_cycles"), rv("attention_busy")),
         ("embedding busy", sv("embedding", "busy_cycles"), rv("embed_busy")),
         ("kv_store busy", sv("kv_store", "busy_cycles"), rv("kv_store_busy"))]
pairs += [(f"kv_history {k}", sv("kv_history", k), rv("kv_" + k))
          for k in ("captured", "fetched", "hits", "kept", "misses", "overflow")]
hb = lambda r: {k[6:]: v["value"] for k, v in blk(r)["hbm"]["stats"].items() if k.startswith("bytes_")}
ha, hbr = hb(a), hb(b)
assert sorted(ha) == sorted(hbr), (sorted(ha), sorted(hbr))
pairs += [(f"hbm bytes {k}", ha[k], hbr[k]) for k in sorted(ha)]
counters_same = all(x == y for _, x, y in pairs)
print("per-block counters, one definition on both sides (systemc rtl rtl-systemc):")
for n, x, y in pairs:
    print(f"  {n:<26} {x:7d} {y:7d} {y - x:+7d}")
st = blk(b)["rtl_top"]["stats"]
print("  rtl only (SystemC's KV_PREFETCH takes its issue cycle): " +
      ", ".join(f"{k} {st[k]['value']}" for k in ("kv_prefetch_busy",)))
print("  rtl ports: " + ", ".join(f"{k} {v['value']}" for k, v in st.items() if k.startswith("port")))
if first is None and counters_same:
    print("identical: every instruction starts at the same cycle and every compared counter is equal")
t0, t1, t2 = (float(x) for x in sys.argv[2:5])
print(f"speed: systemc {ea} cycles in {t1 - t0:.2f} s wall ({ea / max(t1 - t0, 1e-9):.3g} cycles/s), "
      f"rtl {eb} cycles in {t2 - t1:.2f} s wall ({eb / max(t2 - t1, 1e-9):.3g} cycles/s)", file=sys.stderr)
PY
cat "$tmp/out.txt"
# Errors, one line each, exit 2: skipopu has no RTL top; a config of another shape than the
# linked processor's; the RTL controller beside the RTL top; a KV buffer read rate over 16 bits;
# a request latency the processor does not have; a trace longer than its tables.
errs() {
  local want=$1
  shift
  local rc=0 msg
  msg=$("$@" -q 2>&1) || rc=$?
  echo "exit $rc: ${msg#*configs/u280.json: }" >> "$tmp/out.txt"
  case "$msg" in *"$want"*) [ $rc -eq 2 ] || echo "unexpected exit $rc" >> "$tmp/out.txt" ;; *) echo "unexpected message" >> "$tmp/out.txt" ;; esac
}
errs '/blocks/top: implementation "rtl" needs the skipopu-rtl binary' "$sk" "${common[@]}" --set blocks.top=rtl
errs '/hbm/ports: skipopu-rtl links a processor generated for' "$skr" "${common[@]}" --set hbm.ports=8 --set blocks.top=rtl
errs '/blocks/controller: expected "systemc" with blocks.top=rtl' "$skr" "${common[@]}" --set blocks.top=rtl --set blocks.controller=rtl
# the KV history buffer's read rate beyond the processor's 16-bit cfg_kv_read_bytes
errs "/kv_buffer/urams: blocks.top=rtl: the KV history buffer's read rate" "$skr" "${common[@]}" --set kv_buffer.urams=10000 --set blocks.top=rtl
# a request latency other than the one the processor's registers fix (issue 12: the SystemC blocks wait the config's)
errs '/kv/request_cycles: expected 2, what the generated processor' "$skr" "${common[@]}" --set kv.request_cycles=0 --set blocks.top=rtl
errs '/embedding/intake_beats_per_cycle: expected 2, what the generated processor' "$skr" "${common[@]}" --set embedding.intake_beats_per_cycle=1 --set blocks.top=rtl
errs "/hbm/master_ar_cycles: expected 2, the generated AXI masters' one burst address a core cycle" "$skr" "${common[@]}" --set hbm.master_ar_cycles=1 --set blocks.top=rtl
errs "/hbm/master_command_gap_cycles: expected 2, the generated AXI read masters' one core cycle between two commands" "$skr" "${common[@]}" --set hbm.master_command_gap_cycles=0 --set blocks.top=rtl
# a trace longer than the linked processor's tables (64 tokens): 60 prompt + 8 decoded
"$sk" gen-trace --model "$model" --prompt 60 --decode 8 --seed 1 --out "$tmp/long.trace" >/dev/null 2>&1
errs '/blocks/top: the trace reaches token 64; skipopu-rtl links a processor with tables for 64 tokens' \
  "$skr" run --trace "$tmp/long.trace" --model "$model" --config "$src/configs/u280.json" "${sets[@]}" --format json \
  --out "$tmp/long.json" --set blocks.top=rtl
[ ! -e "$tmp/long.json" ] || echo "a result file was written for the refused run" >> "$tmp/out.txt"
if ! grep -q '^identical' "$tmp/out.txt"; then
  echo "FAIL: SystemC and the RTL processor are not cycle-identical (the first diverging instruction and the counters above)"
  exit 1
fi
if [ $update -eq 1 ]; then
  cp "$tmp/out.txt" "$expected"
  echo "rewrote $expected"
  exit 0
fi
if ! diff -u "$expected" "$tmp/out.txt"; then
  echo "FAIL: cycle-identical, but the figures differ from the kept ones ($expected; -: kept, +: this run; both sides moved alike)"
  exit 1
fi
echo "PASS: cycle-identical (every instruction, every step, every compared counter), figures as kept"
