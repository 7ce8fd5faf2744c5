#!/usr/bin/env bash
# run_case.sh SKIPOPU REPO NAME OUT: runs golden case NAME from cases.txt, report JSON to OUT.
set -euo pipefail
skipopu=$1 repo=$2 name=$3 out=$4
line=$(grep -E "^$name[[:space:]]" "$repo/tests/golden/cases.txt") || { echo "no golden case '$name'" >&2; exit 2; }
read -r _ trace rest <<<"$line"
# shellcheck disable=SC2086
exec "$skipopu" run -q --data-dir "$repo" --config "$repo/configs/u280.json" --trace "$repo/$trace" $rest --json "$out"
