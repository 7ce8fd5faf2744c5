#!/usr/bin/python3
"""End to end: a tiny randomly initialised SkipGPT-style Llama (PyTorch, Hugging Face layout,
built here) -> skipopu import-model (card from its config.json) -> skipopu.export (trace of
its routers' decisions, prefill and decode) -> check-trace -> skipopu run.

usage: test_export.py SKIPOPU_BINARY SOURCE_DIR
Exit 77 (skipped) when torch is not installed (tools/quickstart test installs python3-torch).
"""
import io
import json
import os
import subprocess
import sys
import tempfile

BIN, SRC = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(SRC, "python"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import torch
except ImportError:
    print("torch not installed: skipped")
    sys.exit(77)
import pandas as pd  # noqa: E402

from skipopu.export import ExportError, RouterRecorder, export_trace  # noqa: E402
from skipopu.trace import read_trace, summarize  # noqa: E402
from tiny_llama import Config, TinyLlamaForCausalLM  # noqa: E402

P, D = 12, 6


def sh(*args, rc=0):
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    assert p.returncode == rc, (args, p.returncode, p.stderr)
    return p


def expected_from_log(log, layers):
    """Per token (attn mask, MLP mask) from what the model executed: the prefill call logs layer
    by layer P tokens each, every decode call one token per layer."""
    toks = [([None] * layers, [None] * layers) for _ in range(P + D)]
    i = 0
    for l in range(layers):
        for t in range(P):
            layer, a, m = log[i]
            assert layer == l
            toks[t][0][l], toks[t][1][l] = a, m
            i += 1
    for t in range(P, P + D):
        for l in range(layers):
            layer, a, m = log[i]
            assert layer == l
            toks[t][0][l], toks[t][1][l] = a, m
            i += 1
    assert i == len(log)
    return toks


def main():
    torch.set_num_threads(1)
    cfg = Config()
    with tempfile.TemporaryDirectory() as d:
        # 1. model card from the model's config.json
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg.hf_json(), f)
        card = os.path.join(d, "tiny-torch.json")
        sh("import-model", "--hf-config", os.path.join(d, "config.json"), "--name", "tiny-torch", "--out", card)
        c = json.load(open(card))
        assert (c["layers"], c["d_model"], c["heads"], c["kv_heads"], c["head_dim"], c["d_ff"]) == (3, 64, 4, 2, 16, 128), c

        # 2. export: the trace's decisions are exactly what the model executed
        model = TinyLlamaForCausalLM(cfg, seed=0)
        ids = torch.randint(0, cfg.vocab_size, (1, P), generator=torch.Generator().manual_seed(1))
        trace_path = os.path.join(d, "tiny-torch.trace")
        h = export_trace(model, ids, D, "tiny-torch", trace_path)
        assert (h.layers, h.prompt, h.decode) == (3, P, D), h
        t = read_trace(trace_path, card)
        exp = expected_from_log(model.executed, cfg.num_hidden_layers)
        got = [(tk.attn, tk.mlp) for tk in t.tokens]
        assert got == [(a, m) for a, m in exp], "exported decisions differ from the executed modules"
        assert [tk.prompt for tk in t.tokens] == [True] * P + [False] * D
        s = summarize(t.tokens, 3)
        skipped = sum(s.attn_skipped) + sum(s.mlp_skipped)
        assert 0 < skipped < 2 * 3 * (P + D), f"degenerate routing ({skipped} skipped): the test would prove little"
        print(f"exported {P}+{D} tokens, {skipped} of {2 * 3 * (P + D)} modules skipped, equal to the executed log")

        # Without a KV cache (the whole sequence re-routed each step) the trace is the same.
        model2 = TinyLlamaForCausalLM(cfg, seed=0)
        p2 = os.path.join(d, "nocache.trace")
        export_trace(model2, ids, D, "tiny-torch", p2, use_cache=False)
        assert open(p2, "rb").read() == open(trace_path, "rb").read(), "use_cache=False gives another trace"

        # Misuse is a clear ExportError.
        for kw, msg in ((dict(attn_pattern=r"nothing\.(\d+)"), "no module name matches"),
                        (dict(mlp_pattern=r"layers\.([0-1])\.mlp_router$"), "routers must cover layers")):
            try:
                RouterRecorder(model, **kw)
                raise AssertionError(f"{kw}: accepted")
            except ExportError as e:
                assert msg in str(e), e

        # 3. the C++ reader accepts it against the imported card
        out = sh("check-trace", "--trace", trace_path, "--model", card).stdout
        assert f"tokens: {P + D} (prompt {P}, decode {D}), layers 3" in out, out

        # 4. replay: CSV report loaded by pandas; the simulator saw the trace's tokens and skips
        csv = sh("run", "--trace", trace_path, "--model", card, "--format", "csv").stdout
        df = pd.read_csv(io.StringIO(csv))
        v = df.set_index("path")["value"]
        assert v["summary.prompt_tokens"] == P and v["summary.decode_tokens"] == D, v.head(20)
        want = {"decode_attn_skipped": sum(s.attn_skipped_decode) / (3 * D),
                "decode_mlp_skipped": sum(s.mlp_skipped_decode) / (3 * D),
                "prompt_attn_skipped": (sum(s.attn_skipped) - sum(s.attn_skipped_decode)) / (3 * P),
                "prompt_mlp_skipped": (sum(s.mlp_skipped) - sum(s.mlp_skipped_decode)) / (3 * P)}
        for k, x in want.items():
            assert abs(v["summary.skipping." + k] - x) < 1e-8, (k, v["summary.skipping." + k], x)
        print("replayed through skipopu run: token counts and skip ratios per phase and module match the trace:",
              {k: round(x, 6) for k, x in want.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
