#!/usr/bin/env bash
# The other direction of interoperability, run ONCE and committed: files written by medchain
# that pheutil (python-paillier 1.5.0) reads. Needs a built medchain and pheutil:
#   swift build && PHEUTIL=/tmp/refenv/bin/pheutil MEDCHAIN=../../../.build/debug/medchain ./make_medchain_fixtures.sh
set -euo pipefail
PHEUTIL=${PHEUTIL:-pheutil}
MEDCHAIN=${MEDCHAIN:-medchain}
PYTHON=${PYTHON:-python3}
out=medchain
mkdir -p "$out"

# 1. medchain encrypts under pheutil's key; pheutil decrypts. "expected" is Python's repr(float(x)).
manifest="$out/manifest.tsv"
printf 'file\tkey\tinput\texpected\tpheutil_decrypt\n' > "$manifest"
for pair in zero:0 minus-one:-1 pi:3.141592653589793 small:-2.5e-07 big:1e+20 tiny:-1e-30 mixed:123456.789; do
  name=${pair%%:*}; value=${pair#*:}
  "$MEDCHAIN" paillier encrypt --output "$out/enc-$name.json" pheutil/public-1024.jwk -- "$value" 2>/dev/null
  expected=$("$PYTHON" -c "import sys; print(repr(float(sys.argv[1])))" "$value")
  printf 'enc-%s.json\tpheutil/public-1024.jwk\t%s\t%s\t%s\n' "$name" "$value" "$expected" \
    "$("$PHEUTIL" decrypt pheutil/private-1024.jwk "$out/enc-$name.json" 2>/dev/null)" >> "$manifest"
done
# medchain's homomorphic results on its own ciphertexts, decrypted by pheutil.
"$MEDCHAIN" paillier addenc --output "$out/sum-pi-minus-one.json" pheutil/public-1024.jwk "$out/enc-pi.json" "$out/enc-minus-one.json" 2>/dev/null
printf 'sum-pi-minus-one.json\tpheutil/public-1024.jwk\tpi + -1\t%s\t%s\n' \
  "$("$PYTHON" -c "print(repr(3.141592653589793 + -1.0))")" \
  "$("$PHEUTIL" decrypt pheutil/private-1024.jwk "$out/sum-pi-minus-one.json" 2>/dev/null)" >> "$manifest"
"$MEDCHAIN" paillier multiply --output "$out/product-mixed-times-minus-2.5.json" pheutil/public-1024.jwk "$out/enc-mixed.json" -- -2.5 2>/dev/null
printf 'product-mixed-times-minus-2.5.json\tpheutil/public-1024.jwk\t123456.789 * -2.5\t%s\t%s\n' \
  "$("$PYTHON" -c "from fractions import Fraction as F; print(repr(float(F(123456.789) * F(-2.5))))")" \
  "$("$PHEUTIL" decrypt pheutil/private-1024.jwk "$out/product-mixed-times-minus-2.5.json" 2>/dev/null)" >> "$manifest"
"$MEDCHAIN" paillier add --output "$out/pi-plus-0.25.json" pheutil/public-1024.jwk "$out/enc-pi.json" 0.25 2>/dev/null
printf 'pi-plus-0.25.json\tpheutil/public-1024.jwk\tpi + 0.25\t%s\t%s\n' \
  "$("$PYTHON" -c "print(repr(3.141592653589793 + 0.25))")" \
  "$("$PHEUTIL" decrypt pheutil/private-1024.jwk "$out/pi-plus-0.25.json" 2>/dev/null)" >> "$manifest"

# 2. medchain generates a key; pheutil extracts it, encrypts under it and decrypts with it.
"$MEDCHAIN" paillier keygen --keysize 1024 --id "medchain fixture 1024" "$out/private-1024.jwk" 2>/dev/null
"$PHEUTIL" extract "$out/private-1024.jwk" "$out/public-1024.jwk" 2>/dev/null
theirs="$out/theirs-under-our-key.tsv"
printf 'file\tinput\tpheutil_decrypt\n' > "$theirs"
for pair in one:1 minus-pi:-3.141592653589793 small:2.5e-07 big:-1e+20; do
  name=${pair%%:*}; value=${pair#*:}
  "$PHEUTIL" encrypt --output "$out/theirs-$name.json" "$out/public-1024.jwk" -- "$value" 2>/dev/null
  printf 'theirs-%s.json\t%s\t%s\n' "$name" "$value" \
    "$("$PHEUTIL" decrypt "$out/private-1024.jwk" "$out/theirs-$name.json" 2>/dev/null)" >> "$theirs"
done
