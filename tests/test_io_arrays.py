"""NumPy arrays as inputs: shapes, dtypes, npz members, refusals; and the downscale offer."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from convexplorer.io import (
    ACCEPTED_SHAPES,
    DOWNSCALE_LONG_SIDE,
    DOWNSCALE_MAX_VALUES,
    ArrayMember,
    FileFormatError,
    downscale,
    npz_members,
    read_array,
    suggest_downscale,
)
from convexplorer.model import ExplorerState
from tests.io_support import fingerprint, make_state

RNG = np.random.default_rng(0)


def saved(tmp_path, array, name="a.npy"):
    path = tmp_path / name
    np.save(path, array, allow_pickle=True)
    return path


def refused(path, *words, member=None):
    with pytest.raises(FileFormatError) as caught:
        read_array(path, member)
    assert str(caught.value).startswith(f"{path.name}: ")
    for word in words:
        assert word in str(caught.value)


def test_float_stacks_load_exactly_as_they_are(tmp_path):
    stack = RNG.standard_normal((5, 7, 6)).astype(np.float32) * 100
    load = read_array(saved(tmp_path, stack))
    assert load.array.dtype == np.float32 and load.array.tobytes() == stack.tobytes()
    assert load.notes == []
    wide = RNG.standard_normal((2, 3, 4))
    assert np.array_equal(read_array(saved(tmp_path, wide)).array, wide.astype(np.float32))


def test_two_d_arrays_are_one_channel(tmp_path):
    plane = RNG.random((6, 9), dtype=np.float32)
    load = read_array(saved(tmp_path, plane))
    assert load.array.shape == (1, 6, 9) and np.array_equal(load.array[0], plane)
    assert "one channel" in load.notes[0]


def test_uint8_and_uint16_are_scaled_other_ints_kept(tmp_path):
    u8 = np.array([[0, 1, 128, 255]], np.uint8)
    load = read_array(saved(tmp_path, u8))
    assert np.array_equal(load.array[0], u8 / np.float32(255))
    assert "divided by 255" in load.notes[-1]
    u16 = np.array([[0, 1, 65535]], ">u2")  # big-endian too
    assert np.array_equal(
        read_array(saved(tmp_path, u16)).array[0], np.float32([[0, 1 / 65535, 1]])
    )
    i16 = np.array([[-3, 0, 700]], np.int16)
    assert np.array_equal(read_array(saved(tmp_path, i16)).array[0], i16)
    flags = np.array([[True, False]])
    assert np.array_equal(read_array(saved(tmp_path, flags)).array[0], [[1.0, 0.0]])


def test_fortran_order_is_respected(tmp_path):
    stack = np.asfortranarray(RNG.random((2, 3, 4), dtype=np.float32))
    assert np.array_equal(read_array(saved(tmp_path, stack)).array, stack)


@pytest.mark.parametrize("shape", [(5,), (1, 2, 3, 4), ()])
def test_other_shapes_are_refused_showing_what_was_found(tmp_path, shape):
    refused(saved(tmp_path, np.zeros(shape)), f"shape {shape}", ACCEPTED_SHAPES)


def test_bad_values_and_types_are_refused(tmp_path):
    holes = np.ones((2, 3))
    holes[1, 1] = np.nan
    holes[0, 2] = np.inf
    refused(saved(tmp_path, holes), "2 NaN or infinite")
    refused(saved(tmp_path, np.full((2, 2), 1e300)), "beyond float32")
    refused(saved(tmp_path, np.zeros((0, 3))), "empty")
    refused(saved(tmp_path, np.zeros((2, 2), complex)), "complex128")
    refused(saved(tmp_path, np.zeros((2, 2), "i4,f4")), "real numbers")
    refused(saved(tmp_path, np.array([[object()]])), "Python objects")


def test_damaged_and_foreign_files_are_refused(tmp_path):
    data = saved(tmp_path, np.ones((3, 4, 5), np.float32)).read_bytes()
    (tmp_path / "cut.npy").write_bytes(data[:-7])
    refused(tmp_path / "cut.npy", "cut short")
    (tmp_path / "head.npy").write_bytes(data[:40])
    refused(tmp_path / "head.npy", "damaged header")
    (tmp_path / "long.npy").write_bytes(data + b"xx")
    refused(tmp_path / "long.npy", "2 bytes more")
    (tmp_path / "empty.npy").write_bytes(b"")
    refused(tmp_path / "empty.npy", "empty")
    (tmp_path / "photo.npy").write_bytes(b"\xff\xd8\xff\xe0 a JPEG really")
    refused(tmp_path / "photo.npy", "is not a NumPy array")
    refused(tmp_path / "missing.npy", "cannot be read")
    (tmp_path / "z.npz").write_bytes(b"PK\x03\x04 and then nothing")
    refused(tmp_path / "z.npz", "damaged")


def test_npz_members_are_listed_without_loading_and_picked(tmp_path):
    path = tmp_path / "stacks.npz"
    rgb = RNG.random((3, 4, 5), dtype=np.float32)
    np.savez(path, rgb=rgb, labels=np.arange(10), mask=np.ones((4, 5), bool))
    members = npz_members(path)
    assert members == [
        ArrayMember("rgb", (3, 4, 5), "float32"),
        ArrayMember("labels", (10,), "int64"),
        ArrayMember("mask", (4, 5), "bool"),
    ]
    assert [m.usable for m in members] == [True, False, True]
    assert np.array_equal(read_array(path, "rgb").array, rgb)
    refused(path, "holds 3 arrays", "rgb (3, 4, 5) float32", "choose one")
    refused(path, "no array named 'depth'", member="depth")
    refused(path, "member 'labels'", "shape (10,)", member="labels")


def test_an_npz_with_one_usable_array_opens_without_a_choice(tmp_path):
    path = tmp_path / "one.npz"
    np.savez_compressed(path, image=np.ones((2, 3), np.uint8), names=np.arange(3))
    assert np.array_equal(read_array(path).array, np.full((1, 2, 3), 1 / 255, np.float32))


def test_a_corrupt_npz_member_is_refused(tmp_path):
    buffer = io.BytesIO()
    np.save(buffer, np.ones((2, 2), np.float32))
    path = tmp_path / "bad.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", buffer.getvalue()[:-3])
    refused(path, "cut short", member="x")


def test_channels_last_pictures_get_a_hint_and_an_option(tmp_path):
    picture = RNG.random((20, 30, 3), dtype=np.float32)
    path = saved(tmp_path, picture)
    guessed = read_array(path)
    assert guessed.array.shape == (20, 30, 3) and "channels-last" in guessed.notes[0]
    chosen = read_array(path, channels_last=True)
    assert np.array_equal(chosen.array, np.moveaxis(picture, -1, 0))


def test_a_loaded_array_becomes_the_input_and_a_refused_one_changes_nothing(tmp_path):
    state = make_state()
    state.set_image(read_array(saved(tmp_path, RNG.random((3, 6, 6), dtype=np.float32))).array)
    before = fingerprint(state)
    with pytest.raises(FileFormatError):
        state.set_image(read_array(saved(tmp_path, np.zeros((2, 2, 2, 2)))).array)
    assert fingerprint(state) == before


# ---- downscaling --------------------------------------------------------------------------------


def test_small_inputs_are_left_alone_and_big_ones_offered_a_fitting_size():
    assert suggest_downscale((3, 768, 1024)) is None
    assert suggest_downscale((1024, 1024)) is None
    assert suggest_downscale((3, 3000, 4000)) == (768, 1024)
    h, w = suggest_downscale((1, 5000, 200))
    assert h == DOWNSCALE_LONG_SIDE and w == 40
    c = 32
    h, w = suggest_downscale((c, 600, 600))
    assert c * h * w <= DOWNSCALE_MAX_VALUES and h == w


def test_downscale_averages_areas():
    x = RNG.random((2, 12, 18))
    blocks = x.reshape(2, 4, 3, 6, 3).mean(axis=(2, 4))
    assert np.allclose(downscale(x, (4, 6)), blocks, atol=1e-6)
    uneven = downscale(x, (5, 7))
    assert uneven.shape == (2, 5, 7) and uneven.dtype == np.float32
    assert abs(uneven.mean() - x.mean()) < 1e-6  # every input pixel counted with equal weight
    assert np.allclose(downscale(np.full((1, 10, 7), 0.3), (3, 4)), 0.3)
    step = np.zeros((1, 1, 4))
    step[..., 2:] = 1
    assert np.allclose(downscale(step, (1, 3)), [[[0, 0.5, 1]]])
    with pytest.raises(ValueError, match="not a reduction"):
        downscale(x, (13, 4))


def overlap_matrix(n: int, size: int) -> np.ndarray:
    """Row i: how much of each input pixel output pixel i covers, divided by its width."""
    matrix = np.zeros((size, n))
    for i in range(size):
        low, high = i * n / size, (i + 1) * n / size
        for j in range(n):
            matrix[i, j] = max(0.0, min(high, j + 1) - max(low, j))
    return matrix / (n / size)


@pytest.mark.parametrize(
    ("shape", "size"), [((1, 7, 5), (3, 2)), ((2, 100, 37), (33, 36)), ((4, 4), (1, 1))]
)
def test_downscale_equals_the_overlap_weighted_mean(shape, size):
    x = RNG.random(shape)
    rows, cols = overlap_matrix(shape[-2], size[0]), overlap_matrix(shape[-1], size[1])
    expected = np.einsum("ij,...jk,lk->...il", rows, x, cols)
    np.testing.assert_allclose(downscale(x, size), expected, atol=1e-6)


def test_a_downscaled_photo_runs_in_the_explorer():
    photo = RNG.random((1, 1600, 1200))
    state = ExplorerState(downscale(photo, suggest_downscale(photo.shape)))
    assert state.image.shape == (1, 1024, 768)
