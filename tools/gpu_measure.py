#!/usr/bin/python3
"""Measure batch-1 decode with per-token module skipping on a real GPU, and record it in a
GPU card (models/gpu/*.json) as "measured". NOT RUN in this project so far (no GPU was
available); see docs/baselines.md.

A Llama-shaped decoder (shapes from models/<model>.json) with random FP16 weights -- timing
does not depend on weight values, so nothing is downloaded -- replays one of our traces:
for each decoded token and layer, attention and MLP run or are skipped as the trace says.
The decision is known on the host (as with a router whose output is read by .item(), a
host sync per decision is inserted with --sync, the default). K/V: dense cache (K/V
written for every token), like the released SkipGPT kernels.

usage: tools/gpu_measure.py --trace traces/llama2-7b-p256-d64.trace --card models/gpu/a100-80gb.json
       [--warmup 4] [--no-sync] [--dry-run]
Needs: PyTorch with CUDA. Writes the card atomically (FILE.tmp, renamed).
"""
import argparse
import json
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_trace(path):
    hdr, toks = {}, []
    with open(path) as f:
        first = f.readline().strip()
        if first != "skipopu-trace 1":
            raise SystemExit(f"{path}: not a skipopu-trace 1 file")
        for line in f:
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            if parts[0] in ("model", "layers", "prompt", "decode", "source"):
                hdr[parts[0]] = " ".join(parts[1:])
            elif parts[0] in ("P", "D"):
                toks.append((parts[0], parts[1], parts[2]))  # phase, attention mask, MLP mask
            elif parts[0] == "end":
                break
    return hdr, toks


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trace", required=True)
    ap.add_argument("--card", required=True, help="GPU card to update (models/gpu/NAME.json)")
    ap.add_argument("--warmup", type=int, default=4)
    ap.add_argument("--no-sync", action="store_true", help="no host sync per decision (lower bound)")
    ap.add_argument("--dry-run", action="store_true", help="measure and print, do not write the card")
    a = ap.parse_args()
    import torch  # imported late so --help works without PyTorch
    if not torch.cuda.is_available():
        raise SystemExit("gpu_measure.py: no CUDA device")
    hdr, toks = read_trace(a.trace)
    with open(os.path.join(REPO, "models", hdr["model"] + ".json")) as f:
        m = json.load(f)
    L, d, ff, hd = m["layers"], m["d_model"], m["d_ff"], m["head_dim"]
    H, KVH = m["heads"], m["kv_heads"]
    dev, dt = torch.device("cuda"), torch.float16
    g = torch.Generator(device=dev).manual_seed(0)

    def w(*shape):
        return (torch.randn(*shape, device=dev, dtype=dt, generator=g) * 0.02)

    layers = [dict(qkv=w(d, (H + 2 * KVH) * hd), o=w(H * hd, d), gu=w(d, 2 * ff), dn=w(ff, d),
                   n1=torch.ones(d, device=dev, dtype=dt), n2=torch.ones(d, device=dev, dtype=dt),
                   ra=w(d, 2), rm=w(d, 2)) for _ in range(L)]
    head = w(d, m["vocab"])
    emb = w(m["vocab"], d)
    total = len(toks)
    kc = torch.zeros(L, KVH, total, hd, device=dev, dtype=dt)
    vc = torch.zeros_like(kc)

    def rms(x, gma):
        return x * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + 1e-5).to(dt) * gma

    def step(pos, amask, mmask):
        x = emb[pos % m["vocab"]].view(1, d)
        for l, p in enumerate(layers):
            ra = (rms(x, p["n1"]) @ p["ra"]).argmax()  # router: d -> 2
            if not a.no_sync:
                ra.item()
            h = rms(x, p["n1"])
            qkv = h @ p["qkv"]
            q, k, v = qkv.split([H * hd, KVH * hd, KVH * hd], dim=-1)
            kc[l, :, pos] = k.view(KVH, hd)  # dense K/V: written for every token
            vc[l, :, pos] = v.view(KVH, hd)
            if amask[l] == "1":
                qh = q.view(H, 1, hd)
                kk = kc[l, :, :pos + 1].repeat_interleave(H // KVH, 0)
                vv = vc[l, :, :pos + 1].repeat_interleave(H // KVH, 0)
                att = torch.softmax((qh @ kk.transpose(1, 2)).float() / hd ** 0.5, -1).to(dt)
                x = x + (att @ vv).view(1, H * hd) @ p["o"]
            rm = (rms(x, p["n2"]) @ p["rm"]).argmax()
            if not a.no_sync:
                rm.item()
            if mmask[l] == "1":
                h = rms(x, p["n2"])
                gu = h @ p["gu"]
                x = x + (torch.nn.functional.silu(gu[:, :ff]) * gu[:, ff:]) @ p["dn"]
        return (rms(x, torch.ones(d, device=dev, dtype=dt)) @ head).argmax()

    with torch.inference_mode():
        dec = [(i, t) for i, t in enumerate(toks) if t[0] == "D"]
        for i, t in dec[:a.warmup]:
            step(i, t[1], t[2])
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for i, t in dec:
            step(i, t[1], t[2]).item()
        torch.cuda.synchronize()
        el = time.perf_counter() - t0
    moved = 0
    for i, t in dec:
        moved += 2 * d * m["vocab"]
        for l in range(L):
            moved += 2 * d * 2 * KVH * hd + 2 * 2 * KVH * hd  # dense K/V projection and write
            if t[1][l] == "1":
                moved += 2 * (d * H * hd + H * hd * d) + 2 * 2 * KVH * hd * i  # q, o; K/V read
            if t[2][l] == "1":
                moved += 2 * 3 * d * ff
    tps = len(dec) / el
    meas = {"device": torch.cuda.get_device_name(0), "tokens_per_s": round(tps, 3),
            "achieved_gbps": round(moved / el / 1e9, 3), "mode": "skip, eager" + ("" if a.no_sync else ", host sync/decision"),
            "trace": os.path.basename(a.trace), "weights": "fp16", "torch": torch.__version__,
            "date": time.strftime("%Y-%m-%d")}
    print(json.dumps(meas, indent=2))
    if a.dry_run:
        return 0
    with open(a.card) as f:
        card = json.load(f)
    card["status"] = "measured"
    card["measured"] = meas
    tmp = a.card + ".tmp"
    with open(tmp, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    os.replace(tmp, a.card)
    return 0


if __name__ == "__main__":
    sys.exit(main())
