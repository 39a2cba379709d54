"""The matrix view's operands: X against a plain loop and torch's unfold, W · X + b against the
model's outputs, over random layers (groups, dilation, stride, every padding mode)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convexplorer.model import (
    ExplorerState,
    LayerSpec,
    tap_at,
    tap_of_row,
    typed_weight,
    unfold,
    weight_column,
    weight_matrix,
)

from .reference import padded_value
from .test_conv import layers
from .tolerance import assert_conv_close, assert_sums_close


def loop_unfold(x: np.ndarray, spec: LayerSpec, start: int, stop: int):
    """X's columns start … stop − 1 written out tap by tap, with where a tap is off the image."""
    channels, height, width = x.shape
    (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
    top, _, left, _ = spec.pads
    _, out_w = spec.output_size(height, width)
    values = np.zeros((channels * kh * kw, stop - start))
    padding = np.zeros(values.shape, bool)
    for n, p in enumerate(range(start, stop)):
        r, q = divmod(p, out_w)
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    y, x_ = r * sh - top + i * dh, q * sw - left + j * dw
                    k = (c * kh + i) * kw + j
                    values[k, n] = padded_value(x, c, y, x_, spec.padding_mode)
                    padding[k, n] = not (0 <= y < height and 0 <= x_ < width)
    return values, padding


def _window(data, spec: LayerSpec, x: np.ndarray) -> tuple[int, int]:
    out_h, out_w = spec.output_size(x.shape[1], x.shape[2])
    start = data.draw(st.integers(0, out_h * out_w - 1))
    return start, data.draw(st.integers(start + 1, out_h * out_w))


@settings(max_examples=120, deadline=None)
@given(layers(), st.data())
def test_unfold_matches_a_plain_loop(case, data):
    spec, x, _, _ = case
    start, stop = _window(data, spec, x)
    unfolded = unfold(x, spec, start, stop)
    values, padding = loop_unfold(x, spec, start, stop)
    assert unfolded.start == start and unfolded.count == stop - start
    assert unfolded.values.dtype == x.dtype
    np.testing.assert_array_equal(unfolded.values, values.astype(x.dtype))  # copies: exact
    np.testing.assert_array_equal(unfolded.padding, padding)
    out_w = spec.output_size(x.shape[1], x.shape[2])[1]
    positions = np.arange(start, stop)
    np.testing.assert_array_equal(unfolded.rows * out_w + unfolded.cols, positions)


@settings(max_examples=60, deadline=None)
@given(layers(), st.data())
def test_each_cell_of_x_names_the_pixel_it_reads(case, data):
    spec, x, _, _ = case
    start, stop = _window(data, spec, x)
    unfolded = unfold(x, spec, start, stop)
    k = data.draw(st.integers(0, unfolded.values.shape[0] - 1))
    n = data.draw(st.integers(0, unfolded.count - 1))
    position = (int(unfolded.rows[n]), int(unfolded.cols[n]))
    tap = tap_at(spec, x.shape[1], x.shape[2], k, position)
    assert (tap.channel, tap.i, tap.j) == tap_of_row(spec, k)
    assert tap.in_padding == unfolded.padding[k, n]
    if tap.source is None:
        assert spec.padding_mode == "zeros" and unfolded.values[k, n] == 0
    else:
        assert unfolded.values[k, n] == x[tap.channel, tap.source[0], tap.source[1]]


@settings(max_examples=100, deadline=None)
@given(layers())
def test_w_times_x_plus_b_is_the_model_s_output(case):
    """The view's claim: W (block-diagonal over all C_in·kH·kW) times X plus b is the layer."""
    spec, x, weight, bias = case
    spec = spec.replace(bias=bias is not None)
    x, weight = x.astype(np.float32), weight.astype(np.float32)
    bias = None if bias is None else bias.astype(np.float32)
    state = ExplorerState(x, spec, weight, bias)
    state.compute()
    out_h, out_w = state.output_size
    full, seen = weight_matrix(state.weight, spec)
    product = full @ unfold(state.image, spec, 0, out_h * out_w).values
    if bias is not None:
        product = product + bias[:, None]
    raw = np.stack([state.raw_output(o) for o in range(spec.out_channels)])
    kwargs = dict(
        stride=spec.stride,
        padding=spec.padding,
        dilation=spec.dilation,
        groups=spec.groups,
        padding_mode=spec.padding_mode,
    )
    assert_conv_close(product.reshape(raw.shape), raw, x, weight, bias, **kwargs)
    # block-diagonal: filter o has weights exactly on its group's channels' columns
    taps = spec.kernel_size[0] * spec.kernel_size[1]
    for o in range(spec.out_channels):
        channels = spec.filter_input_channels(o)
        expected = np.zeros(spec.in_channels * taps, bool)
        expected[channels.start * taps : channels.stop * taps] = True
        np.testing.assert_array_equal(seen[o], expected)
        assert not full[o, ~expected].any()


def test_a_grouped_weight_matrix_reads_block_diagonal():
    spec = LayerSpec(4, 2, kernel_size=1, groups=2, bias=False)
    weight = np.array([1.0, 2.0, 3.0, 4.0], np.float32).reshape(2, 2, 1, 1)
    full, seen = weight_matrix(weight, spec)
    np.testing.assert_array_equal(full, [[1, 2, 0, 0], [0, 0, 3, 4]])
    np.testing.assert_array_equal(seen, [[1, 1, 0, 0], [0, 0, 1, 1]])


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    "settings_",
    [
        dict(kernel_size=3, padding=1),
        dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
        dict(kernel_size=3, padding="same", dilation=2),
        dict(kernel_size=(4, 2), padding="same"),  # the odd pixel bottom/right
    ],
)
def test_unfold_matches_torch(mode, settings_):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 7, 8)).astype(np.float32)
    spec = LayerSpec(3, 1, padding_mode=mode, **settings_)
    top, bottom, left, right = spec.pads
    padded = torch.from_numpy(x)[None]
    if any(spec.pads):
        padded = functional.pad(
            padded, (left, right, top, bottom), mode="constant" if mode == "zeros" else mode
        )
    want = functional.unfold(padded, spec.kernel_size, dilation=spec.dilation, stride=spec.stride)[
        0
    ].numpy()
    out_h, out_w = spec.output_size(7, 8)
    got = unfold(x, spec, 0, out_h * out_w)
    np.testing.assert_array_equal(got.values, want)
    window = unfold(x, spec, 5, 17)  # a window of columns is those columns
    np.testing.assert_array_equal(window.values, want[:, 5:17])


