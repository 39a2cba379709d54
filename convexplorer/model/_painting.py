"""A transposed output channel painted part-way, at the cost of a few rows per frame.

After the first ``count`` input pixels in raster order (count = r0·W + c0), an output row that only
input rows above r0 reach is finished (the layer's output), a row that only rows below r0 reach
holds the bias alone, and only the band of rows that input row r0 paints is part-way. ``Painter``
recomputes that band alone from the tap shares of the few input rows that reach it — the engine's
own product blocks (``TransposeEngine.tap_shares``), recomputed and kept while consecutive frames
reuse them — adding the taps in the engine's order with the shares of unpainted pixels as zeros:
the same operations on the same numbers as ``painted_so_far``, so the bits match, for a band's work
whatever the image size.
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
    outputs: the engine's bits); otherwise the engine runs the channel here, a whole layer's
    work for one channel.
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
        self._engine = TransposeEngine(spec, x)
        if final is None:
            used = kernel_in_use(spec, np.asarray(weight, dtype=x.dtype))
            final = self._engine.run(used, bias, [out_channel])[0]
        self.final = final
        self._rest = x.dtype.type(0) if self._bias is None else self._bias
        self._blocks: dict[int, np.ndarray] = {}  # product blocks the last frame read

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

    def _shares(self, first: int, stop: int, r0: int, c0: int) -> np.ndarray:
        """Tap shares of input rows ``first`` … ``stop − 1``, (kH·kW, rows, W), zero from pixel
        (r0, c0) on (not painted yet); the blocks read are kept for the next frame, no others."""
        _, height, width = self._x.shape
        kh, kw = self._spec.kernel_size
        shares = np.zeros((kh * kw, stop - first, width), dtype=self.final.dtype)
        painted_stop = max(first, min(stop, r0 + 1, height))  # rows from here on: unpainted
        per_block = self._engine.block_rows
        kept: dict[int, np.ndarray] = {}
        for block in range(first // per_block, -(-painted_stop // per_block)):
            if block not in self._blocks:
                self._blocks[block] = self._engine.tap_shares(
                    self._kernels, self._out_channel, block
                ).reshape(kh * kw, -1, width)
            kept[block] = self._blocks[block]
            lo = max(first, block * per_block)
            hi = min(painted_stop, (block + 1) * per_block)
            shares[:, lo - first : hi - first] = kept[block][
                :, lo - block * per_block : hi - block * per_block
            ]
        self._blocks = kept
        if first <= r0 < stop:
            shares[:, r0 - first, c0:] = 0
        return shares

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
        # input rows reaching the band through each kernel row a (none where r_lo > r_hi)
        reach = []
        for a in range(kh):
            off_r = a * dh - ph
            reach.append(
                (max(0, _ceil_div(top - off_r, sh)), min(height - 1, (stop - 1 - off_r) // sh))
            )
        first = min((lo for lo, hi in reach if lo <= hi), default=0)
        last = max((hi for lo, hi in reach if lo <= hi), default=-1)
        shares = self._shares(first, last + 1, r0, c0)
        for a, (r_lo, r_hi) in enumerate(reach):
            if r_lo > r_hi:
                continue
            off_r = a * dh - ph
            for b in range(kw):
                off_c = b * dw - pw
                c_lo = max(0, _ceil_div(-off_c, sw))
                c_hi = min(width - 1, (ow - 1 - off_c) // sw)
                if c_lo > c_hi:
                    continue
                part = shares[a * kw + b, r_lo - first : r_hi + 1 - first, c_lo : c_hi + 1]
                y = r_lo * sh + off_r - top
                x = c_lo * sw + off_c
                band[y : y + (r_hi - r_lo) * sh + 1 : sh, x : x + (c_hi - c_lo) * sw + 1 : sw] += (
                    part
                )
        if self._bias is not None:
            band += self._bias
        return PaintedSoFar(self.final, top, band, self._rest)
