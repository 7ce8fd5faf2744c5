#!/usr/bin/python3
"""skipopu run --series FILE: per-token and per-layer series as CSV or JSON. The CSV loads into
pandas as is; the decode rows sum exactly to the report's decode totals; the JSON holds the same
rows; bad options are one-line errors that write nothing.

usage: test_series.py SKIPOPU_BINARY SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

import pandas as pd

BIN, SRC = sys.argv[1], sys.argv[2]
# Every workload class is non-zero on this trace with router weights in HBM.
TRACE = os.path.join(SRC, "tests", "golden", "traces", "tiny-p16-d8-s4.trace")
SETS = ["--set", "router.weights_on_chip=false"]


def run(*args, rc=0):
    p = subprocess.run([BIN, "run", "--trace", TRACE, *SETS, "-q", *args], capture_output=True, text=True)
    assert p.returncode == rc, (args, p.returncode, p.stderr)
    return p


def stat(rep, path):
    g = rep["stats"]
    *groups, name = path.split(".")
    for k in groups:
        g = g["groups"][k]
    return g["stats"][name]["value"]


def main():
    with tempfile.TemporaryDirectory() as d:
        csv, js, rj = (os.path.join(d, n) for n in ("s.csv", "s.json", "r.json"))
        run("--series", csv, "--json", rj)
        run("--series", js)
        rep = json.load(open(rj))
        df = pd.read_csv(csv)
        ints = ["step", "token", "tokens", "layer", "start_cycle", "cycles", "weights", "embedding", "router_weights",
                "kv_read", "kv_history_hits", "kv_write", "workload_bytes", "hbm_bytes", "kv_hit_entries",
                "kv_miss_entries"]
        for c in ints:
            assert str(df[c].dtype) == "int64", (c, df[c].dtype)
        assert str(df["hbm_utilisation"].dtype) == "float64" and str(df["phase"].dtype) == "object"

        layers = int(df["layer"].max())  # the head's layer number is the model's layer count
        assert layers == 2  # models/tiny.json
        n_dec = stat(rep, "summary.decode_tokens")
        assert len(df) == (1 + n_dec) * (layers + 2), len(df)
        assert list(df["segment"][: layers + 2]) == ["embed"] + [f"L{i}" for i in range(layers)] + ["head"]
        assert list(df["layer"][: layers + 2]) == list(range(-1, layers + 1))

        dec = df[df["phase"] == "decode"]
        pre = df[df["phase"] == "prefill"]
        # Exact sums against the report.
        assert dec["cycles"].sum() == stat(rep, "summary.decode_cycles")
        assert pre["cycles"].sum() == stat(rep, "summary.prefill_cycles")
        pairs = {"weights": "weights", "embedding": "embedding", "router_weights": "router_weights",
                 "kv_read": "kv_read", "kv_history_hits": "kv_history_hits", "kv_write": "kv_write",
                 "workload_bytes": "total", "hbm_bytes": "hbm_physical"}
        for col, s in pairs.items():
            got, want = int(dec[col].sum()), stat(rep, "summary.decode_bytes." + s)
            assert got == want, (col, got, want)
            assert want > 0, (col, "the test trace must exercise every class")
        assert df["kv_hit_entries"].sum() == stat(rep, "blocks.kv_history.hits") > 0
        assert df["kv_miss_entries"].sum() == stat(rep, "blocks.kv_history.misses")
        hbm_all = sum(stat(rep, "blocks.hbm.bytes_" + t)
                      for t in ("weights", "embedding", "kv_read", "kv_write", "kv_prefetch", "router_weights"))
        assert df["hbm_bytes"].sum() == hbm_all
        # Per token: consecutive steps, each the sum of its segments; per layer: a groupby.
        per_token = dec.groupby("token")["cycles"].sum()
        assert per_token.min() == stat(rep, "summary.cycles_per_token_min")
        assert per_token.max() == stat(rep, "summary.cycles_per_token_max")
        starts = dec.groupby("token")["start_cycle"].min()
        assert all(starts.iloc[i] + per_token.iloc[i] == starts.iloc[i + 1] for i in range(len(starts) - 1))
        per_layer = dec.groupby("layer")[["cycles", "weights", "hbm_bytes"]].sum()
        assert len(per_layer) == layers + 2 and per_layer["cycles"].sum() == stat(rep, "summary.decode_cycles")
        # Utilisation: the row's bytes over its time at peak; over all decode rows, the summary's.
        hz, peak = 1e6 * stat(rep, "summary.core_clock_mhz"), 1e9 * stat(rep, "summary.peak_hbm_gbps")
        r = df.iloc[3]
        assert abs(r["hbm_utilisation"] - r["hbm_bytes"] / (r["cycles"] / hz * peak)) <= 1e-8 * r["hbm_utilisation"]
        u = dec["hbm_bytes"].sum() / (dec["cycles"].sum() / hz * peak)
        assert abs(u - stat(rep, "summary.hbm_decode_utilisation")) < 1e-8, u

        j = json.load(open(js))
        assert j["schema"] == "skipopu-series/1" and j["inputs"] == rep["inputs"]
        jdf = pd.DataFrame(j["rows"], columns=[c["name"] for c in j["columns"]])
        assert list(jdf.columns) == list(df.columns)
        assert jdf.drop(columns="hbm_utilisation").equals(df.drop(columns="hbm_utilisation"))
        assert ((jdf["hbm_utilisation"] - df["hbm_utilisation"]).abs() <= 1e-9).all()
        # Every step visits embed, each layer once, head, in that order (here and on a 32-layer
        # model, whose skip paths end in a JUMP).
        want = ["embed"] + [f"L{i}" for i in range(layers)] + ["head"]
        assert all(list(g["segment"]) == want for _, g in df.groupby("step")), "segments out of order"
        big = os.path.join(d, "big.csv")
        p = subprocess.run([BIN, "run", "--trace", os.path.join(SRC, "traces", "llama3.1-8b-p128-d16.trace"), "-q",
                            "--set", "hbm.model=burst", "--series", big], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        b = pd.read_csv(big)
        want32 = ["embed"] + [f"L{i}" for i in range(32)] + ["head"]
        assert len(b) == 17 * 34 and all(list(g["segment"]) == want32 for _, g in b.groupby("step"))
        # Same input, same bytes (deterministic).
        again = os.path.join(d, "again.csv")
        run("--series", again)
        assert open(again).read() == open(csv).read()

        # --series-format beats the extension.
        odd = os.path.join(d, "series.dat")
        run("--series", odd, "--series-format", "json")
        assert json.load(open(odd))["rows"] == j["rows"]
        # Bad input: one line, exit 2, nothing written.
        for args, msg in [
            (["--series", os.path.join(d, "s.txt")], "cannot tell the format"),
            (["--series", os.path.join(d, "s.txt"), "--series-format", "xml"], "expected csv or json, got 'xml'"),
            (["--series-format", "csv"], "--series-format needs --series FILE"),
        ]:
            p = run(*args, rc=2)
            assert p.stderr.count("\n") == 1 and msg in p.stderr, p.stderr
        assert not os.path.exists(os.path.join(d, "s.txt"))
        p = run("--series", os.path.join(d, "no", "dir.csv"), rc=3)
        assert p.stderr.count("\n") == 1, p.stderr
        print(f"series: {len(df)} rows ({n_dec} decode steps x {layers + 2} segments + prefill); decode rows sum to the "
              f"report: {dec['cycles'].sum()} cycles, {dec['workload_bytes'].sum()} workload bytes, "
              f"{dec['hbm_bytes'].sum()} HBM bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
