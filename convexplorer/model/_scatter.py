"""One transposed output channel explained, both ways round.

``transposed_dot_product`` gathers: the sum behind one output value, as the taps whose input
pixel lands exactly on it (a ``DotProduct`` like Conv2d's, so hover links and checks work alike).
``ScatterStep`` paints: what one input pixel adds — each of its channels' values times the kernel,
summed — where it lands, and the output accumulated up to it in raster order, which is what the
transposed sliding view shows frame by frame. Every number comes from the layer's weights as
computed with (``kernel_in_use``), and the output after the last pixel is the engine's, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ._dot import DotProduct
from ._flip import kernel_in_use
from ._painting import PaintedSoFar, Painter
from ._spec import LayerSpec
from ._transpose import TransposeEngine


def transposed_dot_product(
    spec: LayerSpec,
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    out_channel: int,
    row: int,
    col: int,
) -> DotProduct:
    """The sum behind ``output[out_channel, row, col]`` of a transposed layer.

    Tap (a, b) reads input row (row + pad − a·dilation) / stride when that is a whole pixel of
    the input; elsewhere (between pixels, or outside) it reads nothing: ``in_padding`` is True and
    the source is −1, as for zero padding. ``tap_rows`` hold the row rounded down there.
    """
    height, width = x.shape[1], x.shape[2]
    oh, ow = spec.output_size(height, width)
    if not (0 <= row < oh and 0 <= col < ow):
        raise ValueError(f"position ({row}, {col}) is outside the {oh}×{ow} output")
    (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
    ph, pw = spec.padding  # type: ignore[misc]
    along_r, lands_r = _landing(row + ph - dh * np.arange(kh), sh, height)
    along_c, lands_c = _landing(col + pw - dw * np.arange(kw), sw, width)
    tap_rows, tap_cols = np.meshgrid(along_r, along_c, indexing="ij")
    lands = lands_r[:, None] & lands_c[None, :]
    return DotProduct.of_taps(
        spec,
        x,
        weight,
        bias,
        out_channel,
        (row, col),
        (tap_rows, tap_cols, ~lands),
        (np.where(lands, tap_rows, -1), np.where(lands, tap_cols, -1)),
    )


def _landing(offsets: np.ndarray, stride: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Input index each offset divides to (rounded down), and whether it is a whole pixel."""
    index = np.floor_divide(offsets, stride)
    return index, (offsets % stride == 0) & (index >= 0) & (index < size)


@dataclass(frozen=True)
class ScatterStep:
    """What input pixel (row, col) adds to output channel ``out_channel``, and the sum so far.

    Arrays indexed ``[slot, a, b]`` run over the input channels the output channel reads
    (``input_channels``) and the kernel taps; the painted patch lands on output rows
    ``out_rows`` and cols ``out_cols`` (``inside`` False where a tap falls off the output,
    cropped by the padding).
    """

    out_channel: int
    row: int
    col: int
    input_channels: tuple[int, ...]
    #: (slots,) the pixel's value on each input channel.
    values: np.ndarray
    #: (slots, kH, kW) the kernel as computed with (flipped for textbook convolution).
    kernel: np.ndarray
    #: (slots, kH, kW) value × kernel, per input channel.
    scaled: np.ndarray
    #: (kH, kW) the scaled kernels summed over the channels: what the pixel adds.
    patch: np.ndarray
    out_rows: np.ndarray
    out_cols: np.ndarray
    inside: np.ndarray
    #: (kH, kW) the output under the taps before and after this pixel (NaN off the output).
    before: np.ndarray
    after: np.ndarray
    #: the output channel after every pixel up to this one (and the bias), in parts.
    so_far: PaintedSoFar

    @cached_property
    def painted(self) -> np.ndarray:
        """(H_out, W_out) the output channel after every pixel up to this one (and the bias)."""
        return self.so_far.array()


def scatter_step(
    spec: LayerSpec,
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    out_channel: int,
    row: int,
    col: int,
    painter: Painter | None = None,
) -> ScatterStep:
    """The frame of the transposed sliding view for input pixel (row, col) of ``x``.

    ``painter`` (for these settings) is kept by a caller stepping through many frames, so each
    frame costs the rows it changes."""
    _, height, width = x.shape
    if not (0 <= row < height and 0 <= col < width):
        raise ValueError(f"pixel ({row}, {col}) is outside the {height}×{width} input")
    channels = spec.filter_input_channels(out_channel)
    kernel = kernel_in_use(spec, np.asarray(weight[out_channel], dtype=x.dtype))
    values = x[channels.start : channels.stop, row, col]
    scaled = values[:, None, None] * kernel
    patch = scaled.sum(axis=0)
    (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
    ph, pw = spec.padding  # type: ignore[misc]
    oh, ow = spec.output_size(height, width)
    out_rows = row * sh - ph + dh * np.arange(kh)
    out_cols = col * sw - pw + dw * np.arange(kw)
    inside = ((out_rows >= 0) & (out_rows < oh))[:, None] & ((out_cols >= 0) & (out_cols < ow))
    count = row * width + col
    painter = painter or Painter(spec, x, weight, bias, out_channel)
    before, painted = painter.painted(count), painter.painted(count + 1)
    return ScatterStep(
        out_channel=out_channel,
        row=row,
        col=col,
        input_channels=tuple(channels),
        values=values,
        kernel=kernel,
        scaled=scaled,
        patch=patch,
        out_rows=out_rows,
        out_cols=out_cols,
        inside=inside,
        before=_under_taps(before, out_rows, out_cols, inside),
        after=_under_taps(painted, out_rows, out_cols, inside),
        so_far=painted,
    )


def _under_taps(
    values: PaintedSoFar, rows: np.ndarray, cols: np.ndarray, inside: np.ndarray
) -> np.ndarray:
    oh, ow = values.final.shape
    picked = values.at(np.clip(rows, 0, oh - 1), np.clip(cols, 0, ow - 1))
    return np.where(inside, picked, np.nan)


def painted_so_far(
    spec: LayerSpec,
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    out_channel: int,
    count: int,
) -> np.ndarray:
    """Output channel ``out_channel`` from the first ``count`` input pixels in raster order
    (the rest read as zero) plus the bias: at ``count`` = H·W, the layer's output bit for bit.

    The whole layer run on a masked input: the reference ``Painter`` is checked against."""
    _, height, width = x.shape
    channels = spec.filter_input_channels(out_channel)
    first = x[channels.start : channels.stop].reshape(len(channels), -1)
    masked = np.zeros((spec.in_channels, height * width), dtype=x.dtype)
    masked[channels.start : channels.stop, :count] = first[:, :count]
    engine = TransposeEngine(spec, masked.reshape(spec.in_channels, height, width))
    used = kernel_in_use(spec, np.asarray(weight, dtype=x.dtype))
    return engine.run(used, bias, [out_channel])[0]
