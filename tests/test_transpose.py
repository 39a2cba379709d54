"""Transposed convolution (ConvTranspose2d): the model against a scatter loop and torch, its bits,
its layout, its refusals, and the sums the sliding view spells out."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convexplorer.model import (
    ExplorerState,
    LayerSpec,
    conv_transpose2d,
    from_torch_layout,
    painted_so_far,
    reached_outputs,
    taps_reading,
    to_torch_layout,
)
from convexplorer.model._kinds import make_engine
from convexplorer.model._transpose import TransposeEngine
from tests.reference import reference_conv_transpose2d
from tests.tolerance import assert_sums_close


@st.composite
def transposed_layers(draw, flip=False):
    """A random valid ConvTranspose2d layer (explorer layout weights), its input and biases."""
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 3))
    c_out = groups * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    oph = draw(st.integers(0, max(sh, dh) - 1))
    opw = draw(st.integers(0, max(sw, dw) - 1))
    height, width = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    spec = LayerSpec(
        c_in,
        c_out,
        (kh, kw),
        (sh, sw),
        (ph, pw),
        dilation=(dh, dw),
        groups=groups,
        bias=draw(st.booleans()),
        transposed=True,
        output_padding=(oph, opw),
        flip_kernel=flip and draw(st.booleans()),
    )
    try:
        spec.check_image(height, width)
    except ValueError:
        spec = spec.replace(padding=(0, 0))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((c_in, height, width)).astype(np.float32)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    bias = rng.standard_normal(c_out).astype(np.float32) if spec.bias else None
    return spec, x, weight, bias


def reference(spec, x, weight, bias):
    """The scatter loop on the weights as computed with, in PyTorch's layout, in float64."""
    used = weight[..., ::-1, ::-1] if spec.flip_kernel else weight
    return reference_conv_transpose2d(
        x.astype(np.float64),
        to_torch_layout(spec, used).astype(np.float64),
        bias,
        spec.stride,
        spec.padding,
        spec.output_padding,
        spec.groups,
        spec.dilation,
    )


def assert_transposed_close(spec, x, weight, bias, actual, expected):
    """Within the rounding bound of sums of at most C_in/groups·kH·kW products plus the bias."""
    magnitudes = reference(spec, np.abs(x), np.abs(weight), None if bias is None else np.abs(bias))
    terms = spec.weights_per_filter + 1
    assert_sums_close(actual, expected, magnitudes, terms, np.float32)


def torch_arguments(spec):
    return {
        "stride": spec.stride,
        "padding": spec.padding,
        "output_padding": spec.output_padding,
        "groups": spec.groups,
        "dilation": spec.dilation,
    }


# ---- the numbers --------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(transposed_layers(flip=True))
def test_the_state_computes_the_scatter_loop(layer):
    spec, x, weight, bias = layer
    got = ExplorerState(x, spec, weight, bias).compute()
    assert got.shape == (spec.out_channels, *spec.output_size(*x.shape[1:]))
    assert_transposed_close(spec, x, weight, bias, got, reference(spec, x, weight, bias))


@settings(max_examples=60, deadline=None)
@given(transposed_layers())
def test_conv_transpose2d_matches_torch(layer):
    torch = pytest.importorskip("torch")
    spec, x, weight, bias = layer
    torch_weight = to_torch_layout(spec, weight)
    got = conv_transpose2d(x, torch_weight, bias, **torch_arguments(spec))
    expected = torch.nn.functional.conv_transpose2d(
        torch.from_numpy(x)[None],
        torch.from_numpy(torch_weight),
        None if bias is None else torch.from_numpy(bias),
        **torch_arguments(spec),
    )[0].numpy()
    assert_transposed_close(spec, x, weight, bias, got, expected)


@settings(max_examples=40, deadline=None)
@given(transposed_layers(flip=True), st.data())
def test_a_channels_bits_do_not_depend_on_the_run(layer, data):
    spec, x, weight, bias = layer
    engine = make_engine(spec, x)
    assert isinstance(engine, TransposeEngine)
    full = engine.run(weight, bias)
    for _ in range(3):
        subset = data.draw(
            st.lists(
                st.integers(0, spec.out_channels - 1),
                min_size=1,
                max_size=spec.out_channels,
                unique=True,
            )
        )
        assert np.array_equal(engine.run(weight, bias, subset), full[subset])


