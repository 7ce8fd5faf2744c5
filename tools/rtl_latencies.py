#!/usr/bin/python3
"""tools/rtl_latencies.py VCD: the request latencies of the generated processor, measured in a
waveform of `skipopu-rtl run ... --set blocks.top=rtl --wave VCD` (docs/rtl.md "The whole
processor in the loop", step 14). For each rising edge of go_embed, go_loadw and go_attn (the
processor's issue strobes; a strobe held into the next cycle counts once), the core cycles to the
first AR handshake on any port (m_axi_NN_arvalid and arready) after it; for go_gemm, the cycles
to the first cycle with pe_run and tile_ready (the array's first tile step). Printed as
{cycles: count}. A LOADW right behind another has its AR after the first's stream: count those
apart (the script reports the first of two back-to-back strobes only)."""
import bisect
import collections
import sys

NAMES = {"go_embed", "go_loadw", "go_attn", "go_gemm", "pe_run", "tile_ready", "cycle"}
NAMES |= {f"m_axi_{p:02d}_ar{x}" for p in range(4) for x in ("valid", "ready")}


def main(path):
    ids, val, snaps = {}, collections.defaultdict(int), []
    depth = 0
    with open(path) as f:
        for line in f:  # the processor's own scope (depth 2) and the top's ports
            line = line.lstrip()
            if line.startswith("$scope"):
                depth += 1
            elif line.startswith("$upscope"):
                depth -= 1
            elif line.startswith("$var") and depth <= 2:
                w = line.split()
                if w[4] in NAMES:
                    ids.setdefault(w[3], w[4])
            elif line.startswith("$enddefinitions"):
                break
        t = None
        for line in f:
            c = line[0]
            if c == "#":
                if t is not None:
                    snaps.append(dict(val))
                t = int(line[1:])
            elif c in "01" and line[1:].strip() in ids:
                val[ids[line[1:].strip()]] = int(c)
            elif c == "b":
                b, i = line[1:].split()
                if i in ids:
                    val[ids[i]] = 0 if "x" in b else int(b, 2)
        snaps.append(dict(val))
    ar = [k for k, v in enumerate(snaps) if any(v.get(f"m_axi_{p:02d}_arvalid") and v.get(f"m_axi_{p:02d}_arready") for p in range(4))]
    out = collections.defaultdict(collections.Counter)
    last = {}
    for k, v in enumerate(snaps):
        for g in ("go_embed", "go_loadw", "go_attn", "go_gemm"):
            if not v.get(g):
                continue
            if last.get(g, -10) >= v["cycle"] - 1:  # held, or right behind the previous strobe
                last[g] = v["cycle"]
                continue
            last[g] = v["cycle"]
            if g == "go_gemm":
                for w in snaps[k:k + 20000]:
                    if w.get("pe_run") and w.get("tile_ready"):
                        out[g][w["cycle"] - v["cycle"]] += 1
                        break
            else:
                j = bisect.bisect_right(ar, k)
                if j < len(ar):
                    out[g][snaps[ar[j]]["cycle"] - v["cycle"]] += 1
    for g in ("go_embed", "go_loadw", "go_attn", "go_gemm"):
        what = "first tile step" if g == "go_gemm" else "first AR handshake"
        print(f"{g} -> {what}: {dict(sorted(out[g].items()))}")


if __name__ == "__main__":
    main(sys.argv[1])
