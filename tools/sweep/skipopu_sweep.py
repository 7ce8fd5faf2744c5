#!/usr/bin/python3
"""skipopu-sweep: design-space sweeps of SkipOPU-sim (docs/sweeps.md).

  run    SPEC --out R.jsonl [--jobs N] [--shard i/N] [--set k=v ...] [--metric STAT ...] [--csv C] [--plot P]
  slurm  SPEC --out R.jsonl --array N [--time T] [--partition P] [--account A] [--set k=v ...]
         [--sbatch-arg ARG ...] [--no-wait | --script-only]
  merge  --out R.jsonl SHARD.jsonl ...
  report SPEC --results R.jsonl [--csv C] [--plot P] [--x RES|STAT] [--y STAT] [--color AXIS|STAT] [--metric STAT ...]
  list   SPEC          (validate the spec and print its points)

Every point is one `skipopu resources` and one `skipopu run` process (SystemC allows one
simulation per process). Results: one JSON object per line, keyed by a stable hash of the
point; a line is written with one write() and only once the point has finished, so killing
the sweep loses nothing finished (a kill during that write can leave a partial last line: it is
ignored, dropped on the next run and its point rerun); a rerun skips finished points and reruns failed ones.
Each point's full run report is kept, gzip-compressed, in R.jsonl.reports/KEY.json.gz, so any
statistic (by its path, as `skipopu run --format csv` lists them) can become a metric, a CSV
column or a plot axis after the sweep.
Exit status: 0 ok, 1 some points failed, 2 bad spec or usage, 3 an output could not be written.
"""
import argparse
import concurrent.futures as cf
import csv
import gzip
import hashlib
import io
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = "skipopu-sweep-result/1"
METRICS = ["tokens_per_s", "bandwidth_efficiency", "hbm_decode_utilisation", "cycles_per_token_mean",
           "decode_cycles", "effective_bandwidth_gbps"]
RESOURCES = ["dsp", "lut", "ff", "bram36", "uram"]
SPEC_KEYS = {"name", "description", "base_config", "workloads", "axes", "points", "constraints", "plot", "metrics"}
STAT_PATH = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$")  # group.[group...].stat


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


def check_x(x):
    if not isinstance(x, str) or not (x in RESOURCES + ["max"] or STAT_PATH.match(x)):
        raise ValueError("expected one of " + ", ".join(RESOURCES + ["max"]) + " (utilisation) or a statistic "
                         "path such as summary.decode_cycles")


def check_y(y):
    if not isinstance(y, str) or not (y in METRICS or STAT_PATH.match(y)):
        raise ValueError("expected one of " + ", ".join(METRICS) + " or a statistic path such as "
                         "blocks.hbm.row_hit_rate")


def parse_sets(sets, spec):
    """--set k=v on the sweep command: applied to every point; k may not be an axis of the spec."""
    out = {}
    for a in sets or []:
        k, eq, v = a.partition("=")
        if not eq or not k or k.startswith(".") or k.endswith(".") or ".." in k:
            raise SpecError(f"command line: --set {a}: expected key.path=value")
        if k in spec.axes or any(k in p for p in spec.points_extra) or any(
                isinstance(x, dict) and k in x for vals in spec.axes.values() for x in vals):
            raise SpecError(f"command line: --set {a}: {k} is already set per point by the spec")
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    return out


