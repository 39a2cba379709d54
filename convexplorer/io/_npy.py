"""Reading .npy data defensively: the header is checked against the bytes actually there.

``np.load`` trusts the header's shape and may try to allocate whatever a damaged file claims; here
the header is parsed first, the size it implies is compared with the data present, object arrays
are refused (never ``allow_pickle``), and only then are the bytes turned into an array.
"""

from __future__ import annotations

import io
import math
import struct
import tokenize
import warnings
from collections.abc import Callable
from typing import BinaryIO, NamedTuple

import numpy as np

from ._limits import MAX_NPY_HEADER_BYTES, values_problem

NPY_MAGIC = b"\x93NUMPY"


class NpyHeader(NamedTuple):
    shape: tuple[int, ...]
    fortran_order: bool
    dtype: np.dtype
    data_offset: int  # where the array's bytes start, from the start of the .npy data


# What numpy's header parser (ast.literal_eval, tokenize, np.dtype) can raise on damaged text.
_HEADER_DAMAGE = (
    ValueError,
    SyntaxError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    MemoryError,
    RecursionError,
    tokenize.TokenError,
)
_LENGTH_FIELDS = {(1, 0): "<H", (2, 0): "<I"}


def read_header(stream: BinaryIO) -> NpyHeader:
    """Parse a .npy header (versions 1 and 2) at the stream's position; ValueError if bad.

    The header's length is checked against ``MAX_NPY_HEADER_BYTES`` before it is read, and
    whatever numpy's parser raises on damaged text comes out as ValueError.
    """
    start = stream.tell()
    prefix = stream.read(len(NPY_MAGIC) + 2)
    if len(prefix) < len(NPY_MAGIC) + 2 or not prefix.startswith(NPY_MAGIC):
        raise ValueError("is not a NumPy .npy array (its signature is wrong)")
    version = (prefix[-2], prefix[-1])
    if version not in _LENGTH_FIELDS:
        raise ValueError(f"uses .npy format version {version[0]}.{version[1]}, not 1.0 or 2.0")
    length_format = _LENGTH_FIELDS[version]
    length_field = stream.read(struct.calcsize(length_format))
    if len(length_field) < struct.calcsize(length_format):
        raise ValueError("has a damaged header (cut short)")
    (length,) = struct.unpack(length_format, length_field)
    if length > MAX_NPY_HEADER_BYTES:
        raise ValueError(
            f"has a damaged header (it declares {length} bytes; real headers are under "
            f"{MAX_NPY_HEADER_BYTES})"
        )
    text = stream.read(length)
    if len(text) < length:
        raise ValueError(f"has a damaged header (cut short: {len(text)} of {length} bytes)")
    fmt = np.lib.format
    read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy warns about headers written by Python 2
            shape, fortran, dtype = read(io.BytesIO(length_field + text))
    except _HEADER_DAMAGE as exc:
        raise ValueError(f"has a damaged header ({_first_line(exc)})") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"has a damaged header (negative size in shape {shape})")
    if dtype.hasobject:
        raise ValueError("holds Python objects, which are never loaded (no pickles)")
    return NpyHeader(tuple(int(n) for n in shape), bool(fortran), dtype, stream.tell() - start)


def _first_line(exc: BaseException) -> str:
    words = exc.args[0] if isinstance(exc, tokenize.TokenError) and exc.args else exc
    text = (str(words).strip().splitlines() or [type(exc).__name__])[0]
    return text if len(text) <= 120 else text[:117] + "..."


def plain_dtype_problem(dtype: np.dtype) -> str | None:
    """Why arrays of ``dtype`` are not read (structured, sub-arrays, text, dates…), or None."""
    if dtype.fields is None and dtype.subdtype is None and dtype.kind in "biufc":
        return None
    return (
        f"holds values of type {dtype}; only plain real numbers (float, int, uint or bool) are read"
    )


def data_size(header: NpyHeader) -> int:
    return math.prod(header.shape) * header.dtype.itemsize


def read_npy(
    stream: BinaryIO, size: int, check: Callable[[NpyHeader], str | None] | None = None
) -> np.ndarray:
    """The array in a seekable ``stream`` holding exactly ``size`` bytes of .npy data from here.

    Its header is checked first — plain numbers, at most ``MAX_ARRAY_VALUES`` of them, and
    whatever ``check`` says (a reason to refuse, or None) — and only then are its bytes read.
    """
    header = read_header(stream)
    problem = plain_dtype_problem(header.dtype) or values_problem(header.shape)
    if problem is None and check is not None:
        problem = check(header)
    if problem:
        raise ValueError(problem)
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
