"""Animations for slides without Qt: a looping animated GIF (GIF89a) or a numbered PNG sequence.

Qt reads GIFs but cannot write them, so the encoder is here (pure python + numpy). Each frame is
quantised to its own palette (the most frequent colours of the pixels that changed) and only the
rectangle that changed since the previous frame is stored, with unchanged pixels left transparent —
screenshots of a slowly changing view compress well that way. Files are written atomically
(``_atomic``): a failed export leaves no half-written file, and new files get the usual permissions.
"""

from __future__ import annotations

import io
import math
import os
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ._atomic import atomic_write_bytes
from ._png_write import encode_png

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

    def __init__(self, file: BinaryIO, width: int, height: int, delay_ms: float) -> None:
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
        self._previous = rgb.copy()  # the caller may reuse its buffer for the next frame
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


#: GIF stores sizes as 16-bit numbers.
MAX_GIF_SIDE = 65535


def _checked_frame(frame: np.ndarray, index: int) -> np.ndarray:
    frame = np.asarray(frame)
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3 or min(frame.shape) < 1:
        raise ValueError(
            f"frame {index} must be a non-empty (H, W, 3) uint8 array, got {frame.dtype} "
            f"{frame.shape}"
        )
    if max(frame.shape[:2]) > MAX_GIF_SIDE:
        raise ValueError(f"frame {index} is {frame.shape[0]}×{frame.shape[1]}; GIF allows 65535")
    return np.ascontiguousarray(frame)


def _delay_ms(fps: float) -> float:
    try:
        rate = float(fps)
    except (TypeError, ValueError):
        rate = math.nan
    if not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    return 1000.0 / rate


def encode_gif(frames: Iterable[np.ndarray], fps: float) -> bytes:
    """A looping animated GIF of ``frames`` ((H, W, 3) uint8, all one size) at ``fps`` frames/s.

    GIF counts time in hundredths of a second, so the delay is rounded to that (at least 0.01 s).
    """
    return _encode(frames, fps)[0]


def _encode(frames: Iterable[np.ndarray], fps: float) -> tuple[bytes, int]:
    delay = _delay_ms(fps)
    buffer = io.BytesIO()
    writer: GifWriter | None = None
    for index, frame in enumerate(frames):
        frame = _checked_frame(frame, index)
        if writer is None:
            writer = GifWriter(buffer, frame.shape[1], frame.shape[0], delay)
        writer.add_frame(frame)
    if writer is None:
        raise ValueError("a GIF needs at least one frame")
    writer.close()
    return buffer.getvalue(), writer.frame_count


def write_gif(path: str | os.PathLike[str], frames: Iterable[np.ndarray], fps: float) -> int:
    """Encode ``frames`` (see ``encode_gif``) and write the GIF atomically; returns the count.

    Everything is encoded before the file is touched: a refused frame leaves no file behind.
    """
    data, count = _encode(frames, fps)
    atomic_write_bytes(path, data)
    return count


def png_sequence_names(stem: str, count: int) -> list[str]:
    """``stem_0000.png``, ``stem_0001.png``…: at least 4 digits, more when ``count`` needs them."""
    digits = max(4, len(str(max(count - 1, 0))))
    return [f"{stem}_{index:0{digits}d}.png" for index in range(count)]


def write_png_sequence(
    folder: str | os.PathLike[str], stem: str, frames: Sequence[np.ndarray]
) -> list[Path]:
    """Write ``frames`` ((H, W, 3) uint8) as ``folder/stem_0000.png``, … ; returns the files.

    Every frame is checked and encoded before the first file is written, and each file appears
    atomically; if writing one fails, the files this call created are removed again.
    """
    if not stem or os.sep in stem or (os.altsep and os.altsep in stem):
        raise ValueError(f"the file stem must be a plain name, got {stem!r}")
    encoded = [encode_png(_checked_frame(frame, i)) for i, frame in enumerate(frames)]
    if not encoded:
        raise ValueError("a PNG sequence needs at least one frame")
    folder = Path(folder)
    targets = [folder / name for name in png_sequence_names(stem, len(encoded))]
    created: list[Path] = []
    try:
        for target, data in zip(targets, encoded, strict=True):
            existed = target.exists()
            atomic_write_bytes(target, data)
            if not existed:
                created.append(target)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise
    return targets
