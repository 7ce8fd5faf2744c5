#!/usr/bin/python3
"""Side-by-side bar plots of a `skipopu compare --format json` table: decode tokens/s (left) and
bandwidth efficiency (right) per system, coloured by where the figure comes from; SkipOPU's
efficiency ratio over each efficiency bar. usage: plot_compare.py COMPARE.json OUT.png
(written atomically)."""
import json
import os
import sys


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: plot_compare.py COMPARE.json OUT.png\n")
        return 2
    with open(sys.argv[1]) as f:
        c = json.load(f)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    rows = c["rows"]
    colours = {"simulated": "#1f4e79", "modelled": "#7fa7d1", "measured": "#2e8b57", "reported": "#c9a227"}
    labels = [f"{r['system']} ({r['mode'].split(',')[0]})" if r["source"] == "modelled" else r["system"] for r in rows]
    cols = [colours.get(r["source"], "#999") for r in rows]
    y = list(range(len(rows)))
    fig, (a1, a2) = plt.subplots(1, 2, sharey=True, figsize=(13, 0.36 * len(rows) + 2.2), dpi=110)
    tps = [r["tokens_per_s"] for r in rows]
    a1.barh(y, tps, color=cols)
    for i, v in enumerate(tps):
        a1.text(v, i, f" {v:.1f}", va="center", fontsize=7)
    a1.set_xlabel("decode tokens/s (batch 1)")
    a1.set_xlim(0, max(tps) * 1.18)
    effs = [100 * r["bandwidth_efficiency"] for r in rows]
    a2.barh(y, effs, color=cols)
    for i, (v, r) in enumerate(zip(effs, rows)):
        a2.text(v, i, f" {v:.1f}%  ({r['ratio']:.2f}x)", va="center", fontsize=7)
    a2.set_xlabel("bandwidth efficiency (%); in brackets: SkipOPU (simulated) / the row")
    a2.set_xlim(0, max(effs) * 1.25)
    a1.set_yticks(y)
    a1.set_yticklabels(labels, fontsize=7)
    a1.invert_yaxis()
    for a in (a1, a2):
        a.grid(axis="x", alpha=0.3)
    fig.suptitle(f"{c['model']}, {c['trace']}, config {c['config']}: reported rows are normalised to a dense "
                 f"4-bit 7B model on the reference device", fontsize=9)
    legend = {"simulated": "simulated (this simulator)", "modelled": "modelled (GPU model, same trace)",
              "measured": "measured", "reported": "reported (published; paper row: secondary reading)"}
    present = {r["source"] for r in rows}
    a2.legend(handles=[Patch(color=colours[k], label=v) for k, v in legend.items() if k in present], fontsize=7,
              loc="lower right")
    fig.tight_layout()
    tmp = sys.argv[2] + ".tmp.png"
    fig.savefig(tmp)
    os.replace(tmp, sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
