#!/usr/bin/env bash
# tests/rtl/rtl_wave.sh SKIPOPU SKIPOPU_RTL SRC SETS...
# --wave FILE with blocks.top=rtl (docs/rtl.md "The whole processor in the loop"): a few tokens of
# the tiny model (tests/rtl/tiny-d64.json: 4 prompt tokens, 3 decoded, seed 1) on the verilated
# whole processor, once without and once with --wave, on the config of the linked processor
# (SETS: the --set options of SKIPOPU_RTL_PROC_ARGS). Checked: the two reports are byte-identical;
# the VCD names signals of several blocks below the processor (the PE array, the KV history
# buffer, an AXI read master and the K/V port's write master, the controller) and has two time
# steps per core cycle of the run; an unwritable --wave path is one line naming the file, a
# non-zero exit and no result file; a run that fails after the waveform was opened (a trace
# longer than the linked processor's token tables) leaves no waveform (nor its .tmp) behind.
set -euo pipefail
sk=$1 skr=$2 src=$3
shift 3
sets=("$@")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
model=$src/tests/rtl/tiny-d64.json
"$sk" gen-trace --model "$model" --prompt 4 --decode 3 --seed 1 --out "$tmp/t.trace" >/dev/null 2>&1
common=(run --trace "$tmp/t.trace" --model "$model" --config "$src/configs/u280.json" "${sets[@]}" --set blocks.top=rtl
        --format json -q)
fail=0
"$skr" "${common[@]}" --out "$tmp/a.json"
"$skr" "${common[@]}" --out "$tmp/b.json" --wave "$tmp/w.vcd"
if cmp -s "$tmp/a.json" "$tmp/b.json"; then echo "ok   report byte-identical with and without --wave"; else
  echo "FAIL the report differs with --wave"; diff "$tmp/a.json" "$tmp/b.json" | head -10; fail=1; fi
python3 - "$tmp/w.vcd" "$tmp/a.json" <<'PY' || fail=1
import json, re, sys
scopes, sigs, last, in_defs = [], {}, -1, True
path = []
for line in open(sys.argv[1]):
    if in_defs:
        m = re.match(r"\s*\$scope module (\S+)", line)
        if m:
            path.append(m.group(1)); scopes.append(".".join(path)); continue
        if re.match(r"\s*\$upscope", line):
            path.pop(); continue
        m = re.match(r"\s*\$var\s+\S+\s+\d+\s+\S+\s+(\S+)", line)
        if m:
            sigs.setdefault(".".join(path), set()).add(m.group(1)); continue
        if line.startswith("$enddefinitions"):
            in_defs = False
    elif line.startswith("#"):
        last = int(line[1:])
want = {  # block instance (scope suffix) -> a signal it must name
    "u_controller": "pc", "u_pe_array": "in_valid", "u_kv_history": "fill_valid",
    "u_rd_00": "m_axi_arvalid", "u_wr_03": "m_axi_wvalid",
}
ok = True
for inst, sig in want.items():
    hit = [s for s in scopes if s.split(".")[-1] == inst]
    if not hit or sig not in sigs.get(hit[0], set()):
        print(f"FAIL the VCD has no signal {sig} in a scope {inst} (scopes: {len(scopes)})"); ok = False
    else:
        print(f"ok   VCD: {hit[0]}.{sig}")
cyc = json.load(open(sys.argv[2]))["stats"]["groups"]["summary"]["stats"]["total_cycles"]["value"]
print(f"{'ok  ' if last + 1 >= 2 * cyc else 'FAIL'} VCD: {last + 1} time steps for {cyc} cycles, {len(scopes)} scopes, "
      f"{sum(len(v) for v in sigs.values())} signals")
ok = ok and last + 1 >= 2 * cyc
sys.exit(0 if ok else 1)
PY
# An unwritable waveform path: one line naming the file, non-zero exit, no result file.
rc=0
msg=$("$skr" "${common[@]}" --out "$tmp/c.json" --wave "$tmp/no/such/dir/w.vcd" 2>&1) || rc=$?
if [ "$rc" -ne 0 ] && [ "$(wc -l <<<"$msg")" -eq 1 ] && grep -qF "$tmp/no/such/dir/w.vcd: cannot write the waveform" <<<"$msg" &&
   [ ! -e "$tmp/c.json" ]; then
  echo "ok   unwritable --wave: exit $rc: $msg"
else
  echo "FAIL unwritable --wave: exit $rc, result file $([ -e "$tmp/c.json" ] && echo written || echo absent): $msg"; fail=1
fi
# A run refused after the waveform was opened: no waveform under the path, no .tmp left.
"$sk" gen-trace --model "$model" --prompt 60 --decode 8 --seed 1 --out "$tmp/long.trace" >/dev/null 2>&1
rc=0
msg=$("$skr" run --trace "$tmp/long.trace" --model "$model" --config "$src/configs/u280.json" "${sets[@]}" \
      --set blocks.top=rtl --format json -q --out "$tmp/d.json" --wave "$tmp/d.vcd" 2>&1) || rc=$?
if [ "$rc" -ne 0 ] && [ ! -e "$tmp/d.vcd" ] && [ ! -e "$tmp/d.vcd.tmp" ] && [ ! -e "$tmp/d.json" ]; then
  echo "ok   a run failing after the waveform opened: exit $rc, no waveform, no .tmp, no result file: $msg"
else
  echo "FAIL a run failing after the waveform opened: exit $rc; left: $(cd "$tmp" && ls d.* 2>/dev/null | tr '\n' ' ')"; fail=1
fi
[ "$fail" -eq 0 ] && echo PASS || echo FAILED
exit "$fail"
