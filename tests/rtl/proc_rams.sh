#!/usr/bin/env bash
# Every RAM of the generated processor (a memory with a write port) maps onto a RAM primitive
# (block RAM, UltraRAM or LUT RAM) under synth_xilinx -family xcup, except small ones (at most
# 1,024 bits, e.g. a 4-entry queue): a memory with more write or read ports than a primitive has
# is built from flip-flops instead (the activation buffer with EMBED's second write port once
# became 131,072 flip-flops). Runs synthesis up to the memory mapping only (about 45 s), prints the
# RAMs left for flip-flops. ROMs (no write port) are built from logic by design and not counted.
# usage: proc_rams.sh GEN_DIR   (a gen-rtl folder of the whole processor)
set -u
gen=$1
top=skipopu_processor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=""
for f in "$gen"/skipopu_*.v; do
  case $(basename "$f") in
    skipopu_u280_top.v|skipopu_pack_all.v|skipopu_axi_cdc*.v) ;;  # the board wrapper and its crossing, the packing test bench
    *) files="$files $f" ;;
  esac
done
yosys -q -p "read_verilog $files; synth_xilinx -family xcup -noiopad -flatten -uram -top $top -run begin:map_ffram; tee -q -o $tmp/dump dump t:\$mem_v2" \
  >"$tmp/log" 2>&1 || { echo "FAIL yosys: $(tail -3 "$tmp/log")"; exit 1; }
# each remaining \$mem_v2 cell is a memory left for flip-flop / logic mapping
awk '
  /^ *cell \$mem_v2 / { if (id != "") emit(); id = $3; size = width = wr = 0; next }
  /parameter .SIZE /     { size = $3 }
  /parameter .WIDTH /    { width = $3 }
  /parameter .WR_PORTS / { wr = $3 }
  function emit() {
    bits = size * width
    if (wr > 0) {
      status = bits > 1024 ? "FAIL" : "ok  "
      if (bits > 1024) bad = 1
      printf "%s RAM in flip-flops: %s (%d x %d = %d bits, %d write ports)\n", status, id, size, width, bits, wr
      ++rams
    } else ++roms
  }
  END { if (id != "") emit(); printf "%d RAMs and %d ROMs left for flip-flops / logic\n", rams, roms; exit bad }
' "$tmp/dump"
