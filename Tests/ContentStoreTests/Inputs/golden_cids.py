#!/usr/bin/env python3
"""Produces the golden CIDs in ContentStoreTests from two independent implementations.

Run once, by hand (the output is pasted into GoldenCIDTests.swift):

    python3 -m venv /tmp/cidvenv && /tmp/cidvenv/bin/pip install aleph-cid==0.1.0
    apt-get install ipfs-cid          # Debian's rust_cid_npm 0.0~git20200813, binary ipfs_cid
    /tmp/cidvenv/bin/python Tests/ContentStoreTests/Inputs/golden_cids.py

- aleph-cid (PyPI, "kubo-compatible", Rust crate) gives Kubo's default CIDv0 and the
  `--cid-version=1` CIDv1 with raw leaves.
- ipfs_cid (Debian) gives CIDv0 and the CIDv1 of the same root block. That CIDv1 is Kubo's
  `--cid-version=1 --raw-leaves=false` CID only for single-block files: for larger files
  ipfs_cid keeps v0 links inside, while Kubo links v1 CIDs.
The two CIDv0 must agree, or the script stops.

The content is `DeterministicBytes(seed:)` from Sources/ContentStore, rewritten here: a pattern of
65,521 bytes (a prime, so consecutive 256 KiB chunks all differ) filled with SplitMix64 outputs
in little-endian order, repeated.
"""
import json, os, subprocess, sys, tempfile
import aleph_cid

PATTERN_LENGTH = 65_521
MASK = (1 << 64) - 1

def pattern(seed):
    out = bytearray()
    x = seed
    while len(out) < PATTERN_LENGTH:
        x = (x + 0x9E3779B97F4A7C15) & MASK
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        out += z.to_bytes(8, "little")
    return bytes(out[:PATTERN_LENGTH])

def write_content(path, seed, size):
    p = pattern(seed)
    with open(path, "wb") as f:
        whole, rest = divmod(size, PATTERN_LENGTH)
        for _ in range(whole):
            f.write(p)
        f.write(p[:rest])

def cids(path):
    debian = json.loads(subprocess.run(["ipfs_cid", path], capture_output=True, check=True).stdout)
    h = aleph_cid.CidHasher.for_ipfs()
    r = aleph_cid.CidHasher.for_ipfs_v1_raw_leaves()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
            r.update(block)
    v0 = h.finalize()
    if v0 != debian["CIDv0"]:
        sys.exit(f"{path}: aleph-cid {v0} != ipfs_cid {debian['CIDv0']}")
    return v0, r.finalize(), debian["CIDv1"]

CHUNK = 262_144
SIZES = [0, 1, 2, 1000, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 10 * CHUNK + 12345,
         174 * CHUNK - 1, 174 * CHUNK, 174 * CHUNK + 1, 175 * CHUNK, 100_000_000]

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "hello")
    with open(path, "wb") as f:
        f.write(b"hello world")
    print("hello world", *cids(path))
    for size in SIZES:
        write_content(path, 1, size)
        print(f"seed 1 size {size}", *cids(path))