def stat_value(report, path):
    """A statistic of a run report by its dotted path (summary.tokens_per_s); KeyError if absent."""
    g = report["stats"]
    parts = path.split(".")
    for name in parts[:-1]:
        g = g.get("groups", {})[name]
    return g.get("stats", {})[parts[-1]]["value"]


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
            if k not in ("x", "y", "color", "label_best"):
                _fail(path, f"/plot/{k}", "unknown key (expected x, y, color, label_best)")
        self.plot_x = plot.get("x", "lut")
        self.plot_y = plot.get("y", "bandwidth_efficiency")
        self.plot_color = plot.get("color")
        try:
            check_x(self.plot_x)
        except ValueError as e:
            _fail(path, "/plot/x", str(e))
        try:
            check_y(self.plot_y)
        except ValueError as e:
            _fail(path, "/plot/y", str(e))
        if self.plot_color is not None and (not isinstance(self.plot_color, str) or not (
                self.plot_color in self.axes or STAT_PATH.match(self.plot_color))):
            _fail(path, "/plot/color", "expected an axis name of the spec or a statistic path such as "
                                       "summary.tokens_per_s")
        mets = doc.get("metrics", [])
        if not isinstance(mets, list) or not all(isinstance(m, str) and STAT_PATH.match(m) for m in mets):
            _fail(path, "/metrics", "expected a list of statistic paths such as blocks.hbm.row_hit_rate "
                                    "(`skipopu run --format csv` lists them)")
        self.metrics = list(mets)
        self.global_set = {}  # the sweep command's --set, applied to every point
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
    if spec.global_set:  # only then part of the key: keys of sweeps without --set stay as they were
        ident["global_set"] = {k: spec.global_set[k] for k in sorted(spec.global_set)}
    key = hashlib.sha256(json.dumps(ident, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]
    p = {"key": key, "set": ident["set"], "workload": {"trace": w["trace"], "model": w["model"]},
         "_trace_path": w["trace_path"]}
    if spec.global_set:
        p["global_set"] = ident["global_set"]
    return p


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
    """Appends each record as one line with one write(), under a lock (threads never interleave).
    A SIGKILL during that write() can still leave a trailing partial line: POSIX does not make a
    write() to a regular file all-or-nothing (Linux stops between pages when a fatal signal is
    pending). read_results ignores such a line and the next open drops it."""

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


_children = set()  # skipopu processes running now (killed when the runner is interrupted)
_children_lock = threading.Lock()
_stopping = threading.Event()  # set on interrupt: no new point starts


def _run(cmd, timeout):
    if _stopping.is_set():
        raise KeyboardInterrupt
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          preexec_fn=_die_with_parent) as proc:
        with _children_lock:
            _children.add(proc)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise subprocess.TimeoutExpired(cmd, timeout, out, err)
        finally:
            with _children_lock:
                _children.discard(proc)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _stop_children():
    """Interrupted: start nothing more and kill the skipopu processes still running."""
    _stopping.set()
    with _children_lock:
        for proc in list(_children):
            try:
                proc.kill()
            except OSError:
                pass


