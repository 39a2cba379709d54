"""conv2d and dot_product_at against the plain-loop reference, over random layers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convexplorer.model import LayerSpec, conv2d, dot_product_at

from .reference import padded_value, reference_conv2d
from .tolerance import assert_conv_close, assert_sums_close


@st.composite
def layers(draw):
    """A random valid layer and input: all padding modes, stride, dilation, groups, dtypes."""
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    mode = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    use_same = draw(st.booleans())
    stride = (1, 1) if use_same else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    height = draw(st.integers(max(3, dh * (kh - 1) + 1), 9))
    width = draw(st.integers(max(3, dw * (kw - 1) + 1), 9))
    if use_same:
        padding: object = "same"
    else:
        padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    spec = LayerSpec(c_in, c_out, (kh, kw), stride, padding, mode, (dh, dw), groups, True)
    try:
        spec.check_image(height, width)
    except ValueError:
        padding = (0, 0)
        spec = spec.replace(padding=padding, stride=stride)
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((c_in, height, width)).astype(dtype)
    weight = rng.standard_normal(spec.weight_shape).astype(dtype)
    bias = rng.standard_normal(c_out).astype(dtype) if draw(st.booleans()) else None
    return spec, x, weight, bias


def _kwargs(spec: LayerSpec) -> dict:
    return dict(
        stride=spec.stride,
        padding=spec.padding,
        dilation=spec.dilation,
        groups=spec.groups,
        padding_mode=spec.padding_mode,
    )


@settings(max_examples=150, deadline=None)
@given(layers())
def test_conv2d_matches_loop_reference(case):
    spec, x, weight, bias = case
    got = conv2d(x, weight, bias, **_kwargs(spec))
    want = reference_conv2d(
        x, weight, bias, spec.stride, spec.pads, spec.dilation, spec.groups, spec.padding_mode
    )
    assert got.dtype == x.dtype
    assert got.shape == (spec.out_channels, *spec.output_size(x.shape[1], x.shape[2]))
    assert_conv_close(got, want, x, weight, bias, **_kwargs(spec))


@settings(max_examples=150, deadline=None)
@given(layers(), st.data())
def test_dot_product_value_equals_conv2d(case, data):
    spec, x, weight, bias = case
    out = conv2d(x, weight, bias, **_kwargs(spec))
    o = data.draw(st.integers(0, spec.out_channels - 1))
    r = data.draw(st.integers(0, out.shape[1] - 1))
    c = data.draw(st.integers(0, out.shape[2] - 1))
    dot = dot_product_at(x, weight, bias, o, r, c, **_kwargs(spec))
    assert dot.input_channels == tuple(spec.filter_input_channels(o))
    assert dot.patch.shape == (spec.in_per_group, *spec.kernel_size)
    products = dot.patch * weight[o]
    assert_sums_close(dot.products, products, np.abs(products), 1)
    kh, kw = spec.kernel_size
    abs_products = np.abs(products).sum(axis=(1, 2))
    assert_sums_close(dot.channel_sums, products.sum(axis=(1, 2)), abs_products, kh * kw)
    abs_bias = 0.0 if bias is None else abs(float(bias[o]))
    n_terms = spec.in_per_group * kh * kw + (bias is not None)
    assert_sums_close(dot.value, out[o, r, c], abs_products.sum() + abs_bias, n_terms, x.dtype)
    # the patch holds what the padded reference reads at every tap
    for k, channel in enumerate(dot.input_channels):
        for t, ((tr, tc), _) in enumerate(dot.taps):
            i, j = divmod(t, spec.kernel_size[1])
            want = padded_value(x, channel, tr, tc, spec.padding_mode)
            assert dot.patch[k, i, j] == want  # a copy of an input value: exact


def test_same_padding_puts_the_extra_pixel_bottom_right():
    spec = LayerSpec(1, 1, kernel_size=4, padding="same")
    assert spec.pads == (1, 2, 1, 2)
    assert LayerSpec(1, 1, kernel_size=3, padding="same", dilation=2).pads == (2, 2, 2, 2)
    x = np.arange(25, dtype=np.float64).reshape(1, 5, 5)
    out = conv2d(x, np.ones((1, 1, 4, 4)), padding="same")
    assert out.shape == (1, 5, 5)
    # top-left output sums rows -1..2 and cols -1..2: zeros outside, x[0:3, 0:3] inside
    assert out[0, 0, 0] == x[0, :3, :3].sum()


def test_dot_product_marks_padding_taps_and_their_sources():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    w = np.ones((1, 1, 3, 3), dtype=np.float32)
    dot = dot_product_at(x, w, None, 0, 0, 0, padding=1, padding_mode="reflect")
    assert (
        dot.in_padding[0].all() and dot.in_padding[:, 0].all() and not dot.in_padding[1:, 1:].any()
    )
    assert (dot.source_rows[0, 0], dot.source_cols[0, 0]) == (1, 1)  # reflect of (-1, -1)
    assert dot.patch[0, 0, 0] == x[0, 1, 1]
    zeros = dot_product_at(x, w, None, 0, 0, 0, padding=1)
    assert zeros.patch[0, 0, 0] == 0 and zeros.source_rows[0, 0] == -1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(groups=3), "groups=3 does not divide in_channels=4"),
        (dict(groups=2, weight_shape=(3, 2, 3, 3)), "groups=2 does not divide out_channels=3"),
        (dict(weight_shape=(2, 3, 3, 3)), "weight has 3 input channels per filter"),
        (dict(bias=np.zeros(3)), "bias must have shape (2,)"),
        (dict(stride=0), "stride must be at least 1, got 0"),
        (dict(dilation=(1, 0)), "dilation must be at least 1, got (1, 0)"),
        (dict(padding=-1), "padding must not be negative, got -1"),
        (dict(padding="full"), "padding='full' is not understood"),
        (dict(padding_mode="mirror"), "padding_mode='mirror' is unknown"),
        (dict(padding=8, padding_mode="reflect"), "reflect padding of 8×8 needs an image larger"),
        (
            dict(weight_shape=(2, 4, 9, 3)),
            "kernel covers 9×3 pixels but the padded input is only 8×8",
        ),
        (dict(dilation=4), "dilated kernel covers 9×9"),
        (dict(x_shape=(4, 8)), "the input must be 3-D (C, H, W), got shape (4, 8)"),
        (dict(padding="same", stride=2), "padding='same' needs stride 1"),
    ],
)
def test_bad_arguments_are_refused_with_their_numbers(kwargs, message):
    x = np.zeros(kwargs.pop("x_shape", (4, 8, 8)))
    weight = np.zeros(kwargs.pop("weight_shape", (2, 4 // kwargs.get("groups", 1), 3, 3)))
    bias = kwargs.pop("bias", None)
    with pytest.raises(ValueError) as excinfo:
        conv2d(x, weight, bias, **kwargs)
    assert message in str(excinfo.value)
    with pytest.raises(ValueError):
        dot_product_at(x, weight, bias, 0, 0, 0, **kwargs)


def test_integer_input_becomes_float32_and_float64_is_kept():
    w = np.ones((1, 1, 1, 1))
    assert conv2d(np.ones((1, 2, 2), dtype=np.uint8), w).dtype == np.float32
    assert conv2d(np.ones((1, 2, 2)), w).dtype == np.float64


def test_dot_product_outside_the_output_is_refused():
    with pytest.raises(ValueError, match=r"position \(3, 0\) is outside the 3×3 output"):
        dot_product_at(np.zeros((1, 5, 5)), np.zeros((1, 1, 3, 3)), None, 0, 3, 0)
