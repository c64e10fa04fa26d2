#!/usr/bin/env bash
# Model-checks the consensus protocol (Models/tendermint.pml) with spin: agreement and
# validity for n = 4, f = 1. Default: 2 rounds (about 15 s, 0.5 GB). `--full`: 3 rounds
# (a few minutes and about 4 GB). Exits non-zero on any violation.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=2
[ "${1:-}" = "--full" ] && rounds=3
command -v spin >/dev/null || { echo "spin is not installed; run ./scripts/setup.sh" >&2; exit 2; }
compiler=$(command -v cc || command -v gcc || command -v clang) || { echo "no C compiler for spin's verifier" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp Models/tendermint.pml "$work/"
cd "$work"
spin -a -DR=$rounds tendermint.pml >/dev/null
"$compiler" -O2 -DSAFETY -DCOLLAPSE -o pan pan.c
./pan -E -m200000 | tee pan.out | grep -E "errors:|states, stored|elapsed"
grep -q "errors: 0" pan.out || { echo "spin found a violation; the trail is in $work" >&2; trap - EXIT; exit 1; }
echo "tendermint.pml: agreement and validity hold for n = 4, f = 1, $rounds rounds"
