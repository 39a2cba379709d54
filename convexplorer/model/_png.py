"""A small PNG decoder, so the model can load its shipped photos with numpy and zlib alone.

Only what the shipped files need is supported: 8-bit grey, grey+alpha, RGB and RGBA, not
interlaced. Anything else is refused with a ValueError that says what was found, rather than
decoded wrongly.
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Colour type -> samples per pixel (PNG spec, table 11.1).
_SAMPLES = {0: 1, 2: 3, 4: 2, 6: 4}
# Critical chunks we understand; PLTE may accompany truecolour images as a hint and is ignored.
_KNOWN_CRITICAL = {b"IHDR", b"PLTE", b"IDAT", b"IEND"}


def read_png(source: str | os.PathLike[str] | bytes) -> np.ndarray:
    """Decode a PNG file (path) or PNG data (bytes) into an (H, W, C) uint8 array."""
    data = bytes(source) if isinstance(source, bytes | bytearray) else _read_file(source)
    width, height, samples, compressed = _parse(data)
    raw = _inflate(compressed)
    stride = width * samples
    expected = height * (stride + 1)
    if len(raw) != expected:
        raise ValueError(
            f"PNG image data has {len(raw)} bytes, expected {expected} for {width}×{height}"
        )
    return _unfilter(raw, height, stride, samples).reshape(height, width, samples)


def _read_file(path: str | os.PathLike[str]) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _parse(data: bytes) -> tuple[int, int, int, bytes]:
    """Walk the chunks, checking each CRC; return width, height, samples and the joined IDAT."""
    if not data.startswith(_SIGNATURE):
        raise ValueError("not a PNG file: bad signature")
    pos = len(_SIGNATURE)
    header: tuple[int, int, int] | None = None
    idat: list[bytes] = []
    while True:
        if pos + 8 > len(data):
            raise ValueError("truncated PNG: no IEND chunk")
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        crc_bytes = data[pos + 8 + length : pos + 12 + length]
        if len(body) != length or len(crc_bytes) != 4:
            raise ValueError(f"truncated PNG: {kind!r} chunk is cut short")
        if zlib.crc32(kind + body) != struct.unpack(">I", crc_bytes)[0]:
            raise ValueError(f"corrupt PNG: bad CRC in {kind!r} chunk")
        pos += 12 + length
        if header is None and kind != b"IHDR":
            raise ValueError("corrupt PNG: the first chunk is not IHDR")
        if kind == b"IHDR":
            header = _parse_header(body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        elif kind[0:1].isupper() and kind not in _KNOWN_CRITICAL:
            raise ValueError(f"unsupported PNG: unknown critical chunk {kind!r}")
    if header is None or not idat:
        raise ValueError("corrupt PNG: no image data")
    return (*header, b"".join(idat))


def _parse_header(body: bytes) -> tuple[int, int, int]:
    if len(body) != 13:
        raise ValueError("corrupt PNG: IHDR chunk has the wrong length")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", body
    )
    if width == 0 or height == 0:
        raise ValueError(f"corrupt PNG: image size {width}×{height}")
    if colour == 3:
        raise ValueError("unsupported PNG: palette (indexed-colour) images are not supported")
    if colour not in _SAMPLES:
        raise ValueError(f"corrupt PNG: unknown colour type {colour}")
    if depth != 8:
        raise ValueError(f"unsupported PNG: bit depth {depth}; only 8-bit images are supported")
    if interlace != 0:
        raise ValueError("unsupported PNG: interlaced images are not supported")
    if compression != 0 or filtering != 0:
        raise ValueError("corrupt PNG: unknown compression or filter method")
    return width, height, _SAMPLES[colour]


def _inflate(compressed: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(compressed) + inflater.flush()
    except zlib.error as exc:
        raise ValueError(f"corrupt PNG: image data does not inflate ({exc})") from None
    if not inflater.eof:
        raise ValueError("truncated PNG: image data stream ends early")
    return raw


def _unfilter(raw: bytes, height: int, stride: int, bpp: int) -> np.ndarray:
    """Undo the per-row filters (PNG spec, section 9); bpp is bytes per pixel."""
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, stride + 1)
    kinds = rows[:, 0]
    if (kinds > 4).any():
        raise ValueError(f"corrupt PNG: unknown filter type {int(kinds.max())}")
    out = np.empty((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        line = rows[y, 1:]
        kind = kinds[y]
        if kind == 0:  # None
            out[y] = line
        elif kind == 1:  # Sub: a running sum per channel, wrapping mod 256
            out[y] = np.cumsum(line.reshape(-1, bpp), axis=0, dtype=np.uint8).ravel()
        elif kind == 2:  # Up
            out[y] = line + prev
        elif kind == 3:  # Average: floor((left + up) / 2) depends on the decoded left byte
            out[y] = np.frombuffer(_average_row(line.tobytes(), prev.tobytes(), bpp), np.uint8)
        else:  # Paeth
            out[y] = np.frombuffer(_paeth_row(line.tobytes(), prev.tobytes(), bpp), np.uint8)
        prev = out[y]
    return out


def _average_row(line: bytes, prev: bytes, bpp: int) -> bytearray:
    # Sequential by nature; plain Python on bytes beats per-pixel numpy calls at this size.
    out = bytearray(line)
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        out[i] = (out[i] + ((left + prev[i]) >> 1)) & 0xFF
    return out


def _paeth_row(line: bytes, prev: bytes, bpp: int) -> bytearray:
    out = bytearray(line)
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
        if pa <= pb and pa <= pc:
            predictor = a
        elif pb <= pc:
            predictor = b
        else:
            predictor = c
        out[i] = (out[i] + predictor) & 0xFF
    return out
