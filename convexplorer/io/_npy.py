"""Reading .npy data defensively: the header is checked against the bytes actually there.

``np.load`` trusts the header's shape and may try to allocate whatever a damaged file claims; here
the header is parsed first, the size it implies is compared with the data present, object arrays
are refused (never ``allow_pickle``), and only then are the bytes turned into an array.
"""

from __future__ import annotations

import io
import math
from typing import BinaryIO, NamedTuple

import numpy as np

NPY_MAGIC = b"\x93NUMPY"


class NpyHeader(NamedTuple):
    shape: tuple[int, ...]
    fortran_order: bool
    dtype: np.dtype
    data_offset: int  # where the array's bytes start, from the start of the .npy data


def read_header(stream: BinaryIO) -> NpyHeader:
    """Parse a .npy header (versions 1 and 2) at the stream's position; ValueError if bad."""
    start = stream.tell()
    prefix = stream.read(len(NPY_MAGIC) + 2)
    if len(prefix) < len(NPY_MAGIC) + 2 or not prefix.startswith(NPY_MAGIC):
        raise ValueError("is not a NumPy .npy array (its signature is wrong)")
    version = (prefix[-2], prefix[-1])
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f"uses .npy format version {version[0]}.{version[1]}, not 1.0 or 2.0")
    fmt = np.lib.format
    read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
    try:
        shape, fortran, dtype = read(stream)
    except (ValueError, SyntaxError, TypeError, OverflowError) as exc:
        raise ValueError(f"has a damaged header ({exc})") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"has a damaged header (negative size in shape {shape})")
    if dtype.hasobject:
        raise ValueError("holds Python objects, which are never loaded (no pickles)")
    return NpyHeader(tuple(int(n) for n in shape), bool(fortran), dtype, stream.tell() - start)


def data_size(header: NpyHeader) -> int:
    return math.prod(header.shape) * header.dtype.itemsize


def read_npy(stream: BinaryIO, size: int) -> np.ndarray:
    """The array in a seekable ``stream`` holding exactly ``size`` bytes of .npy data from here."""
    header = read_header(stream)
    expected, present = data_size(header), size - header.data_offset
    if present < expected:
        raise ValueError(
            f"is cut short: its header announces {expected} bytes of data, {present} are there"
        )
    if present > expected:
        raise ValueError(f"has {present - expected} bytes more than its header announces")
    data = stream.read(expected)
    if len(data) != expected or stream.read(1):  # reading to the end checks a ZIP member's CRC
        raise ValueError(f"is cut short: {len(data)} of {expected} bytes of data could be read")
    order = "F" if header.fortran_order else "C"
    return np.frombuffer(data, dtype=header.dtype).reshape(header.shape, order=order).copy()


def read_npy_bytes(data: bytes) -> np.ndarray:
    return read_npy(io.BytesIO(data), len(data))


def npy_bytes(array: np.ndarray) -> bytes:
    """The .npy encoding of ``array`` (what ``np.save`` writes), in memory."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()
