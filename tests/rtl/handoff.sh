#!/usr/bin/env bash
# Vivado hand-off files of gen-rtl (docs/rtl.md "Vivado hand-off"): present, deterministic, the
# wrapper instantiating the whole processor (every block wired: counted),
# the wrapper lint-clean (verilator --lint-only -Wall, no waivers), the clocks and ports
# taken from the config (not constants), and configs the U280 HBM IP cannot take refused.
# Vivado itself is not run (not installed).
set -u
skipopu=$1
verilator=${VERILATOR:-verilator}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
files="skipopu_u280_top.v skipopu_u280.xdc skipopu_u280_project.tcl"
# Default config, twice.
"$skipopu" gen-rtl --out "$tmp/a" >/dev/null && "$skipopu" gen-rtl --out "$tmp/b" >/dev/null || bad "gen-rtl failed"
for f in $files; do
  [ -s "$tmp/a/$f" ] && ok "$f written" || bad "$f missing or empty"
  cmp -s "$tmp/a/$f" "$tmp/b/$f" && ok "$f deterministic" || bad "$f differs between two runs"
done
lint() {  # lint DIR NAME
  if out=$("$verilator" --lint-only -Wall -y "$1" --top-module skipopu_u280_top "$1/skipopu_u280_top.v" 2>&1); then
    ok "$2: wrapper lint clean"
  else
    bad "$2: wrapper lint"; echo "$out" | head -20
  fi
}
lint "$tmp/a" default
want() {  # want NAME FILE EXACT_LINE
  grep -qxF -- "$3" "$2" && ok "$1" || { bad "$1: no line '$3' in $(basename "$2")"; }
}
count() {  # count NAME FILE REGEX N
  n=$(grep -cE -- "$3" "$2"); [ "$n" -eq "$4" ] && ok "$1 ($n)" || bad "$1: $n, want $4"
}
want "core clock 225 MHz" "$tmp/a/skipopu_u280.xdc" "create_clock -name core_clk -period 4.444 [get_ports core_clk]"
want "AXI clock 450 MHz" "$tmp/a/skipopu_u280.xdc" "create_clock -name axi_clk -period 2.222 [get_ports axi_clk]"
want "asynchronous groups" "$tmp/a/skipopu_u280.xdc" "set_clock_groups -asynchronous -group [get_clocks core_clk] -group [get_clocks axi_clk]"
want "U280 part" "$tmp/a/skipopu_u280_project.tcl" "set part xcu280-fsvh2892-2L-e"
want "IP AXI clock" "$tmp/a/skipopu_u280_project.tcl" "  CONFIG.USER_AXI_CLK_FREQ {450} \\"
count "32 AXI ports" "$tmp/a/skipopu_u280_top.v" "^  output wire m_axi_[0-9]{2}_arvalid,$" 32
count "256-bit write data" "$tmp/a/skipopu_u280_top.v" "^  output wire \[255:0\] m_axi_[0-9]{2}_wdata,$" 32
count "33-bit addresses" "$tmp/a/skipopu_u280_top.v" "^  output wire \[32:0\] m_axi_[0-9]{2}_araddr,$" 32
count "SAXI ports enabled" "$tmp/a/skipopu_u280_project.tcl" "CONFIG.USER_SAXI_[0-9]{2} \{true\}" 32
count "the processor instantiated" "$tmp/a/skipopu_u280_top.v" "^  skipopu_processor u_processor \($" 1
count "controller and units wired in the processor" "$tmp/a/skipopu_processor.v" \
  "^  skipopu_(controller|pe_array|nonlinear|router|weight_dma|kv_history) u_[a-z_]+ \($" 6
count "a read master and a weight buffer per port" "$tmp/a/skipopu_processor.v" \
  "^  skipopu_(axi_rd_master u_rd|weight_buffer #\(\.PB\([0-9]+\)\) u_wbuf)_[0-9]{2} \($" 64
count "a write master per port (KV_STORE)" "$tmp/a/skipopu_processor.v" "^  skipopu_axi_wr_master u_wr_[0-9]{2} \($" 32
# Every Verilog file the Tcl adds exists.
for f in $(grep -oE '\$here/[a-z0-9_]+\.v' "$tmp/a/skipopu_u280_project.tcl" | sed 's/^\$here\///'); do
  [ -f "$tmp/a/$f" ] || bad "Tcl adds $f, which gen-rtl did not write"
done
# Another config: 4 ports, 200 MHz core, 400 MHz AXI (its files follow the config).
"$skipopu" gen-rtl --out "$tmp/c" --set hbm.ports=4 --set hbm.pseudo_channels=4 --set clocks.core_mhz=200 \
  --set hbm.overrides.clock.axi_mhz=400 --set hbm.overrides.clock.device_mhz=800 >/dev/null || bad "gen-rtl 4 ports failed"
lint "$tmp/c" "4 ports"
want "core clock 200 MHz" "$tmp/c/skipopu_u280.xdc" "create_clock -name core_clk -period 5.000 [get_ports core_clk]"
want "AXI clock 400 MHz" "$tmp/c/skipopu_u280.xdc" "create_clock -name axi_clk -period 2.500 [get_ports axi_clk]"
count "4 AXI ports" "$tmp/c/skipopu_u280_top.v" "^  output wire m_axi_[0-9]{2}_arvalid,$" 4
count "4 read masters" "$tmp/c/skipopu_processor.v" "^  skipopu_axi_rd_master u_rd_[0-9]{2} \($" 4
count "4 write masters" "$tmp/c/skipopu_processor.v" "^  skipopu_axi_wr_master u_wr_[0-9]{2} \($" 4
count "4 SAXI ports enabled" "$tmp/c/skipopu_u280_project.tcl" "CONFIG.USER_SAXI_[0-9]{2} \{true\}" 4
want "port 04 disabled" "$tmp/c/skipopu_u280_project.tcl" "  CONFIG.USER_SAXI_04 {false} \\"
# What the U280 HBM IP cannot take: one line naming the field, exit 2, nothing written.
check() {  # check NAME TEXT -- command...
  local name=$1 text=$2; shift 3
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq 2 ] && grep -qF -- "$text" <<<"$out" && [ "$(wc -l <<<"$out")" -eq 1 ] && [ ! -e "$tmp/d" ]; then
    ok "$name: $out"
  else
    bad "$name: rc $rc, output: $out"
  fi
}
check "more than 32 ports" "u280.json: /hbm/ports: expected at most 32 for the U280 HBM IP's AXI ports" -- \
  "$skipopu" gen-rtl --out "$tmp/d" --set hbm.ports=40 --set hbm.pseudo_channels=40
check "not 256-bit beats" "u280.json: /hbm/preset: expected an HBM preset with 32-byte beats" -- \
  "$skipopu" gen-rtl --out "$tmp/d" --set hbm.overrides.organization.beat_bytes=64
[ "$fail" -eq 0 ] && echo "PASS" || echo "FAILED"
exit "$fail"
