#!/usr/bin/env bash
# check_case.sh SKIPOPU REPO NAME: the report must equal the golden byte for byte.
set -euo pipefail
skipopu=$1 repo=$2 name=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$repo/tests/golden/run_case.sh" "$skipopu" "$repo" "$name" "$tmp/actual.json"
if ! diff -u "$repo/tests/golden/expected/$name.json" "$tmp/actual.json" > "$tmp/diff"; then
  head -n 60 "$tmp/diff"
  echo "golden '$name' differs (if on purpose: tools/update-goldens)" >&2
  exit 1
fi
echo "golden '$name' identical"
