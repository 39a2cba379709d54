"""A small PNG encoder (numpy + zlib), so outputs can be saved without Qt.

Writes 8-bit grey, grey + alpha, RGB or RGBA, unfiltered rows, with optional tEXt chunks; the
model's ``_png`` reader (and every image viewer) reads what it writes.
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np

from ._atomic import atomic_write_bytes

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOUR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # samples per pixel -> PNG colour type


def encode_png(pixels: np.ndarray, text: dict[str, str] | None = None) -> bytes:
    """PNG data for uint8 ``pixels``: (H, W) grey, or (H, W, S) with S = 2 (grey + alpha), 3 (RGB)
    or 4 (RGBA)."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise ValueError(f"PNG pixels must be uint8, got {pixels.dtype}")
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if pixels.ndim != 3 or pixels.shape[2] not in _COLOUR_TYPES or min(pixels.shape[:2]) < 1:
        raise ValueError(f"PNG pixels must be (H, W) or (H, W, 2|3|4), got {pixels.shape}")
    height, width, samples = pixels.shape
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPES[samples], 0, 0, 0)
    rows = np.zeros((height, 1 + width * samples), dtype=np.uint8)  # filter byte 0: None
    rows[:, 1:] = pixels.reshape(height, width * samples)
    chunks = [_chunk(b"IHDR", header)]
    for keyword, value in (text or {}).items():
        chunks.append(_chunk(b"tEXt", keyword.encode("latin-1") + b"\0" + value.encode("latin-1")))
    chunks += [_chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)), _chunk(b"IEND", b"")]
    return _SIGNATURE + b"".join(chunks)


def write_png(
    path: str | os.PathLike[str], pixels: np.ndarray, text: dict[str, str] | None = None
) -> None:
    """Encode and write atomically."""
    atomic_write_bytes(path, encode_png(pixels, text))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
