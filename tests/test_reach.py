"""Which outputs an input pixel feeds: the pure function against every dot product, one by one."""

from __future__ import annotations

import numpy as np
import pytest

from convexplorer.model import LayerSpec, dot_product_at, reached_outputs, taps_reading

SPECS = [
    LayerSpec(1, 1, 3),
    LayerSpec(1, 1, 3, stride=2, padding=1),
    LayerSpec(1, 1, 3, dilation=2, padding=2),
    LayerSpec(1, 1, (2, 3), stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
    LayerSpec(1, 1, 3, stride=3, padding=2, padding_mode="reflect"),
    LayerSpec(1, 1, 3, padding=2, padding_mode="replicate", dilation=2),
    LayerSpec(1, 1, 5, stride=2, padding=3, padding_mode="circular"),
    LayerSpec(1, 1, 4, padding="same", dilation=2, padding_mode="reflect"),
]


def _brute_force(spec: LayerSpec, image: np.ndarray, row: int, col: int) -> np.ndarray:
    """(H_out, W_out) True where the dot product reads (row, col) in the image or via padding."""
    weight = np.ones((1, 1, *spec.kernel_size), np.float32)
    oh, ow = spec.output_size(*image.shape[1:])
    reached = np.zeros((oh, ow), bool)
    for r in range(oh):
        for c in range(ow):
            dot = dot_product_at(
                image, weight, None, 0, r, c, stride=spec.stride, padding=spec.padding,
                dilation=spec.dilation, padding_mode=spec.padding_mode,
            )  # fmt: skip
            inside = ~dot.in_padding & (dot.tap_rows == row) & (dot.tap_cols == col)
            copied = dot.in_padding & (dot.source_rows == row) & (dot.source_cols == col)
            reached[r, c] = (inside | copied).any()
    return reached


@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_reached_outputs_match_a_loop_over_every_dot_product(spec):
    image = np.zeros((1, 7, 9), np.float32)
    for row, col in [(0, 0), (3, 4), (6, 8), (1, 7), (5, 1)]:
        expected = _brute_force(spec, image, row, col)
        rows, cols = reached_outputs(spec, 7, 9, row, col)
        got = np.zeros_like(expected)
        got[np.ix_(rows, cols)] = True
        assert np.array_equal(got, expected), (row, col)


def test_a_pixel_near_the_border_also_feeds_outputs_through_padding_copies():
    reflect = LayerSpec(1, 1, 3, padding=2, padding_mode="reflect")
    # Row 2 is read directly by outputs 2..4; rows -2 and 6 (outputs 0 and 6) reflect it.
    assert reached_outputs(reflect, 5, 5, 2, 2)[0].tolist() == [0, 2, 3, 4, 6]
    zeros = LayerSpec(1, 1, 3, padding=2)
    assert reached_outputs(zeros, 5, 5, 2, 2)[0].tolist() == [2, 3, 4]


def test_taps_reading_names_the_weights_a_pixel_meets():
    image = np.arange(25, dtype=np.float32).reshape(1, 5, 5)
    weight = np.ones((1, 1, 3, 3), np.float32)
    dot = dot_product_at(image, weight, None, 0, 0, 0, padding=1, padding_mode="reflect")
    met = taps_reading(dot, 1, 1)
    # tap (2, 2) reads (1, 1) directly; taps in row/col 0 read the reflection of row/col 1
    assert np.argwhere(met).tolist() == [[0, 0], [0, 2], [2, 0], [2, 2]]
    assert not taps_reading(dot, 4, 4).any()


def test_a_pixel_outside_the_image_is_refused():
    with pytest.raises(ValueError, match="outside"):
        reached_outputs(LayerSpec(1, 1, 3), 5, 5, 5, 0)
