#!/usr/bin/python3
"""End-to-end checks of the skipopu CLI: e2e.py SKIPOPU REPO CHECK.

Each CHECK is one CTest test. Exact expectations throughout; a failed expectation exits 1.
"""
import json
import os
import pty
import re
import subprocess
import sys
import tempfile
import threading
import time

SKIPOPU, REPO, CHECK = sys.argv[1], sys.argv[2], sys.argv[3]
GT = os.path.join(REPO, "tests", "golden", "traces")


def run(*args, expect_rc=0):
    p = subprocess.run([SKIPOPU, *args], capture_output=True, text=True, timeout=600)
    if p.returncode != expect_rc:
        sys.exit(f"skipopu {' '.join(args)}: exit {p.returncode}, expected {expect_rc}\n{p.stderr}")
    return p


def report(trace, *sets):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        extra = [x for s in sets for x in ("--set", s)]
        run("run", "-q", "--data-dir", REPO, "--trace", trace, "--json", out, *extra)
        with open(out) as f:
            return json.load(f)


def stat(rep, path):
    node = rep["stats"]
    parts = path.split(".")
    for g in parts[:-1]:
        node = node["groups"][g]
    return node["stats"][parts[-1]]["value"]


def expect(what, got, want):
    if got != want:
        sys.exit(f"{what}: got {got!r}, expected {want!r}")
    print(f"ok: {what} = {got!r}")


def check_determinism():
    # Two runs of a bundled trace on the default (bank-level HBM) config must be byte-identical.
    # The Llama-3.1-8B trace is used (the main job's trace costs four times as long and is
    # covered byte for byte by its golden).
    trace = os.path.join(REPO, "traces", "llama3.1-8b-p128-d16.trace")
    outs = []
    with tempfile.TemporaryDirectory() as d:
        for i in range(2):
            out = os.path.join(d, f"r{i}.json")
            p = run("run", "--data-dir", REPO, "--trace", trace, "--json", out)
            with open(out, "rb") as f:
                outs.append((p.stdout, f.read()))
    expect("text reports identical", outs[0][0] == outs[1][0], True)
    expect("JSON reports identical", outs[0][1] == outs[1][1], True)


# Weight bytes of the tiny model's matrices (4-bit, FP16 scale per 128 weights):
# kv_proj 256x512 = 67584, q_proj and o_proj 256x256 = 33792, gate_up 256x1024 = 135168,
# down 512x256 = 67584 (see tests/sim/test_program.cpp).
KV, Q, O, GU, DN = 67584, 33792, 33792, 135168, 67584


def weight_delta(trace, *sets):
    dense = report(os.path.join(GT, "tiny-dense-p2-d2.trace"), *sets)
    skip = report(os.path.join(GT, trace), *sets)
    need = stat(dense, "summary.decode_bytes.weights") - stat(skip, "summary.decode_bytes.weights")
    hbm = stat(dense, "blocks.hbm.bytes_weights") - stat(skip, "blocks.hbm.bytes_weights")
    return need, hbm


def check_skip_bytes():
    expect("MLP skip removes gate_up+down (workload)", weight_delta("tiny-skip-mlp1.trace")[0], GU + DN)
    expect("MLP skip removes gate_up+down (HBM)", weight_delta("tiny-skip-mlp1.trace")[1], GU + DN)
    expect("attention skip, reuse: removes kv+q+o", weight_delta("tiny-skip-attn1.trace"), (KV + Q + O,) * 2)
    expect("attention skip, evict: removes kv+q+o", weight_delta("tiny-skip-attn1.trace", "kv.policy=evict"),
           (KV + Q + O,) * 2)
    expect("attention skip, dense K/V: removes q+o only", weight_delta("tiny-skip-attn1.trace", "kv.policy=dense"),
           (Q + O,) * 2)


def check_kv_policies():
    # tiny: 2 layers, entry = 2 * 256 * 2 B = 1024 B; 4 tokens.
    t = os.path.join(GT, "tiny-skip-attn1.trace")
    r = report(t, "kv.policy=reuse")
    expect("reuse: entries stored", stat(r, "summary.kv_storage.entries_stored"), 7)
    expect("reuse: entries dense", stat(r, "summary.kv_storage.entries_dense"), 8)
    # Decode token 3 skips layer-1 attention: it attends nothing at layer 1; token 2 read
    # 2 prompt entries per layer, token 3 read 3 entries at layer 0 -> 7 entries.
    expect("reuse: decode K/V bytes read", stat(r, "summary.decode_bytes.kv_read"), 7 * 1024)
    expect("reuse: decode K/V bytes written", stat(r, "summary.decode_bytes.kv_write"), 3 * 1024)
    d = report(t, "kv.policy=dense")
    expect("dense: entries stored", stat(d, "summary.kv_storage.entries_stored"), 8)
    expect("dense: decode K/V bytes written", stat(d, "summary.decode_bytes.kv_write"), 4 * 1024)


