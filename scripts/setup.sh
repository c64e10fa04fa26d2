#!/usr/bin/env bash
# Installs the C libraries MedChain links against (zlib, SQLite, GMP) and the spin model
# checker (the consensus model check, see scripts/check-model.sh) when they are missing, then
# fetches the optional crypto_mb library (scripts/fetch-crypto-mb.sh).
# Needs a Debian-like system with apt-get; run as root or with sudo available.
set -euo pipefail
need=()
[ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
[ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
[ -f /usr/include/gmp.h ] || [ -f /usr/include/x86_64-linux-gnu/gmp.h ] || need+=(libgmp-dev)
command -v spin >/dev/null || need+=(spin)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}"
fi
# Optional: Intel's AVX-512 IFMA exponentiation for Paillier decryption (never fails setup).
"$(dirname "$0")/fetch-crypto-mb.sh" || echo "crypto_mb: not installed; Paillier stays on GMP"
