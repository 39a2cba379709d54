"""Tolerances derived from the numbers being compared, so they hold on any CPU and BLAS.

Two float results of the same sum, added in different orders (an AVX-512 and an AVX2 kernel, a
blocked and a plain loop, FFT and direct), differ by rounding that grows with the number of terms
and with the terms' magnitudes, not with the result: a sum that cancels to 1e-3 from terms of size
10 carries errors of 10·eps, which no fixed ``rtol`` covers. The classical bound (Higham, Accuracy
and Stability of Numerical Algorithms, §3.1) holds for every summation order:

    |fl(Σ aᵢ) − Σ aᵢ| ≤ γ_n · Σ |aᵢ|,   γ_n = n·u / (1 − n·u),   u = eps / 2,

so two computed sums differ by at most 2·γ_n·Σ|aᵢ|. For a convolution output, the terms are the
products w·x of its receptive field plus the bias: Σ|aᵢ| is the reference convolution of |x| with
|w| plus |bias|, computed in float64.

FFT convolution has a norm-wise bound instead: the spectra's errors spread over every output,
so an output whose own terms are tiny (a window of zero padding) still carries error of order
u·log₂N·‖x‖₂·‖w‖ (see ``fft_bound``).
"""

from __future__ import annotations

import math

import numpy as np

from convexplorer.model import LayerSpec

from .reference import reference_conv2d

_NUMPY_PAD = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def unit_roundoff(dtype: np.dtype | type) -> float:
    """u = eps/2: the largest relative error of one rounding."""
    return float(np.finfo(dtype).eps) / 2


def gamma(n_terms: int, dtype: np.dtype | type) -> float:
    """γ_n = n·u/(1 − n·u), the relative error bound of a sum of n terms in any order."""
    nu = n_terms * unit_roundoff(dtype)
    if nu >= 0.5:
        raise ValueError(f"{n_terms} terms are too many for a meaningful bound in {dtype}")
    return nu / (1 - nu)


def _coarser(*arrays: np.ndarray) -> np.dtype:
    """The least precise floating dtype among the arrays (the one whose rounding dominates)."""
    dtypes = [np.asarray(a).dtype for a in arrays if np.asarray(a).dtype.kind == "f"]
    return max(dtypes, key=lambda d: np.finfo(d).eps) if dtypes else np.dtype(np.float64)