@settings(max_examples=30, deadline=None)
@given(transposed_layers(flip=True), st.data())
def test_edits_and_undo_give_the_bits_of_a_fresh_computation(layer, data):
    spec, x, weight, bias = layer
    state = ExplorerState(x, spec, weight, bias)
    state.compute()
    o = data.draw(st.integers(0, spec.out_channels - 1))
    slot = data.draw(st.integers(0, spec.in_per_group - 1))
    state.set_weight(o, slot, 0, 0, data.draw(st.floats(-3, 3, width=32)))
    edited = state.compute()
    fresh = ExplorerState(x, spec, state.weight, state.bias).compute()
    assert np.array_equal(edited, fresh)
    state.set_weights(weight, bias)
    assert np.array_equal(state.compute(), ExplorerState(x, spec, weight, bias).compute())


def test_upsampling_by_two_with_a_four_by_four_kernel():
    """The classic decoder layer: stride 2, kernel 4, padding 1 doubles each side."""
    spec = LayerSpec(1, 1, 4, stride=2, padding=1, transposed=True, bias=False)
    assert spec.output_size(5, 7) == (10, 14)
    x = np.zeros((1, 5, 7), np.float32)
    x[0, 2, 3] = 2.0
    weight = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    out = ExplorerState(x, spec, weight).compute()[0]
    # pixel (2, 3) paints the kernel × 2 with its top-left at (2·2 − 1, 3·2 − 1) = (3, 5)
    np.testing.assert_array_equal(out[3:7, 5:9], 2 * weight[0, 0])
    assert np.count_nonzero(out) == 15  # the kernel's 16 taps, one of them zero


# ---- layout, sizes, refusals --------------------------------------------------------------------


@given(transposed_layers())
@settings(max_examples=30, deadline=None)
def test_the_torch_layout_round_trips_and_puts_row_o_column_i_at_weight_i_o(layer):
    spec, _, weight, _ = layer
    torch_weight = to_torch_layout(spec, weight)
    assert torch_weight.shape == spec.torch_weight_shape
    assert np.array_equal(from_torch_layout(spec, torch_weight), weight)
    for o in range(spec.out_channels):
        for slot, i in enumerate(spec.filter_input_channels(o)):
            np.testing.assert_array_equal(weight[o, slot], torch_weight[i, o % spec.out_per_group])


