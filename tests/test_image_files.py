"""Image files decoded with Qt: exact values per format, notes, and damaged files refused."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from PySide6.QtCore import qWarning
from PySide6.QtGui import QImage, QImageReader

from convexplorer.app._image_files import image_name_filter, read_image, read_input
from convexplorer.io import FileFormatError, write_png
from tests.io_support import fingerprint, make_state

RNG = np.random.default_rng(3)
H, W = 13, 17  # odd sizes, so rows are padded in Qt's buffers


@pytest.fixture(autouse=True)
def _app(qapp):
    """Image plugins are found through the application."""


def qimage(pixels: np.ndarray, fmt: QImage.Format) -> QImage:
    """A QImage of ``fmt`` holding ``pixels`` (H, W) or (H, W, bytes-or-words per pixel)."""
    height, width = pixels.shape[:2]
    image = QImage(width, height, fmt)
    row = image.bytesPerLine() // pixels.itemsize
    buffer = np.frombuffer(image.bits(), dtype=pixels.dtype).reshape(height, row)
    buffer[:, : pixels[0].size] = pixels.reshape(height, -1)
    return image


def save(image: QImage, path, fmt: str | None = None) -> None:
    assert image.save(str(path), fmt), f"Qt could not write {path}"


def refused(path, *words):
    state = make_state()
    before = fingerprint(state)
    with pytest.raises(FileFormatError) as caught:
        state.set_image(read_image(path).array)
    assert fingerprint(state) == before
    assert str(caught.value).startswith(f"{path.name}: ")
    for word in words:
        assert word in str(caught.value)


def test_grey8_png_is_one_exact_channel(tmp_path):
    grey = RNG.integers(0, 256, (H, W), dtype=np.uint8)
    save(qimage(grey, QImage.Format.Format_Grayscale8), tmp_path / "g.png")
    load = read_image(tmp_path / "g.png")
    assert load.array.shape == (1, H, W) and load.array.dtype == np.float32
    assert np.array_equal(load.array[0], grey / np.float32(255))
    assert load.notes == []


def test_colour_png_bmp_and_tiff_are_three_exact_channels(tmp_path):
    rgb = RNG.integers(0, 256, (H, W, 3), dtype=np.uint8)
    # RGB32 is 0xffRRGGBB per pixel: little-endian bytes B, G, R, 255.
    bgra = np.concatenate([rgb[..., ::-1], np.full((H, W, 1), 255, np.uint8)], axis=2)
    image = qimage(bgra, QImage.Format.Format_RGB32)
    formats = ["png", "bmp"] + (["tiff"] if b"tiff" in QImageReader.supportedImageFormats() else [])
    for ext in formats:
        save(image, tmp_path / f"c.{ext}")
        load = read_image(tmp_path / f"c.{ext}")
        assert np.array_equal(load.array, np.moveaxis(rgb, -1, 0) / np.float32(255)), ext
        assert load.notes == []


def test_alpha_is_dropped_with_a_note(tmp_path):
    rgba = RNG.integers(0, 256, (H, W, 4), dtype=np.uint8)
    rgba[:6, :, 3] = 255
    image = qimage(rgba, QImage.Format.Format_RGBA8888)  # straight (not premultiplied) alpha
    save(image, tmp_path / "a.png")
    load = read_image(tmp_path / "a.png")
    assert load.array.shape == (3, H, W)
    assert np.array_equal(load.array, np.moveaxis(rgba[..., :3], -1, 0) / np.float32(255))
    seen_through = np.count_nonzero(rgba[..., 3] < 255) / rgba[..., 3].size
    assert load.notes == [
        f"alpha channel dropped ({100 * seen_through:.0f}% of the pixels were transparent)"
    ]
    opaque = rgba.copy()
    opaque[..., 3] = 255
    save(qimage(opaque, QImage.Format.Format_ARGB32), tmp_path / "o.png")
    assert read_image(tmp_path / "o.png").notes == [
        "alpha channel dropped (every pixel was opaque)"
    ]


def test_grey_with_alpha_stays_one_channel(tmp_path):
    grey_alpha = RNG.integers(0, 256, (H, W, 2), dtype=np.uint8)
    write_png(tmp_path / "ga.png", grey_alpha)  # Qt decodes this as ARGB32 colour
    load = read_image(tmp_path / "ga.png")
    assert np.array_equal(load.array[0], grey_alpha[..., 0] / np.float32(255))
    assert load.array.shape == (1, H, W) and load.notes[0].startswith("alpha channel dropped")


def test_sixteen_bit_images_keep_their_precision(tmp_path):
    grey = RNG.integers(0, 65536, (H, W), dtype=np.uint16)
    grey[0, :4] = [0, 1, 65534, 65535]
    save(qimage(grey, QImage.Format.Format_Grayscale16), tmp_path / "g16.png")
    load = read_image(tmp_path / "g16.png")
    assert load.array.shape == (1, H, W)
    assert np.array_equal(load.array[0], grey / np.float32(65535))
    assert load.notes == ["16-bit precision kept"]
    rgbx = RNG.integers(0, 65536, (H, W, 4), dtype=np.uint16)
    rgbx[..., 3] = 65535
    save(qimage(rgbx, QImage.Format.Format_RGBX64), tmp_path / "c16.png")
    load = read_image(tmp_path / "c16.png")
    assert np.array_equal(load.array, np.moveaxis(rgbx[..., :3], -1, 0) / np.float32(65535))
    assert load.notes == ["16-bit precision kept"]


def test_jpeg_colour_and_grey(tmp_path):
    smooth = np.linspace(0, 255, H * W * 3).reshape(H, W, 3).astype(np.uint8)
    save(qimage(smooth, QImage.Format.Format_RGB888), tmp_path / "c.jpg")
    load = read_image(tmp_path / "c.jpg")
    assert load.array.shape == (3, H, W)
    assert np.abs(load.array - np.moveaxis(smooth, -1, 0) / 255).max() < 0.1  # lossy
    save(qimage(smooth[..., 0], QImage.Format.Format_Grayscale8), tmp_path / "g.jpg")
    assert read_image(tmp_path / "g.jpg").array.shape == (1, H, W)


def gif(frames: list[np.ndarray], palette: np.ndarray) -> bytes:
    """A GIF of 8-bit indexed frames, LZW-coded without compression (a clear code every 250)."""
    height, width = frames[0].shape
    data = b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 0, 0) + palette.tobytes()
    for frame in frames:
        codes = []
        for start in range(0, frame.size, 250):
            codes += [256, *frame.reshape(-1)[start : start + 250].tolist()]
        codes.append(257)
        bits = sum(code << (9 * i) for i, code in enumerate(codes))
        packed = bits.to_bytes((9 * len(codes) + 7) // 8, "little")
        blocks = b"".join(
            bytes([len(packed[i : i + 255])]) + packed[i : i + 255]
            for i in range(0, len(packed), 255)
        )
        data += b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x08" + blocks + b"\0"
    return data + b"\x3b"


def test_gif_gives_its_first_frame(tmp_path):
    grey_palette = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
    first, second = (RNG.integers(0, 256, (H, W), dtype=np.uint8) for _ in range(2))
    (tmp_path / "g.gif").write_bytes(gif([first, second], grey_palette))
    load = read_image(tmp_path / "g.gif")
    assert np.array_equal(load.array[0], first / np.float32(255))
    assert load.notes == ["first of 2 frames"]
    colours = RNG.integers(0, 256, (256, 3), dtype=np.uint8)
    (tmp_path / "c.gif").write_bytes(gif([first], colours))
    load = read_image(tmp_path / "c.gif")
    assert np.array_equal(load.array, np.moveaxis(colours[first], -1, 0) / np.float32(255))


def test_damaged_files_are_refused_with_the_reason(tmp_path):
    rgb = RNG.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    image = qimage(rgb, QImage.Format.Format_RGB888)
    for ext in ("png", "jpg", "bmp", "tiff"):
        save(image, tmp_path / f"whole.{ext}")
        data = (tmp_path / f"whole.{ext}").read_bytes()
        (tmp_path / f"cut.{ext}").write_bytes(data[: len(data) // 2])
        refused(tmp_path / f"cut.{ext}")
        (tmp_path / f"stub.{ext}").write_bytes(data[:20])
        refused(tmp_path / f"stub.{ext}")
    grey_palette = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
    data = gif([rgb[..., 0]], grey_palette)
    (tmp_path / "stub.gif").write_bytes(data[:30])
    refused(tmp_path / "stub.gif", "cannot be decoded")
    (tmp_path / "cut.gif").write_bytes(data[: len(data) // 2])  # Qt would show a black half
    refused(tmp_path / "cut.gif", "first frame is incomplete")
    (tmp_path / "cut.jpg").write_bytes((tmp_path / "whole.jpg").read_bytes()[:1000])
    refused(tmp_path / "cut.jpg", "premature end")  # libjpeg only warns; the warning is the reason


@pytest.mark.qt_log_ignore("after decoding")
def test_qt_messages_reach_the_usual_handler_again_after_decoding(tmp_path, qtlog):
    (tmp_path / "x.png").write_text("not a png")
    with pytest.raises(FileFormatError):
        read_image(tmp_path / "x.png")
    qWarning("after decoding")
    assert [r.message for r in qtlog.records] == ["after decoding"]


def test_empty_missing_foreign_and_unsupported_files_are_refused(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    refused(tmp_path / "empty.png", "the file is empty")
    refused(tmp_path / "missing.png", "cannot be read (no such file or directory)")
    (tmp_path / "folder.png").mkdir()
    refused(tmp_path / "folder.png", "cannot be read")
    (tmp_path / "notes.png").write_text("this is text, not a picture\n" * 5)
    refused(tmp_path / "notes.png", "cannot be decoded as an image", "Unsupported image format")
    (tmp_path / "noise.jpg").write_bytes(RNG.integers(0, 256, 3000, dtype=np.uint8).tobytes())
    refused(tmp_path / "noise.jpg", "cannot be decoded")


def test_the_extension_does_not_matter(tmp_path):
    grey = RNG.integers(0, 256, (H, W), dtype=np.uint8)
    save(qimage(grey, QImage.Format.Format_Grayscale8), tmp_path / "really_png.jpg", "PNG")
    assert np.array_equal(read_image(tmp_path / "really_png.jpg").array[0], grey / np.float32(255))


def test_read_input_opens_images_and_arrays_alike(tmp_path):
    grey = RNG.integers(0, 256, (H, W), dtype=np.uint8)
    save(qimage(grey, QImage.Format.Format_Grayscale8), tmp_path / "g.png")
    np.save(tmp_path / "g.npy", grey)
    np.savez(tmp_path / "g.npz", first=grey, second=grey.T)
    expected = grey[None] / np.float32(255)
    assert np.array_equal(read_input(tmp_path / "g.png").array, expected)
    assert np.array_equal(read_input(tmp_path / "g.npy").array, expected)
    assert np.array_equal(read_input(tmp_path / "g.npz", "first").array, expected)
    with pytest.raises(FileFormatError, match="choose one"):
        read_input(tmp_path / "g.npz")


def test_name_filter_lists_the_formats():
    text = image_name_filter()
    assert text.startswith("Images (") and "*.png" in text and "*.jpg" in text and "*.gif" in text
