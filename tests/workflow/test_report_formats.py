#!/usr/bin/python3
"""skipopu run --format text|json|csv [--out FILE]: the same stats tree in three forms; the
CSV (path,value,unit; one row per stat) loads into pandas with no post-processing.

usage: test_report_formats.py SKIPOPU_BINARY SOURCE_DIR
"""
import io
import json
import os
import subprocess
import sys
import tempfile

import pandas as pd

BIN, SRC = sys.argv[1], sys.argv[2]
TRACE = os.path.join(SRC, "traces", "tiny-p8-d4.trace")


def run(*args, rc=0):
    p = subprocess.run([BIN, "run", "--trace", TRACE, *args], capture_output=True, text=True)
    assert p.returncode == rc, (args, p.returncode, p.stderr)
    return p


def walk(group, prefix=""):
    for name, s in group.get("stats", {}).items():
        yield prefix + name, s
    for name, g in group.get("groups", {}).items():
        yield from walk(g, prefix + name + ".")


def main():
    with tempfile.TemporaryDirectory() as d:
        text = run().stdout
        assert run("--format", "text").stdout == text and text.startswith("SkipOPU-sim "), text[:80]
        js = run("--format", "json", "--json", os.path.join(d, "r.json")).stdout
        assert js == open(os.path.join(d, "r.json")).read(), "--format json differs from --json FILE"
        rep = json.loads(js)
        assert rep["schema"] == "skipopu-report/1"

        csv = run("--format", "csv").stdout
        df = pd.read_csv(io.StringIO(csv))
        assert list(df.columns) == ["path", "value", "unit"], df.columns
        assert str(df["value"].dtype) == "float64" and str(df["path"].dtype) == "object", df.dtypes
        stats = dict(walk(rep["stats"]))
        assert len(df) == len(stats) and df["path"].is_unique, (len(df), len(stats))
        for path, value, unit in df.itertuples(index=False):
            s = stats[path]
            assert unit == s["unit"], (path, unit, s["unit"])
            want = s["value"]
            assert (value == want) if isinstance(want, int) else abs(value - want) <= 1e-9 * abs(want), (path, value, want)
        # Integers are written exactly (no exponent, no ".0").
        raw = {ln.split(",")[0]: ln.split(",")[1] for ln in csv.splitlines()[1:]}
        for path, s in stats.items():
            if isinstance(s["value"], int):
                assert raw[path] == str(s["value"]), (path, raw[path])
        v = df.set_index("path")["value"]
        assert v["summary.prompt_tokens"] == 8 and v["summary.decode_tokens"] == 4
        print(f"csv: {len(df)} rows, pandas dtypes {dict(df.dtypes.astype(str))}; "
              f"summary.tokens_per_s = {v['summary.tokens_per_s']}")

        # --out: the chosen format to a file (atomically), nothing on stdout.
        out = os.path.join(d, "r.csv")
        p = run("--format", "csv", "--out", out)
        assert p.stdout == "" and open(out).read() == csv and not os.path.exists(out + ".tmp")
        # Bad input and unwritable output: one line, exit 2 and 3.
        p = run("--format", "xml", rc=2)
        assert p.stderr == "skipopu run: error: command line: --format: expected text, json or csv, got 'xml'\n", p.stderr
        p = run("--format", "csv", "--out", os.path.join(d, "no", "such", "dir.csv"), rc=3)
        assert p.stderr.count("\n") == 1, p.stderr
    print("formats: text, json and csv agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