def test_a_window_past_the_last_position_is_clipped_and_bad_input_is_refused():
    x = np.zeros((2, 5, 5), np.float32)
    spec = LayerSpec(2, 1)  # 3×3 output: 9 positions
    assert unfold(x, spec, 6, 40).count == 3
    with pytest.raises(ValueError, match="the image has 2 channels, the layer reads 3"):
        unfold(x, LayerSpec(3, 1), 0, 4)
    with pytest.raises(ValueError, match="row 18 is out of range for 18 rows"):
        tap_of_row(spec, 18)


def test_a_flipping_layer_s_w_holds_the_kernels_flipped_and_maps_back_to_the_typed_weights():
    spec = LayerSpec(4, 4, kernel_size=(2, 3), groups=2, flip_kernel=True)
    rng = np.random.default_rng(5)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    full, seen = weight_matrix(weight, spec)
    plain, _ = weight_matrix(weight, LayerSpec(4, 4, kernel_size=(2, 3), groups=2))
    assert not np.array_equal(full, plain)
    for o, slot, i, j in np.ndindex(*spec.weight_shape):
        k = weight_column(spec, o, slot, i, j)
        channel, ui, uj = tap_of_row(spec, k)  # the tap of X it multiplies: mirrored
        assert (ui, uj) == (1 - i, 2 - j) and channel == spec.filter_input_channels(o)[slot]
        assert full[o, k] == weight[o, slot, i, j] and seen[o, k]
        assert typed_weight(spec, o, k) == (slot, i, j)
    assert typed_weight(spec, 0, 12) is None  # filter 0 sees in 0–1 only


def test_w_times_x_plus_b_is_a_flipping_layer_s_output():
    spec = LayerSpec(3, 2, kernel_size=(2, 3), padding=1, flip_kernel=True)
    rng = np.random.default_rng(6)
    x = rng.random((3, 6, 7), dtype=np.float32)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    bias = rng.standard_normal(2).astype(np.float32)
    state = ExplorerState(x, spec, weight, bias)
    state.compute()
    out_h, out_w = state.output_size
    full, _ = weight_matrix(state.weight, spec)
    columns = unfold(state.image, spec, 0, out_h * out_w).values
    product = full @ columns + bias[:, None]
    raw = np.stack([state.raw_output(o).ravel() for o in range(2)])
    abs_terms = np.abs(full) @ np.abs(columns) + np.abs(bias)[:, None]
    assert_sums_close(product, raw, abs_terms, full.shape[1] + 1, np.float32)
