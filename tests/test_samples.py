"""Sample inputs and the PNG reader behind the shipped photos."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from importlib.resources import files

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from convexplorer.model._png import read_png
from convexplorer.model._samples import SAMPLE_NAMES, load_sample, sample_description

# Recorded from Pillow when the photos were made: shape, a few pixels (row, col) -> RGB, sum.
PHOTOS = {
    "astronaut": (
        (256, 256, 3),
        {(0, 0): (144, 139, 146), (128, 128): (21, 18, 10), (37, 101): (145, 108, 73)},
        22533729,
    ),
    "coffee": (
        (171, 256, 3),
        {(0, 0): (21, 13, 8), (85, 128): (249, 247, 248), (170, 255): (147, 68, 33)},
        12951475,
    ),
    "chelsea": (
        (170, 256, 3),
        {(0, 0): (144, 121, 105), (85, 128): (187, 146, 120), (169, 255): (164, 140, 129)},
        15054507,
    ),
}


def test_names_and_descriptions() -> None:
    assert SAMPLE_NAMES == (
        "diagonals ↘",
        "diagonals ↗",
        "checkerboard",
        "shapes",
        "gradient",
        "corner diagonal",
        "astronaut",
        "coffee",
        "chelsea",
        "feature stack (32 ch)",
    )
    for name in SAMPLE_NAMES:
        text = sample_description(name)
        assert text.endswith(".") and len(text) < 90


@pytest.mark.parametrize("call", [load_sample, sample_description])
def test_unknown_samples_list_the_known_ones(call: Callable[[str], object]) -> None:
    with pytest.raises(ValueError, match="unknown sample 'cat'; known samples: diagonals"):
        call("cat")


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_samples_are_chw_float32_in_unit_range(name: str) -> None:
    image = load_sample(name)
    assert image.ndim == 3
    assert image.dtype == np.float32
    assert image.min() == 0.0
    assert 0.8 < image.max() <= 1.0
    assert image.flags.writeable


def test_callers_get_copies_of_the_cache() -> None:
    first = load_sample("checkerboard")
    first[:] = 0.5
    again = load_sample("checkerboard")
    assert set(np.unique(again)) == {0.0, 1.0}


def test_diagonal_line_samples_run_the_named_way() -> None:
    (down,) = load_sample("diagonals ↘")
    (up,) = load_sample("diagonals ↗")
    assert 64 <= down.shape[0] <= 128
    np.testing.assert_array_equal(down[1:, 1:], down[:-1, :-1])  # constant along ↘
    np.testing.assert_array_equal(up[1:, :-1], up[:-1, 1:])  # constant along ↗
    assert not np.array_equal(down[1:, :-1], down[:-1, 1:])
    assert 0.05 < down.mean() < 0.5


def test_checkerboard_alternates() -> None:
    (board,) = load_sample("checkerboard")
    assert set(np.unique(board)) == {0.0, 1.0}
    assert board.mean() == 0.5
    side = np.flatnonzero(np.diff(board[0]))[0] + 1
    assert side >= 4
    np.testing.assert_array_equal(board[:, side:], 1.0 - board[:, :-side])
    np.testing.assert_array_equal(board[side:, :], 1.0 - board[:-side, :])


def test_shapes_are_in_colour() -> None:
    shapes = load_sample("shapes")
    assert shapes.shape[0] == 3
    for a, b in [(0, 1), (0, 2), (1, 2)]:
        assert np.abs(shapes[a] - shapes[b]).max() > 0.5


def test_gradient_ramps() -> None:
    red, green, blue = load_sample("gradient")
    assert (np.diff(red, axis=1) > 0).all() and (np.diff(red, axis=0) == 0).all()
    assert (np.diff(green, axis=0) > 0).all() and (np.diff(green, axis=1) == 0).all()
    np.testing.assert_allclose(blue, 1.0 - red, atol=1e-6)


def test_corner_diagonal_is_one_short_stroke_in_a_corner() -> None:
    image = load_sample("corner diagonal")
    assert image.shape == (1, 32, 32)
    rows, cols = np.nonzero(image[0])
    assert 3 <= rows.size <= 8
    np.testing.assert_array_equal(cols - rows, cols[0] - rows[0])  # one ↘ stroke
    np.testing.assert_array_equal(np.diff(rows), 1)  # unbroken
    assert rows.max() < 10 or rows.min() >= 22  # top or bottom edge ...
    assert cols.max() < 10 or cols.min() >= 22  # ... and left or right: one corner


@pytest.mark.parametrize("name", PHOTOS)
def test_photos_are_the_shipped_pngs(name: str) -> None:
    (h, w, _), pixels, _ = PHOTOS[name]
    image = load_sample(name)
    assert image.shape == (3, h, w)
    for (r, c), rgb in pixels.items():
        np.testing.assert_array_equal(image[:, r, c], (np.array(rgb) / 255).astype(np.float32))


def test_feature_stack_has_32_live_channels() -> None:
    stack = load_sample("feature stack (32 ch)")
    assert stack.shape[0] == 32
    assert 96 <= max(stack.shape[1:]) <= 128
    assert (stack.min(axis=(1, 2)) == 0.0).all()  # ReLU zeros
    assert (stack.max(axis=(1, 2)) == 1.0).all()  # each channel scaled to [0, 1]
    # The channels are different filters' responses, not copies of one.
    corr = np.corrcoef(stack.reshape(32, -1))
    assert (np.abs(corr[np.triu_indices(32, 1)]) < 0.999).all()


# --- the PNG reader -------------------------------------------------------------------------


@pytest.mark.parametrize("name", PHOTOS)
def test_read_png_decodes_the_shipped_photos(name: str) -> None:
    shape, pixels, total = PHOTOS[name]
    path = files("convexplorer.resources").joinpath(f"{name}.png")
    image = read_png(path.read_bytes())
    assert image.shape == shape
    assert image.dtype == np.uint8
    assert int(image.sum(dtype=np.int64)) == total
    for (r, c), rgb in pixels.items():
        assert tuple(image[r, c]) == rgb


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _filter_row(kind: int, row: bytes, prev: bytes, bpp: int) -> bytes:
    """The encoder side of PNG filtering, written plainly from the spec."""
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        predictor = [0, a, b, (a + b) // 2, _paeth(a, b, c)][kind]
        out.append((x - predictor) % 256)
    return bytes([kind]) + bytes(out)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def make_png(
    pixels: np.ndarray,
    filters: list[int],
    *,
    colour: int | None = None,
    depth: int = 8,
    interlace: int = 0,
) -> bytes:
    """A PNG of (H, W, C) uint8 pixels with the given filter type on each row."""
    h, w, channels = pixels.shape
    if colour is None:
        colour = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    stride = w * channels
    raw, prev = b"", bytes(stride)
    for y in range(h):
        row = pixels[y].tobytes()
        raw += _filter_row(filters[y % len(filters)], row, prev, channels)
        prev = row
    return assemble(zlib.compress(raw), w, h, colour, depth, interlace)


def assemble(
    stream: bytes, w: int, h: int, colour: int, depth: int = 8, interlace: int = 0
) -> bytes:
    """A PNG file around a zlib stream of filtered rows."""
    header = struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, interlace)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"tEXt", b"Comment\x00ancillary chunks are skipped")
        + _chunk(b"IDAT", stream[:7])  # image data may span several IDAT chunks
        + _chunk(b"IDAT", stream[7:])
        + _chunk(b"IEND", b"")
    )


@given(
    arrays(
        np.uint8,
        st.tuples(st.integers(1, 6), st.integers(1, 6), st.sampled_from([1, 2, 3, 4])),
    ),
    st.lists(st.integers(0, 4), min_size=1, max_size=6),
)
def test_read_png_round_trips_every_filter_and_colour_type(
    pixels: np.ndarray, filters: list[int]
) -> None:
    decoded = read_png(make_png(pixels, filters))
    assert decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, pixels)


@pytest.mark.parametrize("kind", range(5))
@pytest.mark.parametrize("channels", [1, 4])
def test_read_png_undoes_each_filter_on_gray_and_rgba(kind: int, channels: int) -> None:
    # Wide enough that Sub/Average/Paeth chain through many pixels and wrap past 255.
    pixels = np.random.default_rng(kind).integers(0, 256, (5, 40, channels), dtype=np.uint8)
    np.testing.assert_array_equal(read_png(make_png(pixels, [kind])), pixels)


def test_read_png_reads_a_path(tmp_path) -> None:
    pixels = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    path = tmp_path / "tiny.png"
    path.write_bytes(make_png(pixels, [4]))
    np.testing.assert_array_equal(read_png(path), pixels)
    np.testing.assert_array_equal(read_png(str(path)), pixels)


GOOD = make_png(np.zeros((4, 4, 3), dtype=np.uint8), [0])


def _corrupt_crc(data: bytes) -> bytes:
    at = data.index(b"IDAT") + 6
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + GOOD[6:], "bad signature"),
        (_corrupt_crc(GOOD), "bad CRC in b'IDAT'"),
        (GOOD[:50], "b'tEXt' chunk is cut short"),
        (GOOD[: -len(_chunk(b"IEND", b""))], "no IEND"),
        (make_png(np.zeros((2, 2, 1), np.uint8), [0], depth=16), "bit depth 16"),
        (make_png(np.zeros((2, 2, 1), np.uint8), [0], colour=3), "palette"),
        (make_png(np.zeros((2, 2, 3), np.uint8), [0], interlace=1), "interlaced"),
        (make_png(np.zeros((2, 2, 3), np.uint8), [0], colour=5), "colour type 5"),
        (
            assemble(zlib.compress(b"\x05" + bytes(6) + b"\x00" + bytes(6)), 2, 2, 2),
            "filter type 5",
        ),
        (make_png(np.zeros((2, 2, 3), np.uint8), [0], colour=0), "expected"),
    ],
    ids=[
        "signature",
        "crc",
        "truncated-chunk",
        "no-iend",
        "16-bit",
        "palette",
        "interlaced",
        "colour-type",
        "filter-type",
        "wrong-length",
    ],
)
def test_read_png_refuses_what_it_cannot_read(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_png(data)


def test_read_png_refuses_a_cut_image_stream() -> None:
    stream = zlib.compress(bytes(3 * (1 + 3)))
    with pytest.raises(ValueError, match="ends early"):
        read_png(assemble(stream[:-6], 1, 3, 2))
