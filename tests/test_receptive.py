"""The receptive field through a stack: against a pixel-by-pixel loop, and through the layers'
own arithmetic (raise one input pixel: the output pixel moves iff the pixel is in its field)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from convexplorer.model import LayerSpec, check_chain, receptive_field, textbook_field_size
from convexplorer.model._engine import ConvEngine
from convexplorer.model._transpose import TransposeEngine
from tests.reference import reference_receptive_masks

MODES = ("zeros", "reflect", "replicate", "circular")


# ---- the words, and what they promise ------------------------------------------------------------


def test_three_layers_of_3x3_see_a_7x7_patch():
    field = receptive_field((1, 32, 32), [LayerSpec(1, 1, 3)] * 3, 2, (10, 10))
    assert field.words == "This pixel sees a 7×7 patch of the image (3 layers of 3×3)."
    assert field.boxes[0] == (10, 10, 7, 7)
    assert [box.height for box in field.boxes] == [7, 5, 3]
    assert field.theoretical_size == textbook_field_size([LayerSpec(1, 1, 3)] * 3) == (7, 7)
    assert field.image_mask.sum() == 49


def test_a_field_clipped_by_zero_padding_says_how_much_falls_outside():
    field = receptive_field((1, 32, 32), [LayerSpec(1, 1, 3, padding=1)] * 3, 2, (0, 5))
    assert field.words == (
        "This pixel's field spans 7×7 (3 layers of 3×3); 3 rows of it fall in the padding, so "
        "it sees a 4×7 patch of the image."
    )
    assert field.boxes[0] == (0, 2, 4, 7)


def test_dilation_leaves_holes_and_says_so():
    field = receptive_field((1, 16, 16), [LayerSpec(1, 1, 3, dilation=2)], 0, (5, 5))
    assert (
        field.words
        == "This pixel sees a 5×5 span of the image, 9 pixels of it (1 layer of 3×3 dilation 2)."
    )
    expected = np.zeros((16, 16), bool)
    expected[5:10:2, 5:10:2] = True
    assert np.array_equal(field.image_mask, expected)


def test_reflect_mirrors_the_field_back_into_the_image():
    spec = LayerSpec(1, 1, 3, padding=1, padding_mode="reflect")
    field = receptive_field((1, 8, 8), [spec], 0, (0, 0))
    # rows -1, 0, 1 read rows 1, 0, 1: the padding repeats pixels already in the field
    assert field.rows[0].tolist() == [0, 1] and field.cols[0].tolist() == [0, 1]
    assert "which repeats image pixels (reflect)" in field.words
    assert field.words.endswith("so it sees a 2×2 patch of the image.")


def test_circular_wraps_the_field_to_the_far_side():
    spec = LayerSpec(1, 1, 3, padding=1, padding_mode="circular")
    field = receptive_field((1, 8, 8), [spec], 0, (0, 3))
    assert field.rows[0].tolist() == [0, 1, 7]
    assert field.cols[0].tolist() == [2, 3, 4]


def test_a_field_wholly_in_the_padding_reads_no_pixel():
    field = receptive_field((1, 8, 8), [LayerSpec(1, 1, 3, padding=5)], 0, (0, 0))
    assert field.boxes == (None,)
    assert not field.image_mask.any()
    assert field.words.endswith("it sees no pixel of the image.")


def test_a_transposed_output_between_the_strided_kernels_is_painted_by_nothing():
    spec = LayerSpec(1, 1, 1, stride=2, transposed=True)
    assert receptive_field((1, 4, 4), [spec], 0, (1, 1)).words.startswith(
        "This pixel is painted by no input pixel"
    )
    field = receptive_field((1, 4, 4), [spec], 0, (2, 4))
    assert field.boxes[0] == (1, 2, 1, 1)


def test_a_rectangle_of_pixels_and_mixed_layers_in_words():
    specs = [LayerSpec(1, 1, 3), LayerSpec(1, 1, 2, stride=2), LayerSpec(1, 1, 3)]
    field = receptive_field((1, 32, 32), specs, 2, (4, 6), (3, 3))  # corners in any order
    assert field.output == (3, 3, 2, 4)
    assert field.words.startswith("These 2×4 pixels see ")
    assert field.words.endswith("(1 layer of 3×3, then 1 of 2×2 stride 2, then 1 of 3×3).")
    single = receptive_field((1, 32, 32), specs, 2, (3, 3))
    assert single.words == (
        "This pixel sees an 8×8 patch of the image (1 layer of 3×3, then 1 of 2×2 stride 2, "
        "then 1 of 3×3)."
    )


def test_only_the_layers_up_to_the_one_asked_about_matter():
    broken_after = [LayerSpec(1, 2, 3), LayerSpec(5, 1, 3)]  # layer 2 does not chain
    field = receptive_field((1, 9, 9), broken_after, 0, (0, 0))
    assert field.boxes == ((0, 0, 3, 3),)


@pytest.mark.parametrize(
    ("layer", "pixel", "message"),
    [(2, (0, 0), "there is no layer 3"), (0, (7, 0), "outside the 7×7 output of layer 1")],
)
def test_bad_questions_are_refused_in_words(layer, pixel, message):
    with pytest.raises(ValueError, match=message):
        receptive_field((1, 9, 9), [LayerSpec(1, 1, 3), LayerSpec(1, 1, 3)], layer, pixel)


def test_a_stack_that_does_not_chain_is_refused_with_the_chain_message():
    with pytest.raises(ValueError, match="layer 2 expects 3 input channels, layer 1 makes 1"):
        receptive_field((1, 9, 9), [LayerSpec(1, 1, 3), LayerSpec(3, 1, 3)], 1, (0, 0))


def test_the_masks_cannot_be_written_through():
    field = receptive_field((1, 9, 9), [LayerSpec(1, 1, 3)], 0, (0, 0))
    with pytest.raises(ValueError):
        field.image_mask[0, 0] = False


# ---- pooling: a conv's geometry ------------------------------------------------------------------


def _avg_pool(x: np.ndarray, kernel: int, stride: int, padding: int) -> np.ndarray:
    """nn.AvgPool2d (count_include_pad=True) written out: zeros around, a mean per window."""
    padded = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    _, height, width = padded.shape
    rows = range(0, height - kernel + 1, stride)
    cols = range(0, width - kernel + 1, stride)
    return np.array(
        [
            [[padded[c, r : r + kernel, q : q + kernel].mean() for q in cols] for r in rows]
            for c in range(len(x))
        ]
    )


def test_an_avg_pool_has_the_field_of_a_conv_with_its_geometry():
    """Conv → AvgPool2d(2, stride 2, padding 1) → conv, the pool computed on its own."""
    convs = [LayerSpec(2, 2, 3, padding=1), LayerSpec(2, 1, 3)]
    pool = LayerSpec(2, 2, 2, stride=2, padding=1, groups=2)  # the pool's geometry
    specs = [convs[0], pool, convs[1]]
    rng = np.random.default_rng(3)
    weights = [rng.uniform(0.5, 1.0, spec.weight_shape) for spec in convs]

    def run(x: np.ndarray) -> np.ndarray:
        x = ConvEngine(convs[0], x, method="windows").run(weights[0], None)
        x = _avg_pool(x, 2, 2, 1)
        return ConvEngine(convs[1], x, method="windows").run(weights[1], None)

    image = rng.uniform(0.5, 1.0, (2, 10, 11))
    out_size = check_chain(image.shape, specs)[-1][1:]
    assert run(image).shape[1:] == out_size
    for pixel in [(0, 0), (2, 3), (out_size[0] - 1, out_size[1] - 1)]:
        field = receptive_field(image.shape, specs, 2, pixel)
        assert np.array_equal(_moved_by(run, image, pixel, pixel), field.image_mask)


def test_a_max_pool_with_dilation_reads_through_its_holes():
    """MaxPool2d(3, stride 2, padding 1, dilation 2): −inf padding reads nothing, like zeros."""
    specs = [LayerSpec(1, 1, 3, stride=2, padding=1, dilation=2), LayerSpec(1, 1, 3)]
    for pixel in [(0, 0), (1, 2)]:
        field = receptive_field((1, 12, 12), specs, 1, pixel)
        expected = reference_receptive_masks((12, 12), specs, 1, pixel, pixel)
        assert all(np.array_equal(a, b) for a, b in zip(field.masks, expected, strict=True))


# ---- random stacks -------------------------------------------------------------------------------

MAX_MAP = 20  # the largest map side a random stack may make (the loop reference is slow)


@st.composite
def stacks(draw):
    """A stack of up to 5 layers that chains on a small input, a layer and a rectangle on its
    output: mixed kernels, strides, dilations, paddings and modes, some transposed."""
    height, width = draw(st.integers(3, 14)), draw(st.integers(3, 14))
    channels = draw(st.integers(1, 2))
    size, specs = (height, width), []
    small = st.integers(1, 3)
    wanted = draw(st.integers(1, 5))
    for _ in range(3 * wanted):  # a layer that cannot run is skipped: try again
        if len(specs) == wanted:
            break
        kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
        stride, dilation = (draw(small), draw(small)), (draw(small), draw(small))
        out = draw(st.integers(1, 2))
        if draw(st.integers(0, 3)) == 0:
            outpad = tuple(
                draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True)
            )
            settings_ = {
                "padding": (draw(st.integers(0, 2)), draw(st.integers(0, 2))),
                "transposed": True,
                "output_padding": outpad,
            }
        else:
            padding = draw(
                st.sampled_from(["valid", "same", "pair"]) if stride == (1, 1) else st.just("pair")
            )
            if padding == "pair":
                padding = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
            settings_ = {"padding": padding, "padding_mode": draw(st.sampled_from(MODES))}
        try:
            spec = LayerSpec(channels, out, kernel, stride=stride, dilation=dilation, **settings_)
            new = spec.output_size(*size)
        except ValueError:
            continue
        if max(new) > MAX_MAP:
            continue
        specs.append(spec)
        size, channels = new, out
    assume(specs)
    layer = draw(st.integers(0, len(specs) - 1))
    out_h, out_w = check_chain((specs[0].in_channels, height, width), specs[: layer + 1])[-1][1:]
    first = (draw(st.integers(0, out_h - 1)), draw(st.integers(0, out_w - 1)))
    last = (draw(st.integers(first[0], out_h - 1)), draw(st.integers(first[1], out_w - 1)))
    if draw(st.integers(0, 2)):
        last = first  # mostly single pixels, as a hover asks
    return (specs[0].in_channels, height, width), specs, layer, first, last


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stacks())
def test_random_stacks_match_the_pixel_by_pixel_loop(case):
    shape, specs, layer, first, last = case
    field = receptive_field(shape, specs, layer, first, last)
    expected = reference_receptive_masks(shape[1:], specs, layer, first, last)
    assert len(field.masks) == layer + 1
    for j, (got, want) in enumerate(zip(field.masks, expected, strict=True)):
        assert np.array_equal(got, want), f"map {j}"
        assert field.pixel_count(j) == np.count_nonzero(want)
        box = field.boxes[j]
        if want.any():
            rows, cols = np.nonzero(want)
            assert box == (rows.min(), cols.min(), np.ptp(rows) + 1, np.ptp(cols) + 1)
        else:
            assert box is None


@settings(max_examples=150, deadline=None)
@given(stacks())
def test_the_theoretical_field_is_the_textbook_formula_for_convs(case):
    shape, specs, layer, first, _ = case
    specs = specs[: layer + 1]
    assume(not any(spec.transposed for spec in specs))
    assert receptive_field(shape, specs, layer, first).theoretical_size == textbook_field_size(
        specs
    )


def _forward(specs: list[LayerSpec], weights: list[np.ndarray]):
    def run(x: np.ndarray) -> np.ndarray:
        for spec, weight in zip(specs, weights, strict=True):
            if spec.transposed:
                x = TransposeEngine(spec, x).run(weight, None)
            else:  # windows: an output's bits depend only on the values it reads
                x = ConvEngine(spec, x, method="windows").run(weight, None)
        return x

    return run


def _moved_by(run, image: np.ndarray, first, last) -> np.ndarray:
    """(H, W) True where raising that input pixel (every channel) moves an asked output."""
    base = run(image)[:, first[0] : last[0] + 1, first[1] : last[1] + 1]
    moved = np.zeros(image.shape[1:], dtype=bool)
    for row, col in np.ndindex(*image.shape[1:]):
        raised = image.copy()
        raised[:, row, col] += 1.0
        after = run(raised)[:, first[0] : last[0] + 1, first[1] : last[1] + 1]
        # positive weights and inputs, no activation: a pixel read moves the output by at least
        # 0.5^layers; one not read leaves its bits alone
        moved[row, col] = bool(np.max(after - base) > 1e-6)
    return moved


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stacks(), st.integers(0, 2**32 - 1))
def test_raising_a_pixel_moves_the_output_iff_it_is_in_the_field(case, seed):
    shape, specs, layer, first, last = case
    specs = specs[: layer + 1]
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(0.5, 1.0, spec.weight_shape) for spec in specs]
    image = rng.uniform(0.5, 1.0, shape)
    field = receptive_field(shape, specs, layer, first, last)
    assert np.array_equal(_moved_by(_forward(specs, weights), image, first, last), field.image_mask)
