"""Decoding image files with Qt into the explorer's (C, H, W) float32 inputs in [0, 1].

Whatever Qt's image plugins read: PNG, JPEG, BMP, GIF (first frame), TIFF, WebP, … Greyscale
files give 1 channel, colour files 3; an alpha channel is dropped with a note; 16-bit files keep
their precision (scaled by 1/65535). A file Qt cannot decode — or decodes while warning that it is
damaged, as libjpeg does for a cut-short JPEG — is refused with a FileFormatError.
"""

from __future__ import annotations

import contextlib
import os
import re
import struct
from collections.abc import Iterator

import numpy as np
from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QImage, QImageReader

from convexplorer.io import FileFormatError, InputLoad, is_array_file, read_array

_GREY_FORMATS = {QImage.Format.Format_Grayscale8, QImage.Format.Format_Grayscale16}
_PALETTE_FORMATS = {
    QImage.Format.Format_Mono,
    QImage.Format.Format_MonoLSB,
    QImage.Format.Format_Indexed8,
}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Decoder messages that mean the picture is incomplete, and known harmless ones that match too.
_DAMAGE = re.compile(r"premature end|corrupt|truncat|unexpected end|end of file", re.IGNORECASE)
_HARMLESS = re.compile(r"extraneous bytes", re.IGNORECASE)


def image_name_filter() -> str:
    """A file-dialog filter listing every format this Qt installation reads."""
    patterns = " ".join(f"*.{bytes(f).decode()}" for f in QImageReader.supportedImageFormats())
    return f"Images ({patterns})"


def read_input(
    path: str | os.PathLike[str], member: str | None = None, *, channels_last: bool = False
) -> InputLoad:
    """An image, or a NumPy ``.npy`` / ``.npz`` array (by suffix), as the explorer's input.

    For drops and the command line; ``member`` and ``channels_last`` apply to arrays only.
    """
    if is_array_file(path):
        return read_array(path, member, channels_last=channels_last)
    return read_image(path)


def read_image(path: str | os.PathLike[str]) -> InputLoad:
    """Decode an image file; FileFormatError (naming the file and the reason) if it cannot be."""
    try:
        size = os.stat(path).st_size
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError as exc:
        raise FileFormatError.unreadable(path, exc) from None
    if size == 0:
        raise FileFormatError(path, "the file is empty")
    reader = QImageReader(os.fspath(path))
    reader.setDecideFormatFromContent(True)
    reader.setAutoTransform(True)  # photos upright, as their EXIF orientation says
    frames, kind = reader.imageCount(), bytes(reader.format())  # both unknown after read()
    with _decoder_messages() as messages:
        image = reader.read()
    damage = [m for m in messages if _DAMAGE.search(m) and not _HARMLESS.search(m)]
    if image.isNull():
        reason = reader.errorString()
        detail = f" ({messages[0]})" if messages else ""
        raise FileFormatError(path, f"cannot be decoded as an image: {reason}{detail}")
    if damage:
        raise FileFormatError(path, f"is damaged or cut short ({damage[0]})")
    if kind == b"bmp" and _bmp_cut_short(head, size):
        raise FileFormatError(path, "is damaged or cut short (the BMP ends before its pixels do)")
    if kind == b"gif" and _gif_cut_short(path):
        raise FileFormatError(path, "is damaged or cut short (its first frame is incomplete)")
    notes = [f"decoder: {m}" for m in messages if m not in damage]
    if frames > 1:
        notes.append(f"first of {frames} frames")
    return InputLoad(_pixels(image, _grey_png(head), notes), notes)


def _grey_png(head: bytes) -> bool:
    """Whether the file is a grey (or grey + alpha) PNG: Qt decodes grey + alpha as colour."""
    return head[:8] == _PNG_SIGNATURE and head[12:16] == b"IHDR" and head[25:26] in (b"\0", b"\4")


