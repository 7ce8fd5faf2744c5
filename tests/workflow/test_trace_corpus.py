#!/usr/bin/python3
"""The Python trace reader/writer (python/skipopu/trace.py) against the C++ one.

usage: test_trace_corpus.py SKIPOPU_BINARY SOURCE_DIR

Builds a corpus of valid and invalid traces, runs `skipopu check-trace` and the Python reader
on each file and requires the same verdict and, for an invalid file, the same one-line
message. Valid files are also rewritten by the Python writer, which must reproduce the C++
writer's bytes, and their per-layer skip ratios (all tokens and decode tokens) must equal the
table check-trace prints.
"""
import os
import subprocess
import sys
import tempfile

BIN, SRC = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(SRC, "python"))
from skipopu.trace import InputError, TraceReader, read_trace, summarize, write_trace  # noqa: E402

CARD = os.path.join(SRC, "models", "tiny.json")  # name tiny, 2 layers, max_seq_len 4096
HEAD = "skipopu-trace 1\nmodel tiny\nlayers 2\nprompt 2\ndecode 1\nsource test\ntokens\n"
BODY = "P 11 10\nP 01 11\nD 10 00\n"
VALID = HEAD + BODY + "end 3\n"

# (name, content, valid?) -- every rule of traces/README.md on both sides of its boundary.
CASES = [
    ("ok", VALID, True),
    ("ok-no-final-lf", HEAD + BODY + "end 3", True),
    ("ok-trailing-newline", VALID + "\n", True),
    ("ok-comments", VALID.replace("model tiny\n", "# c1\nmodel tiny\n# c2\n").replace("tokens\n", "#\ntokens\n"), True),
    ("ok-source-odd", VALID.replace("source test", "source  a\tb # c \x7f"), True),
    ("ok-prompt-only", HEAD.replace("decode 1", "decode 0") + "P 11 10\nP 01 11\nend 2\n", True),
    ("ok-decode-only", HEAD.replace("prompt 2", "prompt 0") + "D 11 10\nend 1\n", True),
    ("ok-max-seq", HEAD.replace("prompt 2", "prompt 4095") + "P 11 11\n" * 4095 + "D 00 00\nend 4096\n", True),
    ("empty", "", False),
    ("only-lf", "\n", False),
    ("magic-v2", VALID.replace("skipopu-trace 1", "skipopu-trace 2"), False),
    ("magic-other", VALID.replace("skipopu-trace 1", "hello " + "x" * 60), False),
    ("magic-bom", "\ufeff" + VALID, False),
    ("key-order", VALID.replace("model tiny\nlayers 2\n", "layers 2\nmodel tiny\n"), False),
    ("key-unknown", VALID.replace("prompt 2", "promt 2"), False),
    ("key-tokens-early", VALID.replace("source test\n", ""), False),
    ("key-no-value", VALID.replace("model tiny", "model"), False),
    ("key-empty-value", VALID.replace("model tiny", "model "), False),
    ("model-space", VALID.replace("model tiny", "model ti ny"), False),
    ("model-tab", VALID.replace("model tiny", "model ti\tny"), False),
    ("model-mismatch", VALID.replace("model tiny", "model llama2-7b"), False),
    ("layers-0", VALID.replace("layers 2", "layers 0"), False),
    ("layers-1025", VALID.replace("layers 2", "layers 1025"), False),
    ("layers-sign", VALID.replace("layers 2", "layers +2"), False),
    ("layers-space", VALID.replace("layers 2", "layers  2"), False),
    ("layers-11-digits", VALID.replace("layers 2", "layers 00000000002"), False),
    ("layers-10-digits", VALID.replace("layers 2", "layers 0000000002"), True),
    ("layers-mismatch", VALID.replace("layers 2", "layers 3"), False),
    ("prompt-hex", VALID.replace("prompt 2", "prompt 0x2"), False),
    ("prompt-too-big", VALID.replace("prompt 2", "prompt 16777217"), False),
    ("zero-tokens", HEAD.replace("prompt 2", "prompt 0").replace("decode 1", "decode 0") + "end 0\n", False),
    ("over-max-seq", VALID.replace("prompt 2", "prompt 4096"), False),
    ("header-truncated", "skipopu-trace 1\nmodel tiny\nlayers 2\n", False),
    ("no-tokens-line", VALID.replace("tokens\n", ""), False),
    ("tokens-truncated", HEAD.replace("tokens\n", ""), False),
    ("tokens-misspelt", VALID.replace("tokens\n", "token\n"), False),
    ("blank-in-header", VALID.replace("layers 2\n", "layers 2\n\n"), False),
    ("blank-in-body", HEAD + "P 11 10\n\nP 01 11\nD 10 00\nend 3\n", False),
    ("comment-in-body", HEAD + "# no\n" + BODY + "end 3\n", False),
    ("short-attn", VALID.replace("P 11 10", "P 1 10"), False),
    ("long-mlp", VALID.replace("P 11 10", "P 11 101"), False),
    ("bad-char-attn", VALID.replace("P 01 11", "P 0x 11"), False),
    ("bad-char-mlp", VALID.replace("D 10 00", "D 10 0.") , False),
    ("two-spaces", VALID.replace("P 11 10", "P 11  10"), False),
    ("four-fields", VALID.replace("P 11 10", "P 11 10 1"), False),
    ("tab-sep", VALID.replace("P 11 10", "P\t11 10"), False),
    ("phase-x", VALID.replace("P 11 10", "X 11 10"), False),
    ("phase-lower", VALID.replace("P 11 10", "p 11 10"), False),
    ("d-before-p", HEAD + "P 11 10\nD 10 00\nP 01 11\nend 3\n", False),
    ("too-many-p", HEAD + "P 11 10\nP 11 10\nP 11 10\nend 3\n", False),
    ("too-many-d", HEAD + BODY + "D 11 11\nend 3\n", False),
    ("too-few", HEAD + "P 11 10\nP 11 10\nend 3\n", False),
    ("end-wrong", HEAD + BODY + "end 4\n", False),
    ("end-extra", HEAD + BODY + "end 3 x\n", False),
    ("end-prefix", HEAD + BODY + "ending\n", False),
    ("truncated-body", HEAD + BODY, False),
    ("truncated-mid", HEAD + "P 11 10\n", False),
    ("after-end", VALID + "P 11 11\n", False),
    ("two-trailing-newlines", VALID + "\n\n", False),
    ("trailing-space", VALID + " \n", False),
    ("trailing-space-no-lf", VALID + " ", False),
    ("crlf-magic", VALID.replace("skipopu-trace 1\n", "skipopu-trace 1\r\n"), False),
    ("crlf-token", VALID.replace("D 10 00\n", "D 10 00\r\n"), False),
    ("crlf-end", VALID.replace("end 3\n", "end 3\r\n"), False),
    ("cr-inside-source", VALID.replace("source test", "source te\rst"), True),
    ("latin1-model", VALID.replace("model tiny", "model t\xe9ny"), False),
]


