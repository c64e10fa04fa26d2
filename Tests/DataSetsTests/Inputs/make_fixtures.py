"""Writes the .npz/.npy fixtures of DataSetsTests with NumPy itself, the reference writer.

Run from this directory:  python3 make_fixtures.py
(Generated with numpy 2.4.6, Python 3; every value is deterministic, so reruns give the same
arrays; zlib's compressed bytes may differ across zlib versions, which the tests do not depend on.)
"""
import struct
import zipfile

import numpy as np


def tiny_arrays():
    return dict(
        a=np.array([[0, 1, 2], [253, 254, 255]], dtype=np.uint8),
        b=np.array([-1, 0, 2147483647], dtype=np.int32),
        c=np.array([0.5, -1.25, 3e38], dtype=np.float32),
    )


# The same three arrays with the stored method (np.savez) and deflate (np.savez_compressed).
np.savez("tiny_stored.npz", **tiny_arrays())
np.savez_compressed("tiny_deflate.npz", **tiny_arrays())

# Every supported dtype, both byte orders, Fortran order and a 0-d array, in one archive.
np.savez_compressed(
    "dtypes.npz",
    u1=np.array([0, 7, 255], dtype="|u1"),
    i1=np.array([-128, -1, 127], dtype="|i1"),
    u2=np.array([1, 258, 65535], dtype="<u2"),
    i2=np.array([-32768, -2, 32767], dtype="<i2"),
    u4=np.array([0, 70000, 4294967295], dtype="<u4"),
    i4=np.array([-2147483648, -3, 2147483647], dtype="<i4"),
    u8=np.array([0, 9, 2**63 + 1], dtype="<u8"),
    i8=np.array([-(2**62), -4, 2**40], dtype="<i8"),
    f4=np.array([0.1, -2.5, np.inf], dtype="<f4"),
    f8=np.array([0.1, -2.5, 1e300], dtype="<f8"),
    b1=np.array([True, False, True], dtype="|b1"),
    big_u2=np.array([1, 258, 65535], dtype=">u2"),
    big_i4=np.array([1, -2, 300000], dtype=">i4"),
    big_f4=np.array([1.5, -0.25, 1e10], dtype=">f4"),
    big_f8=np.array([0.1, -2.5, 1e300], dtype=">f8"),
    # C-order values 0, 0.5, 1, ... stored column-major.
    fortran_f8=np.asfortranarray(np.arange(24, dtype="<f8").reshape(2, 3, 4) * 0.5),
    fortran_u1=np.asfortranarray(np.arange(6, dtype="|u1").reshape(2, 3)),
    scalar=np.array(42, dtype="<i2"),
    float_labels=np.array([0.0, 1.0, 2.0], dtype="<f4"),
    half_labels=np.array([0.0, 1.5], dtype="<f4"),
)

# Format versions 2.0 and 3.0 (4-byte header length) of the same array.
for version in [(2, 0), (3, 0)]:
    with open(f"version{version[0]}.npy", "wb") as f:
        np.lib.format.write_array(f, np.arange(6, dtype="<i2").reshape(2, 3), version=version)

# A header as another tool might write it: other key order, double quotes, odd spacing and a
# trailing comma, which ast.literal_eval (and so NumPy) accepts.
header = b"{ \"shape\" :( 2 , 2 ) ,'fortran_order':False,  'descr' : '<i2' ,  }"
header += b" " * (64 - 10 - len(header) - 1) + b"\n"
with open("odd_header.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header)
    f.write(np.array([[1, 2], [3, 4]], dtype="<i2").tobytes())
assert np.load("odd_header.npy").tolist() == [[1, 2], [3, 4]]


# MedMNIST layout. Pixels are (i * 37 + 11) % 256 over the whole split, labels listed below.
def images(n, *shape):
    return ((np.arange(n * int(np.prod(shape))) * 37 + 11) % 256).astype(np.uint8).reshape(n, *shape)


gray = dict(
    train_images=images(6, 4, 5), train_labels=np.array([[0], [1], [0], [1], [2], [0]], dtype=np.uint8),
    val_images=images(2, 4, 5), val_labels=np.array([[1], [0]], dtype=np.uint8),
    test_images=images(3, 4, 5), test_labels=np.array([[0], [1], [1]], dtype=np.uint8),
)
np.savez_compressed("medmnist_gray.npz", **gray)

rgb = dict(
    train_images=images(2, 2, 3, 3), train_labels=np.array([1, 0], dtype=np.uint8),
    val_images=images(1, 2, 3, 3), val_labels=np.array([1], dtype=np.uint8),
    test_images=images(1, 2, 3, 3), test_labels=np.array([0], dtype=np.uint8),
)
np.savez("medmnist_rgb.npz", **rgb)

# Bad inputs for the loader's error bars.
np.savez_compressed("medmnist_float_images.npz", **dict(gray, val_images=gray["val_images"].astype(np.float32)))
np.savez_compressed("medmnist_label_count.npz", **dict(gray, test_labels=gray["test_labels"][:2]))
np.savez_compressed("medmnist_size_mismatch.npz", **dict(gray, val_images=images(2, 5, 4)))
np.savez_compressed("medmnist_no_labels.npz", **{k: v for k, v in gray.items() if k != "train_labels"})

with open("medmnist_gray.npz", "rb") as f:
    whole = f.read()
with open("truncated.npz", "wb") as f:
    f.write(whole[: len(whole) // 2])

# A stored archive with one data byte changed: the CRC-32 check must catch it.
with open("tiny_stored.npz", "rb") as f:
    stored = bytearray(f.read())
name_length, extra_length = struct.unpack_from("<HH", stored, 26)
data = 30 + name_length + extra_length
(npy_header_length,) = struct.unpack_from("<H", stored, data + 8)
stored[data + 10 + npy_header_length + 2] ^= 0x01  # the third element of `a`: 2 becomes 3
with open("corrupt_crc.npz", "wb") as f:
    f.write(stored)

# ZIP64 records as NumPy writes them for members past 4 GiB: lower zipfile's limits so a tiny
# archive gets ZIP64 extra fields in its central directory and a ZIP64 end record, then
# saturate the classic end record's fields so a reader must use the ZIP64 values.
zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 8, 1
np.savez("zip64.npz", **tiny_arrays())
zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = (1 << 31) - 1, (1 << 16) - 1
with open("zip64.npz", "rb") as f:
    z64 = bytearray(f.read())
end = z64.rfind(b"PK\x05\x06")
struct.pack_into("<HHHHII", z64, end + 4, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
with open("zip64.npz", "wb") as f:
    f.write(z64)
assert np.load("zip64.npz")["c"].tolist() == tiny_arrays()["c"].tolist()
