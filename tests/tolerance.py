"""Tolerances derived from the numbers being compared, so they hold on any CPU and BLAS.

The rule itself — two float computations of the same sums differ by at most 2·γ_n·Σ|aᵢ|, plus
FFT's norm-wise error where the engine uses FFT — lives in the package
(``convexplorer.model.output_bound``, see ``model/_rounding.py``), where "Check against PyTorch"
judges with it too. Here the magnitudes Σ|w|·|x| + |bias| come from the obviously-correct loop
reference (``tests/reference.py``) rather than the engine under test.
"""

from __future__ import annotations

import numpy as np

from convexplorer.model import (
    LayerSpec,
    absolute_sums,
    activation_info,
    evaluation_error,
    fft_bound,
    gamma,
    output_bound,
    sum_terms,
    unit_roundoff,
)

from .reference import reference_conv2d

__all__ = [
    "assert_activation_close",
    "assert_conv_close",
    "assert_sums_close",
    "assert_within",
    "conv_abs_sums",
    "fft_bound",
    "gamma",
    "layer_spec",
    "unit_roundoff",
]


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


def assert_layer_close(spec: LayerSpec, x, weight, bias, actual, expected) -> None:
    """A layer's float32 outputs (either kind; ``weight`` in the explorer's layout, as typed)
    against another computation of them (torch's), within the rounding of their sums: the
    magnitudes Σ|w·x| + |b| and the term count come from the model's one rounding rule. A ReLU on
    both sides keeps them as close."""
    terms = sum_terms(spec)
    assert_sums_close(actual, expected, absolute_sums(spec, x, weight, bias), terms, np.float32)


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
    magnitudes = conv_abs_sums(spec, x, weight, bias)
    bound = output_bound(spec, x, weight, magnitudes, dtype, fft=method in (None, "fft"))
    if channels is not None:
        bound = bound[list(channels)]
    assert_within(actual, expected, bound, f"conv outputs ({dtype}, {n_terms} terms)")


def assert_activation_close(actual, expected, raw, name: str, evaluations: int = 1) -> None:
    """An activation's float32 values at ``raw`` against another computation of them: the exact
    float64 reference (``evaluations=1``: one side rounds) or PyTorch's float32 (2: both do).

    Elementwise float32 functions round at the output and at the argument: each evaluation may
    be a few units in the last place of the output off, plus the input's unit times the
    derivative, plus float32's smallest normal (flushed subnormals) — the model's one rule,
    ``evaluation_error``. ReLU (a max) is exact, so it must agree bit for bit in value.
    """
    bound = evaluations * evaluation_error(raw, name)
    if activation_info(name).exact:
        assert not bound.any()
    assert_within(actual, expected, bound, f"{name} values")