def cxx(path):
    p = subprocess.run([BIN, "check-trace", "--trace", path, "--model", CARD, "--brief"], capture_output=True)
    err = p.stderr.decode("latin-1").strip()
    prefix = "skipopu check-trace: error: "
    if p.returncode == 0:
        return None, p.stdout.decode()
    assert p.returncode == 2, (path, p.returncode, err)
    assert err.startswith(prefix) and "\n" not in err, (path, err)
    return err[len(prefix):], None


def py(path):
    try:
        return None, read_trace(path, CARD)
    except InputError as e:
        return str(e), None


def main():
    fails = 0
    with tempfile.TemporaryDirectory() as d:
        for name, content, valid in CASES:
            path = os.path.join(d, name + ".trace")
            with open(path, "wb") as f:
                f.write(content.encode("latin-1") if not content.startswith("\ufeff") else content.encode("utf-8"))
            c_err, c_out = cxx(path)
            p_err, trace = py(path)
            if (c_err is None) != valid or (p_err is None) != valid or c_err != p_err:
                print(f"FAIL {name}: expected {'valid' if valid else 'invalid'}\n  C++:    {c_err}\n  Python: {p_err}")
                fails += 1
                continue
            if valid:
                # Per-layer skip counts: the table of check-trace without --brief.
                full = subprocess.run([BIN, "check-trace", "--trace", path, "--model", CARD], capture_output=True,
                                      text=True, check=True).stdout
                s = summarize(trace.tokens, trace.header.layers)
                n, nd = s.tokens, s.decode_tokens

                def pct(k, d):
                    return f"{100 * k / d if d else 0:.2f}%"
                for l in range(trace.header.layers):
                    row = (f"  {l:5d}  {pct(s.attn_skipped[l], n):>8}  {pct(s.mlp_skipped[l], n):>8}            "
                           f"{pct(s.attn_skipped_decode[l], nd):>8}  {pct(s.mlp_skipped_decode[l], nd):>8}\n")
                    if row not in full:
                        print(f"FAIL {name}: layer {l}: '{row}' not in check-trace output:\n{full}")
                        fails += 1
            print(f"ok   {name}: {'valid' if valid else c_err}")
        # Writer: the Python writer reproduces the bytes of the C++ writer (gen-trace output).
        for name in ("tiny-p8-d4", "tiny-gqa-p8-d4", "llama2-7b-p256-d64-noncons", "llama2-13b-p128-d16"):
            src = os.path.join(SRC, "traces", name + ".trace")
            out = os.path.join(d, name + ".rewritten")
            write_trace(out, read_trace(src))
            if open(src, "rb").read() != open(out, "rb").read() or os.path.exists(out + ".tmp"):
                print(f"FAIL writer: {name} rewritten differs from the C++ writer's bytes")
                fails += 1
            else:
                print(f"ok   writer: {name} byte-identical")
        # Streaming: TraceReader yields tokens one by one and validates the tail lazily.
        path = os.path.join(d, "after-end.trace")
        r = TraceReader(path)
        got = 0
        try:
            for _ in r:
                got += 1
        except InputError as e:
            assert got == 3 and str(e).endswith("line 12: expected end of file after 'end 3', got 'P 11 11'"), (got, e)
        else:
            raise AssertionError("after-end.trace: accepted")
    print(f"{len(CASES)} corpus files; {fails} failure(s)")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
