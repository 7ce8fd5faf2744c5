#!/bin/sh
# check_current.sh SOURCE_DIR BUILD_DIR NAME: reruns `tools/study NAME` into a temporary
# directory and compares its CSV and Markdown byte for byte with the committed
# docs/studies/NAME.{csv,md} (the PNG is not compared: matplotlib versions differ in bytes).
# A difference means a committed study output is stale: rerun `tools/study NAME` and commit.
set -eu
src=$1; build=$2; name=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$src/tools/study" "$name" --build "$build" --jobs 2 --out "$tmp/docs" --work "$tmp/work" --no-png >/dev/null
rc=0
for ext in csv md; do
  if ! diff -u "$src/docs/studies/$name.$ext" "$tmp/docs/$name.$ext"; then
    echo "check_current: docs/studies/$name.$ext is stale (diff above: committed, then rerun); rerun tools/study $name and commit" >&2
    rc=1
  fi
done
exit $rc
