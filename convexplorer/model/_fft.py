"""Convolution through the Fourier transform: cheap for large kernels, and for editing one filter.

The input's spectrum is computed once per input and kept, so a weight edit costs one small kernel
transform, a few spectrum products and one inverse transform — independent of the kernel size.
Each filter's work is its own (batched transforms and products handle every filter alike), so a
filter's bits do not depend on which other filters a run computes with it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._spec import LayerSpec

#: Bytes of kernel spectra computed at once; filters beyond it go in further chunks.
CHUNK_BYTES = 4 * 2**20

#: Complex type of the spectra per input dtype: float32 layers keep complex64 (half the memory, and
#: still more accurate than a float32 direct sum); float64 layers keep full precision.
_COMPLEX = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}


def fast_length(n: int) -> int:
    """The smallest 2^a·3^b·5^c ≥ n: a transform length pocketfft handles quickly."""
    while True:
        m = n
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1


def transform_shape(spec: LayerSpec, output_size: tuple[int, int]) -> tuple[int, int]:
    """Transform size: fast lengths covering the padded rows and columns any output pixel reads."""
    (eh, ew), (oh, ow), (sh, sw) = spec.effective_kernel_size, output_size, spec.stride
    return (fast_length((oh - 1) * sh + eh), fast_length((ow - 1) * sw + ew))


def spectrum_bytes(spec: LayerSpec, output_size: tuple[int, int], dtype: np.dtype) -> int:
    """Memory of the kept input spectrum: C_in × N_h × (N_w/2 + 1) complex values."""
    nh, nw = transform_shape(spec, output_size)
    return spec.in_channels * nh * (nw // 2 + 1) * np.dtype(_COMPLEX[np.dtype(dtype)]).itemsize


class FftConv:
    """Cross-correlation of one padded input with any weights, by products of spectra.

    Output pixel (r, q) reads padded[r·sh + i·dh, q·sw + j·dw]; a circular correlation of length
    N ≥ the rows actually read never wraps for those pixels, so cropping (and subsampling for the
    stride) the inverse transform gives the exact result. Dilation needs no zero-stuffed kernel: the
    kernel's spectrum is computed directly as E_h · w · E_wᵀ with the dilated tap positions.
    """

    def __init__(self, spec: LayerSpec, padded: np.ndarray, output_size: tuple[int, int]) -> None:
        (kh, kw), (dh, dw) = spec.kernel_size, spec.dilation
        self._stride = spec.stride
        self.output_size = output_size
        self._shape = nh, nw = transform_shape(spec, output_size)
        self._complex = _COMPLEX[padded.dtype]
        # the conjugated DFT of the (dilated) tap positions: correlation = irfft(X · conj(K))
        rows = np.exp(2j * np.pi * np.outer(np.arange(nh), np.arange(kh) * dh) / nh)
        cols = np.exp(2j * np.pi * np.outer(np.arange(kw) * dw, np.arange(nw // 2 + 1)) / nw)
        self._rows = rows.astype(self._complex)
        self._cols_t = cols.astype(self._complex)
        # the input's spectrum, kept for every run. numpy's pocketfft does the forward real
        # transform faster in float64 than in float32 here (benchmarks/README.md), and more
        # precisely; the inverse is faster in the input's precision.
        (eh, ew), (oh, ow), (sh, sw) = spec.effective_kernel_size, output_size, spec.stride
        used = padded[:, : (oh - 1) * sh + eh, : (ow - 1) * sw + ew].astype(np.float64)
        self._spectrum = np.fft.rfft2(used, s=self._shape).astype(self._complex, copy=False)

    #: filters per block for the engine: each filter is computed on its own
    block = 1

    def run(
        self,
        weight: np.ndarray,
        bias: np.ndarray | None,
        blocks: Sequence[tuple[int, int, int]],
        dest: np.ndarray,
    ) -> None:
        """Fill dest (n, H_out, W_out) with filters ``weight`` (n, C_in/g, kH, kW) plus ``bias``,
        added after the result is rounded to dest's type (as the direct methods add it).

        ``blocks`` lists (group, first, stop): filters first..stop-1 all belong to that group.
        Adjacent blocks of a group are merged, then filters go a few at a time, so the complex
        temporaries stay small (big temporaries cost page faults on every call).
        """
        merged: list[tuple[int, int, int]] = []
        for g, first, stop in blocks:
            if merged and merged[-1][0] == g and merged[-1][2] == first:
                merged[-1] = (g, merged[-1][1], stop)
            else:
                merged.append((g, first, stop))
        spectrum = self._spectrum
        _, cg, kh, kw = weight.shape
        nh, nv = self._rows.shape[0], self._cols_t.shape[1]
        step = max(1, CHUNK_BYTES // (cg * nh * nv * np.dtype(self._complex).itemsize))
        (oh, ow), (sh, sw) = self.output_size, self._stride
        for g, first, stop in merged:
            inputs = spectrum[g * cg : (g + 1) * cg]
            for start in range(first, stop, step):
                end = min(stop, start + step)
                w = weight[start:end].reshape(-1, kh, kw).astype(self._complex)
                kernels = (self._rows @ (w @ self._cols_t)).reshape(end - start, cg, nh, nv)
                total = kernels[:, 0] * inputs[0]
                if cg > 1:
                    product = np.empty_like(total)
                    for c in range(1, cg):
                        total += np.multiply(kernels[:, c], inputs[c], out=product)
                result = np.fft.irfft2(total, s=self._shape)
                dest[start:end] = result[:, : (oh - 1) * sh + 1 : sh, : (ow - 1) * sw + 1 : sw]
                if bias is not None:
                    dest[start:end] += bias[start:end, None, None]
