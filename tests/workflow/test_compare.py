#!/usr/bin/python3
"""skipopu compare: the paper row says what it is, tokens per joule next to tokens/s (GPU rows at
their published board power, SkipOPU from the report's energy group, marked as a lower-bound
basis), the same figures in text, CSV and JSON, and --plot draws tokens/s and bandwidth
efficiency side by side as a PNG.

usage: test_compare.py SKIPOPU_BINARY SOURCE_DIR
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
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    assert p.returncode == rc, (args, p.returncode, p.stderr)
    return p


def main():
    energy = json.load(open(os.path.join(SRC, "models", "energy.json")))
    watts = {g["card"]: g["watts"] for g in energy["gpu_board_power"]}
    with tempfile.TemporaryDirectory() as d:
        rep = os.path.join(d, "r.json")
        run("run", "--trace", TRACE, "--set", "hbm.model=burst", "-q", "--json", rep)
        r = json.load(open(rep))
        e = r["stats"]["groups"]["summary"]["groups"]["energy"]["stats"]
        assert e["terms_modelled"]["value"] == 1 and "lower bound" in e["j_per_token"]["desc"]
        png = os.path.join(d, "c.png")
        base = ["compare", "--trace", TRACE, "--set", "hbm.model=burst", "--report", rep]
        j = json.loads(run(*base, "--format", "json", "--plot", png).stdout)
        assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
        rows = j["rows"]
        paper = [x for x in rows if x["system"].startswith("SkipOPU (paper")]
        assert [x["system"] for x in paper] == ["SkipOPU (paper, secondary reading)"], paper
        sk = rows[0]
        assert sk["source"] == "simulated" and sk["tokens_per_j"] == float(f"{e['tokens_per_j']['value']:.9g}")
        assert "lower bound" in sk["energy_basis"]
        gpu = [x for x in rows if x["source"] == "modelled"]
        assert len(gpu) == 2 * len(watts)
        for x in gpu:
            w = watts[x["system"]]
            assert x["board_power_w"] == w and "not measured" in x["energy_basis"], x
            assert abs(x["tokens_per_j"] - x["tokens_per_s"] / w) <= 1e-8 * x["tokens_per_j"], x
        assert all(x["tokens_per_j"] is None for x in rows if x["source"] == "reported")

        df = pd.read_csv(io.StringIO(run(*base, "--format", "csv").stdout))
        assert list(df.columns[-3:]) == ["board_power_w", "tokens_per_j", "energy_basis"]
        assert df["tokens_per_j"].notna().sum() == 1 + len(gpu)
        text = run(*base).stdout
        assert "tok/J" in text and "SkipOPU (paper, secondary reading)" in text
        assert "published board power (TDP), not a measurement" in text and "<=" in text

        # Without energy coefficients (a data dir lacking models/energy.json would do the same):
        # a report without the energy group is refused with one line when --energy is given.
        bare = os.path.join(d, "bare.json")
        del r["stats"]["groups"]["summary"]["groups"]["energy"]
        json.dump(r, open(bare, "w"))
        p = run("compare", "--trace", TRACE, "--report", bare, rc=2)
        assert p.stderr.count("\n") == 1 and "missing stats.summary.energy" in p.stderr, p.stderr
    print(f"compare: {len(rows)} rows; tok/J for SkipOPU ({sk['tokens_per_j']}, lower-bound basis) and "
          f"{len(gpu)} GPU rows at board power; PNG written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
