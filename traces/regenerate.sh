#!/bin/sh
# Regenerates every bundled trace in traces/ (see traces/README.md).
# usage: traces/regenerate.sh [path/to/skipopu]    (default: build/src/cli/skipopu)
# The generator is deterministic: on any machine the files come out byte for byte the same.
set -eu
SKIPOPU=${1:-build/src/cli/skipopu}
cd "$(dirname "$0")/.."
gen() { "$SKIPOPU" gen-trace "$@"; }
gen --model llama2-7b   --prompt 256 --decode 64 --seed 1 --out traces/llama2-7b-p256-d64.trace
gen --model llama2-7b   --prompt 256 --decode 64 --seed 1 --pattern nonconsecutive --out traces/llama2-7b-p256-d64-noncons.trace
gen --model llama2-7b   --prompt 256 --decode 64 --pattern dense --out traces/llama2-7b-p256-d64-dense.trace
gen --model llama2-7b   --prompt 16  --decode 64 --seed 1 --out traces/llama2-7b-p16-d64.trace
gen --model tiny        --prompt 8   --decode 4  --seed 1 --out traces/tiny-p8-d4.trace
gen --model tiny        --prompt 8   --decode 4  --pattern dense --out traces/tiny-p8-d4-dense.trace
gen --model tiny-gqa    --prompt 8   --decode 4  --seed 1 --out traces/tiny-gqa-p8-d4.trace
gen --model llama3.1-8b --prompt 128 --decode 16 --seed 1 --out traces/llama3.1-8b-p128-d16.trace
gen --model llama2-13b  --prompt 128 --decode 16 --seed 1 --out traces/llama2-13b-p128-d16.trace