def _pixels(image: QImage, grey_file: bool, notes: list[str]) -> np.ndarray:
    """(C, H, W) float32 in [0, 1] from a decoded image; adds notes about what was dropped."""
    fmt = image.format()
    grey = grey_file or fmt in _GREY_FORMATS or (fmt in _PALETTE_FORMATS and image.isGrayscale())
    deep = fmt == QImage.Format.Format_Grayscale16 or image.depth() > 32
    if grey and not image.hasAlphaChannel():
        target = QImage.Format.Format_Grayscale16 if deep else QImage.Format.Format_Grayscale8
        values = _array(image.convertToFormat(target), 1, deep)
    else:
        target = QImage.Format.Format_RGBA64 if deep else QImage.Format.Format_RGBA8888
        values = _array(image.convertToFormat(target), 4, deep)
        if image.hasAlphaChannel():
            notes.append("alpha channel dropped" + _transparency(values[..., 3]))
        values = values[..., :1] if grey else values[..., :3]
    if deep:
        notes.append("16-bit precision kept")
    scale = 65535.0 if deep else 255.0
    return np.ascontiguousarray(np.moveaxis(values, -1, 0), dtype=np.float32) / np.float32(scale)


def _transparency(alpha: np.ndarray) -> str:
    seen_through = np.count_nonzero(alpha < np.iinfo(alpha.dtype).max)
    if not seen_through:
        return " (every pixel was opaque)"
    share = 100 * seen_through / alpha.size
    return f" ({f'{share:.0f}%' if share >= 1 else 'under 1%'} of the pixels were transparent)"


def _array(image: QImage, channels: int, deep: bool) -> np.ndarray:
    """(H, W, channels) uint8/uint16 copy of a converted image's pixels (rows may be padded)."""
    dtype = np.uint16 if deep else np.uint8
    height, width = image.height(), image.width()
    row = image.bytesPerLine() // np.dtype(dtype).itemsize
    flat = np.frombuffer(image.constBits(), dtype=dtype, count=height * row)
    return flat.reshape(height, row)[:, : width * channels].reshape(height, width, channels).copy()


@contextlib.contextmanager
def _decoder_messages() -> Iterator[list[str]]:
    """Collect Qt's warnings while decoding, so they become reasons rather than stderr noise.

    Qt's message handler is global: decode on the GUI thread only.
    """
    messages: list[str] = []

    def collect(kind: QtMsgType, context: object, message: str) -> None:
        if kind != QtMsgType.QtDebugMsg:
            text = message.strip()
            if len(text) > 1 and text[0] == text[-1] == '"':  # Qt quotes libtiff's messages
                text = text[1:-1].replace('\\"', '"')
            messages.append(text)

    previous = qInstallMessageHandler(collect)
    try:
        yield messages
    finally:
        qInstallMessageHandler(previous)


def _bmp_cut_short(head: bytes, size: int) -> bool:
    """Whether an uncompressed BMP file is shorter than its header says (Qt reads it anyway)."""
    if len(head) < 34 or head[:2] != b"BM" or struct.unpack_from("<I", head, 14)[0] < 40:
        return False  # not a BMP with a Windows info header
    offset = struct.unpack_from("<I", head, 10)[0]
    width, height, _, bits, compression = struct.unpack_from("<iiHHI", head, 18)
    if compression not in (0, 3):  # BI_RGB, BI_BITFIELDS
        return False
    row = (bits * abs(width) + 31) // 32 * 4
    return size < offset + row * abs(height)


def _gif_cut_short(path: str | os.PathLike[str]) -> bool:
    """Whether a GIF ends inside its first frame's pixel data (Qt shows the rest as black)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 13:
        return True
    flags = data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)  # after the global colour table
    while pos < len(data):
        block = data[pos]
        if block == 0x21:  # extension: label, then sub-blocks
            pos = _skip_sub_blocks(data, pos + 2)
        elif block == 0x2C:  # image: descriptor, local colour table, code size, sub-blocks
            if pos + 10 > len(data):
                return True
            flags = data[pos + 9]
            pos += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
            return _skip_sub_blocks(data, pos) > len(data)
        else:
            return False  # not something this check understands: leave it to Qt
    return True


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    """The position after a chain of sub-blocks; beyond the end if the chain is cut."""
    while pos < len(data) and data[pos]:
        pos += data[pos] + 1
    return pos + 1
