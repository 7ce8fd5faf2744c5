#!/usr/bin/env bash
# Vivado hand-off files of gen-rtl (docs/rtl.md "Vivado hand-off"): present, deterministic, the
# wrapper instantiating the whole processor (every block wired: counted),
# the wrapper lint-clean (verilator --lint-only -Wall, no waivers), the clocks and ports
# taken from the config (not constants), the AXI clock crossing (one per port, its
# synchroniser depth from clocks.cdc_sync_cycles, its CDC constraints in the XDC), and configs
# the U280 HBM IP or the crossing cannot take refused.
# Vivado itself is not run (not installed).
set -u
skipopu=$1
verilator=${VERILATOR:-verilator}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
files="skipopu_u280_top.v skipopu_u280.xdc skipopu_u280_project.tcl skipopu_axi_cdc.v skipopu_axi_cdc_fifo.v"
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
# The crossing's constraints: max delay (datapath only) both ways at the shorter period, a bus
# skew on each Gray pointer (32 ports x 5 channels x 2 pointers), no clock groups (they would
# override the max delays).
want "core->axi max delay" "$tmp/a/skipopu_u280.xdc" "set_max_delay -datapath_only -from [get_clocks core_clk] -to [get_clocks axi_clk] 2.222"
want "axi->core max delay" "$tmp/a/skipopu_u280.xdc" "set_max_delay -datapath_only -from [get_clocks axi_clk] -to [get_clocks core_clk] 2.222"
want "bus skew, port 31's B read pointer" "$tmp/a/skipopu_u280.xdc" \
  "set_bus_skew -from [get_cells {u_cdc_31/u_b/r_gray_reg[*]}] -to [get_cells {u_cdc_31/u_b/r_gray_s1_reg[*]}] 2.222"
count "bus skew on every Gray pointer" "$tmp/a/skipopu_u280.xdc" "^set_bus_skew -from \[get_cells \{u_cdc_[0-9]{2}/u_(aw|w|ar|r|b)/[wr]_gray_reg" 320
count "no clock groups" "$tmp/a/skipopu_u280.xdc" "^set_clock_groups" 0
count "a crossing per port" "$tmp/a/skipopu_u280_top.v" "^  skipopu_axi_cdc u_cdc_[0-9]{2} \($" 32
count "a FIFO per channel" "$tmp/a/skipopu_axi_cdc.v" "^  skipopu_axi_cdc_fifo #\(\.W\([0-9]+\)\) u_(aw|w|ar|r|b) \($" 5
count "2-flop synchronisers (ASYNC_REG), both pointers" "$tmp/a/skipopu_axi_cdc_fifo.v" '^  \(\* ASYNC_REG = "TRUE" \*\) reg \[AW:0\] [wr]_gray_s[0-9]+;$' 4
want "full from the last synchroniser stage" "$tmp/a/skipopu_axi_cdc_fifo.v" \
  "      w_full <= w_gray_next == {~r_gray_s2[AW:AW-1], r_gray_s2[AW-2:0]};"
want "empty from the last synchroniser stage" "$tmp/a/skipopu_axi_cdc_fifo.v" "      r_empty <= r_gray_next == w_gray_s2;"
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
want "core->axi max delay at 400 MHz" "$tmp/c/skipopu_u280.xdc" "set_max_delay -datapath_only -from [get_clocks core_clk] -to [get_clocks axi_clk] 2.500"
count "4 crossings" "$tmp/c/skipopu_u280_top.v" "^  skipopu_axi_cdc u_cdc_[0-9]{2} \($" 4
count "4 ports' bus skews" "$tmp/c/skipopu_u280.xdc" "^set_bus_skew " 40
# 3-flop synchronisers (clocks.cdc_sync_cycles 3), on a small array (the lint's cost is the array's).
"$skipopu" gen-rtl --out "$tmp/e" --set clocks.cdc_sync_cycles=3 --set hbm.ports=4 --set hbm.pseudo_channels=4 \
  --set pe_array.rows=4 --set pe_array.cols=8 --set pe_array.dsps=16 --set weights.group_size=8 >/dev/null ||
  bad "gen-rtl cdc_sync_cycles 3 failed"
lint "$tmp/e" "3-flop synchronisers"
count "3-flop synchronisers (ASYNC_REG), both pointers" "$tmp/e/skipopu_axi_cdc_fifo.v" '^  \(\* ASYNC_REG = "TRUE" \*\) reg \[AW:0\] [wr]_gray_s[0-9]+;$' 6
want "empty from the third stage" "$tmp/e/skipopu_axi_cdc_fifo.v" "      r_empty <= r_gray_next == w_gray_s3;"
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
check "one synchroniser flop" "u280.json: /clocks/cdc_sync_cycles: expected at least 2 synchroniser stages" -- \
  "$skipopu" gen-rtl --out "$tmp/d" --set clocks.cdc_sync_cycles=1
check "not 256-bit beats" "u280.json: /hbm/preset: expected an HBM preset with 32-byte beats" -- \
  "$skipopu" gen-rtl --out "$tmp/d" --set hbm.overrides.organization.beat_bytes=64
[ "$fail" -eq 0 ] && echo "PASS" || echo "FAILED"
exit "$fail"