def write_report_gz(path, data):
    """gzip without a timestamp or name (the same report gives the same bytes), atomically."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as z:
            z.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_report(results_path, rec):
    """The kept full report of a record (None when it has none)."""
    rel = rec.get("report")
    if not rel:
        return None
    with gzip.open(os.path.join(os.path.dirname(os.path.abspath(results_path)), rel), "rb") as f:
        return json.loads(f.read())


def run_point(bin_, spec, p, workdir, timeout, reports_dir=None, results_dir=None, metrics=()):
    """Runs one point; returns its record. Never raises for a point's own failure. The full run
    report is kept as reports_dir/KEY.json.gz (path in the record relative to results_dir)."""
    rec = {"schema": SCHEMA, "key": p["key"], "sweep": spec.name, "set": p["set"], "workload": p["workload"]}
    if p.get("global_set"):
        rec["global_set"] = p["global_set"]
    d = os.path.join(workdir, p["key"])
    os.makedirs(d, exist_ok=True)
    sets = []
    for k, v in list(p.get("global_set", {}).items()) + list(p["set"].items()):
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
        with open(os.path.join(d, "run.json"), "rb") as f:
            raw = f.read()
        rep = json.loads(raw)
        s = rep["stats"]["groups"]["summary"]["stats"]
        rec["metrics"] = {m: s[m]["value"] for m in METRICS if m in s}
        for m in metrics:
            try:
                rec["metrics"][m] = stat_value(rep, m)
            except KeyError:
                rec.update(status="failed", error=f"no statistic '{m}' in the run report (the paths: skipopu run "
                                                  "--format csv)")
                return rec
        if reports_dir:
            gz = os.path.join(reports_dir, p["key"] + ".json.gz")
            write_report_gz(gz, raw)
            rec["report"] = os.path.relpath(gz, results_dir)
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
        for k, v in list(spec.global_set.items()) + list(s.items()):
            args += ["--set", f"{k}={_set_value(v)}"]
        r = subprocess.run([bin_, "resources", "--config", spec.base, *args, "-q"], capture_output=True, text=True,
                           timeout=60)
        return field, r

    if spec.global_set:  # first, alone: a bad --set is not the fault of any axis
        checks.insert(0, ("--set", {}))
        field, r = one(checks.pop(0))
        if r.returncode == 2:
            raise SpecError("command line: --set: " + _first_line(r.stderr).replace("skipopu resources: error: ", ""))
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
    spec.global_set = parse_sets(a.set, spec)
    metrics = list(dict.fromkeys(spec.metrics + (a.metric or [])))
    for m in metrics:
        if not STAT_PATH.match(m):
            raise SpecError(f"command line: --metric {m}: expected a statistic path such as blocks.hbm.row_hit_rate")
    bin_ = find_skipopu(a.skipopu)
    points = select_shard(spec.points(), parse_shard(a.shard) if a.shard else None)
    if not a.no_validate:
        validate_axes(bin_, spec)
    done = read_results(a.out)
    todo = [p for p in points if done.get(p["key"], {}).get("status") not in ("ok", "infeasible")]
    total, skipped = len(points), len(points) - len(todo)
    out = ResultFile(a.out)
    reports_dir = os.path.abspath(a.reports_dir or a.out + ".reports")
    try:
        os.makedirs(reports_dir, exist_ok=True)
    except OSError as e:
        raise OutputFailure(f"{reports_dir}: cannot create: {e.strerror}")
    results_dir = os.path.dirname(os.path.abspath(a.out))
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

    ex = cf.ThreadPoolExecutor(max_workers=jobs)
    try:
        futs = [ex.submit(run_point, bin_, spec, p, workdir, a.timeout, reports_dir, results_dir, metrics)
                for p in todo]
        for f in cf.as_completed(futs):
            rec = f.result()
            out.append(rec)
            state["done"] += 1
            state["failed"] += rec["status"] == "failed"
            state["infeasible"] += rec["status"] == "infeasible"
            progress()
    except BaseException:
        # Interrupted (or failed): queued points never start, running ones are killed; the
        # points already written are kept for a rerun.
        _stop_children()
        ex.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        ex.shutdown(wait=True)
        out.close()
        shutil.rmtree(workdir, ignore_errors=True)
    progress(final=True)
    if a.csv or a.plot:
        report(spec, read_results(a.out), a.out, a.csv, a.plot, None, None, None, metrics)
    return 1 if state["failed"] else 0


# ---------------------------------------------------------------------------- slurm
SLURM_TIME = re.compile(r"^(\d+-)?\d+(:\d{1,2}){0,2}$")  # sbatch --time: [D-]H[:M[:S]] or M[:S]
SLURM_NAME = re.compile(r"^[A-Za-z0-9_.,-]+$")


def cmd_slurm(a):
    check_out_arg(a.out)
    if a.array < 1 or a.cpus < 1:
        raise SpecError(f"command line: --array and --cpus: expected at least 1, got {a.array} and {a.cpus}")
    spec = Spec(a.spec)
    spec.global_set = parse_sets(a.set, spec)
    if not SLURM_TIME.match(a.time):
        raise SpecError(f"command line: --time: expected a Slurm time limit such as 30:00, 2:00:00 or 1-00:00:00, "
                        f"got '{a.time}'")
    for opt in ("partition", "account"):
        v = getattr(a, opt)
        if v is not None and not SLURM_NAME.match(v):
            raise SpecError(f"command line: --{opt}: expected a Slurm {opt} name, got '{v}'")
    for m in a.metric or []:
        if not STAT_PATH.match(m):
            raise SpecError(f"command line: --metric {m}: expected a statistic path such as blocks.hbm.row_hit_rate")
    bin_ = find_skipopu(a.skipopu)
    validate_axes(bin_, spec)
    n = a.array
    if n < 1:
        raise SpecError("command line: --array: expected a positive number of array tasks")
    work = os.path.abspath(a.out) + ".slurm"
    os.makedirs(work, exist_ok=True)
    me = os.path.abspath(__file__)
    extra = "".join(f" --set '{k}={_set_value(v)}'" for k, v in spec.global_set.items())
    extra += "".join(f" --metric {m}" for m in a.metric or [])
    head = [f"#SBATCH --job-name=skipopu-sweep-{spec.name}", f"#SBATCH --array=0-{n - 1}",
            f"#SBATCH --output={work}/task-%a.log", f"#SBATCH --cpus-per-task={a.cpus}",
            f"#SBATCH --time={a.time}"]
    if a.partition:
        head.append(f"#SBATCH --partition={a.partition}")
    if a.account:
        head.append(f"#SBATCH --account={a.account}")
    script = "#!/bin/bash\n" + "\n".join(head) + f"""
