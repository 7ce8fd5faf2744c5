#!/usr/bin/env bash
# tools/prof/hbm-floor.sh [BIN] [ROUNDS]: where the main job's time is, by phase and by HBM model
# (docs/hbm-speed.md, "Issue 13 stops here"). User CPU of each run, alternately on one core
# (taskset -c 1), ROUNDS rounds (default 3), one line per run: NAME SECONDS. Runs:
#   bank         the main job (Llama-2-7B 256 + 64 tokens, the u280 config, bank HBM model)
#   burst        the same with the burst HBM model: what the rest of the simulator costs
#   refresh-off  the same on the bank model with the all-bank refreshes off
#   prefill      256 + 1 tokens (gen-trace, seed 1)
#   decode       1 + 64 tokens (gen-trace, seed 1), and it with refresh off and on the burst model
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-build/src/cli/skipopu}
rounds=${2:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# a failing command's own error is shown (its warnings are not, when it succeeds)
quiet() { "$@" >/dev/null 2>"$tmp/err" || { echo "hbm-floor: failed: $*" >&2; cat "$tmp/err" >&2; exit 1; }; }
quiet "$bin" gen-trace --data-dir . --model llama2-7b --prompt 256 --decode 1 --seed 1 --out "$tmp/p256d1.trace"
quiet "$bin" gen-trace --data-dir . --model llama2-7b --prompt 1 --decode 64 --seed 1 --out "$tmp/p1d64.trace"
main=traces/llama2-7b-p256-d64.trace
off='hbm.overrides={"controller":{"refresh":false}}'
for _ in $(seq "$rounds"); do
  for run in bank burst refresh-off prefill decode decode-refresh-off decode-burst; do
    case $run in
      bank) args=(--trace "$main") ;;
      burst) args=(--trace "$main" --set hbm.model=burst) ;;
      refresh-off) args=(--trace "$main" --set "$off") ;;
      prefill) args=(--trace "$tmp/p256d1.trace") ;;
      decode) args=(--trace "$tmp/p1d64.trace") ;;
      decode-refresh-off) args=(--trace "$tmp/p1d64.trace" --set "$off") ;;
      decode-burst) args=(--trace "$tmp/p1d64.trace" --set hbm.model=burst) ;;
    esac
    quiet /usr/bin/time -f "$run %U" -o "$tmp/t" taskset -c 1 "$bin" run -q --data-dir . "${args[@]}"
    cat "$tmp/t"
  done
done
