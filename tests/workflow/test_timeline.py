#!/usr/bin/python3
"""skipopu run --timeline FILE [--timeline-tokens A:B]: a Chrome/Perfetto trace-event file.
Validated against the format (JSON object with traceEvents; every event a known phase with
pid/tid; X events with ts >= 0 and dur >= 0; B/E balanced per track; per track, slices in
time order and never partially overlapping; every track named), its content checked exactly
against the series of the same run (per token: the instruction slices' cycles sum to the
step's cycles, the HBM slices' bytes to the bytes the step requested), the token range bounds
it, and bad ranges are one-line errors that write nothing. Also renders the stand-in Gantt PNG
(tools/plot_timeline.py) and checks it is a PNG.

usage: test_timeline.py SKIPOPU_BINARY SOURCE_DIR
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

import pandas as pd

BIN, SRC = sys.argv[1], sys.argv[2]
TRACE = os.path.join(SRC, "tests", "golden", "traces", "tiny-p16-d8-s4.trace")  # 16 prompt + 8 decoded tokens


def run(*args, rc=0):
    p = subprocess.run([BIN, "run", "--trace", TRACE, "-q", *args], capture_output=True, text=True)
    assert p.returncode == rc, (args, p.returncode, p.stderr)
    return p


def validate(doc):
    """Trace-event format checks; returns {(pid, tid): [X events]} and the track names."""
    assert isinstance(doc, dict) and isinstance(doc["traceEvents"], list)
    names, tracks, open_b = {}, collections.defaultdict(list), collections.defaultdict(list)
    for e in doc["traceEvents"]:
        assert e["ph"] in ("X", "M", "B", "E"), e
        assert isinstance(e["pid"], int) and isinstance(e["tid"], int) and isinstance(e["name"], str), e
        key = (e["pid"], e["tid"])
        if e["ph"] == "M":
            if e["name"] == "thread_name":
                names[key] = e["args"]["name"]
            continue
        assert isinstance(e["ts"], (int, float)) and e["ts"] >= 0, e
        if e["ph"] == "X":
            assert isinstance(e["dur"], (int, float)) and e["dur"] >= 0, e
            tracks[key].append(e)
        elif e["ph"] == "B":
            open_b[key].append(e)
        else:
            assert open_b[key] and open_b[key][-1]["name"] == e["name"] and open_b[key][-1]["ts"] <= e["ts"], e
            open_b[key].pop()
    assert not any(open_b.values()), "unmatched B events"
    for key, evs in tracks.items():
        assert key in names, f"track {key} has no thread_name"
        stack = []  # end times of enclosing slices: slices nest or follow, never partly overlap
        for a, b in zip(evs, evs[1:]):
            assert b["ts"] >= a["ts"], ("time goes back on", names[key], a, b)
        for e in evs:
            while stack and stack[-1] <= e["ts"] + 5e-5:  # times are exact to 1e-4 us
                stack.pop()
            end = e["ts"] + e["dur"]
            assert not stack or end <= stack[-1] + 5e-5, ("partial overlap on", names[key], e)
            stack.append(end)
    return tracks, names


def main():
    with tempfile.TemporaryDirectory() as d:
        tl, s = os.path.join(d, "t.json"), os.path.join(d, "s.csv")
        run("--timeline", tl, "--timeline-tokens", "15:18", "--series", s)
        doc = json.load(open(tl))
        tracks, names = validate(doc)
        assert doc["otherData"]["timeline_tokens"] == [15, 18] and doc["otherData"]["model"] == "tiny"
        blocks = {"controller", "router", "pe_array", "nonlinear", "weight_dma", "kv_history"}
        assert {names[k] for k in tracks if k[0] == 1} <= blocks and {"controller", "router", "pe_array"} <= {
            names[k] for k in tracks if k[0] == 1}
        pcs = {names[k].split()[0] for k in tracks if k[0] == 2}
        assert pcs == {f"pc{i:02d}" for i in range(32)}, pcs  # every pseudo-channel carries traffic

        instr = [e for k, evs in tracks.items() if k[0] == 1 for e in evs]
        hbm = [e for k, evs in tracks.items() if k[0] == 2 for e in evs]
        for e in instr:
            assert {"instr", "op", "layer", "token", "cycle", "cycles"} <= e["args"].keys(), e
        for e in hbm:
            assert {"traffic", "bytes", "instr", "op", "layer", "token"} <= e["args"].keys(), e
            assert e["args"]["bytes"] > 0 and e["cat"] == "hbm"
        # Tokens 15:18 = the prefill step (tokens 0..15, recorded because token 15 is in it) and
        # the decoded tokens 16 and 17.
        series = pd.read_csv(s)
        steps = series.groupby("token")[["cycles", "hbm_bytes"]].sum()
        got = sorted({e["args"]["token"] for e in instr})
        assert got == [0, 16, 17], got
        for t in got:
            cyc = sum(e["args"]["cycles"] for e in instr if e["args"]["token"] == t)
            byt = sum(e["args"]["bytes"] for e in hbm if e["args"]["token"] == t)
            assert cyc == steps.loc[t, "cycles"], (t, cyc, steps.loc[t, "cycles"])
            assert byt == steps.loc[t, "hbm_bytes"], (t, byt, steps.loc[t, "hbm_bytes"])
        # Slices on one block track follow each other without gaps within a step.
        ctl = sorted(instr, key=lambda e: (e["args"]["cycle"], e["args"]["cycles"]))
        for a, b in zip(ctl, ctl[1:]):
            if a["args"]["token"] == b["args"]["token"]:
                assert a["args"]["cycle"] + a["args"]["cycles"] == b["args"]["cycle"], (a, b)
        # Deterministic.
        tl2 = os.path.join(d, "t2.json")
        run("--timeline", tl2, "--timeline-tokens", "15:18")
        assert open(tl2).read() == open(tl).read()

        # Bounded: the default is the first decoded token; size grows with the range.
        one, two = os.path.join(d, "one.json"), os.path.join(d, "two.json")
        run("--timeline", one)
        run("--timeline", two, "--timeline-tokens", "16:18")
        t1, t2 = json.load(open(one)), json.load(open(two))
        validate(t1)
        validate(t2)
        assert t1["otherData"]["timeline_tokens"] == [16, 17]
        assert {e["args"]["token"] for e in t1["traceEvents"] if e["ph"] == "X"} == {16}
        n1 = sum(e["ph"] == "X" for e in t1["traceEvents"])
        n2 = sum(e["ph"] == "X" for e in t2["traceEvents"])
        assert n1 < n2 < 3 * n1, (n1, n2)

        # Bad ranges and options: one line, exit 2, no file.
        bad = os.path.join(d, "bad.json")
        for args, msg in [
            (["--timeline", bad, "--timeline-tokens", "5:3"], "expected A < B, got '5:3'"),
            (["--timeline", bad, "--timeline-tokens", "0:25"], "ends past the trace's 24 tokens"),
            (["--timeline", bad, "--timeline-tokens", "x:2"], "expected A:B"),
            (["--timeline", bad, "--timeline-tokens", "4"], "expected A:B"),
            (["--timeline-tokens", "0:2"], "--timeline-tokens needs --timeline FILE"),
        ]:
            p = run(*args, rc=2)
            assert p.stderr.count("\n") == 1 and msg in p.stderr, (args, p.stderr)
            assert not os.path.exists(bad)

        # The stand-in picture: a Gantt PNG rendered from the same file.
        png = os.path.join(d, "t.png")
        p = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "tools", "plot_timeline.py"), tl, png],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
        print(f"timeline: {len(instr)} instruction slices on {len([k for k in tracks if k[0] == 1])} block tracks, "
              f"{len(hbm)} HBM slices on {len([k for k in tracks if k[0] == 2])} pseudo-channel lanes; "
              f"per token equal to the series")
    return 0


if __name__ == "__main__":
    sys.exit(main())
