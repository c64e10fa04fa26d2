#!/usr/bin/env bash
# Fast (DJN short-exponent) encryptions by medchain, decrypted by pheutil (python-paillier
# 1.5.0), run ONCE and committed. They show that the fast encryptor's ciphertexts are ordinary
# Paillier ciphertexts: pheutil's own decryption recovers them exactly. Needs a built medchain
# and pheutil:
#   swift build && PHEUTIL=/tmp/refenv/bin/pheutil MEDCHAIN=../../../.build/debug/medchain ./make_fast_fixtures.sh
set -euo pipefail
PHEUTIL=${PHEUTIL:-pheutil}
MEDCHAIN=${MEDCHAIN:-medchain}
PYTHON=${PYTHON:-python3}
out=medchain
mkdir -p "$out"
manifest="$out/fast-manifest.tsv"
printf 'file\tkey\tinput\texpected\tpheutil_decrypt\n' > "$manifest"
for bits in 1024 2048; do
  for pair in zero:0 one:1 minus-five:-5 pi:3.141592653589793 small:-2.5e-07 big:1e+20 mixed:123456.789; do
    name=${pair%%:*}; value=${pair#*:}
    file="fast-$bits-$name.json"
    "$MEDCHAIN" paillier encrypt --fast --output "$out/$file" "pheutil/public-$bits.jwk" -- "$value" 2>/dev/null
    expected=$("$PYTHON" -c "import sys; print(repr(float(sys.argv[1])))" "$value")
    printf '%s\tpheutil/public-%s.jwk\t%s\t%s\t%s\n' "$file" "$bits" "$value" "$expected" \
      "$("$PHEUTIL" decrypt "pheutil/private-$bits.jwk" "$out/$file" 2>/dev/null)" >> "$manifest"
  done
done
# The same ciphertexts summed by pheutil: homomorphic addition of two fast encryptions.
"$PHEUTIL" addenc --output "$out/fast-2048-sum-pi-minus-five.json" pheutil/public-2048.jwk \
  "$out/fast-2048-pi.json" "$out/fast-2048-minus-five.json" 2>/dev/null
printf 'fast-2048-sum-pi-minus-five.json\tpheutil/public-2048.jwk\tpi + -5\t%s\t%s\n' \
  "$("$PYTHON" -c "print(repr(3.141592653589793 + -5.0))")" \
  "$("$PHEUTIL" decrypt pheutil/private-2048.jwk "$out/fast-2048-sum-pi-minus-five.json" 2>/dev/null)" >> "$manifest"
