#!/usr/bin/env python3
"""tools/rtl_top_diff.py SC_TIMELINE RTL_TIMELINE [--hbm TOKEN:INSTR_NAME]...

Instruction by instruction, the two runs of tests/rtl/rtl_top.sh (skipopu and skipopu-rtl
--set blocks.top=rtl, each with --timeline FILE --timeline-tokens 0:20): every instruction whose
duration (to the next one's issue) differs, with both issue cycles (docs/rtl.md "The whole
processor in the loop", steps 20 and 21). With --hbm TOKEN:NAME (e.g. 12:"ATTN L0"), also that
instruction's HBM slices on each side (SystemC's LOADW X counts as GEMM X): pseudo-channel, bytes, start and end relative to its issue
and the absolute start (SystemC: one slice a request; the RTL: one a burst).
"""
import json
import sys


def events(path):
    t = json.load(open(path))
    return t["traceEvents"] if isinstance(t, dict) else t


def instrs(ev):
    """(token, cycle, pc, name) of every instruction issued, in pc order within each step
    (events come per block; within a step the program runs forward). Shared with
    tests/rtl/rtl_top.sh."""
    v = [(e["args"]["token"], e["args"]["cycle"], e["args"]["instr"], e["name"]) for e in ev if e.get("cat") == "instr"]
    return sorted(v, key=lambda x: (x[0], x[2]))


def durations(ins, end):
    """(token, name, cycles) of each instruction: to the next one's issue, the last one's to
    `end` (the run's last cycle). Shared with tests/rtl/rtl_top.sh."""
    return [(x[0], x[3], (ins[k + 1][1] if k + 1 < len(ins) else end) - x[1]) for k, x in enumerate(ins)]


def main(argv):
    args, hbm = [], []
    i = 0
    while i < len(argv):
        if argv[i] == "--hbm" and i + 1 < len(argv):
            tok, name = argv[i + 1].split(":", 1)
            hbm.append((int(tok), name))
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if len(args) != 2:
        sys.exit(__doc__)
    sides = [("systemc", events(args[0])), ("rtl", events(args[1]))]
    a, b = (instrs(ev) for _, ev in sides)
    if [(x[0], x[2]) for x in a] != [(x[0], x[2]) for x in b]:
        sys.exit("rtl_top_diff: the two runs issue different instructions")
    # (the last instruction has no next issue in a timeline: not compared)
    for x, y, (_, _, da), (_, _, db) in zip(a[:-1], b[:-1], durations(a, 0), durations(b, 0)):
        if da != db:
            print(f"token {x[0]:3d} pc {x[2]:3d} {x[3]:28s} issue systemc {x[1]} rtl {y[1]}"
                  f"  duration systemc {da} rtl {db} ({db - da:+d})")
    for tok, name in hbm:
        for side, ev in sides:
            issue = [e["args"]["cycle"] for e in ev
                     if e.get("cat") == "instr" and e["args"]["token"] == tok and e["name"] == name]
            if not issue:
                sys.exit(f"rtl_top_diff: no instruction {name!r} in token {tok}")
            g = issue[0]
            sl = sorted((e for e in ev if e.get("cat") == "hbm" and e["args"]["token"] == tok
                         and e["args"]["op"].replace("LOADW ", "GEMM ", 1) == name),
                        key=lambda e: (e["args"]["cycle"], e["tid"]))
            print(f"{side} token {tok} {name} issue {g}: " + " ".join(
                f"pc{e['tid'] // 100 - 10}:{e['args']['bytes']}B:+{e['args']['cycle'] - g}..+"
                f"{e['args']['cycle'] + e['args']['cycles'] - g}@{e['args']['cycle']}" for e in sl))


if __name__ == "__main__":
    main(sys.argv[1:])