def test_shapes_sizes_and_words():
    spec = LayerSpec(4, 6, (3, 2), stride=2, padding=1, groups=2, transposed=True)
    assert spec.weight_shape == (6, 2, 3, 2) and spec.torch_weight_shape == (4, 3, 3, 2)
    assert spec.kind == "ConvTranspose2d" and LayerSpec(4, 6).kind == "Conv2d"
    assert spec.output_size(10, 10) == (9 * 2 - 2 + 2 + 1, 9 * 2 - 2 + 1 + 1)
    assert spec.mac_count(10, 10) == 6 * 100 * 2 * 3 * 2
    assert spec.init_fan_in == 3 * 3 * 2  # PyTorch: weight.size(1)·kH·kW
    assert spec.parameter_count == 4 * 3 * 6 + 6
    words = spec.describe()
    assert words.startswith("ConvTranspose2d: 6 output channels") and "2 pixels apart" in words


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        (
            {"output_padding": 2, "stride": 2},
            "smaller than either stride or dilation: got 2 with stride 2 and dilation 1",
        ),
        ({"output_padding": (0, 1)}, "got 1 with stride 1 and dilation 1"),
        ({"padding": "same"}, "padding='same' is not available for ConvTranspose2d"),
        ({"padding_mode": "reflect"}, "pads with zeros only"),
        ({"output_padding": -1}, "must not be negative"),
    ],
)
def test_impossible_settings_are_refused_with_the_numbers(settings, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        LayerSpec(3, 2, transposed=True, **settings)


def test_output_padding_belongs_to_transposed_layers_and_outputs_must_exist_and_fit():
    with pytest.raises(ValueError, match="applies to ConvTranspose2d only"):
        LayerSpec(3, 2, stride=2, output_padding=1)
    with pytest.raises(ValueError, match="the output would be -2×-2, empty"):
        LayerSpec(1, 1, 1, padding=2, transposed=True).output_size(2, 2)
    with pytest.raises(ValueError, match="each side may be at most 16384"):
        LayerSpec(1, 1, 3, stride=16, transposed=True).output_size(2000, 10)
    with pytest.raises(ValueError, match="at most 268435456 are allowed"):
        LayerSpec(1, 256, 3, stride=8, transposed=True).output_size(1000, 1000)
    state = ExplorerState(np.ones((1, 4, 4), np.float32))
    before = state.spec
    with pytest.raises(ValueError, match="empty"):
        state.set_spec(LayerSpec(1, 1, 1, padding=3, transposed=True))
    assert state.spec == before


def test_presets_and_new_filters_start_as_pytorch_would():
    """Kaiming-uniform with PyTorch's fan-in for ConvTranspose2d, C_out/groups·kH·kW."""
    image = np.random.default_rng(0).random((2, 6, 6), dtype=np.float32)
    spec = LayerSpec(2, 8, 3, stride=2, transposed=True)
    state = ExplorerState(image, spec)
    state.apply_preset("kaiming", seed=1)
    bound = 1 / math.sqrt(spec.init_fan_in)
    assert np.abs(state.weight).max() <= bound and np.abs(state.weight).max() > bound / 2
    assert np.abs(state.bias).max() <= bound
    state.apply_preset("diagonal ↘", out_channel=0)  # a kernel preset paints its picture
    assert state.compute().shape == (8, 13, 13)


# ---- the sums the views spell out ---------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(transposed_layers(flip=True), st.data())
def test_the_dot_product_behind_an_output_equals_it(layer, data):
    spec, x, weight, bias = layer
    state = ExplorerState(x, spec, weight, bias)
    outputs = state.compute()
    o = data.draw(st.integers(0, spec.out_channels - 1))
    row = data.draw(st.integers(0, outputs.shape[1] - 1))
    col = data.draw(st.integers(0, outputs.shape[2] - 1))
    dot = state.dot_product(o, (row, col))
    magnitudes = float(np.abs(dot.products).sum(dtype=np.float64)) + abs(dot.bias)
    terms = dot.products.size + 1
    assert_sums_close(dot.value, float(outputs[o, row, col]), magnitudes, terms, np.float32)
    # every tap that reads a pixel is one the pixel paints: the hover links agree both ways
    for i, j in np.argwhere(~dot.in_padding):
        r, c = int(dot.source_rows[i, j]), int(dot.source_cols[i, j])
        rows, cols = reached_outputs(spec, x.shape[1], x.shape[2], r, c)
        assert row in rows and col in cols
        assert taps_reading(dot, r, c)[i, j]


@settings(max_examples=30, deadline=None)
@given(transposed_layers(flip=True), st.data())
def test_a_scatter_step_adds_the_scaled_kernels_and_ends_on_the_output(layer, data):
    spec, x, weight, bias = layer
    state = ExplorerState(x, spec, weight, bias)
    outputs = state.compute()
    o = data.draw(st.integers(0, spec.out_channels - 1))
    _, height, width = x.shape
    row, col = data.draw(st.integers(0, height - 1)), data.draw(st.integers(0, width - 1))
    step = state.scatter_step((row, col), o)
    channels = list(spec.filter_input_channels(o))
    np.testing.assert_array_equal(step.values, x[channels, row, col])
    np.testing.assert_array_equal(step.scaled, step.values[:, None, None] * step.kernel)
    added = step.after - step.before
    bound = np.abs(step.after) + np.abs(step.before) + np.abs(step.scaled).sum(axis=0)
    inside = step.inside
    assert np.all(np.abs(added - step.patch)[inside] <= 1e-5 * (1 + bound[inside]))
    assert np.isnan(step.after[~inside]).all()
    rows, cols = reached_outputs(spec, height, width, row, col)
    painted_cells = {(int(step.out_rows[a]), int(step.out_cols[b])) for a, b in np.argwhere(inside)}
    assert painted_cells == {(r, c) for r in rows.tolist() for c in cols.tolist()}
    last = painted_so_far(spec, x, weight, bias, o, height * width)
    assert np.array_equal(last, outputs[o])  # the last frame is the output, bit for bit
    nothing = painted_so_far(spec, x, weight, bias, o, 0)
    assert np.all(nothing == (0 if bias is None else bias[o]))


def test_scatter_steps_belong_to_transposed_layers():
    state = ExplorerState(np.ones((1, 4, 4), np.float32))
    with pytest.raises(ValueError, match="only in a ConvTranspose2d layer"):
        state.scatter_step((0, 0))
