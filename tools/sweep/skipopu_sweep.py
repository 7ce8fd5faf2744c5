#!/usr/bin/python3
"""skipopu-sweep: design-space sweeps of SkipOPU-sim (docs/sweeps.md).

  run    SPEC --out R.jsonl [--jobs N] [--shard i/N] [--csv C] [--plot P]
  slurm  SPEC --out R.jsonl --array N [--sbatch-arg ARG ...] [--no-wait]
  merge  --out R.jsonl SHARD.jsonl ...
  report SPEC --results R.jsonl [--csv C] [--plot P] [--x RES] [--y METRIC]
  list   SPEC          (validate the spec and print its points)

Every point is one `skipopu resources` and one `skipopu run` process (SystemC allows one
simulation per process). Results: one JSON object per line, keyed by a stable hash of the
point; a line is written with one write() and only once the point has finished, so killing
the sweep loses nothing finished; a rerun skips finished points and reruns failed ones.
Exit status: 0 ok, 1 some points failed, 2 bad spec or usage, 3 an output could not be written.
"""
import argparse
import concurrent.futures as cf
import csv
import hashlib
import io
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = "skipopu-sweep-result/1"
METRICS = ["tokens_per_s", "bandwidth_efficiency", "hbm_utilisation", "cycles_per_token_mean",
           "decode_cycles", "effective_bandwidth_gbps"]
RESOURCES = ["dsp", "lut", "ff", "bram36", "uram"]
SPEC_KEYS = {"name", "description", "base_config", "workloads", "axes", "points", "constraints", "plot"}


class SpecError(Exception):
    pass


class OutputFailure(Exception):
    pass


# ---------------------------------------------------------------------------- spec
def _fail(path, field, what):
    raise SpecError(f"{path}: {field}: {what}")


def _expand_axis(path, name, v):
    field = f"/axes/{name}"
    if isinstance(v, list):
        if not v:
            _fail(path, field, "expected a non-empty list of values")
        bundles = [isinstance(x, dict) for x in v]
        if any(bundles) and not all(bundles):
            _fail(path, field, "expected all values scalars, or all objects {\"json.path\": value} (bundles)")
        for i, x in enumerate(v):
            if isinstance(x, dict):
                if not x:
                    _fail(path, f"{field}/{i}", "expected a non-empty bundle {\"json.path\": value}")
                for k, y in x.items():
                    if isinstance(y, (dict, list)) or y is None:
                        _fail(path, f"{field}/{i}/{k}", "expected a scalar value")
            elif isinstance(x, list) or x is None:
                _fail(path, f"{field}/{i}", "expected a scalar value (number, string, bool)")
        return list(v)
    if isinstance(v, dict):
        extra = set(v) - {"from", "to", "step", "factor"}
        if extra:
            _fail(path, f"{field}/{sorted(extra)[0]}", "unknown key (expected from, to, step or factor)")
        for k in ("from", "to"):
            if k not in v:
                _fail(path, f"{field}/{k}", "missing (a range needs from, to and step or factor)")
            if not isinstance(v[k], (int, float)) or isinstance(v[k], bool):
                _fail(path, f"{field}/{k}", "expected a number")
        if ("step" in v) == ("factor" in v):
            _fail(path, field, "expected exactly one of step or factor")
        a, b = v["from"], v["to"]
        out = []
        if "step" in v:
            s = v["step"]
            if not isinstance(s, (int, float)) or isinstance(s, bool) or s <= 0:
                _fail(path, f"{field}/step", "expected a positive number")
            n = int((b - a) / s + 1e-9) + 1 if b >= a else 0
            if n > MAX_VALUES:  # counted before anything is built
                _fail(path, field, f"range has {n} values (expected at most {MAX_VALUES})")
            out = [a + i * s for i in range(n)]
        else:
            f = v["factor"]
            if not isinstance(f, (int, float)) or isinstance(f, bool) or f <= 1 or a <= 0:
                _fail(path, f"{field}/factor", "expected a number > 1 (and from > 0)")
            x = a
            while x <= b * (1 + 1e-12):
                out.append(x)
                if len(out) > MAX_VALUES:
                    _fail(path, field, f"range has more than {MAX_VALUES} values (expected at most {MAX_VALUES})")
                x *= f
        if not out:
            _fail(path, field, f"empty range (from {a} to {b})")
        return [int(x) if isinstance(x, float) and x.is_integer() and all(
            isinstance(v[k], int) for k in v) else x for x in out]
    _fail(path, field, "expected a list of values or {\"from\", \"to\", \"step\"|\"factor\"}")


