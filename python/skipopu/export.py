"""Export the routing decisions of a SkipGPT-style Llama (PyTorch) as a SkipOPU trace.

A SkipGPT-style model has, in every decoder layer, a router before the attention module and
one before the MLP module: a small linear head (hidden size -> 2) evaluated per token whose
argmax says whether the module runs. RouterRecorder puts forward hooks on those router
modules, found by name in the Hugging Face module tree (default names
`model.layers.<i>.attn_router` and `model.layers.<i>.mlp_router`; any regular expression with
one group capturing the layer index can be given), and records one decision per token, per
layer and per module, for the prompt (prefill) and for every decoded token. export_trace()
runs greedy decoding and writes the trace with skipopu.trace (atomically).

Only the routers are observed: the model's own forward decides what it computes. A router
whose output is a probability pair, a logit pair or a single logit can be read (--decision).

    from skipopu.export import export_trace
    export_trace(model, input_ids, decode=64, model_name="llama2-7b", out="my.trace")

Command line (a Hugging Face checkpoint with router heads; needs the transformers package,
which Debian does not ship):  python3 -m skipopu export --help      (python/README.md)
"""
import re
from typing import Callable, Dict, List, Optional

from .trace import Token, TraceHeader, TraceWriter

DEFAULT_ATTN = r"(?:^|\.)layers\.(\d+)\.attn_router$"
DEFAULT_MLP = r"(?:^|\.)layers\.(\d+)\.mlp_router$"


def _argmax_runs(out, run_index: int):
    """Decision of a (..., 2) logit/probability output: ran = argmax == run_index."""
    return out.argmax(dim=-1) == run_index


def _sigmoid_runs(out, run_index: int):
    """Decision of a (..., 1) or (...) single logit: ran = logit > 0 (run_index 1) or < 0 (0)."""
    if out.dim() >= 1 and out.shape[-1] == 1:
        out = out.squeeze(-1)
    return (out > 0) if run_index == 1 else (out <= 0)


DECISIONS = {"argmax": _argmax_runs, "sigmoid": _sigmoid_runs}


class ExportError(Exception):
    """The model's routers cannot be recorded as a trace (message names what is wrong)."""


class RouterRecorder:
    """Forward hooks on the attention and MLP routers of every layer.

    Usage: `with RouterRecorder(model) as rec:` run the prompt through the model (one call,
    all prompt tokens), `rec.start_decode()`, then one call per decoded token (batch 1; with a
    KV cache each router sees one token; without a cache it sees the whole sequence and the
    last position is the new token). `rec.tokens()` returns the Token list."""

    def __init__(self, model, attn_pattern: str = DEFAULT_ATTN, mlp_pattern: str = DEFAULT_MLP,
                 decision: str = "argmax", run_index: int = 1):
        if decision not in DECISIONS:
            raise ExportError(f"decision: expected one of {', '.join(DECISIONS)}, got '{decision}'")
        if run_index not in (0, 1):
            raise ExportError(f"run_index: expected 0 or 1, got {run_index}")
        self._decide: Callable = DECISIONS[decision]
        self._run_index = run_index
        self._routers: Dict[str, Dict[int, object]] = {"attn": {}, "mlp": {}}
        for name, mod in model.named_modules():
            for kind, pat in (("attn", attn_pattern), ("mlp", mlp_pattern)):
                m = re.search(pat, name)
                if m:
                    layer = int(m.group(1))
                    if layer in self._routers[kind]:
                        raise ExportError(f"two {kind} routers match layer {layer} ('{pat}')")
                    self._routers[kind][layer] = mod
        a, b = sorted(self._routers["attn"]), sorted(self._routers["mlp"])
        if not a:
            raise ExportError(f"no module name matches the attention router pattern '{attn_pattern}'")
        if not b:
            raise ExportError(f"no module name matches the MLP router pattern '{mlp_pattern}'")
        if a != list(range(len(a))) or b != a:
            raise ExportError(f"routers must cover layers 0..L-1 for both modules; attention routers at {a}, "
                              f"MLP routers at {b}")
        self.layers = len(a)
        self._handles = []
        self._phase = "prompt"
        # decisions[phase][kind][layer] = list of bools, one per token, in call order
        self._dec = {p: {k: [[] for _ in range(self.layers)] for k in ("attn", "mlp")} for p in ("prompt", "decode")}
        self._calls = {p: 0 for p in ("prompt", "decode")}

    def __enter__(self):
        for kind, layers in self._routers.items():
            for layer, mod in layers.items():
                self._handles.append(mod.register_forward_hook(self._hook(kind, layer)))
        return self

    def __exit__(self, *exc):
        for h in self._handles:
            h.remove()
        self._handles = []
        return False

    def _hook(self, kind: str, layer: int):
        def hook(module, inputs, output):
            out = output[0] if isinstance(output, (tuple, list)) else output
            ran = self._decide(out.detach(), self._run_index)
            if ran.dim() == 0:
                ran = ran.reshape(1)
            if ran.dim() > 2 or (ran.dim() == 2 and ran.shape[0] != 1):
                raise ExportError(f"{kind} router of layer {layer}: expected batch 1, got decisions of shape "
                                  f"{tuple(ran.shape)}")
            ran = ran.reshape(-1).tolist()
            store = self._dec[self._phase][kind][layer]
            if self._phase == "decode":
                ran = ran[-1:]  # without a KV cache the whole sequence is re-routed: keep the new token
            store.extend(bool(x) for x in ran)
        return hook

    def start_decode(self):
        """Call after the prefill forward pass, before the first decode step."""
        self._phase = "decode"

    def tokens(self) -> List[Token]:
        out = []
        for phase in ("prompt", "decode"):
            d = self._dec[phase]
            counts = {len(d[k][l]) for k in ("attn", "mlp") for l in range(self.layers)}
            if len(counts) > 1:
                detail = ", ".join(f"{k} layer {l}: {len(d[k][l])}" for k in ("attn", "mlp")
                                   for l in range(self.layers))
                raise ExportError(f"{phase}: routers saw different numbers of tokens ({detail}); a router that "
                                  "is not evaluated for every token cannot be exported")
            n = counts.pop() if counts else 0
            for t in range(n):
                out.append(Token(phase == "prompt", [d["attn"][l][t] for l in range(self.layers)],
                                 [d["mlp"][l][t] for l in range(self.layers)]))
        return out


