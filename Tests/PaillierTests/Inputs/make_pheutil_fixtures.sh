#!/usr/bin/env bash
# Generates the python-paillier fixtures in pheutil/ ONCE (they are committed; tests never run
# Python). Needs python-paillier 1.5.0:  python3 -m venv /tmp/refenv && /tmp/refenv/bin/pip install phe==1.5.0 click gmpy2
# Run from this directory:  PHEUTIL=/tmp/refenv/bin/pheutil ./make_pheutil_fixtures.sh
set -euo pipefail
PHEUTIL=${PHEUTIL:-pheutil}
out=pheutil
mkdir -p "$out"
"$PHEUTIL" genpkey --keysize 1024 --id "medchain fixture 1024" "$out/private-1024.jwk" 2>/dev/null
"$PHEUTIL" extract "$out/private-1024.jwk" "$out/public-1024.jwk" 2>/dev/null
"$PHEUTIL" genpkey --keysize 2048 --id "medchain fixture 2048" "$out/private-2048.jwk" 2>/dev/null
"$PHEUTIL" extract "$out/private-2048.jwk" "$out/public-2048.jwk" 2>/dev/null

# name:plaintext pairs; negatives need "--" before them, as pheutil documents.
values="zero:0 one:1 minus-one:-1 five:5 minus-five:-5 pi:3.141592653589793 small:-2.5e-07 mixed:123456.789 big:1e+20 tiny:-1e-30 third:0.3333333333333333"
manifest="$out/manifest.tsv"
printf 'file\tkey\tinput\tpheutil_decrypt\n' > "$manifest"
for pair in $values; do
  name=${pair%%:*}; value=${pair#*:}
  "$PHEUTIL" encrypt --output "$out/enc-$name.json" "$out/public-1024.jwk" -- "$value" 2>/dev/null
  printf 'enc-%s.json\t1024\t%s\t%s\n' "$name" "$value" "$("$PHEUTIL" decrypt "$out/private-1024.jwk" "$out/enc-$name.json" 2>/dev/null)" >> "$manifest"
done
"$PHEUTIL" encrypt --output "$out/enc2048-pi.json" "$out/public-2048.jwk" -- 3.141592653589793 2>/dev/null
printf 'enc2048-pi.json\t2048\t3.141592653589793\t%s\n' "$("$PHEUTIL" decrypt "$out/private-2048.jwk" "$out/enc2048-pi.json" 2>/dev/null)" >> "$manifest"

# Homomorphic results computed by pheutil.
"$PHEUTIL" addenc --output "$out/sum-pi-minus-five.json" "$out/public-1024.jwk" "$out/enc-pi.json" "$out/enc-minus-five.json" 2>/dev/null
printf 'sum-pi-minus-five.json\t1024\tpi + -5\t%s\n' "$("$PHEUTIL" decrypt "$out/private-1024.jwk" "$out/sum-pi-minus-five.json" 2>/dev/null)" >> "$manifest"
"$PHEUTIL" multiply --output "$out/product-mixed-times-minus-2.5.json" "$out/public-1024.jwk" "$out/enc-mixed.json" -- -2.5 2>/dev/null
printf 'product-mixed-times-minus-2.5.json\t1024\t123456.789 * -2.5\t%s\n' "$("$PHEUTIL" decrypt "$out/private-1024.jwk" "$out/product-mixed-times-minus-2.5.json" 2>/dev/null)" >> "$manifest"
