"""A tiny randomly initialised Llama with SkipGPT-style routers, in the Hugging Face module
layout (model.embed_tokens, model.layers.<i>.{input_layernorm, self_attn.{q,k,v,o}_proj,
post_attention_layernorm, mlp.{gate,up,down}_proj, attn_router, mlp_router}, model.norm,
lm_head), with a KV cache. Built in the test: nothing is downloaded.

Each router is Linear(hidden, 2) on the normed input of its module; argmax 1 = the module
runs, 0 = it is skipped (the residual passes through; a token that skips attention stores no
new K/V at that layer in this model, which does not matter to the exporter). The model logs
what it actually executed in `executed` (independently of the exporter's hooks)."""
import math

import torch
from torch import nn


class Config:
    def __init__(self, **kw):
        self.hidden_size = kw.get("hidden_size", 64)
        self.intermediate_size = kw.get("intermediate_size", 128)
        self.num_hidden_layers = kw.get("num_hidden_layers", 3)
        self.num_attention_heads = kw.get("num_attention_heads", 4)
        self.num_key_value_heads = kw.get("num_key_value_heads", 2)
        self.vocab_size = kw.get("vocab_size", 97)
        self.max_position_embeddings = kw.get("max_position_embeddings", 256)
        self.rms_norm_eps = 1e-5
        self.rope_theta = 10000.0

    def hf_json(self):
        """The config.json a Hugging Face Llama checkpoint of this shape would carry."""
        return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
                "hidden_size": self.hidden_size, "intermediate_size": self.intermediate_size,
                "num_hidden_layers": self.num_hidden_layers, "num_attention_heads": self.num_attention_heads,
                "num_key_value_heads": self.num_key_value_heads, "vocab_size": self.vocab_size,
                "max_position_embeddings": self.max_position_embeddings, "rms_norm_eps": self.rms_norm_eps,
                "rope_theta": self.rope_theta, "rope_scaling": None, "tie_word_embeddings": False,
                "torch_dtype": "float32", "bos_token_id": 1, "eos_token_id": 2, "attention_bias": False}


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)


def rope(x, pos, theta):
    d = x.shape[-1]
    inv = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
    ang = pos[:, None].float() * inv[None, :]
    cos, sin = ang.cos(), ang.sin()
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1).flatten(-2)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.h, self.kv, self.hd = c.num_attention_heads, c.num_key_value_heads, c.hidden_size // c.num_attention_heads
        self.theta = c.rope_theta
        self.q_proj = nn.Linear(c.hidden_size, self.h * self.hd, bias=False)
        self.k_proj = nn.Linear(c.hidden_size, self.kv * self.hd, bias=False)
        self.v_proj = nn.Linear(c.hidden_size, self.kv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.h * self.hd, c.hidden_size, bias=False)

    def forward(self, x, pos, cache):
        T = x.shape[1]
        q = rope(self.q_proj(x).view(1, T, self.h, self.hd).transpose(1, 2), pos, self.theta)
        k = rope(self.k_proj(x).view(1, T, self.kv, self.hd).transpose(1, 2), pos, self.theta)
        v = self.v_proj(x).view(1, T, self.kv, self.hd).transpose(1, 2)
        if cache is not None:
            k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
        rep = self.h // self.kv
        kk, vv = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        s = q @ kk.transpose(-1, -2) / math.sqrt(self.hd)
        S = kk.shape[2]
        mask = torch.ones(T, S, dtype=torch.bool).tril(S - T)
        s = s.masked_fill(~mask, float("-inf"))
        o = (s.softmax(-1) @ vv).transpose(1, 2).reshape(1, T, self.h * self.hd)
        return self.o_proj(o), (k, v)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(nn.functional.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c, idx, log):
        super().__init__()
        self.idx, self.log = idx, log
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = MLP(c)
        self.attn_router = nn.Linear(c.hidden_size, 2)
        self.mlp_router = nn.Linear(c.hidden_size, 2)

    def forward(self, x, pos, cache):
        T = x.shape[1]
        h = self.input_layernorm(x)
        run = self.attn_router(h).argmax(-1)[0] == 1  # (T,)
        out, new_cache = self.self_attn(h, pos, cache)
        x = x + out * run[None, :, None]  # skipped tokens: residual only
        h = self.post_attention_layernorm(x)
        run_m = self.mlp_router(h).argmax(-1)[0] == 1
        x = x + self.mlp(h) * run_m[None, :, None]
        for t in range(T):
            self.log.append((self.idx, bool(run[t]), bool(run_m[t])))
        return x, new_cache


class Output:
    def __init__(self, logits, past_key_values):
        self.logits, self.past_key_values = logits, past_key_values


class Inner(nn.Module):
    def __init__(self, c, log):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(c, i, log) for i in range(c.num_hidden_layers))
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)


class TinyLlamaForCausalLM(nn.Module):
    def __init__(self, c, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.config = c
        self.executed = []  # (layer, attention ran, MLP ran), one per token and layer, in execution order
        self.model = Inner(c, self.executed)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)

    def forward(self, input_ids, past_key_values=None, use_cache=True):
        past = 0 if past_key_values is None else past_key_values[0][0].shape[2]
        pos = torch.arange(past, past + input_ids.shape[1])
        x = self.model.embed_tokens(input_ids)
        new = []
        for i, layer in enumerate(self.model.layers):
            x, kv = layer(x, pos, None if past_key_values is None else past_key_values[i])
            new.append(kv)
        return Output(self.lm_head(self.model.norm(x)), new if use_cache else None)