exec /usr/bin/python3 {me} run {os.path.abspath(a.spec)} --out {work}/shard-$SLURM_ARRAY_TASK_ID.jsonl \\
  --reports-dir {os.path.abspath(a.out)}.reports --shard $SLURM_ARRAY_TASK_ID/{n} --jobs {a.cpus} \\
  --skipopu {bin_} --no-validate --quiet{extra}
"""
    write_atomically(os.path.join(work, "array.sbatch"), script)
    if a.script_only:
        print(os.path.join(work, "array.sbatch"))
        return 0
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
    out_dir = os.path.dirname(os.path.abspath(out))
    for s in shard_files:
        for k, r in read_results(s).items():
            if r.get("report"):  # relative to the shard file: make it relative to the merged file
                r["report"] = os.path.relpath(os.path.join(os.path.dirname(os.path.abspath(s)), r["report"]), out_dir)
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
class StatColumns:
    """Values of statistics by path: from a record's metrics, else from its kept report."""

    def __init__(self, results_path, paths):
        self.results_path, self.paths = results_path, list(dict.fromkeys(paths))

    def values(self, rec):
        out = {}
        missing = [p for p in self.paths if p not in rec.get("metrics", {})]
        rep = None
        if missing and rec.get("status") == "ok":
            try:
                rep = load_report(self.results_path, rec)
            except OSError as e:
                raise SpecError(f"{self.results_path}: point {rec['key']}: cannot read its kept report "
                                f"{rec.get('report')}: {e.strerror}")
        for p in self.paths:
            if p in rec.get("metrics", {}):
                out[p] = rec["metrics"][p]
            elif rep is None:
                if rec.get("status") == "ok":
                    raise SpecError(f"{self.results_path}: point {rec['key']}: statistic {p} was not recorded and "
                                    "the point has no kept report (rerun the sweep to keep reports)")
                out[p] = ""
            else:
                try:
                    out[p] = stat_value(rep, p)
                except KeyError:
                    raise SpecError(f"statistic {p}: not in the report of point {rec['key']} (the paths: skipopu run "
                                    "--format csv)") from None
        return out


def flatten(spec, recs, stats=None):
    axes = []
    for r in recs:
        for k in r.get("set", {}):
            if k not in axes:
                axes.append(k)
    extra = [p for p in (stats.paths if stats else []) if p not in METRICS]
    rows = []
    for r in recs:
        row = {"key": r["key"], "status": r.get("status"), "trace": r.get("workload", {}).get("trace")}
        for k in axes:
            row[k] = r.get("set", {}).get(k, "")
        for m in METRICS:
            row[m] = r.get("metrics", {}).get(m, "")
        if stats:
            row.update(stats.values(r))
        res = r.get("resources", {})
        for x in RESOURCES:
            row[x] = res.get("total", {}).get(x, "")
            row[x + "_util"] = res.get("utilisation", {}).get(x, "")
        row["fits"] = res.get("fits", "")
        row["error"] = r.get("error", "")
        rows.append(row)
    cols = ["key", "status", "trace"] + axes + METRICS + extra + RESOURCES + [x + "_util" for x in RESOURCES] + [
        "fits", "error"]
    return cols, rows, axes


def pareto(pts):
    """pts: (x, y, i); minimise x, maximise y. Returns the indices on the front, by x."""
    front, best = [], None
    for x, y, i in sorted(pts, key=lambda t: (t[0], -t[1])):
        if best is None or y > best:
            front.append(i)
            best = y
    return front


def report(spec, res, results_path, csv_path, plot_path, x, y, color, metrics=()):
    recs = list(res.values())
    if spec is not None:
        order = {p["key"]: n for n, p in enumerate(spec.points())}
        recs.sort(key=lambda r: (order.get(r["key"], 1 << 60), r["key"]))
    x = x or (spec.plot_x if spec else "lut")
    y = y or (spec.plot_y if spec else "bandwidth_efficiency")
    color = color or (spec.plot_color if spec else None)
    set_keys = {k for r in recs for k in r.get("set", {})}  # an axis name looks like a path: it is not one
    paths = list(metrics) + [v for v in (x, y, color) if v and STAT_PATH.match(v) and v not in METRICS
                             and v not in set_keys]
    cols, rows, axes = flatten(spec, recs, StatColumns(results_path, paths))
    if csv_path:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        write_atomically(csv_path, buf.getvalue())
    if plot_path:
        if color and color not in axes and not STAT_PATH.match(color):
            raise SpecError(f"command line: --color {color}: expected an axis ({', '.join(axes)}) or a statistic path")
        plot(spec, rows, axes, plot_path, x, y, color, spec.label_best if spec else 5)


