#!/usr/bin/python3
"""Gantt chart of a `skipopu run --timeline` file (Chrome/Perfetto trace-event JSON): one row per
track (blocks, then HBM pseudo-channel lanes), one bar per slice, coloured by instruction kind or
HBM traffic class. A stand-in for a trace viewer's screenshot, rendered from the same file.

usage: plot_timeline.py TIMELINE.json OUT.png [--max-channels N] (written atomically)"""
import argparse
import json
import os
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("timeline")
    ap.add_argument("png")
    ap.add_argument("--max-channels", type=int, default=8, help="HBM pseudo-channels to draw (default 8)")
    a = ap.parse_args()
    with open(a.timeline) as f:
        doc = json.load(f)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    names, sort, slices = {}, {}, {}
    for e in doc["traceEvents"]:
        key = (e["pid"], e["tid"])
        if e["ph"] == "M" and e["name"] == "thread_name":
            names[key] = e["args"]["name"]
        elif e["ph"] == "M" and e["name"] == "thread_sort_index":
            sort[key] = e["args"]["sort_index"]
        elif e["ph"] == "X":
            slices.setdefault(key, []).append(e)
    keys = sorted(names, key=lambda k: (k[0], sort.get(k, k[1])))
    chans = []
    for k in keys:
        if k[0] == 2 and names[k].split()[0] not in chans:
            chans.append(names[k].split()[0])
    keep = set(chans[: a.max_channels])
    keys = [k for k in keys if k[0] == 1 or names[k].split()[0] in keep]
    palette = {"GEMM": "#1f4e79", "ATTN": "#c0504d", "ROUTE": "#9bbb59", "LOADW": "#7f7f7f", "KV_STORE": "#f79646",
               "KV_PREFETCH": "#8064a2", "EMBED": "#4bacc6", "weights": "#7fa7d1", "kv_read": "#e6a0a0",
               "kv_write": "#f7c08a", "kv_prefetch": "#b9a6d1", "embedding": "#9fd5e3", "router_weights": "#c5da9b"}
    other = "#bbbbbb"
    fig, ax = plt.subplots(figsize=(12, 0.32 * len(keys) + 1.6), dpi=110)
    t0 = min((e["ts"] for k in keys for e in slices.get(k, [])), default=0)
    t1 = max((e["ts"] + e["dur"] for k in keys for e in slices.get(k, [])), default=1)
    tick = (t1 - t0) * 0.0008  # instructions that only hand work to an engine last ~0 cycles: draw a tick
    for row, k in enumerate(keys):
        evs = slices.get(k, [])
        kind = [(e["args"].get("traffic") or e["args"].get("op", "")).split()[0] for e in evs]
        ax.broken_barh([(e["ts"] - t0, max(e["dur"], tick)) for e in evs], (row - 0.4, 0.8),
                       facecolors=[palette.get(x, other) for x in kind], linewidth=0)
    ax.set_yticks(range(len(keys)))
    ax.set_yticklabels([names[k] for k in keys], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("time since the first slice (µs)")
    o = doc.get("otherData", {})
    ax.set_title(f"{o.get('model', '?')} on {o.get('config', '?')}, trace {o.get('trace_file', '?')}, tokens "
                 f"{o.get('timeline_tokens')} (first {len(keep)} of {len(chans)} pseudo-channels)", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    fig.legend(handles=[Patch(color=v, label=n) for n, v in palette.items()], fontsize=6, ncol=7, loc="lower center")
    fig.tight_layout(rect=(0, 0.9 / (0.32 * len(keys) + 1.6), 1, 1))
    tmp = a.png + ".tmp.png"
    fig.savefig(tmp)
    os.replace(tmp, a.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
