"""The rounding rule for textbook (flipped) and transposed layers: how many terms an output sums,
the magnitudes Σ|w·x| + |b|, and "Check Against PyTorch" on both kinds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convexplorer import io
from convexplorer.model import (
    ACTIVATIONS,
    LayerSpec,
    StateView,
    absolute_sums,
    output_bound,
    sum_terms,
    to_torch_layout,
    uses_fft,
)
from tests.io_support import make_state
from tests.reference import reference_conv_transpose2d, reference_convolve2d


@st.composite
def transposed_layers(draw) -> tuple[LayerSpec, tuple[int, int]]:
    groups = draw(st.integers(1, 2))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    op = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True))
    spec = LayerSpec(
        2 * groups,
        groups * draw(st.integers(1, 2)),
        kernel_size=(draw(st.integers(1, 5)), draw(st.integers(1, 5))),
        stride=stride,
        padding=(draw(st.integers(0, 1)), draw(st.integers(0, 1))),
        dilation=dilation,
        groups=groups,
        bias=draw(st.booleans()),
        transposed=True,
        output_padding=op,
    )
    return spec, (draw(st.integers(13, 15)), draw(st.integers(13, 15)))  # > any reach


@settings(max_examples=60, deadline=None)
@given(transposed_layers())
def test_sum_terms_is_the_most_products_a_transposed_output_sums(layer):
    """Run on ones with unit weights, each output counts its products: the largest count is the
    bound (reached: these inputs are larger than any kernel's reach)."""
    spec, (h, w) = layer
    ones = np.ones((spec.in_channels, h, w))
    counts = reference_conv_transpose2d(
        ones,
        np.ones(spec.torch_weight_shape),
        None,
        spec.stride,
        spec.padding,
        spec.output_padding,
        spec.groups,
        spec.dilation,
    )
    assert int(counts.max()) + int(spec.bias) == sum_terms(spec)
    assert sum_terms(spec) <= spec.weights_per_filter + int(spec.bias)


def test_sum_terms_in_words():
    spec = LayerSpec(4, 2, kernel_size=(3, 4), stride=2, dilation=(1, 2), transposed=True)
    # rows: ⌈3/2⌉ = 2 taps; cols: stride 2 and dilation 2 put all 4 taps on the same parity
    assert sum_terms(spec) == 4 * 2 * 4 + 1
    assert sum_terms(spec.replace(transposed=False)) == 4 * 3 * 4 + 1


def _random(spec: LayerSpec, size=(7, 8), seed=3):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((spec.in_channels, *size)).astype(np.float32)
    w = rng.standard_normal(spec.weight_shape).astype(np.float32)
    b = rng.standard_normal(spec.out_channels).astype(np.float32) if spec.bias else None
    return x, w, b


def test_absolute_sums_of_a_transposed_layer_are_the_loop_on_absolute_values():
    spec = LayerSpec(
        4, 6, (3, 2), stride=(2, 3), padding=(1, 0), groups=2, transposed=True,
        output_padding=(1, 2), flip_kernel=True,
    )  # fmt: skip
    x, w, b = _random(spec)
    expected = reference_conv_transpose2d(
        np.abs(x.astype(np.float64)),
        np.abs(to_torch_layout(spec, w[..., ::-1, ::-1]).astype(np.float64)),
        np.abs(b.astype(np.float64)),
        spec.stride,
        spec.padding,
        spec.output_padding,
        spec.groups,
        spec.dilation,
    )
    np.testing.assert_allclose(absolute_sums(spec, x, w, b), expected, rtol=1e-12)


def test_absolute_sums_of_a_flipped_layer_use_the_flipped_kernel():
    spec = LayerSpec(3, 2, (3, 2), padding=1, dilation=(1, 2), flip_kernel=True)
    x, w, b = _random(spec)
    abs64 = [np.abs(a.astype(np.float64)) for a in (x, w, b)]
    expected = reference_convolve2d(*abs64, spec.stride, spec.pads, spec.dilation, 1, "zeros")
    np.testing.assert_allclose(absolute_sums(spec, x, w, b), expected, rtol=1e-12)


def test_a_transposed_layer_never_carries_the_fft_bound(numpy_only):
    spec = LayerSpec(3, 3, kernel_size=11, transposed=True)
    assert uses_fft(spec.replace(transposed=False), 64, 64)  # its Conv2d twin would use FFT
    assert not uses_fft(spec, 64, 64)
    x, w, b = _random(spec, (64, 64))
    magnitudes = absolute_sums(spec, x, w, b)
    bound = output_bound(spec, x, w, magnitudes)
    np.testing.assert_array_equal(bound, output_bound(spec, x, w, magnitudes, fft=False))


# ---- against PyTorch ---------------------------------------------------------------------------

KINDS = [
    {"flip_kernel": True, "padding": 1},
    {"flip_kernel": True, "kernel_size": (7, 5), "padding": "same", "padding_mode": "reflect"},
    {"transposed": True, "stride": 2, "padding": 1, "output_padding": 1},
    {
        "transposed": True, "stride": (2, 3), "output_padding": (1, 2), "groups": 2,
        "kernel_size": (3, 4), "dilation": (1, 2), "c_out": 6,
    },
    {"transposed": True, "kernel_size": 9, "flip_kernel": True, "bias": False},
    {"transposed": True, "kernel_size": 5, "stride": 3, "padding": 2, "output_padding": 2,
     "groups": 4, "c_out": 4},
]  # fmt: skip


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("spec_kw", KINDS)
def test_flipped_and_transposed_layers_pass_the_check(spec_kw, activation):
    torch = pytest.importorskip("torch")
    spec_kw = dict(spec_kw)
    c_in, c_out = 4, spec_kw.pop("c_out", 4)
    state = make_state(c_in, c_out, (23, 21), extremes=False, **spec_kw)
    state.set_activation(activation)
    state.compute()
    view = StateView(state)
    check = io.check_against_pytorch(view)
    assert not check.failure, check.failure
    assert check.verdict in (io.ROUNDING, io.BIT_IDENTICAL), check.worst
    assert len(check.channels) == c_out
    layer = torch.nn.ConvTranspose2d if view.spec.transposed else torch.nn.Conv2d
    assert layer.__name__ in check.snippet


def test_a_wrong_transposed_output_is_caught():
    pytest.importorskip("torch")
    state = make_state(4, 4, (12, 11), extremes=False, transposed=True, stride=2, output_padding=1)
    view = StateView(state)
    job = io.CheckJob.of(view)
    outputs = [np.array(o) for o in job.outputs]
    outputs[2][5, 7] += 1e-3 * max(1.0, abs(float(outputs[2][5, 7])))
    check = io.run_check(io.CheckJob(job.layer, tuple(outputs)))
    assert check.verdict == io.DIFFERS and check.worst.channel == 2
    assert check.worst.worst == (5, 7)