def check_cli_errors():
    with tempfile.TemporaryDirectory() as d:
        trunc = os.path.join(d, "trunc.trace")
        with open(os.path.join(GT, "tiny-dense-p2-d2.trace")) as f:
            lines = f.read().splitlines(True)
        with open(trunc, "w") as f:
            f.writelines(lines[:-2])  # drop the last token and the trailer
        p = run("run", "--data-dir", REPO, "--trace", trunc, expect_rc=2)
        expect("truncated trace: one line", p.stderr.count("\n"), 1)
        expect("truncated trace: names file and line", p.stderr.startswith(f"skipopu run: error: {trunc}: line "), True)
        p = run("run", "--data-dir", REPO, "--trace", os.path.join(GT, "tiny-dense-p2-d2.trace"),
                "--model", "llama2-7b", expect_rc=2)
        expect("model mismatch: one line", p.stderr.count("\n"), 1)
        p = run("run", "--data-dir", REPO, "--trace", os.path.join(GT, "tiny-dense-p2-d2.trace"),
                "--set", "pe_array.colz=3", expect_rc=2)
        expect("unknown key", p.stderr.strip(),
               f"skipopu run: error: {REPO}/configs/u280.json: /pe_array/colz: unknown key (not part of this schema)")
        out = os.path.join(d, "missing-dir", "r.json")
        p = run("run", "-q", "--data-dir", REPO, "--trace", os.path.join(GT, "tiny-dense-p2-d2.trace"),
                "--json", out, expect_rc=3)
        expect("unwritable output: one line naming the file", p.stderr,
               f"skipopu run: error: {out}: cannot open {out}.tmp for writing (No such file or directory)\n")
        # A disk that fills up: FILE.tmp is a link to /dev/full, so the write fails at flush.
        # The old report must stay as it was, and FILE.tmp must be gone.
        out = os.path.join(d, "r.json")
        with open(out, "w") as f:
            f.write("old\n")
        os.symlink("/dev/full", out + ".tmp")
        p = run("run", "-q", "--data-dir", REPO, "--trace", os.path.join(GT, "tiny-dense-p2-d2.trace"),
                "--json", out, expect_rc=3)
        expect("full disk: one line naming the file", p.stderr,
               f"skipopu run: error: {out}: write failed (No space left on device); nothing written\n")
        expect("full disk: old report untouched", open(out).read(), "old\n")
        expect("full disk: no FILE.tmp left", os.path.lexists(out + ".tmp"), False)
        p = run("frobnicate", expect_rc=2)
        expect("unknown command", p.stderr.strip(), "skipopu: error: unknown command 'frobnicate' (see skipopu --help)")
        run("run", "--nonsense", expect_rc=2)
        expect("--help", run("--help").stdout.startswith("usage: skipopu"), True)
        expect("run --help", "--trace" in run("run", "--help").stdout, True)
        expect("--version", run("--version").stdout.startswith("skipopu "), True)


def check_trace_cli():
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "t.trace")
        run("gen-trace", "--data-dir", REPO, "--model", "llama2-7b", "--prompt", "256", "--decode", "64",
            "--seed", "1", "--out", out)
        with open(out, "rb") as a, open(os.path.join(REPO, "traces", "llama2-7b-p256-d64.trace"), "rb") as b:
            expect("gen-trace reproduces the bundled default trace", a.read() == b.read(), True)
        p = run("check-trace", "--data-dir", REPO, "--trace", out)
        expect("check-trace names the model", "llama2-7b" in p.stdout, True)
        bad = os.path.join(d, "bad.trace")
        with open(out) as f:
            text = f.read().replace("\nD ", "\nD 2", 1)  # a mask character that is not 0/1
        with open(bad, "w") as f:
            f.write(text)
        p = run("check-trace", "--data-dir", REPO, "--trace", bad, expect_rc=2)
        expect("bad mask: one line naming the file", p.stderr.count("\n") == 1 and bad in p.stderr, True)
        run("gen-trace", "--data-dir", REPO, "--model", "nosuchmodel", "--prompt", "1", "--decode", "1",
            "--out", os.path.join(d, "x.trace"), expect_rc=2)
        expect("no output for a failed gen-trace", os.path.exists(os.path.join(d, "x.trace")), False)


