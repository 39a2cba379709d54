"""Preset kernels and filter initialisations: the documented sizes, sums and symmetries."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from convexplorer.model._presets import (
    PRESET_NAMES,
    kernel_preset,
    preset_bias,
    preset_description,
    preset_weights,
    resolve_preset,
)

KERNEL_NAMES = [n for n in PRESET_NAMES if n not in ("grayscale", "kaiming")]
sizes = st.integers(1, 9)


def allowed(name: str, kh: int, kw: int) -> bool:
    """The size rules the module docstring promises."""
    if name == "sobel x":
        return kw >= 2
    if name == "sobel y":
        return kh >= 2
    if name in ("laplacian", "sharpen"):
        return kh % 2 == 1 and kw % 2 == 1 and kh * kw > 1
    if name in ("diagonal ↘", "anti-diagonal ↗"):
        return kh == kw >= 2
    return True


def test_names_are_the_promised_menu() -> None:
    assert PRESET_NAMES == (
        "identity",
        "box blur",
        "gaussian",
        "sharpen",
        "sobel x",
        "sobel y",
        "laplacian",
        "emboss",
        "diagonal ↘",
        "anti-diagonal ↗",
        "grayscale",
        "kaiming",
        "zeros",
    )


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_preset_has_a_one_sentence_description(name: str) -> None:
    text = preset_description(name)
    assert text.endswith(".") and text.count(". ") == 0 and len(text) < 90


@pytest.mark.parametrize(
    "call",
    [
        lambda: preset_description("blur"),
        lambda: kernel_preset("blur", 3, 3),
        lambda: preset_weights("blur", [0], 3, 3, fan_in=9),
        lambda: preset_bias("blur", fan_in=9),
    ],
)
def test_unknown_names_list_the_known_ones(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="unknown preset 'blur'; known presets: identity, box"):
        call()


@given(st.sampled_from(KERNEL_NAMES), sizes, sizes)
def test_kernel_presets_follow_the_size_rules(name: str, kh: int, kw: int) -> None:
    if allowed(name, kh, kw):
        kernel = kernel_preset(name, kh, kw)
        assert kernel.shape == (kh, kw)
        assert kernel.dtype == np.float64
        assert np.isfinite(kernel).all()
    else:
        with pytest.raises(ValueError, match=f"{name} needs .*got {kh}×{kw}"):
            kernel_preset(name, kh, kw)


@pytest.mark.parametrize("name", KERNEL_NAMES)
@pytest.mark.parametrize("size", [(0, 3), (3, 0), (-1, -1)])
def test_empty_kernels_are_refused(name: str, size: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="at least 1×1"):
        kernel_preset(name, *size)


@pytest.mark.parametrize("name", ["grayscale", "kaiming"])
def test_layer_presets_are_not_single_kernels(name: str) -> None:
    with pytest.raises(ValueError, match=r"filter preset.*preset_weights"):
        kernel_preset(name, 3, 3)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("identity", [[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
        ("sharpen", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
        ("sobel x", [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
        ("sobel y", [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
        ("laplacian", [[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
        ("emboss", [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
        ("diagonal ↘", [[2, -1, -1], [-1, 2, -1], [-1, -1, 2]]),
        ("anti-diagonal ↗", [[-1, -1, 2], [-1, 2, -1], [2, -1, -1]]),
        ("zeros", np.zeros((3, 3))),
    ],
)
def test_3x3_presets_are_the_textbook_kernels(name: str, expected) -> None:
    np.testing.assert_array_equal(kernel_preset(name, 3, 3), expected)


def test_5x5_sobel_is_the_extended_sobel() -> None:
    expected = np.outer([1, 4, 6, 4, 1], [-1, -2, 0, 2, 1])
    np.testing.assert_array_equal(kernel_preset("sobel x", 5, 5), expected)


@given(sizes, sizes)
def test_identity_is_a_single_one_that_keeps_the_image_in_place(kh: int, kw: int) -> None:
    kernel = kernel_preset("identity", kh, kw)
    expected = np.zeros((kh, kw))
    # Under padding="same" the extra pad goes right/bottom, so the tap at (k-1)//2 is the origin.
    expected[(kh - 1) // 2, (kw - 1) // 2] = 1.0
    np.testing.assert_array_equal(kernel, expected)
    if kh % 2 and kw % 2:
        assert kernel[kh // 2, kw // 2] == 1.0


@given(sizes, sizes)
def test_blurs_sum_to_one_and_are_symmetric(kh: int, kw: int) -> None:
    box = kernel_preset("box blur", kh, kw)
    assert box.sum() == pytest.approx(1.0)
    assert np.ptp(box) == 0.0
    gauss = kernel_preset("gaussian", kh, kw)
    assert gauss.sum() == pytest.approx(1.0)
    assert (gauss > 0).all()
    np.testing.assert_allclose(gauss, gauss[::-1, ::-1])
    np.testing.assert_allclose(gauss, gauss[::-1, :])
    assert gauss.max() == gauss[(kh - 1) // 2, (kw - 1) // 2]


def test_gaussian_spreads_with_size() -> None:
    # sigma grows with the size, so a bigger kernel puts less weight on its centre.
    centres = [kernel_preset("gaussian", k, k)[k // 2, k // 2] for k in (3, 5, 7, 9)]
    assert centres == sorted(centres, reverse=True)


@given(sizes, sizes)
def test_sobel_sums_to_zero_and_points_the_right_way(kh: int, kw: int) -> None:
    rows, cols = np.mgrid[0:kh, 0:kw].astype(float)
    if kw >= 2:
        sx = kernel_preset("sobel x", kh, kw)
        assert sx.sum() == 0.0
        np.testing.assert_array_equal(sx[:, ::-1], -sx)
        assert (sx * cols).sum() > 0  # brightness rising to the right gives a positive response
        assert (sx * rows).sum() == 0.0
    if kh >= 2:
        sy = kernel_preset("sobel y", kh, kw)
        np.testing.assert_array_equal(sy, kernel_preset("sobel x", kw, kh).T)
        assert (sy * rows).sum() > 0


@given(st.integers(0, 4), st.integers(0, 4))
def test_laplacian_is_zero_on_flat_and_ramps_and_sharpen_keeps_the_mean(i: int, j: int) -> None:
    kh, kw = 2 * i + 1, 2 * j + 1
    assume(kh * kw > 1)
    lap = kernel_preset("laplacian", kh, kw)
    rows, cols = np.mgrid[0:kh, 0:kw].astype(float)
    assert lap.sum() == 0.0
    assert (lap * (3 * rows - 2 * cols)).sum() == 0.0
    np.testing.assert_array_equal(lap, lap[::-1, ::-1])
    assert lap[kh // 2, kw // 2] < 0
    sharpen = kernel_preset("sharpen", kh, kw)
    assert sharpen.sum() == 1.0
    np.testing.assert_array_equal(sharpen, kernel_preset("identity", kh, kw) - lap)


@given(sizes, sizes)
def test_emboss_keeps_the_mean_and_lights_from_the_top_left(kh: int, kw: int) -> None:
    kernel = kernel_preset("emboss", kh, kw)
    assert kernel.sum() == pytest.approx(1.0)
    if kh * kw > 1:
        assert kernel[0, 0] < kernel[-1, -1]


@given(st.integers(2, 9))
def test_diagonal_detectors_sum_to_zero_and_prefer_their_line(n: int) -> None:
    down = kernel_preset("diagonal ↘", n, n)
    up = kernel_preset("anti-diagonal ↗", n, n)
    assert down.sum() == 0.0
    assert up.sum() == 0.0
    on = np.eye(n, dtype=bool)
    assert (down[on] > 0).all() and (down[~on] < 0).all()
    np.testing.assert_array_equal(up, down[:, ::-1])
    line_down, line_up = np.eye(n), np.eye(n)[:, ::-1]
    assert (down * line_down).sum() > (down * line_up).sum()
    assert (up * line_up).sum() > (up * line_down).sum()


@given(st.sampled_from(KERNEL_NAMES), st.integers(3, 5), st.lists(st.integers(0, 7), max_size=4))
def test_kernel_presets_repeat_on_every_channel(name: str, k: int, channels: list[int]) -> None:
    assume(allowed(name, k, k))
    weights = preset_weights(name, channels, k, k, fan_in=9)
    assert weights.shape == (len(channels), k, k)
    assert weights.dtype == np.float64
    for kernel in weights:
        np.testing.assert_array_equal(kernel, kernel_preset(name, k, k))
    assert preset_bias(name, fan_in=9) == 0.0


def test_grayscale_puts_the_luma_weight_on_each_channels_centre() -> None:
    weights = preset_weights("grayscale", [0, 1, 2], 3, 3, fan_in=27)
    assert weights[:, 1, 1].tolist() == [0.299, 0.587, 0.114]
    weights[:, 1, 1] = 0.0
    assert not weights.any()
    assert preset_bias("grayscale", fan_in=27) == 0.0


def test_grayscale_slices_take_absolute_channel_indices() -> None:
    assert preset_weights("grayscale", [2], 1, 1, fan_in=3)[0, 0, 0] == 0.114
    even = preset_weights("grayscale", [1], 2, 4, fan_in=8)[0]
    assert even[0, 1] == 0.587 and np.count_nonzero(even) == 1


@pytest.mark.parametrize("channels", [[3], [0, 1, 2, 3], [-1]])
def test_grayscale_needs_the_rgb_channels(channels: list[int]) -> None:
    with pytest.raises(ValueError, match="grayscale needs the R, G, B input channels"):
        preset_weights("grayscale", channels, 3, 3, fan_in=27)


def test_kaiming_matches_pytorchs_default_bounds() -> None:
    fan_in = 3 * 5 * 5
    bound = 1 / np.sqrt(fan_in)
    rng = np.random.default_rng(7)
    weights = preset_weights("kaiming", range(3), 5, 5, fan_in=fan_in, rng=rng)
    assert weights.shape == (3, 5, 5)
    assert np.abs(weights).max() <= bound
    biases = [preset_bias("kaiming", fan_in=fan_in, rng=rng) for _ in range(50)]
    assert all(isinstance(b, float) and abs(b) <= bound for b in biases)
    # Uniform on the whole interval, not a narrower one: std of U(-b, b) is b/sqrt(3).
    many = preset_weights("kaiming", range(100), 10, 10, fan_in=fan_in, rng=rng)
    assert many.std() == pytest.approx(bound / np.sqrt(3), rel=0.02)
    assert np.abs(many).max() > 0.99 * bound


def test_kaiming_is_reproducible_from_the_seed() -> None:
    def draw(seed: int) -> tuple[np.ndarray, float]:
        rng = np.random.default_rng(seed)
        w = preset_weights("kaiming", [0, 1], 3, 3, fan_in=18, rng=rng)
        return w, preset_bias("kaiming", fan_in=18, rng=rng)

    (w1, b1), (w2, b2), (w3, _) = draw(1), draw(1), draw(2)
    np.testing.assert_array_equal(w1, w2)
    assert b1 == b2
    assert not np.array_equal(w1, w3)


def test_kaiming_needs_a_generator_and_a_positive_fan_in() -> None:
    with pytest.raises(ValueError, match="pass rng"):
        preset_weights("kaiming", [0], 3, 3, fan_in=9)
    with pytest.raises(ValueError, match="pass rng"):
        preset_bias("kaiming", fan_in=9)
    with pytest.raises(ValueError, match="fan_in >= 1"):
        preset_bias("kaiming", fan_in=0, rng=np.random.default_rng(0))


@pytest.mark.parametrize(
    ("typed", "preset"),
    [
        ("diagonal", "diagonal ↘"),
        ("Diagonal ↘", "diagonal ↘"),
        ("anti-diagonal", "anti-diagonal ↗"),
        ("antidiagonal", "anti-diagonal ↗"),
        ("sobel_x", "sobel x"),
        ("SobelY", "sobel y"),
        ("box-blur", "box blur"),
        ("kaiming", "kaiming"),
    ],
)
def test_plain_spellings_name_their_preset(typed, preset):
    assert resolve_preset(typed) == preset


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="known presets: identity"):
        resolve_preset("diagonl")