def _axis_label(v):
    if v == "max":
        return "largest resource utilisation of the device (%)"
    if v in RESOURCES:
        return f"{v.upper()} utilisation of the device (%)"
    return v.replace("_", " ") if v in METRICS else v


def _class_key(v):
    """Numbers in numeric order, then strings."""
    try:
        return (0, float(v), "")
    except ValueError:
        return (1, 0.0, v)


def _fit(lo, hi, pad=0.06):
    span = hi - lo
    if span <= 0:
        span = abs(hi) or 1.0
    return lo - pad * span, hi + pad * span


def plot(spec, rows, axes, path, xsel, ymet, color, nlabel):
    """Scatter of ymet against xsel with the Pareto front (least x, most y). Points are coloured
    by `color` (an axis, or a statistic); points drawn on top of each other are one marker whose
    area grows with their number, labelled with the count; axes are fitted to the data; the
    device-capacity line (100 %) is drawn and labelled when it is inside the fitted range."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.transforms import blended_transform_factory

    def xval(r):
        if xsel == "max":
            return max(float(r[x + "_util"]) for x in RESOURCES) * 100
        if xsel in RESOURCES:
            return float(r[xsel + "_util"]) * 100
        return float(r[xsel])

    ok = [r for r in rows if r["status"] == "ok" and r[ymet] != "" and (xsel in RESOURCES + ["max"] or r[xsel] != "")]
    bad = [r for r in rows if r["status"] == "infeasible" and r["lut_util"] != ""] if xsel in RESOURCES + ["max"] else []
    if color is None:  # default: the first axis that takes more than one value
        color = next((a for a in axes if len({str(r[a]) for r in ok}) > 1), None)
    fig, ax = plt.subplots(figsize=(8.5, 6.2), dpi=110)
    xs = [xval(r) for r in ok]
    ys = [float(r[ymet]) for r in ok]
    # Colour classes: the values of the colour column, in sorted order.
    cvals = [str(r[color]) if color else "" for r in ok]
    classes = sorted(set(cvals), key=_class_key)
    cmap = plt.get_cmap("tab10" if len(classes) <= 10 else "viridis")
    col = {c: cmap(i if len(classes) <= 10 else i / max(1, len(classes) - 1)) for i, c in enumerate(classes)}
    # Overplotting: points at the same (x, y) are spread sideways by a few pixels, one slot per
    # colour class, and labelled with their number; equal points of one class are one marker
    # whose area grows with their count.
    from matplotlib.transforms import offset_copy
    at = {}
    for i in range(len(ok)):
        at.setdefault((round(xs[i], 9), round(ys[i], 12)), {}).setdefault(cvals[i], []).append(i)
    batches = {}  # (class, slot offset) -> [(x, y, count)]
    stacked = 0
    for (x, y), by_class in at.items():
        cls = sorted(by_class, key=_class_key)
        n = sum(len(v) for v in by_class.values())
        for k, c in enumerate(cls):
            batches.setdefault((c, (k - (len(cls) - 1) / 2) * 6.0), []).append((x, y, len(by_class[c])))
        if n > 1:
            stacked += 1
            ax.annotate(f"\u00d7{n}", (x, y), textcoords="offset points", xytext=(4 + 3 * len(cls), -11), fontsize=7,
                        color="#333")
    labelled = set()
    for (c, dx), pts in sorted(batches.items(), key=lambda t: (_class_key(t[0][0]), t[0][1])):
        count = sum(len(v) for (x, y), by in at.items() for cc, v in by.items() if cc == c)
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=[28 * p[2] for p in pts], color=col[c], alpha=0.8,
                   edgecolors="black", linewidths=0.5, zorder=3, transform=offset_copy(ax.transData, fig, x=dx, units="points"),
                   label=None if c in labelled else (f"{color} = {c}" if color else "points") + f" ({count})")
        labelled.add(c)
    front = pareto([(xs[i], ys[i], i) for i in range(len(ok))])
    if front:
        # A staircase: between two front points only the left one's value is attained.
        ax.plot([xs[i] for i in front], [ys[i] for i in front], "-", c="#1f4e79", lw=1.2, zorder=2,
                drawstyle="steps-post", label=f"Pareto front: least {xsel}, most {ymet} ({len(front)} points)")
        best = sorted(front, key=lambda i: -ys[i])[:nlabel]
        mid = (min(xs) + max(xs)) / 2
        for i in best:
            lab = ", ".join(f"{k.split('.')[-1]}={ok[i][k]}" for k in axes) or ok[i]["key"]
            right = xs[i] > mid  # labels point inwards, so they stay inside the axes
            ax.annotate(lab, (xs[i], ys[i]), textcoords="offset points", xytext=(-5 if right else 5, 6), fontsize=7,
                        zorder=4, ha="right" if right else "left")
    allx = xs + [xval(r) for r in bad]
    if allx:
        ax.set_xlim(*_fit(min(allx), max(allx)))
    if ys:
        ax.set_ylim(*_fit(min(ys), max(ys), 0.1))
    if bad:
        tr = blended_transform_factory(ax.transData, ax.transAxes)
        ax.scatter([xval(r) for r in bad], [0.03] * len(bad), marker="x", c="#c0392b", transform=tr, zorder=3,
                   label=f"does not fit the device ({len(bad)}, not simulated)")
    if xsel in RESOURCES + ["max"]:
        lo, hi = ax.get_xlim()
        if lo <= 100 <= hi:
            ax.axvline(100, c="#888", lw=0.9, ls="--", zorder=1, label="device capacity (100 %)")
    ax.set_xlabel(_axis_label(xsel))
    ax.set_ylabel(_axis_label(ymet))
    note = f"; {stacked} markers stand for several points (\u00d7n, area \u221d n)" if stacked else ""
    gs = "".join(f" --set {k}={_set_value(v)}" for k, v in (spec.global_set if spec else {}).items())
    ax.set_title(f"sweep {spec.name if spec else ''}{gs}: {len(ok)} points{note}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=2, markerscale=0.7, frameon=False)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp)
    plt.close(fig)
    os.replace(tmp, path)


def cmd_report(a):
    spec = Spec(a.spec) if a.spec else None
    if spec is not None:
        spec.global_set = parse_sets(a.set, spec)
    res = read_results(a.results)
    if not res:
        raise SpecError(f"{a.results}: no results")
    try:
        if a.x:
            check_x(a.x)
    except ValueError as e:
        raise SpecError(f"command line: --x: {e}")
    try:
        if a.y:
            check_y(a.y)
    except ValueError as e:
        raise SpecError(f"command line: --y: {e}")
    for m in a.metric or []:
        if not STAT_PATH.match(m):
            raise SpecError(f"command line: --metric {m}: expected a statistic path such as blocks.hbm.row_hit_rate")
    report(spec, res, a.results, a.csv, a.plot, a.x, a.y, a.color, (spec.metrics if spec else []) + (a.metric or []))
    return 0


def cmd_list(a):
    spec = Spec(a.spec)
    spec.global_set = parse_sets(a.set, spec)
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
    r.add_argument("--set", action="append", default=[], help="key.path=value for every point (repeatable)")
    r.add_argument("--metric", action="append", default=[], help="statistic path recorded per point (repeatable)")
    r.add_argument("--reports-dir", help="where the points' reports are kept (default OUT.reports)")
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
    s.add_argument("--time", default="2:00:00", help="time limit per array task (sbatch --time; default 2:00:00)")
    s.add_argument("--partition", help="Slurm partition (sbatch --partition)")
    s.add_argument("--account", help="Slurm account (sbatch --account)")
    s.add_argument("--set", action="append", default=[], help="key.path=value for every point (repeatable)")
    s.add_argument("--metric", action="append", default=[], help="statistic path recorded per point (repeatable)")
    s.add_argument("--script-only", action="store_true", help="write the sbatch script, print its path, submit nothing")
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
    p.add_argument("--x", help="x axis: dsp, lut, ff, bram36, uram, max (utilisation) or a statistic path")
    p.add_argument("--y", help="y axis: a metric or a statistic path (default bandwidth_efficiency)")
    p.add_argument("--color", help="colour the points by an axis of the spec or a statistic path")
    p.add_argument("--metric", action="append", default=[], help="extra CSV column: a statistic path (repeatable)")
    p.add_argument("--set", action="append", default=[], help="the --set the sweep ran with (to order the points)")
    p.set_defaults(fn=cmd_report)
    li = sub.add_parser("list", help="validate a spec and print its points")
    li.add_argument("spec")
    li.add_argument("--skipopu")
    li.add_argument("--no-validate", action="store_true")
    li.add_argument("--set", action="append", default=[], help="key.path=value for every point (repeatable)")
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