def run_tty(*args):
    """Runs skipopu with stderr on a pseudo-terminal and stdout on a pipe; returns
    (exit status, stdout bytes, everything the terminal received, wall seconds)."""
    master, slave = pty.openpty()
    t0 = time.monotonic()
    p = subprocess.Popen([SKIPOPU, *args], stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    # stdout is read beside the terminal: a report larger than the pipe's buffer (64 KiB) would
    # otherwise block the child before it closes the terminal, and both would wait for ever
    out_parts = []
    reader = threading.Thread(target=lambda: out_parts.append(p.stdout.read()))
    reader.start()
    term = b""
    while True:  # until the child's end of the terminal is closed (EIO on Linux)
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        term += chunk
    reader.join()
    out = out_parts[0]
    rc = p.wait()
    os.close(master)
    return rc, out, term, time.monotonic() - t0


def check_progress():
    # The progress line of `skipopu run`: on a terminal only, not with -q, not before
    # --progress-after seconds; it must not change stdout.
    main = os.path.join(REPO, "traces", "llama2-7b-p256-d64.trace")
    args = ["run", "--data-dir", REPO, "--trace", main, "--set", "hbm.model=burst", "--format", "json"]
    plain = run(*args, "--progress-after", "0")
    expect("no terminal: no progress line", "[skipopu]" in plain.stderr, False)
    rc, out, term, wall = run_tty(*args, "--progress-after", "0")
    expect("terminal: exit status", rc, 0)
    expect("terminal: stdout identical to the run without a terminal", out == plain.stdout.encode(), True)
    updates = re.findall(rb"\r\[skipopu\] ([^\r\n]*?)\x1b\[K", term)
    expect("terminal: at least a first and a last update", len(updates) >= 2, True)
    print(f"{len(updates)} updates in {wall:.2f} s: first {updates[0]!r}, last {updates[-1]!r}")
    expect("terminal: first update (before the prefill)",
           re.fullmatch(rb"0/320 tokens, decode 0/64, sim 0.0000 s, wall [0-9.]+ s, ETA --", updates[0]) is not None, True)
    rep = json.loads(out)
    sim = (stat(rep, "summary.prefill_cycles") + stat(rep, "summary.decode_cycles")) / (
        stat(rep, "summary.core_clock_mhz") * 1e6)
    last = re.fullmatch(rb"320/320 tokens, decode 64/64, sim ([0-9.]+) s, wall [0-9.]+ s, ETA 0 s", updates[-1])
    expect("terminal: last update says every token is done", last is not None, True)
    expect("terminal: last update's simulated time is the report's", last.group(1).decode(), f"{sim:.4f}")
    # Updates at most every 0.25 s, plus the first and the last.
    expect("terminal: updates throttled", len(updates) <= 2 + int(wall / 0.25) + 1, True)
    expect("terminal: the line is ended once, after the last update",
           term.count(b"\n") - term.count(b"warning"), 1)
    expect("terminal: the newline follows the last update", b"ETA 0 s\x1b[K\r\n" in term, True)
    # Short runs (default --progress-after 2) and --quiet print no progress line.
    tiny = os.path.join(GT, "tiny-p16-d8-s4.trace")
    rc, out, term, wall = run_tty("run", "--data-dir", REPO, "--trace", tiny)
    if wall < 1.5:
        expect("terminal, short run: no progress line", b"[skipopu]" in term, False)
    rc, out, term, _ = run_tty(*args, "-q", "--progress-after", "0")
    expect("terminal, --quiet: exit status", rc, 0)
    expect("terminal, --quiet: no progress line", b"[skipopu]" in term, False)
    p = run(*args, "--progress-after=-1", expect_rc=2)
    expect("--progress-after=-1: one error line", p.stderr.count("\n") == 1 and "--progress-after" in p.stderr, True)


def peak_rss_kib(*args):
    """Runs skipopu and returns its own peak resident set (KiB, getrusage of that child)."""
    p = subprocess.Popen([SKIPOPU, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    err = p.stderr.read().decode()
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"skipopu {' '.join(args)}: exit {os.waitstatus_to_exitcode(status)}\n{err}")
    return ru.ru_maxrss


def check_memory():
    # Peak memory stays bounded by the K/V bookkeeping: a 32768-token trace (30720 prompt +
    # 2048 decoded tokens) of the tiny model, burst HBM model, under 48 MiB, and at most
    # 24 MiB above a 1025-token run of the same model (measured: about 27 and 12 MiB).
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(REPO, "models", "tiny.json")) as f:
            card = json.load(f)
        card["name"], card["max_seq_len"] = "tiny-32k", 32768
        card_path = os.path.join(d, "tiny-32k.json")
        with open(card_path, "w") as f:
            json.dump(card, f)
        rss = {}
        for prompt, decode in ((1024, 1), (30720, 2048)):
            t = os.path.join(d, f"p{prompt}-d{decode}.trace")
            run("gen-trace", "--model", card_path, "--prompt", str(prompt), "--decode", str(decode), "--seed", "1",
                "--out", t)
            rss[prompt + decode] = peak_rss_kib("run", "-q", "--data-dir", REPO, "--model", card_path, "--trace", t,
                                                "--set", "hbm.model=burst")
            print(f"{prompt} + {decode} tokens: peak RSS {rss[prompt + decode] / 1024:.1f} MiB")
        expect("32768 tokens: peak RSS under 48 MiB", rss[32768] < 48 * 1024, True)
        expect("32768 tokens: at most 24 MiB above 1025 tokens", rss[32768] - rss[1025] <= 24 * 1024, True)
        # A Llama-class prompt: the prefill's embedding lookup of 30720 tokens is 491,520
        # requests, made by a request source only as the HBM model takes each one (a port's
        # next once the one before it has moved on), so neither the block, the AXI front end
        # nor the model holds them whole (measured 27.3 MiB; 107.4 MiB when the model took
        # the whole lookup at once, 142.4 MiB when the whole list was built first;
        # docs/hbm-speed.md, "Peak memory").
        card8b = os.path.join(REPO, "models", "llama3.1-8b.json")
        t = os.path.join(d, "l8b-p30720-d2.trace")
        run("gen-trace", "--model", card8b, "--prompt", "30720", "--decode", "2", "--seed", "1", "--out", t)
        rss8b = peak_rss_kib("run", "-q", "--data-dir", REPO, "--model", card8b, "--trace", t, "--set", "hbm.model=burst")
        print(f"llama3.1-8b 30720 + 2 tokens: peak RSS {rss8b / 1024:.1f} MiB")
        expect("llama3.1-8b 30720 + 2 tokens: peak RSS under 40 MiB", rss8b < 40 * 1024, True)

def check_memo_exact():
    # The bank model's stream memo against its own per-event path on a whole run: the first 16 +
    # 2 tokens of the exact-sweep trace at a point of configs/sweeps/exact200-u280.json where a
    # drain was once recorded over a slot that another pseudo-channel's new request had taken
    # meanwhile (slots are shared by all PCs): the run then stopped with "stream extrapolation
    # drain left a request open". Reports must be equal but for the simulator-work counters.
    trace = os.path.join(GT, "llama2-7b-p16-d2.trace")
    sets = ["pe_array.rows=48", "pe_array.dsps=3072", "kv.policy=reuse", "kv_buffer.urams=0",
            "pe_array.weight_prefetch_bytes=262144"]
    fast = report(trace, *sets)
    slow = report(trace, *sets, "hbm.overrides.simulator.stream_extrapolation=false")

    def strip(rep):
        rep["config"]["hbm"].pop("overrides", None)
        node = rep["stats"]["groups"]["blocks"]["groups"]["hbm"]["stats"]
        for k in [k for k in node if k.startswith("sim_")]:
            del node[k]
        return json.dumps(rep, sort_keys=True)

    expect("memo on and off: reports equal (simulator work aside)", strip(fast) == strip(slow), True)


CHECKS = {
    "memo_exact": check_memo_exact,
    "memory": check_memory,
    "progress": check_progress,
    "trace_cli": check_trace_cli,
    "determinism": check_determinism,
    "skip_bytes": check_skip_bytes,
    "kv_policies": check_kv_policies,
    "cli_errors": check_cli_errors,
}

if __name__ == "__main__":
    CHECKS[CHECK]()
