"""A transposed output channel painted part-way, at the cost of a few rows per frame.

After the first ``count`` input pixels in raster order (count = r0·W + c0), an output row that only
input rows above r0 reach is finished (the layer's output), a row that only rows below r0 reach
holds the bias alone, and only the band of rows that input row r0 paints is part-way. ``Painter``
keeps the engine's one product (every tap's share of every pixel) and recomputes that band alone,
adding the taps in the engine's order with the shares of unpainted pixels as zeros: the same
operations on the same numbers as ``painted_so_far``, so the bits match, for a few rows of work.
It keeps kH·kW floats per input pixel (64 MB at 1024² with a 4×4 kernel) while it is current.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._flip import kernel_in_use
from ._spec import LayerSpec
from ._transpose import TransposeEngine


@dataclass(frozen=True)
class PaintedSoFar:
    """Output channel values after some pixels: rows above ``band_start`` are ``final``'s, the
    band's rows are ``band``, and every row below it holds ``rest`` (the bias, or zero)."""

    final: np.ndarray
    band_start: int
    band: np.ndarray
    rest: np.floating

    @property
    def band_stop(self) -> int:
        return self.band_start + len(self.band)

    def at(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Values at every pair of ``rows`` × ``cols`` (indices inside the output)."""
        out = np.empty((len(rows), len(cols)), dtype=self.final.dtype)
        for slot, row in enumerate(np.asarray(rows).tolist()):
            if row < self.band_start:
                out[slot] = self.final[row, cols]
            elif row < self.band_stop:
                out[slot] = self.band[row - self.band_start, cols]
            else:
                out[slot] = self.rest
        return out

    def array(self) -> np.ndarray:
        """The whole map (a fresh array: a full map's worth of copying)."""
        out = np.empty_like(self.final)
        out[: self.band_start] = self.final[: self.band_start]
        out[self.band_start : self.band_stop] = self.band
        out[self.band_stop :] = self.rest
        return out


def _channel_numbers(
    spec: LayerSpec, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, out_channel: int
) -> tuple[np.ndarray, np.floating | None]:
    """The channel's kernels as computed with (flipped for textbook convolution) and its bias."""
    kernels = kernel_in_use(spec, np.asarray(weight[out_channel], dtype=x.dtype))
    return kernels, None if bias is None else x.dtype.type(bias[out_channel])


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


class Painter:
    """Paints output channel ``out_channel`` of a transposed layer after any number of pixels.

    ``final`` is the channel's finished output when the caller already has it (the state's
    outputs: the engine's bits); otherwise it is painted here from the kept product.
    """

    def __init__(
        self,
        spec: LayerSpec,
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray | None,
        out_channel: int,
        final: np.ndarray | None = None,
    ) -> None:
        self._spec, self._x, self._out_channel = spec, x, out_channel
        self._kernels, self._bias = _channel_numbers(spec, x, weight, bias, out_channel)
        engine = TransposeEngine(spec, x)
        _, height, width = x.shape
        kh, kw = spec.kernel_size
        self._shares = engine.tap_shares(self._kernels, out_channel).reshape(kh * kw, height, width)
        if final is None:
            final = engine.paint(self._shares)
            if self._bias is not None:
                final += self._bias
        self.final = final
        self._rest = x.dtype.type(0) if self._bias is None else self._bias

    def matches(
        self,
        spec: LayerSpec,
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray | None,
        out_channel: int,
    ) -> bool:
        """Whether this painter is for these settings (same input object, same numbers)."""
        if spec != self._spec or x is not self._x or out_channel != self._out_channel:
            return False
        kernels, bias_value = _channel_numbers(spec, x, weight, bias, out_channel)
        return bias_value == self._bias and np.array_equal(kernels, self._kernels)

    def painted(self, count: int) -> PaintedSoFar:
        """The channel after the first ``count`` input pixels (the rest read as zero)."""
        spec = self._spec
        _, height, width = self._x.shape
        oh, ow = self.final.shape
        (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
        ph, pw = spec.padding  # type: ignore[misc]
        r0, c0 = divmod(count, width)
        top = min(max(r0 * sh - ph, 0), oh)
        stop = min(max(r0 * sh - ph + (kh - 1) * dh + 1, 0), oh)
        band = np.zeros((stop - top, ow), dtype=self.final.dtype)
        for a in range(kh):
            off_r = a * dh - ph
            r_lo = max(0, _ceil_div(top - off_r, sh))
            r_hi = min(height - 1, (stop - 1 - off_r) // sh)
            if r_lo > r_hi:
                continue
            for b in range(kw):
                off_c = b * dw - pw
                c_lo = max(0, _ceil_div(-off_c, sw))
                c_hi = min(width - 1, (ow - 1 - off_c) // sw)
                if c_lo > c_hi:
                    continue
                part = self._shares[a * kw + b, r_lo : r_hi + 1, c_lo : c_hi + 1]
                if r_hi >= r0:  # pixels from (r0, c0) on are not painted yet: zeros
                    part = part.copy()
                    part[max(r0 + 1 - r_lo, 0) :] = 0
                    if r0 >= r_lo:
                        part[r0 - r_lo, max(c0 - c_lo, 0) :] = 0
                y = r_lo * sh + off_r - top
                x = c_lo * sw + off_c
                band[y : y + (r_hi - r_lo) * sh + 1 : sh, x : x + (c_hi - c_lo) * sw + 1 : sw] += (
                    part
                )
        if self._bias is not None:
            band += self._bias
        return PaintedSoFar(self.final, top, band, self._rest)