def _set_value(x):
    return json.dumps(x) if not isinstance(x, str) else x


MAX_SPEC_BYTES = 64 << 20  # as the simulator's own inputs (docs/config.md, "Input rules")
MAX_VALUES = 100000        # values of one range axis


def _strict_pairs(pairs):
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise SpecError(f"/{k}: duplicate key (expected each key at most once per object)")
        seen.add(k)
    return dict(pairs)


class _BadNumber(Exception):
    def __init__(self, tok, what):
        super().__init__(what)
        self.tok, self.what = tok, what


def _no_constant(tok):
    raise _BadNumber(tok, f"'{tok}' is not a JSON number (expected a finite number)")


def _finite(tok):
    v = float(tok)
    if v != v or v in (float("inf"), float("-inf")):
        raise _BadNumber(tok, f"number {tok} out of range (expected a finite number within double range)")
    return v


def load_strict_json(path):
    """JSON as the simulator reads it: UTF-8, no duplicate keys, no NaN/Infinity, finite
    numbers, bounded size and nesting. Errors are SpecError naming the file."""
    if os.path.isdir(path):
        raise SpecError(f"{path}: is a directory (expected a file)")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SPEC_BYTES + 1)
    except OSError as e:
        raise SpecError(f"{path}: cannot open file ({e.strerror})")
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(f"{path}: larger than {MAX_SPEC_BYTES} bytes (expected an input file of at most {MAX_SPEC_BYTES} bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise SpecError(f"{path}: line {line}: malformed JSON (expected UTF-8 text, got byte 0x{data[e.start]:02x})")
    depth = 0
    in_str = esc = False
    for i, ch in enumerate(text):  # nesting limit, as the simulator's
        if in_str:
            esc, in_str = (False, in_str) if esc else (ch == "\\", ch != '"')
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > 64:
                line = text.count("\n", 0, i) + 1
                raise SpecError(f"{path}: line {line}: nested deeper than 64 levels (expected at most 64 nested arrays/objects)")
        elif ch in "]}":
            depth = max(0, depth - 1)
    try:
        return json.loads(text, object_pairs_hook=_strict_pairs, parse_constant=_no_constant, parse_float=_finite)
    except SpecError as e:
        raise SpecError(f"{path}: {e}")
    except _BadNumber as e:
        import re
        m = re.search(r'(?<![\w."])' + re.escape(e.tok) + r'(?![\w."])', text)
        line = text.count("\n", 0, m.start()) + 1 if m else 1
        raise SpecError(f"{path}: line {line}: {e.what}")
    except json.JSONDecodeError as e:
        raise SpecError(f"{path}: line {e.lineno} column {e.colno}: malformed JSON: {e.msg}")


class Spec:
    def __init__(self, path):
        self.path = path
        doc = load_strict_json(path)
        if not isinstance(doc, dict):
            _fail(path, "/", "expected a JSON object")
        for k in doc:
            if k not in SPEC_KEYS:
                _fail(path, f"/{k}", "unknown key (expected one of " + ", ".join(sorted(SPEC_KEYS)) + ")")
        here = os.path.dirname(os.path.abspath(path))
        self.name = doc.get("name")
        if not isinstance(self.name, str) or not self.name:
            _fail(path, "/name", "expected a non-empty string")
        if "description" in doc and not isinstance(doc["description"], str):
            _fail(path, "/description", "expected a string")
        bc = doc.get("base_config")
        if not isinstance(bc, str) or not bc:
            _fail(path, "/base_config", "expected a config file name (relative to the spec)")
        self.base_rel = bc
        self.base = os.path.normpath(os.path.join(here, bc))
        if not os.path.isfile(self.base):
            _fail(path, "/base_config", f"no such file: {self.base}")
        wl = doc.get("workloads")
        if not isinstance(wl, list) or not wl:
            _fail(path, "/workloads", "expected a non-empty list of {\"trace\": FILE}")
        self.workloads = []
        for i, w in enumerate(wl):
            if not isinstance(w, dict):
                _fail(path, f"/workloads/{i}", "expected an object {\"trace\": FILE[, \"model\": NAME]}")
            for k in w:
                if k not in ("trace", "model"):
                    _fail(path, f"/workloads/{i}/{k}", "unknown key (expected trace, model)")
            t = w.get("trace")
            if not isinstance(t, str) or not t:
                _fail(path, f"/workloads/{i}/trace", "expected a trace file name (relative to the spec)")
            tp = os.path.normpath(os.path.join(here, t))
            if not os.path.isfile(tp):
                _fail(path, f"/workloads/{i}/trace", f"no such file: {tp}")
            m = w.get("model")
            if m is not None and (not isinstance(m, str) or not m):
                _fail(path, f"/workloads/{i}/model", "expected a model card name or path")
            self.workloads.append({"trace": t, "trace_path": tp, "model": m})
        axes = doc.get("axes", {})
        if not isinstance(axes, dict):
            _fail(path, "/axes", "expected an object {\"json.path\": [values] | {from,to,step}}")
        self.axes = {}
        for name, v in axes.items():
            if not name or name.startswith(".") or name.endswith(".") or ".." in name or "=" in name:
                _fail(path, f"/axes/{name}", "expected a config key path such as pe_array.rows")
            self.axes[name] = _expand_axis(path, name, v)
        pts = doc.get("points", [])
        if not isinstance(pts, list):
            _fail(path, "/points", "expected a list of objects {\"json.path\": value}")
        self.points_extra = []
        for i, p in enumerate(pts):
            if not isinstance(p, dict):
                _fail(path, f"/points/{i}", "expected an object {\"json.path\": value}")
            for k, x in p.items():
                if isinstance(x, (dict, list)) or x is None:
                    _fail(path, f"/points/{i}/{k}", "expected a scalar value")
            self.points_extra.append(dict(p))
        if not self.axes and not self.points_extra:
            # The base config alone is one point.
            pass
        cons = doc.get("constraints", {})
        if not isinstance(cons, dict):
            _fail(path, "/constraints", "expected an object such as {\"fits\": \"u280\"}")
        self.fits = None
        for k, v in cons.items():
            if k != "fits":
                _fail(path, f"/constraints/{k}", "unknown constraint (expected fits)")
            if not isinstance(v, str) or not v:
                _fail(path, "/constraints/fits", "expected a device card name such as \"u280\"")
            dev = os.path.join(REPO, "models", "fpga", v + "-device.json")
            if not os.path.isfile(dev):
                _fail(path, "/constraints/fits", f"no device card models/fpga/{v}-device.json")
            self.fits = v
        plot = doc.get("plot", {})
        if not isinstance(plot, dict):
            _fail(path, "/plot", "expected an object {x, y, label_best}")
        for k in plot:
            if k not in ("x", "y", "label_best"):
                _fail(path, f"/plot/{k}", "unknown key (expected x, y, label_best)")
        self.plot_x = plot.get("x", "lut")
        self.plot_y = plot.get("y", "bandwidth_efficiency")
        if self.plot_x not in RESOURCES + ["max"]:
            _fail(path, "/plot/x", "expected one of " + ", ".join(RESOURCES + ["max"]))
        if self.plot_y not in METRICS:
            _fail(path, "/plot/y", "expected one of " + ", ".join(METRICS))
        self.label_best = plot.get("label_best", 5)
        if not isinstance(self.label_best, int) or isinstance(self.label_best, bool) or self.label_best < 0:
            _fail(path, "/plot/label_best", "expected a non-negative integer")

    def points(self):
        """All points, in a deterministic order: workloads x (cartesian product, then explicit points)."""
        names = list(self.axes)
        settings = []
        for combo in itertools.product(*(self.axes[n] for n in names)):
            s = {}
            for n, v in zip(names, combo):
                if isinstance(v, dict):
                    s.update(v)  # a bundle: several keys that move together
                else:
                    s[n] = v
            settings.append(s)
        if not names:
            settings = [] if self.points_extra else [{}]
        settings += self.points_extra
        out = []
        seen = set()
        for w in self.workloads:
            for s in settings:
                p = make_point(self, w, s)
                if p["key"] not in seen:
                    seen.add(p["key"])
                    out.append(p)
        return out


def make_point(spec, w, settings):
    ident = {"base_config": spec.base_rel, "trace": w["trace"], "model": w["model"],
             "set": {k: settings[k] for k in sorted(settings)}}
    key = hashlib.sha256(json.dumps(ident, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]
    return {"key": key, "set": ident["set"], "workload": {"trace": w["trace"], "model": w["model"]},
            "_trace_path": w["trace_path"]}


# ---------------------------------------------------------------------------- results
def read_results(path):
    """key -> last record. Ignores a trailing partial line (a kill during a write)."""
    res = {}
    if not os.path.exists(path):
        return res
    with open(path, "rb") as f:
        data = f.read()
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except ValueError:
            continue  # partial line
        if isinstance(r, dict) and r.get("schema") == SCHEMA and "key" in r:
            res[r["key"]] = r
    return res


class ResultFile:
    """Appends complete lines with one write() each, under a lock."""

    def __init__(self, path):
        self.path = path
        d = os.path.dirname(os.path.abspath(path))
        os.makedirs(d, exist_ok=True)
        # Drop a trailing partial line left by a kill.
        if os.path.exists(path):
            with open(path, "rb") as f:
                data = f.read()
            if data and not data.endswith(b"\n"):
                cut = data.rfind(b"\n") + 1
                with open(path, "r+b") as f:
                    f.truncate(cut)
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as e:
            raise OutputFailure(f"{path}: cannot open for appending: {e.strerror}")
        self.lock = threading.Lock()

    def append(self, rec):
        line = (json.dumps(rec, sort_keys=True, separators=(",", ":")) + "\n").encode()
        with self.lock:
            n = os.write(self.fd, line)
            if n != len(line):
                raise OutputFailure(f"{self.path}: short write")
            os.fsync(self.fd)

    def close(self):
        os.close(self.fd)


def write_atomically(path, data):
    tmp = path + ".tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        raise OutputFailure(f"{path}: cannot write: {e.strerror}")


# ---------------------------------------------------------------------------- running
def find_skipopu(arg):
    cands = [arg] if arg else [os.environ.get("SKIPOPU_BIN", "")] + [
        os.path.join(REPO, b, "src", "cli", "skipopu") for b in ("build", "build-sweep")]
    for c in cands:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    raise SpecError("skipopu binary not found (build it, or pass --skipopu / set SKIPOPU_BIN)")


def _first_line(text):
    """The error line of a skipopu message (a warning may precede it), else the first line."""
    for ln in text.splitlines():
        if ": error: " in ln or ": internal error: " in ln:
            return ln.strip()
    for ln in text.splitlines():
        if ln.strip():
            return ln.strip()
    return ""


def remove_stale_workdirs():
    """A runner killed with SIGKILL cannot clean up: its scratch folder carries its pid, and
    the next run removes every such folder whose runner is gone."""
    tmp = tempfile.gettempdir()
    for name in os.listdir(tmp):
        parts = name.split("-")
        if len(parts) >= 4 and parts[0] == "skipopu" and parts[1] == "sweep" and parts[2].isdigit():
            pid = int(parts[2])
            try:
                os.kill(pid, 0)
                continue  # still running
            except ProcessLookupError:
                shutil.rmtree(os.path.join(tmp, name), ignore_errors=True)
            except PermissionError:
                continue


def _die_with_parent():
    """preexec_fn of every skipopu child: SIGKILL when the runner dies (also by SIGKILL)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        pass


def _run(cmd, timeout):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, preexec_fn=_die_with_parent)


def run_point(bin_, spec, p, workdir, timeout):
    """Runs one point; returns its record. Never raises for a point's own failure."""
    rec = {"schema": SCHEMA, "key": p["key"], "sweep": spec.name, "set": p["set"], "workload": p["workload"]}
    d = os.path.join(workdir, p["key"])
    os.makedirs(d, exist_ok=True)
    sets = []
    for k, v in p["set"].items():
        sets += ["--set", f"{k}={_set_value(v)}"]
    t0 = time.monotonic()
    try:
        dev = ["--device", os.path.join(REPO, "models", "fpga", (spec.fits or "u280") + "-device.json")]
        r = _run([bin_, "resources", "--config", spec.base, *sets, *dev, "--json", os.path.join(d, "res.json"), "-q"],
                 timeout)
        if r.returncode != 0:
            rec.update(status="failed", exit=r.returncode, error="resources: " + _first_line(r.stderr))
            return rec
        with open(os.path.join(d, "res.json")) as f:
            res = json.load(f)
        rec["resources"] = {"total": res["total"], "utilisation": res["utilisation"], "fits": res["fits"],
                            "device": res["device"]}
        if spec.fits and not res["fits"]:
            rec.update(status="infeasible", error=f"does not fit the {spec.fits}")
            return rec
        cmd = [bin_, "run", "--config", spec.base, "--trace", p["_trace_path"], *sets, "--json",
               os.path.join(d, "run.json"), "-q"]
        if p["workload"]["model"]:
            cmd += ["--model", p["workload"]["model"]]
        r = _run(cmd, timeout)
        if r.returncode != 0:
            rec.update(status="failed", exit=r.returncode, error="run: " + _first_line(r.stderr))
            return rec
        with open(os.path.join(d, "run.json")) as f:
            rep = json.load(f)
        s = rep["stats"]["groups"]["summary"]["stats"]
        rec["metrics"] = {m: s[m]["value"] for m in METRICS if m in s}
        rec["status"] = "ok"
        return rec
    except subprocess.TimeoutExpired:
        rec.update(status="failed", error=f"timed out after {timeout} s")
        return rec
    except (OSError, ValueError, KeyError) as e:
        rec.update(status="failed", error=f"{type(e).__name__}: {e}")
        return rec
    finally:
        rec["seconds"] = round(time.monotonic() - t0, 3)
        shutil.rmtree(d, ignore_errors=True)


def _fmt_eta(s):
    s = int(s + 0.5)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def validate_axes(bin_, spec):
    """One cheap `skipopu resources` per axis value: a typo in a key path or a bad value
    becomes one error naming the spec field, before any simulation starts."""
    checks = [(f"/axes/{n}", v if isinstance(v, dict) else {n: v}) for n in spec.axes for v in spec.axes[n]]
    checks += [(f"/points/{i}", p) for i, p in enumerate(spec.points_extra)]

    def one(c):
        field, s = c
        args = []
        for k, v in s.items():
            args += ["--set", f"{k}={_set_value(v)}"]
        r = subprocess.run([bin_, "resources", "--config", spec.base, *args, "-q"], capture_output=True, text=True,
                           timeout=60)
        return field, r

    with cf.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        for field, r in ex.map(one, checks):
            if r.returncode == 2:
                msg = _first_line(r.stderr).replace("skipopu resources: error: ", "")
                raise SpecError(f"{spec.path}: {field}: {msg}")


def select_shard(points, shard):
    if not shard:
        return points
    i, n = shard
    return [p for idx, p in enumerate(points) if idx % n == i]


def parse_shard(s):
    try:
        a, b = s.split("/")
        i, n = int(a), int(b)
        if n < 1 or not 0 <= i < n:
            raise ValueError
        return i, n
    except ValueError:
        raise SpecError(f"command line: --shard: expected i/N with 0 <= i < N, got '{s}'")


def check_out_arg(out):
    if os.path.isdir(out):
        raise SpecError(f"command line: --out: {out} is a directory (expected a results file)")


def cmd_run(a):
    if a.jobs < 0:
        raise SpecError(f"command line: --jobs: expected a number >= 0 (0: one per core), got {a.jobs}")
    if not a.timeout > 0 or a.timeout == float("inf"):
        raise SpecError(f"command line: --timeout: expected a positive number of seconds, got {a.timeout}")
    check_out_arg(a.out)
    spec = Spec(a.spec)
    bin_ = find_skipopu(a.skipopu)
    points = select_shard(spec.points(), parse_shard(a.shard) if a.shard else None)
    if not a.no_validate:
        validate_axes(bin_, spec)
    done = read_results(a.out)
    todo = [p for p in points if done.get(p["key"], {}).get("status") not in ("ok", "infeasible")]
    total, skipped = len(points), len(points) - len(todo)
    out = ResultFile(a.out)
    remove_stale_workdirs()
    workdir = tempfile.mkdtemp(prefix=f"skipopu-sweep-{os.getpid()}-")
    jobs = a.jobs or os.cpu_count() or 1
    tty = sys.stderr.isatty() and not a.quiet
    state = {"done": skipped, "failed": 0, "infeasible": 0}
    t0 = time.monotonic()
    last = [0.0]

    def progress(final=False):
        if a.quiet:
            return
        now = time.monotonic()
        if not final and not tty and now - last[0] < 5:
            return
        last[0] = now
        ran = state["done"] - skipped
        el = now - t0
        eta = el / ran * (total - state["done"]) if ran else 0
        line = (f"[sweep {spec.name}] {state['done']}/{total} done, {state['failed']} failed, "
                f"{state['infeasible']} infeasible, {_fmt_eta(el)} elapsed, ETA {_fmt_eta(eta)}")
        sys.stderr.write(("\r" + line + ("\n" if final else "")) if tty else line + "\n")
        sys.stderr.flush()

    try:
        with cf.ThreadPoolExecutor(max_workers=jobs) as ex:
            futs = [ex.submit(run_point, bin_, spec, p, workdir, a.timeout) for p in todo]
            for f in cf.as_completed(futs):
                rec = f.result()
                out.append(rec)
                state["done"] += 1
                state["failed"] += rec["status"] == "failed"
                state["infeasible"] += rec["status"] == "infeasible"
                progress()
    finally:
        out.close()
        shutil.rmtree(workdir, ignore_errors=True)
    progress(final=True)
    if a.csv or a.plot:
        report(spec, read_results(a.out), a.csv, a.plot, None, None)
    return 1 if state["failed"] else 0


# ---------------------------------------------------------------------------- slurm
def cmd_slurm(a):
    check_out_arg(a.out)
    if a.array < 1 or a.cpus < 1:
        raise SpecError(f"command line: --array and --cpus: expected at least 1, got {a.array} and {a.cpus}")
    spec = Spec(a.spec)
    bin_ = find_skipopu(a.skipopu)
    validate_axes(bin_, spec)
    n = a.array
    if n < 1:
        raise SpecError("command line: --array: expected a positive number of array tasks")
    work = os.path.abspath(a.out) + ".slurm"
    os.makedirs(work, exist_ok=True)
    me = os.path.abspath(__file__)
    script = f"""#!/bin/bash
#SBATCH --job-name=skipopu-sweep-{spec.name}
#SBATCH --array=0-{n - 1}
#SBATCH --output={work}/task-%a.log
#SBATCH --cpus-per-task={a.cpus}
exec /usr/bin/python3 {me} run {os.path.abspath(a.spec)} --out {work}/shard-$SLURM_ARRAY_TASK_ID.jsonl \\
  --shard $SLURM_ARRAY_TASK_ID/{n} --jobs {a.cpus} --skipopu {bin_} --no-validate --quiet
"""
    write_atomically(os.path.join(work, "array.sbatch"), script)
    cmd = ["sbatch", "--parsable"] + a.sbatch_arg + [os.path.join(work, "array.sbatch")]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        sys.stderr.write(f"skipopu-sweep: sbatch failed: {e}\n")
        return 1
    jobid = _first_line(r.stdout).split(";")[0]
    if r.returncode != 0 or not jobid:
        sys.stderr.write(f"skipopu-sweep: sbatch failed: {_first_line(r.stderr)}\n")
        return 1
    print(f"submitted job array {jobid} ({n} tasks); shards in {work}", flush=True)
    if a.no_wait:
        print(f"merge later: {me} merge --spec {a.spec} --out {a.out} {work}/shard-*.jsonl")
        return 0
    # Wait until no task of the array is queued or running.
    deadline = time.monotonic() + a.timeout
    while True:
        try:
            q = subprocess.run(["squeue", "-h", "-j", jobid, "-o", "%i"], capture_output=True, text=True, timeout=30)
            if q.returncode == 0 and not q.stdout.strip():
                break
        except subprocess.TimeoutExpired:
            pass
        if time.monotonic() > deadline:
            subprocess.run(["scancel", jobid], capture_output=True, timeout=30)
            sys.stderr.write(f"skipopu-sweep: job array {jobid} not finished after {a.timeout:g} s: cancelled; "
                             f"finished points are in {work}, rerun to continue\n")
            break
        time.sleep(1)
    shards = [os.path.join(work, f"shard-{i}.jsonl") for i in range(n)]
    return merge(a.out, [s for s in shards if os.path.exists(s)], spec)


def merge(out, shard_files, spec=None):
    res = read_results(out)
    for s in shard_files:
        for k, r in read_results(s).items():
            old = res.get(k)
            if old is None or old.get("status") == "failed" or r.get("status") != "failed":
                res[k] = r
    if spec is not None:
        order = [p["key"] for p in spec.points()]
        keys = [k for k in order if k in res] + sorted(k for k in res if k not in set(order))
    else:
        keys = sorted(res)
    data = "".join(json.dumps(res[k], sort_keys=True, separators=(",", ":")) + "\n" for k in keys)
    write_atomically(out, data)
    failed = sum(res[k].get("status") == "failed" for k in keys)
    missing = len([p for p in spec.points() if p["key"] not in res]) if spec is not None else 0
    print(f"merged {len(shard_files)} shard file(s): {len(keys)} points, {failed} failed, {missing} missing -> {out}")
    return 1 if failed or missing else 0


def cmd_merge(a):
    check_out_arg(a.out)
    return merge(a.out, a.shards, Spec(a.spec) if a.spec else None)


# ---------------------------------------------------------------------------- report
def flatten(spec, recs):
    axes = []
    for r in recs:
        for k in r.get("set", {}):
            if k not in axes:
                axes.append(k)
    rows = []
    for r in recs:
        row = {"key": r["key"], "status": r.get("status"), "trace": r.get("workload", {}).get("trace")}
        for k in axes:
            row[k] = r.get("set", {}).get(k, "")
        for m in METRICS:
            row[m] = r.get("metrics", {}).get(m, "")
        res = r.get("resources", {})
        for x in RESOURCES:
            row[x] = res.get("total", {}).get(x, "")
            row[x + "_util"] = res.get("utilisation", {}).get(x, "")
        row["fits"] = res.get("fits", "")
        row["error"] = r.get("error", "")
        rows.append(row)
    cols = ["key", "status", "trace"] + axes + METRICS + RESOURCES + [x + "_util" for x in RESOURCES] + ["fits", "error"]
    return cols, rows, axes


def pareto(pts):
    """pts: (x, y, i); minimise x, maximise y. Returns the indices on the front, by x."""
    front, best = [], None
    for x, y, i in sorted(pts, key=lambda t: (t[0], -t[1])):
        if best is None or y > best:
            front.append(i)
            best = y
    return front


def report(spec, res, csv_path, plot_path, x, y):
    recs = list(res.values())
    if spec is not None:
        order = {p["key"]: n for n, p in enumerate(spec.points())}
        recs.sort(key=lambda r: (order.get(r["key"], 1 << 60), r["key"]))
    cols, rows, axes = flatten(spec, recs)
    if csv_path:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        write_atomically(csv_path, buf.getvalue())
    if plot_path:
        plot(spec, rows, axes, plot_path, x or (spec.plot_x if spec else "lut"),
             y or (spec.plot_y if spec else "bandwidth_efficiency"), spec.label_best if spec else 5)


def plot(spec, rows, axes, path, xres, ymet, nlabel):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def xval(r):
        if xres == "max":
            return max(float(r[x + "_util"]) for x in RESOURCES) * 100
        return float(r[xres + "_util"]) * 100

    ok = [r for r in rows if r["status"] == "ok" and r[ymet] != ""]
    bad = [r for r in rows if r["status"] == "infeasible" and r[xres if xres != "max" else "lut"] != ""]
    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=110)
    xs = [xval(r) for r in ok]
    ys = [float(r[ymet]) for r in ok]
    ax.scatter(xs, ys, s=18, c="#9bb7d4", label=f"points ({len(ok)})")
    if bad:
        ax.scatter([xval(r) for r in bad], [min(ys) if ys else 0] * len(bad), marker="x", c="#c0392b",
                   label=f"does not fit ({len(bad)}, not simulated)")
    front = pareto([(xs[i], ys[i], i) for i in range(len(ok))])
    if front:
        ax.plot([xs[i] for i in front], [ys[i] for i in front], "-o", c="#1f4e79", ms=5, label="Pareto front")
        best = sorted(front, key=lambda i: -ys[i])[:nlabel]
        for i in best:
            lab = ", ".join(f"{k.split('.')[-1]}={ok[i][k]}" for k in axes) or ok[i]["key"]
            ax.annotate(lab, (xs[i], ys[i]), textcoords="offset points", xytext=(5, 5), fontsize=7)
    ax.axvline(100, c="#888", lw=0.8, ls="--")
    ax.set_xlabel(("max resource" if xres == "max" else xres.upper()) + " utilisation of the device (%)")
    ax.set_ylabel(ymet.replace("_", " "))
    ax.set_title(f"sweep {spec.name if spec else ''}: {ymet} vs {xres}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp)
    plt.close(fig)
    os.replace(tmp, path)


def cmd_report(a):
    spec = Spec(a.spec) if a.spec else None
    res = read_results(a.results)
    if not res:
        raise SpecError(f"{a.results}: no results")
    if a.x and a.x not in RESOURCES + ["max"]:
        raise SpecError("command line: --x: expected one of " + ", ".join(RESOURCES + ["max"]))
    if a.y and a.y not in METRICS:
        raise SpecError("command line: --y: expected one of " + ", ".join(METRICS))
    report(spec, res, a.csv, a.plot, a.x, a.y)
    return 0


def cmd_list(a):
    spec = Spec(a.spec)
    if not a.no_validate:
        validate_axes(find_skipopu(a.skipopu), spec)
    pts = spec.points()
    for p in pts:
        print(p["key"], p["workload"]["trace"], json.dumps(p["set"], sort_keys=True))
    print(f"{len(pts)} points", file=sys.stderr)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="skipopu-sweep", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run a sweep locally (or one shard of it)")
    r.add_argument("spec")
    r.add_argument("--out", required=True)
    r.add_argument("--jobs", type=int, default=0, help="simulations at once (default: cores)")
    r.add_argument("--shard", help="i/N: run points with index %% N == i")
    r.add_argument("--timeout", type=float, default=600, help="seconds per process")
    r.add_argument("--csv")
    r.add_argument("--plot")
    r.add_argument("--skipopu")
    r.add_argument("--quiet", action="store_true")
    r.add_argument("--no-validate", action="store_true", help=argparse.SUPPRESS)
    r.set_defaults(fn=cmd_run)
    s = sub.add_parser("slurm", help="submit as a Slurm job array, wait, merge")
    s.add_argument("spec")
    s.add_argument("--out", required=True)
    s.add_argument("--array", type=int, required=True, help="array tasks (shards)")
    s.add_argument("--cpus", type=int, default=1, help="cpus per task (= local jobs per task)")
    s.add_argument("--sbatch-arg", action="append", default=[], help="extra sbatch argument (repeatable)")
    s.add_argument("--no-wait", action="store_true")
    s.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the array")
    s.add_argument("--skipopu")
    s.set_defaults(fn=cmd_slurm)
    m = sub.add_parser("merge", help="merge shard result files into one")
    m.add_argument("--out", required=True)
    m.add_argument("--spec")
    m.add_argument("shards", nargs="+")
    m.set_defaults(fn=cmd_merge)
    p = sub.add_parser("report", help="CSV and Pareto plot from results")
    p.add_argument("spec", nargs="?")
    p.add_argument("--results", required=True)
    p.add_argument("--csv")
    p.add_argument("--plot")
    p.add_argument("--x", help="resource for the x axis: dsp, lut, ff, bram36, uram, max")
    p.add_argument("--y", help="metric for the y axis (default bandwidth_efficiency)")
    p.set_defaults(fn=cmd_report)
    li = sub.add_parser("list", help="validate a spec and print its points")
    li.add_argument("spec")
    li.add_argument("--skipopu")
    li.add_argument("--no-validate", action="store_true")
    li.set_defaults(fn=cmd_list)
    try:
        a = ap.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        return a.fn(a)
    except SpecError as e:
        sys.stderr.write(f"skipopu-sweep: error: {e}\n")
        return 2
    except OutputFailure as e:
        sys.stderr.write(f"skipopu-sweep: error: {e}\n")
        return 3
    except KeyboardInterrupt:
        sys.stderr.write("skipopu-sweep: interrupted; finished points are kept, rerun to continue\n")
        return 130
    except RecursionError:
        sys.stderr.write("skipopu-sweep: error: input nested too deeply\n")
        return 2


def _terminate(signum, frame):
    raise KeyboardInterrupt  # unwinds through the finally blocks: scratch folder removed


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    sys.exit(main())
