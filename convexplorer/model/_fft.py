"""Convolution through the Fourier transform: cheap for large kernels, and for editing one filter.

The input's spectrum is computed once per input and kept, so a weight edit costs one small kernel
transform, a few spectrum products and one inverse transform — independent of the kernel size.
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


class FftConv:
    """Cross-correlation of one padded input with any weights, by products of spectra.

    Output pixel (r, q) reads padded[r·sh + i·dh, q·sw + j·dw]; a circular correlation of length
    N ≥ the rows actually read never wraps for those pixels, so cropping (and subsampling for the
    stride) the inverse transform gives the exact result. Dilation needs no zero-stuffed kernel: the
    kernel's spectrum is computed directly as E_h · w · E_wᵀ with the dilated tap positions.
    """

    def __init__(self, spec: LayerSpec, padded: np.ndarray, output_size: tuple[int, int]) -> None:
        (kh, kw), (dh, dw), (sh, sw) = spec.kernel_size, spec.dilation, spec.stride
        (eh, ew), (oh, ow) = spec.effective_kernel_size, output_size
        self._padded: np.ndarray | None = padded
        self._channels = padded.shape[0]
        self._in_per_group = spec.in_per_group
        self._stride = (sh, sw)
        self.output_size = output_size
        # rows/cols any output pixel reads; the rest of the padded input never matters
        self._used = ((oh - 1) * sh + eh, (ow - 1) * sw + ew)
        self._shape = (fast_length(self._used[0]), fast_length(self._used[1]))
        nh, nw = self._shape
        self._complex = _COMPLEX[padded.dtype]
        # conjugated DFT of the tap positions: correlation = irfft(X · conj(K))
        self._rows = np.exp(2j * np.pi * np.outer(np.arange(nh), np.arange(kh) * dh) / nh)
        self._cols = np.exp(2j * np.pi * np.outer(np.arange(nw // 2 + 1), np.arange(kw) * dw) / nw)
        self._rows = self._rows.astype(self._complex)
        self._cols_t = np.ascontiguousarray(self._cols.T.astype(self._complex))
        self._spectrum: np.ndarray | None = None

    @property
    def cache_bytes(self) -> int:
        """Size of the input spectrum this method keeps: C_in × N_h × (N_w/2 + 1) complex values."""
        nh, nw = self._shape
        return self._channels * nh * (nw // 2 + 1) * np.dtype(self._complex).itemsize

    def _input_spectrum(self) -> np.ndarray:
        if self._spectrum is None:
            uh, uw = self._used
            assert self._padded is not None
            # numpy's pocketfft runs its forward real transform faster in float64 than float32 here
            # (see benchmarks/README.md), and the extra precision is free
            used = self._padded[:, :uh, :uw].astype(np.float64)
            self._spectrum = np.fft.rfft2(used, s=self._shape).astype(self._complex, copy=False)
            self._padded = None  # only the spectrum is needed from now on
        return self._spectrum

    def run(
        self,
        weight: np.ndarray,
        bias: np.ndarray | None,
        groups: Sequence[tuple[int, int, int]],
        dest: np.ndarray,
    ) -> None:
        """Fill dest (n, H_out, W_out) with filters ``weight`` (n, C_in/g, kH, kW).

        ``groups`` lists (group, first, stop): filters first..stop-1 all belong to that group.
        Filters go a few at a time, so the complex temporaries stay small (big temporaries cost
        page faults on every call).
        """
        spectrum = self._input_spectrum()
        _, cg, kh, kw = weight.shape
        nh, nv = self._rows.shape[0], self._cols_t.shape[1]
        step = max(1, CHUNK_BYTES // (cg * nh * nv * np.dtype(self._complex).itemsize))
        (oh, ow), (sh, sw) = self.output_size, self._stride
        for g, first, stop in groups:
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
                cropped = result[:, : (oh - 1) * sh + 1 : sh, : (ow - 1) * sw + 1 : sw]
                if bias is None:
                    dest[start:end] = cropped
                else:
                    np.add(
                        cropped, bias[start:end, None, None], out=dest[start:end], casting="unsafe"
                    )
