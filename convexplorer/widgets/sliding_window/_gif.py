"""A minimal animated-GIF (GIF89a) writer: Qt reads GIFs but cannot write them.

Each frame is quantised to its own palette (the most frequent colours of the pixels that changed)
and only the rectangle that changed since the previous frame is stored, with unchanged pixels left
transparent — screenshots of a slowly changing view compress well that way.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

import numpy as np

_TRANSPARENT = 255  # palette index reserved for "unchanged since the previous frame"
_MAX_COLOURS = 255
_MAX_CODE = 4096  # LZW codes are at most 12 bits wide


def lzw_encode(indices: bytes, min_code_size: int = 8) -> bytes:
    """GIF-flavoured LZW of a string of palette indices, as a packed little-endian bit stream."""
    clear, end = 1 << min_code_size, (1 << min_code_size) + 1
    out = bytearray()
    bits = 0  # pending bits, least significant first
    n_bits = 0
    code_size = min_code_size + 1
    next_code = end + 1
    table: dict[int, int] = {}

    def emit(code: int) -> None:
        nonlocal bits, n_bits
        bits |= code << n_bits
        n_bits += code_size
        while n_bits >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            n_bits -= 8

    emit(clear)
    prefix = indices[0]
    for byte in indices[1:]:
        key = (prefix << 8) | byte
        code = table.get(key)
        if code is not None:
            prefix = code
            continue
        emit(prefix)
        if next_code == _MAX_CODE:
            emit(clear)
            table.clear()
            code_size, next_code = min_code_size + 1, end + 1
        else:
            if next_code >= 1 << code_size:
                code_size += 1
            table[key] = next_code
            next_code += 1
        prefix = byte
    emit(prefix)
    emit(end)
    if n_bits:
        out.append(bits & 0xFF)
    return bytes(out)


def quantize(rgb: np.ndarray, keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Palette indices (h, w) and a palette (≤ 255, 3) for an (h, w, 3) uint8 image.

    The palette holds the most frequent colours at 5 bits per channel (each entry the mean of the
    pixels it stands for, so flat UI colours stay exact); other colours map to the nearest entry.
    Pixels outside ``keep`` (at least one must be inside) are not counted: they will be transparent.
    """
    r, g, b = (rgb[..., i].astype(np.int32) >> 3 for i in range(3))
    codes = (r << 10) | (g << 5) | b
    counted = codes if keep is None else codes[keep]
    counts = np.bincount(counted.ravel(), minlength=1 << 15)
    present = np.flatnonzero(counts)
    chosen = present[np.argsort(counts[present], kind="stable")[::-1][:_MAX_COLOURS]]
    source = rgb if keep is None else rgb[keep]
    flat_codes = counted.ravel()
    sums = np.stack(
        [
            np.bincount(flat_codes, weights=source.reshape(-1, 3)[:, i], minlength=1 << 15)
            for i in range(3)
        ],
        axis=1,
    )
    palette = np.rint(sums[chosen] / counts[chosen][:, None]).astype(np.uint8)
    lut = np.zeros(1 << 15, dtype=np.uint8)
    used = np.unique(codes)
    centres = np.stack([(used >> 10) & 31, (used >> 5) & 31, used & 31], axis=1) * 8 + 4
    distance = ((centres[:, None, :] - palette[None, :, :].astype(np.int32)) ** 2).sum(axis=2)
    lut[used] = np.argmin(distance, axis=1)
    lut[chosen] = np.arange(chosen.size)
    return lut[codes], palette


class GifWriter:
    """Writes frames of one size to a binary file as a looping animated GIF."""

    def __init__(self, file: BinaryIO, width: int, height: int, delay_ms: int) -> None:
        self._file, self._width, self._height = file, width, height
        self._delay = max(1, round(delay_ms / 10))  # GIF counts in hundredths of a second
        self._previous: np.ndarray | None = None
        self.frame_count = 0
        # Header, logical screen with a 2-entry global colour table (black, white), loop forever.
        file.write(b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0))
        file.write(bytes([0, 0, 0, 255, 255, 255]))
        file.write(b"\x21\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", 0) + b"\x00")

    def add_frame(self, rgb: np.ndarray) -> None:
        """Append an (height, width, 3) uint8 frame."""
        if rgb.shape != (self._height, self._width, 3):
            raise ValueError(f"frame shape {rgb.shape} != {(self._height, self._width, 3)}")
        top, left, bottom, right = 0, 0, self._height, self._width
        keep = None
        if self._previous is not None:
            changed = (rgb != self._previous).any(axis=2)
            rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
            if rows.size:
                top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
            else:
                bottom, right = 1, 1  # nothing changed: a 1×1 transparent frame keeps the timing
            keep = changed[top:bottom, left:right]
        self._previous = rgb
        part = rgb[top:bottom, left:right]
        if keep is None or keep.any():
            indices, palette = quantize(part, keep)
        else:
            indices, palette = np.zeros(keep.shape, dtype=np.uint8), np.zeros((1, 3), np.uint8)
        if keep is not None:
            indices = np.where(keep, indices, _TRANSPARENT).astype(np.uint8)
        table = np.zeros((256, 3), dtype=np.uint8)
        table[: len(palette)] = palette
        flags = (1 << 2) | (1 if keep is not None else 0)  # keep the previous frame underneath
        write = self._file.write
        write(b"\x21\xf9\x04" + struct.pack("<BHBB", flags, self._delay, _TRANSPARENT, 0))
        height, width = part.shape[:2]
        write(b"\x2c" + struct.pack("<HHHHB", left, top, width, height, 0x80 | 7))
        write(table.tobytes())
        write(b"\x08")
        data = lzw_encode(indices.tobytes())
        for start in range(0, len(data), 255):
            block = data[start : start + 255]
            write(bytes([len(block)]) + block)
        write(b"\x00")
        self.frame_count += 1

    def close(self) -> None:
        """Write the trailer (the file itself stays open: the caller owns it)."""
        self._file.write(b"\x3b")
