#!/usr/bin/python3
"""Sweep runner tests (run by CTest): spec errors, run + resume, kill + resume, failed-point
rerun, partial-line repair, shards + merge, CSV and plot, compare/resources commands.
usage: test_sweep.py SKIPOPU_BIN REPO CASE"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

BIN, REPO, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
SW = [ "/usr/bin/python3", os.path.join(REPO, "tools", "sweep", "skipopu_sweep.py")]
TINY = os.path.join(REPO, "tests", "sweep", "specs", "tiny.json")
T = tempfile.mkdtemp(prefix="skipopu-sweep-test-")


def sw(*args, timeout=120):
    return subprocess.run(SW + list(args) + ["--skipopu", BIN] if args[0] in ("run", "list") else SW + list(args),
                          capture_output=True, text=True, timeout=timeout)


def lines(path, partial_tail_ok=False):
    """Every newline-terminated line must be one valid JSON record. A trailing partial line is
    an error unless partial_tail_ok (after a SIGKILL: Linux can cut a write() to a regular file
    at a page boundary when a fatal signal is pending; readers ignore it, a resume drops it)."""
    with open(path, "rb") as f:
        data = f.read()
    body, _, tail = data.rpartition(b"\n")
    if not partial_tail_ok:
        assert tail == b"", "file ends in a partial line"
    return [json.loads(l) for l in body.split(b"\n") if l]


def spec(name, doc):
    p = os.path.join(T, name)
    with open(p, "w") as f:
        json.dump(doc, f)
    return p


def base_doc(**kw):
    d = {"name": "t", "base_config": os.path.join(REPO, "configs", "u280.json"),
         "workloads": [{"trace": os.path.join(REPO, "traces", "tiny-p8-d4.trace")}],
         "axes": {"kv.policy": ["dense", "reuse"]}}
    d.update(kw)
    return d


def case_spec_errors():
    cases = [
        (base_doc(axes={"pe_array.rows": []}), "/axes/pe_array.rows: expected a non-empty list of values"),
        (base_doc(axes={"pe_array.rows": {"from": 1, "to": 4}}), "/axes/pe_array.rows: expected exactly one of step or factor"),
        (base_doc(axes={"pe_array.rows": {"from": 1, "to": 4, "stp": 1}}), "/axes/pe_array.rows/stp: unknown key"),
        (base_doc(axis={}), "/axis: unknown key"),
        (base_doc(base_config="nope.json"), "/base_config: no such file"),
        (base_doc(workloads=[]), "/workloads: expected a non-empty list"),
        (base_doc(constraints={"fits": "u55c"}), "/constraints/fits: no device card models/fpga/u55c-device.json"),
        (base_doc(plot={"y": "speed"}), "/plot/y: expected one of"),
        # Caught by the pre-flight check: the config loader names the bad key path.
        (base_doc(axes={"pe_array.rowz": [8]}), "/axes/pe_array.rowz: "),
        (base_doc(axes={"kv.policy": ["dense", "sometimes"]}), "/axes/kv.policy: "),
    ]
    for i, (doc, want) in enumerate(cases):
        p = spec(f"bad{i}.json", doc)
        r = sw("run", p, "--out", os.path.join(T, "x.jsonl"))
        err = r.stderr.strip()
        assert r.returncode == 2, (i, r.returncode, err)
        assert "\n" not in err, (i, err)
        assert err.startswith(f"skipopu-sweep: error: {p}: "), (i, err)
        assert want in err, (i, want, err)
    assert "pe_array/rowz" in sw("run", spec("bad8.json", cases[8][0]), "--out", "x").stderr
    bad = os.path.join(T, "malformed.json")
    with open(bad, "w") as f:
        f.write("{\n \"name\": \n")
    r = sw("run", bad, "--out", os.path.join(T, "x.jsonl"))
    assert r.returncode == 2 and "line 3 column 1: malformed JSON" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(T, "x.jsonl")), "a bad spec must not create results"


def case_run_resume():
    out = os.path.join(T, "r.jsonl")
    r = sw("run", TINY, "--out", out, "--jobs", "2", "--csv", os.path.join(T, "r.csv"), "--plot", os.path.join(T, "r.png"))
    assert r.returncode == 0, r.stderr
    assert "12/12 done, 0 failed, 0 infeasible" in r.stderr, r.stderr
    recs = lines(out)
    assert len(recs) == 12 and all(x["status"] == "ok" for x in recs)
    # Stable keys: the hash of (base config, trace, model, settings) as written in the spec.
    keys = {x["key"]: x for x in recs}
    assert "d160f5fe8a1f073d" in keys, sorted(keys)
    assert keys["d160f5fe8a1f073d"]["set"] == {"fusion": True, "kv.policy": "dense", "pe_array.cols": 64}
    with open(os.path.join(T, "r.csv")) as f:
        rows = f.read().splitlines()
    assert len(rows) == 13 and rows[0].startswith("key,status,trace,"), rows[0]
    with open(os.path.join(T, "r.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    # A rerun finds everything finished and appends nothing.
    r = sw("run", TINY, "--out", out)
    assert r.returncode == 0 and "12/12 done" in r.stderr, r.stderr
    assert len(lines(out)) == 12
    # Identical results on a second, independent run (determinism).
    out2 = os.path.join(T, "r2.jsonl")
    assert sw("run", TINY, "--out", out2, "--jobs", "1").returncode == 0
    a = {x["key"]: (x["metrics"], x["resources"]) for x in lines(out)}
    b = {x["key"]: (x["metrics"], x["resources"]) for x in lines(out2)}
    assert a == b


def case_kill_resume():
    # A sweep of 40 points on the 7B trace with the burst HBM model (~0.1-0.2 s each): killed
    # (SIGKILL, the whole process group: runner and children) once some points are in, then resumed.
    doc = base_doc(workloads=[{"trace": os.path.join(REPO, "traces", "llama2-7b-p256-d64.trace")}],
                   axes={"kv_buffer.urams": {"from": 0, "to": 512, "step": 128},
                         "kv.policy": ["dense", "evict", "reuse", "evict"],  # duplicate value: deduplicated
                         "fusion": [True, False], "router.lanes": [64, 128], "hbm.model": ["burst"]})
    p = spec("kill.json", doc)
    out = os.path.join(T, "k.jsonl")
    proc = subprocess.Popen(SW + ["run", p, "--out", out, "--jobs", "2", "--skipopu", BIN],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60:
        if os.path.exists(out) and len(open(out, "rb").read().splitlines()) >= 6:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = lines(out, partial_tail_ok=True)  # every complete line valid JSON, no interleaving
    assert 6 <= len(before) < 60, len(before)
    # Simulate a kill in the middle of a write, too: a trailing partial line is dropped.
    with open(out, "ab") as f:
        f.write(b'{"key":"deadbeef","sta')
    r = sw("run", p, "--out", out)
    assert r.returncode == 0, r.stderr
    after = lines(out)
    keys = [x["key"] for x in after]
    assert len(set(keys)) == 60 and len(keys) == 60, (len(set(keys)), len(keys))
    # Finished points were kept and not rerun: the rerun appended exactly the 60 - len(before)
    # missing points (60 unique keys in all, the first lines unchanged).
    assert after[:len(before)] == before
    assert "60/60 done, 0 failed" in r.stderr, r.stderr


def case_failed_rerun():
    # rows=96 with 4096 DSPs: the resource model accepts it, the simulator rejects it (exit 2).
    doc = base_doc(axes={"pe_array.rows": [64, 96]})
    p = spec("fail.json", doc)
    out = os.path.join(T, "f.jsonl")
    r = sw("run", p, "--out", out)
    assert r.returncode == 1, r.stderr
    assert "2/2 done, 1 failed" in r.stderr, r.stderr
    recs = {x["set"]["pe_array.rows"]: x for x in lines(out)}
    assert recs[96]["status"] == "failed" and recs[96]["exit"] == 2
    assert "/pe_array/dsps: expected at least rows*cols/lanes = 6144 DSPs" in recs[96]["error"], recs[96]["error"]
    # The rerun retries only the failed point (one new line).
    r = sw("run", p, "--out", out)
    assert r.returncode == 1 and len(lines(out)) == 3


def case_infeasible():
    # Half the PE array: the default 64 x 128 needs 136% of the U280's LUTs with the
    # synthesised coefficients (docs/rtl.md), 32 x 128 fits.
    cfg = os.path.join(T, "half-array.json")
    with open(cfg, "w") as f:
        json.dump({"base": os.path.join(REPO, "configs", "u280.json"), "pe_array": {"rows": 32, "dsps": 2048}}, f)
    doc = base_doc(axes={"kv_buffer.urams": [512, 1024]}, constraints={"fits": "u280"}, base_config=cfg)
    out = os.path.join(T, "i.jsonl")
    r = sw("run", spec("inf.json", doc), "--out", out, "--csv", os.path.join(T, "i.csv"))
    assert r.returncode == 0 and "1 infeasible" in r.stderr, r.stderr
    recs = {x["set"]["kv_buffer.urams"]: x for x in lines(out)}
    assert recs[1024]["status"] == "infeasible" and "metrics" not in recs[1024]
    assert recs[1024]["resources"]["total"]["uram"] == 1024 and recs[1024]["resources"]["fits"] is False
    assert recs[512]["status"] == "ok" and recs[512]["resources"]["total"]["uram"] == 512


def case_shards_merge():
    outs = []
    for i in range(3):
        o = os.path.join(T, f"s{i}.jsonl")
        assert sw("run", TINY, "--out", o, "--shard", f"{i}/3").returncode == 0
        outs.append(o)
    sizes = [len(lines(o)) for o in outs]
    assert sizes == [4, 4, 4], sizes
    merged = os.path.join(T, "m.jsonl")
    r = sw("merge", "--spec", TINY, "--out", merged, *outs)
    assert r.returncode == 0 and "12 points, 0 failed, 0 missing" in r.stdout, r.stdout
    full = os.path.join(T, "full.jsonl")
    assert sw("run", TINY, "--out", full).returncode == 0
    a = {x["key"]: x["metrics"] for x in lines(merged)}
    b = {x["key"]: x["metrics"] for x in lines(full)}
    assert a == b
    assert sw("run", TINY, "--out", merged, "--shard", "3/3").returncode == 2


def case_commands():
    # resources: exact JSON; compare: every baseline row, ratio column, CSV and plot.
    rj = os.path.join(T, "res.json")
    r = subprocess.run([BIN, "resources", "--json", rj, "-q"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    res = json.load(open(rj))
    assert res["total"] == {"dsp": 5779, "lut": 1770037, "ff": 575037, "bram36": 796, "uram": 512} and not res["fits"]
    r = subprocess.run([BIN, "resources", "--set", "pe_array.rowz=3"], capture_output=True, text=True)
    assert r.returncode == 2 and "pe_array/rowz" in r.stderr, r.stderr
    trace = os.path.join(REPO, "traces", "llama2-7b-p256-d64.trace")
    cj = os.path.join(T, "cmp.json")
    png = os.path.join(T, "cmp.png")
    fast = ["--set", "hbm.model=burst"]  # the comparison logic is under test, not the HBM model
    r = subprocess.run([BIN, "compare", "--trace", trace, "--format", "json", "--out", cj, "--plot", png] + fast,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    c = json.load(open(cj))
    names = [x["system"] for x in c["rows"]]
    assert names[0] == "SkipOPU (u280-skipopu)" and c["rows"][0]["ratio"] == 1.0
    for n in ["A100-80GB", "H100-SXM", "V100", "RTX-3090", "RTX-4090", "FlightLLM", "DFX", "ChatOPU (a)",
              "MCoreOPU", "Chen et al.", "vLLM (A100)"]:
        assert n in names, n
    assert len(c["rows"]) == 1 + 10 + 1 + 7
    paper = {x["system"]: x["paper_ratio"] for x in c["rows"] if x["paper_ratio"]}
    assert round(min(paper.values()), 2) == 1.23 and int(max(paper.values()) * 100) == 383, paper
    ours = c["rows"][0]["bandwidth_efficiency"]
    for x in c["rows"]:
        assert abs(x["ratio"] - ours / x["bandwidth_efficiency"]) < 1e-3 * x["ratio"], x
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    r = subprocess.run([BIN, "compare", "--trace", trace, "--format", "csv"] + fast, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.splitlines()[0].startswith("system,source,mode,peak_gbps")
    assert len(r.stdout.splitlines()) == 20
    r = subprocess.run([BIN, "compare", "--trace", trace, "--format", "xml"], capture_output=True, text=True)
    assert r.returncode == 2 and "--format" in r.stderr
    r = subprocess.run([BIN, "compare", "--gpu-calibration"], capture_output=True, text=True)
    assert r.returncode == 0 and "(held out)" in r.stdout


def case_reports_metrics():
    # --set for every point, reports kept (gzip) next to the JSONL, statistics by path as metrics,
    # CSV columns and plot axes, also after the sweep (read back from the kept reports).
    import gzip
    out = os.path.join(T, "rm.jsonl")
    r = sw("run", TINY, "--out", out, "--set", "hbm.model=burst", "--metric", "blocks.pe_array.busy_cycles",
           "--jobs", "2")
    assert r.returncode == 0, r.stderr
    recs = lines(out)
    assert len(recs) == 12 and all(x["status"] == "ok" and x["global_set"] == {"hbm.model": "burst"} for x in recs)
    for x in recs:
        assert x["report"] == f"rm.jsonl.reports/{x['key']}.json.gz", x["report"]
        with gzip.open(os.path.join(T, x["report"])) as f:
            rep = json.loads(f.read())
        assert rep["config"]["hbm"]["model"] == "burst", rep["config"]["hbm"]
        assert rep["config"]["kv"]["policy"] == x["set"]["kv.policy"]
        busy = rep["stats"]["groups"]["blocks"]["groups"]["pe_array"]["stats"]["busy_cycles"]["value"]
        assert x["metrics"]["blocks.pe_array.busy_cycles"] == busy
    # Kept reports are deterministic, compressed bytes included (gzip without a timestamp).
    out2 = os.path.join(T, "rm2.jsonl")
    assert sw("run", TINY, "--out", out2, "--set", "hbm.model=burst", "--jobs", "1").returncode == 0
    for x in recs:
        a_ = open(os.path.join(T, x["report"]), "rb").read()
        b_ = open(os.path.join(T, "rm2.jsonl.reports", x["key"] + ".json.gz"), "rb").read()
        assert a_ == b_, x["key"]
    # The kept report is byte-identical to a direct run of the point.
    x = recs[0]
    direct = os.path.join(T, "direct.json")
    cmd = [BIN, "run", "--config", os.path.join(REPO, "configs", "u280.json"), "--trace",
           os.path.join(REPO, "traces", "tiny-p8-d4.trace"), "--set", "hbm.model=burst", "--json", direct, "-q"]
    for k, v in x["set"].items():
        cmd += ["--set", f"{k}={json.dumps(v) if not isinstance(v, str) else v}"]
    assert subprocess.run(cmd).returncode == 0
    with gzip.open(os.path.join(T, x["report"])) as f, open(direct, "rb") as g:
        assert f.read() == g.read()
    # --set changes the points' keys (results of different sweeps never mix), not their order.
    keys_plain = [ln.split()[0] for ln in sw("list", TINY, "--no-validate").stdout.splitlines()]
    keys_set = [ln.split()[0] for ln in sw("list", TINY, "--no-validate", "--set", "hbm.model=burst").stdout.splitlines()]
    assert len(keys_plain) == 12 and "d160f5fe8a1f073d" in keys_plain and not set(keys_plain) & set(keys_set)
    assert sorted(keys_set) == sorted(x["key"] for x in recs)
    # A statistic never asked for during the sweep: CSV column and plot axes from the kept reports.
    csvp, png = os.path.join(T, "rm.csv"), os.path.join(T, "rm.png")
    r = sw("report", TINY, "--results", out, "--set", "hbm.model=burst", "--metric", "blocks.router.decisions",
           "--csv", csvp, "--plot", png, "--x", "summary.decode_cycles", "--y", "blocks.pe_array.utilisation",
           "--color", "kv.policy")
    assert r.returncode == 0, r.stderr
    import csv as _csv
    rows = list(_csv.DictReader(open(csvp)))
    assert len(rows) == 12 and all(row["blocks.router.decisions"] == "48" for row in rows), rows[0]
    assert [row["key"] for row in rows] == keys_set  # spec order
    for row in rows:
        rec = next(x for x in recs if x["key"] == row["key"])
        with gzip.open(os.path.join(T, rec["report"])) as f:
            rep = json.loads(f.read())
        assert float(row["summary.decode_cycles"]) == rep["stats"]["groups"]["summary"]["stats"]["decode_cycles"]["value"]
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    # Errors: a statistic that does not exist; --set on an axis key; a bad path.
    r = sw("report", TINY, "--results", out, "--metric", "summary.no_such_stat")
    assert r.returncode == 2 and "statistic summary.no_such_stat: not in the report of point" in r.stderr, r.stderr
    r = sw("run", TINY, "--out", os.path.join(T, "x.jsonl"), "--set", "kv.policy=dense")
    assert r.returncode == 2 and "--set kv.policy=dense: kv.policy is already set per point by the spec" in r.stderr
    r = sw("run", TINY, "--out", os.path.join(T, "x.jsonl"), "--set", "hbm.modle=burst")
    assert r.returncode == 2 and r.stderr.startswith("skipopu-sweep: error: command line: --set: "), r.stderr
    r = sw("report", TINY, "--results", out, "--y", "not a path")
    assert r.returncode == 2 and "--y: expected one of" in r.stderr, r.stderr


def case_sbatch_script():
    out = os.path.join(T, "sb.jsonl")
    r = sw("slurm", TINY, "--out", out, "--array", "3", "--time", "0:30:00", "--partition", "gpu-short",
           "--account", "lab42", "--set", "hbm.model=burst", "--metric", "summary.total_cycles", "--script-only",
           "--skipopu", BIN)
    assert r.returncode == 0, r.stderr
    script = open(r.stdout.strip()).read()
    for want in ["#SBATCH --array=0-2", "#SBATCH --time=0:30:00", "#SBATCH --partition=gpu-short",
                 "#SBATCH --account=lab42", f"--reports-dir {out}.reports", "--set 'hbm.model=burst'",
                 "--metric summary.total_cycles"]:
        assert want in script, (want, script)
    r = sw("slurm", TINY, "--out", out, "--array", "3", "--script-only", "--skipopu", BIN)
    script = open(r.stdout.strip()).read()
    assert "#SBATCH --time=2:00:00" in script and "--partition" not in script and "--account" not in script, script
    for bad, want in ((["--time", "half an hour"], "--time: expected a Slurm time limit"),
                      (["--partition", "a b"], "--partition: expected a Slurm partition name")):
        r = sw("slurm", TINY, "--out", out, "--array", "3", "--script-only", "--skipopu", BIN, *bad)
        assert r.returncode == 2 and want in r.stderr, r.stderr


def case_py_compile():
    for f in ["tools/gpu_measure.py", "tools/plot_compare.py", "tools/sweep/skipopu_sweep.py", "tools/sweep/bench.py"]:
        r = subprocess.run(["/usr/bin/python3", "-m", "py_compile", os.path.join(REPO, f)], capture_output=True, text=True)
        assert r.returncode == 0, (f, r.stderr)
    r = subprocess.run(["/usr/bin/python3", os.path.join(REPO, "tools", "gpu_measure.py"), "--help"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "--trace" in r.stdout, r.stderr


def _children_of(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    st = f.read()
                if int(st[st.rindex(")") + 2:].split()[1]) == pid:
                    out.append(int(d))
            except (OSError, ValueError):
                pass
    return out


def _workdirs(pid, tmp=None):
    tmp = tmp or tempfile.gettempdir()
    return [n for n in os.listdir(tmp) if n.startswith(f"skipopu-sweep-{pid}-")]


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def case_kill_runner_only():
    """SIGKILL to the runner alone (not its process group): its skipopu children die with it
    (each runs the 30-s Llama-2-7B replay, so they would otherwise outlive it), and the
    scratch folder it could not remove is removed by the next run."""
    doc = base_doc(workloads=[{"trace": os.path.join(REPO, "traces", "llama2-7b-p256-d64.trace")}],
                   axes={"kv.policy": ["dense", "evict"]})
    p = spec("killone.json", doc)
    out = os.path.join(T, "k1.jsonl")
    # A private scratch root: a sweep run by another test at the same time (CTest -j) would
    # otherwise remove this killed runner's folder before this test looks for it.
    tmp = os.path.join(T, "scratch")
    os.makedirs(tmp, exist_ok=True)
    env = dict(os.environ, TMPDIR=tmp)
    proc = subprocess.Popen(SW + ["run", p, "--out", out, "--jobs", "2", "--skipopu", BIN, "--no-validate"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    runs = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60 and not runs:
        for k in _children_of(proc.pid):
            try:
                with open(f"/proc/{k}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
                if len(argv) > 1 and argv[0].endswith(b"/skipopu") and argv[1] == b"run":  # exec'd, not a fork
                    runs.append(k)
            except OSError:
                pass
        time.sleep(0.01)
    assert runs, "the runner started no 'skipopu run' within 60 s"
    assert _workdirs(proc.pid, tmp), "no scratch folder named by the runner's pid"
    proc.kill()
    proc.wait()
    time.sleep(2)  # a replay takes ~30 s: a child still alive now outlived its runner
    alive = [k for k in runs if _alive(k)]
    for k in alive:
        os.kill(k, signal.SIGKILL)  # our own child processes, by pid
    assert not alive, f"skipopu children {alive} outlived the killed runner"
    assert _workdirs(proc.pid, tmp), "expected the killed runner's scratch folder to remain until the next run"
    small = spec("after.json", base_doc())
    r = subprocess.run(SW + ["run", small, "--out", os.path.join(T, "k2.jsonl"), "--no-validate", "--jobs", "2",
                             "--skipopu", BIN], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert not _workdirs(proc.pid, tmp), "the next run did not remove the killed runner's scratch folder"


def case_interrupt_stops():
    """SIGINT (or SIGTERM) to the runner: it starts no further point, kills the skipopu
    processes still running (each a ~30-s Llama-2-7B replay), exits 130 within seconds and
    keeps what was written. (It used to wait for the executor, which went on starting every
    queued point.)"""
    doc = base_doc(workloads=[{"trace": os.path.join(REPO, "traces", "llama2-7b-p256-d64.trace")}],
                   axes={"kv.policy": ["dense", "evict", "reuse"], "fusion": [True, False]})
    p = spec("intr.json", doc)
    for sig in (signal.SIGINT, signal.SIGTERM):
        out = os.path.join(T, f"intr{int(sig)}.jsonl")
        proc = subprocess.Popen(SW + ["run", p, "--out", out, "--jobs", "1", "--skipopu", BIN, "--no-validate"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seen = set()

        def runs():
            found = []
            for k in _children_of(proc.pid):
                try:
                    with open(f"/proc/{k}/cmdline", "rb") as f:
                        argv = f.read().split(b"\0")
                    if len(argv) > 1 and argv[0].endswith(b"/skipopu") and argv[1] == b"run":
                        found.append(k)
                except OSError:
                    pass
            return found
        t0 = time.monotonic()
        while time.monotonic() - t0 < 60 and not seen:
            seen.update(runs())
            time.sleep(0.01)
        assert seen, "the runner started no 'skipopu run' within 60 s"
        proc.send_signal(sig)
        t1 = time.monotonic()
        while proc.poll() is None and time.monotonic() - t1 < 15:
            seen.update(runs())  # a point started after the signal would show up here
            time.sleep(0.01)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            raise AssertionError(f"signal {int(sig)}: the runner did not exit within 15 s")
        err = proc.stderr.read()
        assert proc.returncode == 130, (int(sig), proc.returncode, err)
        assert "interrupted" in err, err
        assert len(seen) == 1, f"signal {int(sig)}: {len(seen)} skipopu runs started (expected the one running)"
        alive = [k for k in seen if _alive(k)]
        for k in alive:
            os.kill(k, signal.SIGKILL)
        assert not alive, f"skipopu children {alive} outlived the interrupted runner"


def case_spec_input_errors():
    """Specs a user can get wrong in JSON itself: one line naming the file and line or field, exit 2."""
    cases = [
        ('"step": 64', '"step": NaN', r"line \d+: 'NaN' is not a JSON number \(expected a finite number\)"),
        ('"to": 128', '"to": Infinity', r"line \d+: 'Infinity' is not a JSON number"),
        ('"to": 128', '"to": 1e999', r"line \d+: number 1e999 out of range"),
        ('"to": 128', '"to": 1000000000000', r"/axes/pe_array.cols: range has 15625000000 values \(expected at most 100000\)"),
        ('"step": 64', '"factor": 1.0000001', r"/axes/pe_array.cols: range has more than 100000 values"),
        ('"name": "tiny"', '"name": "tiny", "name": "t2"', r"/name: duplicate key \(expected each key at most once per object\)"),
        ('"name": "tiny"', '"name": "t\xff"', r"line 2: malformed JSON \(expected UTF-8 text, got byte 0xff\)"),
        ('"fusion": [true, false]', '"fusion": ' + "[" * 70 + "]" * 70, r"line \d+: nested deeper than 64 levels"),
    ]
    import re
    with open(TINY, "rb") as f:
        good = f.read().decode().replace("../../../", REPO + "/")
    for i, (old, new, want) in enumerate(cases):
        assert old in good, old
        p = os.path.join(T, f"bad{i}.json")
        with open(p, "wb") as f:
            f.write(good.encode().replace(old.encode(), new.encode("latin-1"), 1))
        r = sw("list", p, "--no-validate")
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (new, r.returncode, r.stderr)
        assert re.match(r"^skipopu-sweep: error: " + re.escape(p) + ": " + want, r.stderr), (want, r.stderr)
    for args, want in [(["run", TINY, "--out", T], f"command line: --out: {T} is a directory (expected a results file)"),
                       (["run", TINY, "--out", os.path.join(T, "x.jsonl"), "--jobs", "-1"],
                        "command line: --jobs: expected a number >= 0 (0: one per core), got -1"),
                       (["list", T], f"{T}: is a directory (expected a file)")]:
        r = sw(*args)
        assert r.returncode == 2 and r.stderr == f"skipopu-sweep: error: {want}\n", (args, r.stderr)


try:
    globals()["case_" + CASE]()
    print(f"sweep test {CASE}: PASS")
finally:
    subprocess.run(["rm", "-rf", T])
