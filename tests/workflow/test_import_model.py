#!/usr/bin/python3
"""skipopu import-model: model cards from Hugging Face config.json files.

usage: test_import_model.py SKIPOPU_BINARY SOURCE_DIR
The configs below carry the public values of the Llama 2 / 3.1 checkpoints' config.json
(the architecture keys, plus a few of the keys the importer ignores). Imported cards must
equal the bundled cards, drive the simulator identically, and unsupported architectures
must be one error line naming the file and the key (exit 2).
"""
import json
import os
import subprocess
import sys
import tempfile

BIN, SRC = sys.argv[1], sys.argv[2]

LLAMA2_7B = {"architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
             "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 11008,
             "max_position_embeddings": 4096, "model_type": "llama", "num_attention_heads": 32,
             "num_hidden_layers": 32, "num_key_value_heads": 32, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
             "rope_scaling": None, "tie_word_embeddings": False, "torch_dtype": "float16",
             "transformers_version": "4.31.0.dev0", "use_cache": True, "vocab_size": 32000}
LLAMA2_13B = dict(LLAMA2_7B, hidden_size=5120, intermediate_size=13824, num_attention_heads=40,
                  num_hidden_layers=40, num_key_value_heads=40)
LLAMA31_8B = dict(LLAMA2_7B, intermediate_size=14336, max_position_embeddings=131072, num_key_value_heads=8,
                  vocab_size=128256, rope_theta=500000.0, bos_token_id=128000, eos_token_id=128001,
                  attention_bias=False, mlp_bias=False,
                  rope_scaling={"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                "original_max_position_embeddings": 8192, "rope_type": "llama3"})
del LLAMA2_13B["num_key_value_heads"]  # older configs omit it: MHA
MISTRAL = dict(LLAMA2_7B, model_type="mistral", sliding_window=4096, num_key_value_heads=8)
MIXTRAL = dict(LLAMA2_7B, model_type="mixtral", num_local_experts=8, num_experts_per_tok=2)


def imp(d, name, cfg, rc=0, card_name=None):
    cpath = os.path.join(d, name + ".config.json")
    with open(cpath, "w") as f:
        json.dump(cfg, f)
    out = os.path.join(d, name + ".json")
    p = subprocess.run([BIN, "import-model", "--hf-config", cpath, "--name", card_name or name, "--out", out],
                       capture_output=True, text=True)
    assert p.returncode == rc, (name, p.returncode, p.stderr)
    if rc:
        assert not os.path.exists(out) and not os.path.exists(out + ".tmp"), name
        lines = p.stderr.strip().split("\n")
        assert len(lines) == 1 and lines[0].startswith(f"skipopu import-model: error: {cpath}: "), p.stderr
        return lines[0][len(f"skipopu import-model: error: {cpath}: "):]
    return json.load(open(out)), out


def same_arch(a, b):
    keys = ["layers", "d_model", "heads", "kv_heads", "head_dim", "d_ff", "vocab", "norm", "norm_eps", "activation",
            "max_seq_len"]
    return all(a[k] == b[k] for k in keys) and a["rope"]["theta"] == b["rope"]["theta"], \
        {k: (a[k], b[k]) for k in keys if a[k] != b[k]}


def run_stats(trace, card):
    p = subprocess.run([BIN, "run", "--trace", trace, "--model", card, "--set", "hbm.model=burst", "--format", "json"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["stats"]


def main():
    with tempfile.TemporaryDirectory() as d:
        for name, cfg, bundled in (("llama2-7b", LLAMA2_7B, "llama2-7b"), ("llama2-13b", LLAMA2_13B, "llama2-13b"),
                                   ("llama3.1-8b", LLAMA31_8B, "llama3.1-8b")):
            card, path = imp(d, name, cfg)
            ref = json.load(open(os.path.join(SRC, "models", bundled + ".json")))
            ok, diff = same_arch(card, ref)
            assert ok, (name, diff)
            print(f"ok   {name}: imported card equals models/{bundled}.json", json.dumps(card["rope"]))
        assert card["rope"]["scaling"] == {"type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                           "high_freq_factor": 4.0, "original_max_seq_len": 8192}, card["rope"]
        # The imported Llama-3.1 card replays the bundled trace exactly as the bundled card does.
        trace = os.path.join(SRC, "traces", "llama3.1-8b-p128-d16.trace")
        assert run_stats(trace, path) == run_stats(trace, os.path.join(SRC, "models", "llama3.1-8b.json"))
        print("ok   llama3.1-8b: imported card gives the same stats as the bundled card")
        # Linear scaling; a legacy "type" spelling.
        card, _ = imp(d, "linear", dict(LLAMA2_7B, rope_scaling={"type": "linear", "factor": 2.0}))
        assert card["rope"] == {"theta": 10000.0, "scaling": {"type": "linear", "factor": 2.0}}, card["rope"]

        errors = [
            ("mistral", MISTRAL, "/sliding_window: sliding-window attention is not supported yet"),
            ("mixtral", MIXTRAL, "/num_local_experts: mixture-of-experts models are not supported yet"),
            ("gpt2", dict(LLAMA2_7B, model_type="gpt2"), "/model_type: expected \"llama\""),
            ("unknown", dict(LLAMA2_7B, qk_layernorm=True), "/qk_layernorm: unknown key"),
            ("gelu", dict(LLAMA2_7B, hidden_act="gelu"), "/hidden_act: expected \"silu\" (SwiGLU MLP), got \"gelu\""),
            ("bias", dict(LLAMA2_7B, attention_bias=True), "/attention_bias: expected false"),
            ("yarn", dict(LLAMA2_7B, rope_scaling={"rope_type": "yarn", "factor": 4.0}), "/rope_scaling/rope_type: expected one of"),
            ("gqa", dict(LLAMA2_7B, num_key_value_heads=5), "/num_key_value_heads: expected a divisor of num_attention_heads (32)"),
            ("missing", {k: v for k, v in LLAMA2_7B.items() if k != "vocab_size"}, "/vocab_size: missing key"),
            ("layers", dict(LLAMA2_7B, num_hidden_layers=0), "/num_hidden_layers: expected an integer in [1, 1024], got 0"),
        ]
        for name, cfg, want in errors:
            got = imp(d, name, cfg, rc=2)
            assert got.startswith(want), (name, got, want)
            print(f"ok   {name}: {got}")
        p = subprocess.run([BIN, "import-model", "--hf-config", os.path.join(d, "none.json"), "--name", "x"],
                           capture_output=True, text=True)
        assert p.returncode == 2 and p.stderr.count("\n") == 1, p.stderr
        p = subprocess.run([BIN, "import-model", "--hf-config", os.path.join(d, "llama2-7b.config.json"),
                            "--name", "has space"], capture_output=True, text=True)
        assert p.returncode == 2 and "--name: expected a non-empty name without spaces" in p.stderr, p.stderr
    return 0


if __name__ == "__main__":
    sys.exit(main())
