"""The rounding-bound helpers accept what rounding can do and reject what it cannot."""

from __future__ import annotations

import numpy as np
import pytest

from convexplorer.model import LayerSpec, absolute_sums, output_bound
from convexplorer.model._conv import METHODS, ConvEngine

from .reference import reference_conv2d
from .tolerance import (
    assert_conv_close,
    assert_sums_close,
    conv_abs_sums,
    fft_bound,
    gamma,
    layer_spec,
)


def _layer():
    rng = np.random.default_rng(4)
    kwargs = dict(stride=1, padding=1, dilation=1, groups=1, padding_mode="reflect")
    x = rng.standard_normal((3, 12, 10)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    spec = layer_spec(x, w, b, **kwargs)
    want = reference_conv2d(x, w, b, (1, 1), spec.pads, (1, 1), 1, "reflect")
    return spec, kwargs, x, w, b, want


def test_gamma_is_the_textbook_bound():
    u = np.finfo(np.float32).eps / 2
    assert gamma(28, np.float32) == pytest.approx(28 * u / (1 - 28 * u))
    with pytest.raises(ValueError, match="too many"):
        gamma(2**23, np.float32)


@pytest.mark.parametrize("method", METHODS)
def test_a_result_off_by_more_than_the_bound_is_rejected(method):
    spec, kwargs, x, w, b, want = _layer()
    got = ConvEngine(spec, x, method).run(w, b)
    assert_conv_close(got, want, x, w, b, method=method, **kwargs)
    bound = 2 * gamma(28, np.float32) * conv_abs_sums(spec, x, w, b)
    if method == "fft":
        bound = bound + fft_bound(spec, x, w, np.float32)[:, None, None]
    # move one value to just beyond its bound (measured from the exact value), and another well
    # within it: only the first is refused, and the message names it (float32 kept: the dtype
    # sets the bound)
    beyond, within = got.copy(), got.copy()
    beyond[2, 5, 7] = want[2, 5, 7] + 1.5 * bound[2, 5, 7]
    within[2, 5, 7] = want[2, 5, 7] + 0.5 * bound[2, 5, 7]
    with pytest.raises(AssertionError, match=r"1 of 480 .* worst at \(2, 5, 7\)"):
        assert_conv_close(beyond, want, x, w, b, method=method, **kwargs)
    assert_conv_close(within, want, x, w, b, method=method, **kwargs)


def test_the_bound_is_not_vacuous():
    """For direct methods the bound is a few hundred float32 ulps of the terms' size, far below
    the values themselves: a typical output is hundreds of bounds away from zero."""
    spec, kwargs, x, w, b, want = _layer()
    bound = 2 * gamma(28, np.float32) * conv_abs_sums(spec, x, w, b)
    assert np.median(np.abs(want) / bound) > 100
    with pytest.raises(AssertionError):
        assert_conv_close(np.zeros_like(want), want, x, w, b, method="windows", **kwargs)


def test_cancelling_sums_differ_beyond_a_fixed_rtol_but_within_the_bound():
    """The failure a fixed rtol=1e-6 has on AMD: a float32 sum whose terms cancel, added in two
    orders. The error is relative to the terms, not to the result."""
    rng = np.random.default_rng(0)
    terms = rng.standard_normal((200, 300)).astype(np.float32) * 10
    terms[:, -1] = -terms[:, :-1].sum(axis=1)  # sums near zero
    forward = np.zeros(200, dtype=np.float32)
    for k in range(300):
        forward += terms[:, k]
    backward = np.zeros(200, dtype=np.float32)
    for k in reversed(range(300)):
        backward += terms[:, k]
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(forward, backward, rtol=1e-6, atol=0)
    abs_sums = np.abs(terms.astype(np.float64)).sum(axis=1)
    assert_sums_close(forward, backward, abs_sums, 300)
    exact = terms.astype(np.float64).sum(axis=1)
    assert_sums_close(forward, exact, abs_sums, 300)
    with pytest.raises(AssertionError, match="sums of 300 terms"):
        assert_sums_close(forward + 2.1 * gamma(300, np.float32) * abs_sums, exact, abs_sums, 300)


def test_subset_channels_are_checked_against_their_own_bounds():
    spec, kwargs, x, w, b, want = _layer()
    engine = ConvEngine(spec, x, "windows")
    got = engine.run(w, b, [3, 1])
    assert_conv_close(got, want[[3, 1]], x, w, b, channels=[3, 1], method="windows", **kwargs)
    with pytest.raises(AssertionError):  # channels swapped: compared with the wrong outputs
        assert_conv_close(got, want[[1, 3]], x, w, b, channels=[3, 1], method="windows", **kwargs)


def test_layer_spec_reads_conv2d_arguments():
    x, w = np.zeros((4, 9, 9)), np.zeros((6, 2, 3, 1))
    spec = layer_spec(x, w, None, stride=2, padding=(1, 0), groups=2, padding_mode="circular")
    assert spec == LayerSpec(4, 6, (3, 1), 2, (1, 0), "circular", 1, 2, False)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"padding": 1, "padding_mode": "reflect"},
        {"padding": (2, 0), "stride": (2, 1), "dilation": (1, 2), "padding_mode": "circular"},
        {"padding": 0, "groups": 3},
    ],
)
def test_the_package_rule_agrees_with_the_tests(kwargs):
    """The app judges "Check against PyTorch" with ``model.output_bound`` on magnitudes from the
    engine; the tests use the same rule on magnitudes from the loop reference: they agree."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 11, 12)).astype(np.float32)
    w = rng.standard_normal((6, 3 // kwargs.get("groups", 1), 3, 2)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    spec = layer_spec(x, w, b, **kwargs)
    runtime = absolute_sums(spec, x, w, b)
    reference = conv_abs_sums(spec, x, w, b)
    np.testing.assert_allclose(runtime, reference, rtol=1e-12)  # float64 sums of ≤ 19 terms
    n_terms = spec.in_per_group * 3 * 2 + 1
    direct = output_bound(spec, x, w, runtime, fft=False)
    assert np.array_equal(direct, 2 * gamma(n_terms, np.float32) * runtime)
    fft = output_bound(spec, x, w, runtime, fft=True)
    assert np.array_equal(fft, direct + fft_bound(spec, x, w, np.float32)[:, None, None])
