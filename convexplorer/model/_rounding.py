"""How far two float32 computations of one layer's outputs may differ: the rounding rule, once.

Two float results of the same sum, added in different orders (an AVX-512 and an AVX2 kernel, a
blocked and a plain loop, PyTorch and this explorer), differ by rounding that grows with the
number of terms and with the terms' magnitudes, not with the result: a sum that cancels to 1e-3
from terms of size 10 carries errors of 10·eps, which no fixed ``rtol`` covers. The classical
bound (Higham, Accuracy and Stability of Numerical Algorithms, §3.1) holds for every order:

    |fl(Σ aᵢ) − Σ aᵢ| ≤ γ_n · Σ |aᵢ|,   γ_n = n·u / (1 − n·u),   u = eps / 2,

so two computed sums differ by at most 2·γ_n·Σ|aᵢ|. For a convolution output the terms are the
products w·x of its receptive field plus the bias: Σ|aᵢ| is the layer run on |x| with |w| and
|bias|, in float64 (for either kind, and with the kernel as computed with when it is flipped).
ReLU moves two values no further apart, so the bound holds after it too. γ grows with n, so any
upper bound on the count serves; a transposed layer's is in ``sum_terms``.

An FFT convolution has a norm-wise bound instead (``fft_bound``); the engine's pick says whether
the explorer's outputs carry it. "Check against PyTorch" and the test suite both judge with
``output_bound``.
"""

from __future__ import annotations

import math

import numpy as np

from ._cost import choose_method
from ._flip import kernel_in_use
from ._kinds import make_engine
from ._padding import padded_copy
from ._spec import LayerSpec


def unit_roundoff(dtype: np.dtype | type) -> float:
    """u = eps/2: the largest relative error of one rounding."""
    return float(np.finfo(dtype).eps) / 2


def gamma(n_terms: int, dtype: np.dtype | type) -> float:
    """γ_n = n·u/(1 − n·u), the relative error bound of a sum of n terms in any order."""
    nu = n_terms * unit_roundoff(dtype)
    if nu >= 0.5:
        raise ValueError(f"{n_terms} terms are too many for a meaningful bound in {dtype}")
    return nu / (1 - nu)


def sum_terms(spec: LayerSpec) -> int:
    """At most how many terms one output's sum has: products w·x and the bias.

    Conv2d: a filter's weights, one product each. ConvTranspose2d: output row r receives tap a
    only where r + pad − a·dilation is a multiple of the stride; with g = gcd(stride, dilation)
    those taps are stride/g apart, so at most ⌈kH / (stride/g)⌉ of the kH taps land on any row
    (likewise for columns), each bringing one product per input channel of the group. Taps that
    land between or outside input pixels add nothing (an exact 0 in any order of summation).
    """
    if not spec.transposed:
        return spec.weights_per_filter + int(spec.bias)
    taps = 1
    for k, s, d in zip(spec.kernel_size, spec.stride, spec.dilation, strict=True):
        taps *= -(-k // (s // math.gcd(s, d)))
    return spec.in_per_group * taps + int(spec.bias)


def absolute_sums(spec: LayerSpec, x: np.ndarray, weight: np.ndarray, bias) -> np.ndarray:
    """Σ|w|·|x| + |bias| per output value, (C_out, H_out, W_out) in float64, for either kind
    (``weight`` as typed, in the explorer's layout; flipped here when the layer flips it)."""
    absolute = np.abs(np.asarray(x, dtype=np.float64))
    return make_engine(spec, absolute).run(
        np.abs(kernel_in_use(spec, np.asarray(weight, dtype=np.float64))),
        None if bias is None else np.abs(np.asarray(bias, dtype=np.float64)),
    )


def fft_bound(spec: LayerSpec, x: np.ndarray, weight: np.ndarray, dtype) -> np.ndarray:
    """Per output channel, the error bound of an FFT convolution computed in ``dtype``.

    By Parseval, a relative error η in every spectral term changes an output by at most
    η·Σ_c ‖x̃_c‖₂·‖w_c‖₁ (x̃: the padded input channel, |K| ≤ ‖w‖₁). η counts the roundings on
    the way: forward and inverse transforms (log₂N each, pocketfft's error grows like log N),
    the kernel spectrum (kH + kW terms), the product and the sum over channels; doubled, as for
    two computations.
    """
    padded = padded_copy(np.asarray(x, dtype=np.float64), spec.pads, spec.padding_mode)
    (kh, kw), (eh, ew) = spec.kernel_size, spec.effective_kernel_size
    n = padded.shape[1] * padded.shape[2] + eh * ew
    cg = spec.in_per_group
    eta = (2 * math.log2(max(2, n)) + kh + kw + cg + 4) * unit_roundoff(dtype)
    x_norms = np.sqrt((padded**2).sum(axis=(1, 2))).reshape(spec.groups, cg)
    w_norms = np.abs(np.asarray(weight, dtype=np.float64)).sum(axis=(2, 3))  # (C_out, cg)
    group = np.arange(spec.out_channels) // spec.out_per_group
    return 2 * eta * (w_norms * x_norms[group]).sum(axis=1)


def uses_fft(spec: LayerSpec, height: int, width: int) -> bool:
    """Whether the explorer computes this layer on an input of this size by FFT (never a
    transposed one: ``TransposeEngine`` multiplies and adds the taps directly)."""
    return not spec.transposed and not spec.pool and choose_method(spec, height, width) == "fft"


def output_bound(
    spec: LayerSpec,
    x: np.ndarray,
    weight: np.ndarray,
    magnitudes: np.ndarray,
    dtype: np.dtype | type = np.float32,
    fft: bool | None = None,
) -> np.ndarray:
    """How far two ``dtype`` computations of each output may lie apart, in float64.

    ``magnitudes`` is Σ|w·x| + |b| per output (``absolute_sums``, or any float64 computation
    of it); ``fft`` adds the FFT bound (None: when the explorer's engine uses FFT for this layer).
    """
    if spec.pool == "max":  # picking the largest value rounds nothing
        return np.zeros(np.shape(magnitudes))
    bound = 2 * gamma(sum_terms(spec), dtype) * np.asarray(magnitudes, dtype=np.float64)
    if fft is None:
        fft = uses_fft(spec, x.shape[1], x.shape[2])
    if fft:
        bound = bound + fft_bound(spec, x, weight, dtype)[:, None, None]
    return bound
