#!/usr/bin/python3
"""Malformed-input corpus: runs every case of cases.py (or one group) and checks the README
promise for each: the expected exit status, stderr exactly one line that matches the case's
pattern (it names the file and the field or line, and what was expected), no crash, no hang,
no FILE.tmp or half-written output left behind.

  run_corpus.py SKIPOPU DATA_DIR [GROUP ...]     (no group: all; --list: names and counts)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases as corpus  # noqa: E402

# Under ASan, an exception thrown inside a SystemC thread (its own coroutine stack) makes the
# sanitizer print this three-line note (google/sanitizers#189); it is not the program's output.
ASAN_STACK_NOTE = re.compile(r"==\d+==WARNING: ASan is ignoring requested __asan_handle_no_return: .*\n"
                             r"False positive error reports may follow\n"
                             r"For details see https://github.com/google/sanitizers/issues/189\n")
TIMEOUT_S = int(os.environ.get("SKIPOPU_CORPUS_TIMEOUT", "60"))


def run_case(exe, data, c, work):
    os.makedirs(work)
    for name, content in c.files.items():
        path = os.path.join(work, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode())
    for name in c.dirs:
        os.makedirs(os.path.join(work, name), exist_ok=True)
    for name, target in c.symlinks.items():
        os.symlink(target, os.path.join(work, name))

    def fill(s):
        return s.replace("{W}", work).replace("{DATA}", data).replace("{EXE}", exe) if isinstance(s, str) else s

    if c.tool == "skipopu":
        argv = [exe] + [fill(a) for a in c.args]
    else:  # the sweep runner
        argv = ["/usr/bin/python3", os.path.join(data, "tools/sweep/skipopu_sweep.py")] + [fill(a) for a in c.args]
    env = dict(os.environ, SKIPOPU=exe)
    try:
        p = subprocess.run(argv, cwd=work, capture_output=True, timeout=TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired:
        return [f"hung: no exit within {TIMEOUT_S} s"]
    problems = []
    err = ASAN_STACK_NOTE.sub("", p.stderr.decode("utf-8", "replace"))
    if p.returncode != c.rc:
        problems.append(f"exit status {p.returncode}, expected {c.rc}")
    if c.rc != 0 or c.pattern:
        lines = err.split("\n")
        if not err.endswith("\n") or len(lines) != 2:
            problems.append(f"stderr is {err.count(chr(10))} lines, expected exactly one")
        pattern = fill(c.pattern) if c.literal_subst else c.pattern
        if not re.search(pattern, err.split("\n")[0]):
            problems.append(f"message does not match {pattern!r}")
    for root, _, files in os.walk(work):
        for f in files:
            if f.endswith(".tmp"):
                problems.append(f"left behind {os.path.join(root, f)}")
    for f in c.absent:
        if os.path.exists(fill(f)):
            problems.append(f"{fill(f)} exists (a failed run must not write it)")
    if problems:
        problems.append("stderr: " + err[:400].rstrip())
    return problems


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    exe, data = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    groups = sys.argv[3:]
    all_cases = corpus.cases()
    names = [c.group + "/" + c.name for c in all_cases]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        print(f"duplicate case names: {sorted(dup)}", file=sys.stderr)
        return 1
    if groups == ["--list"]:
        by = {}
        for c in all_cases:
            by[c.group] = by.get(c.group, 0) + 1
        for g, n in sorted(by.items()):
            print(f"{g:10s} {n}")
        print(f"{'total':10s} {len(all_cases)}")
        return 0
    sel = [c for c in all_cases if not groups or c.group in groups]
    if not sel:
        print(f"no cases in groups {groups}", file=sys.stderr)
        return 1
    scratch = tempfile.mkdtemp(prefix="skipopu-corpus-")
    failed = 0
    try:
        for i, c in enumerate(sel):
            problems = run_case(exe, data, c, os.path.join(scratch, f"{i:04d}"))
            if problems:
                failed += 1
                print(f"FAIL {c.group}/{c.name}: " + "; ".join(problems))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"corpus {' '.join(groups) or 'all'}: {len(sel) - failed} of {len(sel)} cases pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