def assert_within(actual, expected, bound, what: str = "values") -> None:
    """|actual − expected| ≤ bound elementwise, or an AssertionError naming the worst element."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"shapes differ: {actual.shape} vs {expected.shape}"
    error = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    bound = np.broadcast_to(np.asarray(bound, dtype=np.float64), error.shape)
    bad = ~(error <= bound)  # NaN fails too
    if bad.any():
        ratio = np.where(bound > 0, error / np.where(bound > 0, bound, 1), np.inf)
        worst = np.unravel_index(int(np.argmax(np.where(bad, ratio, -1))), error.shape)
        raise AssertionError(
            f"{int(bad.sum())} of {error.size} {what} differ by more than their rounding bound; "
            f"worst at {tuple(int(i) for i in worst)}: {actual[worst]!r} vs {expected[worst]!r}, "
            f"error {error[worst]:.3g} > bound {bound[worst]:.3g}"
        )


def assert_sums_close(actual, expected, abs_terms_sum, n_terms: int, dtype=None) -> None:
    """Two computations of the same sums of ``n_terms`` terms agree within rounding.

    ``abs_terms_sum`` is Σ|terms| per value (broadcastable); ``dtype`` the precision the sums were
    computed in (default: the coarser of actual's and expected's). Each computation is within
    γ_n·Σ|terms| of the exact sum, so they are within twice that of each other.
    """
    dtype = _coarser(actual, expected) if dtype is None else np.dtype(dtype)
    bound = 2 * gamma(max(1, n_terms), dtype) * np.asarray(abs_terms_sum, dtype=np.float64)
    assert_within(actual, expected, bound, f"sums of {n_terms} terms ({dtype})")


def layer_spec(x: np.ndarray, weight: np.ndarray, bias, **conv_kwargs) -> LayerSpec:
    """The layer ``conv2d(x, weight, bias, **conv_kwargs)`` computes."""
    return LayerSpec(
        in_channels=x.shape[0],
        out_channels=weight.shape[0],
        kernel_size=weight.shape[2:],
        stride=conv_kwargs.get("stride", 1),
        padding=conv_kwargs.get("padding", 0),
        padding_mode=conv_kwargs.get("padding_mode", "zeros"),
        dilation=conv_kwargs.get("dilation", 1),
        groups=conv_kwargs.get("groups", 1),
        bias=bias is not None,
    )


def conv_abs_sums(spec: LayerSpec, x: np.ndarray, weight: np.ndarray, bias) -> np.ndarray:
    """Σ|w|·|x| + |bias| per output value: the loop reference on absolute values, in float64."""
    return reference_conv2d(
        np.abs(np.asarray(x, dtype=np.float64)),
        np.abs(np.asarray(weight, dtype=np.float64)),
        None if bias is None else np.abs(np.asarray(bias, dtype=np.float64)),
        spec.stride,
        spec.pads,
        spec.dilation,
        spec.groups,
        spec.padding_mode,
    )


def fft_bound(spec: LayerSpec, x: np.ndarray, weight: np.ndarray, dtype) -> np.ndarray:
    """Per output channel, the error bound of an FFT convolution computed in ``dtype``.

    By Parseval, a relative error η in every spectral term changes an output by at most
    η·Σ_c ‖x̃_c‖₂·‖K_c‖ / √N·… ≤ η·Σ_c ‖x̃_c‖₂·‖w_c‖₁ (x̃: the padded input channel, |K| ≤ ‖w‖₁).
    η counts the roundings on the way: forward and inverse transforms (log₂N each, pocketfft's
    error grows like log N), the kernel spectrum (kH + kW terms), the product and the sum over
    channels; doubled, as for two computations.
    """
    top, bottom, left, right = spec.pads
    padded = np.pad(
        np.asarray(x, dtype=np.float64),
        ((0, 0), (top, bottom), (left, right)),
        mode=_NUMPY_PAD[spec.padding_mode],
    )
    (kh, kw), (eh, ew) = spec.kernel_size, spec.effective_kernel_size
    n = padded.shape[1] * padded.shape[2] + eh * ew
    cg = spec.in_per_group
    eta = (2 * math.log2(max(2, n)) + kh + kw + cg + 4) * unit_roundoff(dtype)
    x_norms = np.sqrt((padded**2).sum(axis=(1, 2))).reshape(spec.groups, cg)
    w_norms = np.abs(np.asarray(weight, dtype=np.float64)).sum(axis=(2, 3))  # (C_out, cg)
    group = np.arange(spec.out_channels) // spec.out_per_group
    return 2 * eta * (w_norms * x_norms[group]).sum(axis=1)


def assert_conv_close(
    actual,
    expected,
    x: np.ndarray,
    weight: np.ndarray,
    bias=None,
    *,
    channels=None,
    method: str | None = None,
    **conv_kwargs,
) -> None:
    """A convolution result agrees with another (e.g. the float64 loop reference) within rounding.

    ``conv_kwargs`` are ``conv2d``'s (stride, padding, dilation, groups, padding_mode);
    ``channels`` the output channels ``actual`` holds (default all); ``method="fft"`` adds the
    FFT bound, and None allows it too (the engine may have picked fft).
    """
    spec = layer_spec(x, weight, bias, **conv_kwargs)
    dtype = _coarser(actual, expected)
    n_terms = spec.in_per_group * spec.kernel_size[0] * spec.kernel_size[1] + (bias is not None)
    abs_sums = conv_abs_sums(spec, x, weight, bias)
    bound = 2 * gamma(n_terms, dtype) * abs_sums
    if method in (None, "fft"):
        bound = bound + fft_bound(spec, x, weight, dtype)[:, None, None]
    if channels is not None:
        bound = bound[list(channels)]
    assert_within(actual, expected, bound, f"conv outputs ({dtype}, {n_terms} terms)")
