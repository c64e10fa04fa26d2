#!/usr/bin/env bash
# Fetches Intel's multi-buffer crypto library (crypto_mb, from the Intel Cryptography
# Primitives Library, Apache-2.0) and the Intel compiler runtime it links against into
# .deps/crypto-mb/lib. MedChain loads it at run time for Paillier decryption with AVX-512 IFMA
# (docs/paillier.md, "Decryption with AVX-512 IFMA"). It is optional: without it, or on a CPU
# without IFMA, the same code runs on GMP alone and gives the same results, more slowly.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.deps/crypto-mb/lib
[ -f "$dest/libcrypto_mb.so.13" ] && exit 0
grep -qw avx512ifma /proc/cpuinfo 2>/dev/null || { echo "crypto_mb: this CPU has no AVX-512 IFMA; Paillier stays on GMP"; exit 0; }
command -v python3 >/dev/null || { echo "crypto_mb: python3 not found; Paillier stays on GMP"; exit 0; }
python3 -m pip --version >/dev/null 2>&1 || { echo "crypto_mb: pip not found; Paillier stays on GMP"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Pinned: MedChain calls only the documented mbx_exp* entry points, and checks them against GMP
# when it loads the library.
if ! python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$work" \
        ipp-crypto==2026.2.0 intel-cmplr-lib-rt==2026.2.0 >"$work/log" 2>&1; then
    echo "crypto_mb: download failed; Paillier stays on GMP"; tail -3 "$work/log"; exit 0
fi
python3 - "$work" "$dest" <<'PY'
import pathlib, shutil, sys, zipfile
work, dest = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
wanted = {"libcrypto_mb.so.13", "libintlc.so.5", "libimf.so", "libsvml.so", "libirng.so"}
licences = {"ipp_crypto": "LICENSE-ipp-crypto.txt", "intel_cmplr_lib_rt": "LICENSE-intel-cmplr-lib-rt.txt"}
staging = dest.with_name("lib.partial")
shutil.rmtree(staging, ignore_errors=True)
staging.mkdir(parents=True)
for wheel in work.glob("*.whl"):
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            name = pathlib.PurePosixPath(info.filename)
            if name.name in wanted and "/lib/" in info.filename:
                (staging / name.name).write_bytes(archive.read(info))
            elif name.name == "LICENSE.txt" and name.parent.name.endswith(".dist-info"):
                prefix = wheel.name.split("-")[0]
                (staging / licences.get(prefix, prefix + "-LICENSE.txt")).write_bytes(archive.read(info))
missing = wanted - {p.name for p in staging.iterdir()}
if missing:
    sys.exit(f"crypto_mb: the wheels lack {sorted(missing)}")
shutil.rmtree(dest, ignore_errors=True)
staging.rename(dest)
PY
echo "crypto_mb: installed in $dest"