def _logits_and_cache(out):
    if hasattr(out, "logits"):
        return out.logits, getattr(out, "past_key_values", None)
    if isinstance(out, (tuple, list)):
        return out[0], (out[1] if len(out) > 1 else None)
    return out, None


def export_trace(model, input_ids, decode: int, model_name: str, out: str, source: Optional[str] = None,
                 attn_pattern: str = DEFAULT_ATTN, mlp_pattern: str = DEFAULT_MLP, decision: str = "argmax",
                 run_index: int = 1, use_cache: bool = True):
    """Greedy decoding of `decode` tokens after the prompt `input_ids` (shape (1, P)); writes the
    routers' decisions as a trace to `out` (FILE.tmp, renamed). Returns the trace's header.
    `model(input_ids=..., past_key_values=..., use_cache=...)` must return logits (and the
    cache), as Hugging Face causal-LM models do."""
    import torch
    if input_ids.dim() != 2 or input_ids.shape[0] != 1 or input_ids.shape[1] < 1:
        raise ExportError(f"input_ids: expected shape (1, prompt tokens), got {tuple(input_ids.shape)}")
    if decode < 0:
        raise ExportError(f"decode: expected >= 0, got {decode}")
    model.eval()
    with torch.no_grad(), RouterRecorder(model, attn_pattern, mlp_pattern, decision, run_index) as rec:
        # A decode step emits the token after the one it processes: decode tokens are the
        # inputs of decode steps, the first one being the prefill's prediction.
        logits, cache = _logits_and_cache(model(input_ids=input_ids, past_key_values=None, use_cache=use_cache))
        rec.start_decode()
        seq = input_ids
        for _ in range(decode):
            nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            seq = torch.cat([seq, nxt], dim=1)
            step_in = nxt if (use_cache and cache is not None) else seq
            logits, cache = _logits_and_cache(model(input_ids=step_in, past_key_values=cache, use_cache=use_cache))
        tokens = rec.tokens()
    prompt = sum(t.prompt for t in tokens)
    if prompt != input_ids.shape[1] or len(tokens) - prompt != decode:
        raise ExportError(f"the routers saw {prompt} prompt and {len(tokens) - prompt} decode tokens, expected "
                          f"{input_ids.shape[1]} and {decode}")
    header = TraceHeader(model_name, rec.layers, prompt, decode,
                         source or f"exported skipopu.export/1 decision={decision} run_index={run_index}")
    with TraceWriter(out, header) as w:
        for t in tokens:
            w.write(t)
    return header


def main(argv=None):
    """python3 -m skipopu export: run a Hugging Face checkpoint with SkipGPT routers on a prompt."""
    import argparse
    import sys
    ap = argparse.ArgumentParser(prog="python3 -m skipopu export", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="directory of a Hugging Face checkpoint with router heads")
    ap.add_argument("--model-name", required=True, help="the model card's name (skipopu import-model --name)")
    ap.add_argument("--prompt", required=True, help="prompt text (tokenised with the checkpoint's tokenizer)")
    ap.add_argument("--decode", type=int, required=True, help="tokens to decode (greedy)")
    ap.add_argument("--out", required=True, help="trace file (written atomically)")
    ap.add_argument("--attn-router", default=DEFAULT_ATTN, help="regex of attention router module names, group 1 = layer")
    ap.add_argument("--mlp-router", default=DEFAULT_MLP, help="regex of MLP router module names, group 1 = layer")
    ap.add_argument("--decision", default="argmax", choices=sorted(DECISIONS))
    ap.add_argument("--run-index", type=int, default=1, help="argmax index (or logit sign) meaning 'run'")
    ap.add_argument("--trust-remote-code", action="store_true", help="the checkpoint's own modelling code")
    a = ap.parse_args(argv)
    try:
        import torch  # noqa: F401
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as e:
        sys.stderr.write(f"python3 -m skipopu export: error: needs torch and transformers ({e})\n")
        return 2
    tok = AutoTokenizer.from_pretrained(a.checkpoint)
    model = AutoModelForCausalLM.from_pretrained(a.checkpoint, trust_remote_code=a.trust_remote_code)
    ids = tok(a.prompt, return_tensors="pt").input_ids
    try:
        h = export_trace(model, ids, a.decode, a.model_name, a.out, attn_pattern=a.attn_router,
                         mlp_pattern=a.mlp_router, decision=a.decision, run_index=a.run_index,
                         source=f"exported skipopu.export/1 checkpoint={a.checkpoint} decision={a.decision}")
    except ExportError as e:
        sys.stderr.write(f"python3 -m skipopu export: error: {e}\n")
        return 2
    print(f"wrote {a.out}: {h.layers} layers, prompt {h.prompt}, decode {h.decode}")
    return 0
