#!/usr/bin/python3
"""Bar plot of a `skipopu compare --format json` table: bandwidth efficiency per system,
SkipOPU's ratio over each bar. usage: plot_compare.py COMPARE.json OUT.png (written atomically)."""
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
    rows = c["rows"]
    colours = {"simulated": "#1f4e79", "modelled": "#7fa7d1", "measured": "#2e8b57", "reported": "#c9a227"}
    labels = [f"{r['system']}\n{r['mode'].split(',')[0]}" if r["source"] == "modelled" else r["system"] for r in rows]
    effs = [100 * r["bandwidth_efficiency"] for r in rows]
    fig, ax = plt.subplots(figsize=(max(8, 0.6 * len(rows)), 5.5), dpi=110)
    bars = ax.bar(range(len(rows)), effs, color=[colours.get(r["source"], "#999") for r in rows])
    for b, r in zip(bars, rows):
        ax.text(b.get_x() + b.get_width() / 2, b.get_height() + 1, f"{r['ratio']:.2f}x", ha="center", fontsize=7)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("bandwidth efficiency (%)")
    ax.set_ylim(0, max(effs) * 1.15)
    ax.set_title(f"{c['model']}, {c['trace']}: SkipOPU efficiency / baseline above each bar")
    from matplotlib.patches import Patch
    ax.legend(handles=[Patch(color=v, label=k) for k, v in colours.items()], fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    tmp = sys.argv[2] + ".tmp.png"
    fig.savefig(tmp)
    os.replace(tmp, sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
