#!/usr/bin/env bash
# The accuracy table of docs/rtl.md ("Nonlinear units and router") is the output of
# `skipopu nl-error` at this commit: fails when the arithmetic changed and the doc did not.
set -u
skipopu=$1 doc=$2
want=$("$skipopu" nl-error) || { echo "FAIL: nl-error exited $?"; exit 1; }
got=$(sed -n '/^<!-- nl-error begin -->$/,/^<!-- nl-error end -->$/p' "$doc" | sed '1d;$d')
if [ "$want" = "$got" ]; then echo "ok: docs/rtl.md nl-error table is current"; exit 0; fi
echo "FAIL: docs/rtl.md nl-error table differs from 'skipopu nl-error':"
diff <(echo "$got") <(echo "$want")
exit 1
