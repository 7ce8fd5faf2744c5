#!/usr/bin/python3
"""Benchmark of the local sweep runner (docs/sweeps.md): a 200-point sweep over the default
config on traces/llama2-7b-p256-d64.trace, with as many simulations at once as cores.
Prints wall time, points per minute, and the runner's own overhead per point: wall time x
jobs / points minus the mean time of the two skipopu processes of a point measured alone.
usage: tools/sweep/bench.py [--skipopu BIN] [--jobs N] [--points 200]"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import skipopu_sweep as sw  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skipopu")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--points", type=int, default=200)
    ap.add_argument("--hbm-model", default="burst", choices=["burst", "bank"],
                    help="HBM model of every point (default burst: the benchmark measures the runner; "
                         "a bank-model point of this trace takes about a minute)")
    a = ap.parse_args()
    bin_ = sw.find_skipopu(a.skipopu)
    d = tempfile.mkdtemp(prefix="skipopu-bench-")
    # 200 distinct points that all simulate the default design: the nonlinear units'
    # latencies vary (cycle-level detail), everything else is the default config.
    lat = list(range(1, 1 + (a.points + 9) // 10))
    spec = {"name": "bench200", "description": "runner benchmark",
            "base_config": os.path.join(REPO, "configs", "u280.json"),
            "workloads": [{"trace": os.path.join(REPO, "traces", "llama2-7b-p256-d64.trace")}],
            "axes": {"nonlinear.residual.latency": lat[:max(1, a.points // 10)],
                     "kv.policy": ["reuse", "evict"], "kv_buffer.urams": [128, 256, 384, 448, 512],
                     "hbm.model": [a.hbm_model]}}
    p = os.path.join(d, "bench.json")
    with open(p, "w") as f:
        json.dump(spec, f)
    n = len(sw.Spec(p).points())
    # The two processes of one point, alone, 10 times.
    t = []
    for _ in range(10):
        t0 = time.monotonic()
        subprocess.run([bin_, "resources", "-q", "--json", os.path.join(d, "r.json")], check=True)
        subprocess.run([bin_, "run", "--trace", spec["workloads"][0]["trace"], "-q", "--json", os.path.join(d, "x.json"),
                        "--set", "hbm.model=" + a.hbm_model], check=True)
        t.append(time.monotonic() - t0)
    alone = sorted(t)[len(t) // 2]
    out = os.path.join(d, "bench.jsonl")
    t0 = time.monotonic()
    rc = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "skipopu_sweep.py"), "run", p, "--out", out,
                         "--jobs", str(a.jobs), "--skipopu", bin_, "--quiet"]).returncode
    wall = time.monotonic() - t0
    recs = sw.read_results(out)
    ok = sum(r["status"] == "ok" for r in recs.values())
    per_point = wall * a.jobs / n
    print(f"points {n} (ok {ok}), jobs {a.jobs}, cores {os.cpu_count()}")
    print(f"wall time {wall:.1f} s, {n / wall * 60:.0f} points/min")
    print(f"one point alone (resources + run, median of 10): {alone * 1000:.0f} ms")
    print(f"runner overhead per point: {(per_point - alone) * 1000:.0f} ms "
          f"(wall x jobs / points = {per_point * 1000:.0f} ms, minus the point alone)")
    subprocess.run(["rm", "-rf", d])
    return rc


if __name__ == "__main__":
    sys.exit(main())
