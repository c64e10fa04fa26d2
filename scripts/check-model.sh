#!/usr/bin/env bash
# Model-checks the consensus protocol (Models/tendermint.pml) with spin: agreement and
# validity for n = 4, f = 1. Default: 2 rounds, exhaustive (about 15 s, 0.5 GB). `--full`:
# 3 rounds with bitstate hashing (supertrace: a 512 MiB bit array instead of storing states,
# since the exhaustive 3-round search needs well over 10 GB). Exits non-zero on a violation.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=2
flags="-DCOLLAPSE"
if [ "${1:-}" = "--full" ]; then
    rounds=3
    flags="-DBITSTATE"
fi
command -v spin >/dev/null || { echo "spin is not installed; run ./scripts/setup.sh" >&2; exit 2; }
compiler=$(command -v cc || command -v gcc || command -v clang) || { echo "no C compiler for spin's verifier" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp Models/tendermint.pml "$work/"
cd "$work"
spin -a -DR=$rounds tendermint.pml >/dev/null
"$compiler" -O2 -DSAFETY $flags -o pan pan.c
if [ "$rounds" = 3 ]; then ./pan -E -m200000 -w32 > pan.out; else ./pan -E -m200000 > pan.out; fi
grep -E "errors:|states, stored|hash factor|elapsed" pan.out
grep -q "errors: 0" pan.out || { echo "spin found a violation; the trail is in $work" >&2; trap - EXIT; exit 1; }
if [ "$rounds" = 3 ]; then
    echo "tendermint.pml: no agreement or validity violation found for n = 4, f = 1, 3 rounds (bitstate search: partial coverage, see the hash factor)"
else
    echo "tendermint.pml: agreement and validity hold for n = 4, f = 1, $rounds rounds (exhaustive)"
fi
