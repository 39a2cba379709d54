"""The layer as one matrix multiply: the weight matrix W and the unrolled windows X (im2col).

Frameworks compute a convolution as ``Y = W · X + b``: each column of X is one output position's
receptive field unrolled (rows ordered channel, kernel row, kernel column, as
``torch.nn.functional.unfold``), each row of W one filter. With groups, a filter has weights for
its group's channels only, so over all C_in·kH·kW rows W is block-diagonal.

This is for showing a few dozen columns, written plainly and independent of the engine (which
computes the same products tile by tile, for speed): the view reads the outputs from the model and
uses this only for the operands.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._flip import kernel_in_use, tap_in_use
from ._padding import source_index
from ._spec import LayerSpec


@dataclass(frozen=True)
class Unfolded:
    """Columns ``start … start + n − 1`` of X (output positions in raster order).

    ``values[k, n]`` is what tap row k reads for position ``start + n``; ``padding`` is True where
    the tap lands outside the image (the value then comes from the padding mode); ``rows`` and
    ``cols`` are the (H_out, W_out) position of each column.
    """

    start: int
    values: np.ndarray  # (C_in·kH·kW, n)
    padding: np.ndarray  # (C_in·kH·kW, n) bool
    rows: np.ndarray  # (n,) output row of each column
    cols: np.ndarray  # (n,) output column of each column

    @property
    def count(self) -> int:
        return int(self.values.shape[1])


@dataclass(frozen=True)
class Tap:
    """What one cell of X is: the input pixel a tap reads, or the padding that stands in for it."""

    channel: int
    i: int
    j: int
    #: where the tap lands, in unpadded input coordinates (outside the image in the padding)
    row: int
    col: int
    #: the pixel it reads: itself, a reflected/replicated/wrapped copy, or None (zero padding)
    source: tuple[int, int] | None

    @property
    def in_padding(self) -> bool:
        return self.source != (self.row, self.col)


def tap_of_row(spec: LayerSpec, k: int) -> tuple[int, int, int]:
    """(input channel, i, j) of row k of X (and column k of the full weight matrix)."""
    kh, kw = spec.kernel_size
    if not 0 <= k < spec.in_channels * kh * kw:
        raise ValueError(f"row {k} is out of range for {spec.in_channels * kh * kw} rows")
    channel, tap = divmod(k, kh * kw)
    return channel, *divmod(tap, kw)


def _landing(spec: LayerSpec, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(kH, n) input rows and (kW, n) input columns the taps of these positions land on."""
    top, _, left, _ = spec.pads
    (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
    y = rows[None, :] * sh - top + dh * np.arange(kh)[:, None]
    x = cols[None, :] * sw - left + dw * np.arange(kw)[:, None]
    return y, x


def unfold(image: np.ndarray, spec: LayerSpec, start: int, stop: int) -> Unfolded:
    """Columns ``start … stop − 1`` of X for ``image`` (C_in, H, W), clipped to the positions."""
    channels, height, width = image.shape
    if channels != spec.in_channels:
        raise ValueError(f"the image has {channels} channels, the layer reads {spec.in_channels}")
    out_h, out_w = spec.output_size(height, width)
    start, stop = max(0, start), min(stop, out_h * out_w)
    positions = np.arange(start, max(start, stop))
    rows, cols = positions // out_w, positions % out_w
    y, x = _landing(spec, rows, cols)
    source_y = source_index(y, height, spec.padding_mode)
    source_x = source_index(x, width, spec.padding_mode)
    kh, kw = spec.kernel_size
    # (C, kH, kW, n): every channel's pixel at each tap; -1 (zero padding) read as pixel 0, then 0
    values = image[:, np.maximum(source_y, 0)[:, None, :], np.maximum(source_x, 0)[None, :, :]]
    outside_y, outside_x = (y < 0) | (y >= height), (x < 0) | (x >= width)
    padding = np.broadcast_to(outside_y[:, None, :] | outside_x[None, :, :], values.shape[1:])
    if spec.padding_mode == "zeros":
        values = np.where(padding, np.zeros((), image.dtype), values)
    n = len(positions)
    return Unfolded(
        start=start,
        values=values.reshape(channels * kh * kw, n),
        padding=np.broadcast_to(padding, values.shape).reshape(channels * kh * kw, n),
        rows=rows,
        cols=cols,
    )


def tap_at(spec: LayerSpec, height: int, width: int, k: int, position: tuple[int, int]) -> Tap:
    """Row k of the column of output ``position``: which pixel it reads, or which padding."""
    channel, i, j = tap_of_row(spec, k)
    y, x = _landing(spec, np.array([position[0]]), np.array([position[1]]))
    row, col = int(y[i, 0]), int(x[j, 0])
    source_row = int(source_index(np.array(row), height, spec.padding_mode))
    source_col = int(source_index(np.array(col), width, spec.padding_mode))
    source = None if min(source_row, source_col) < 0 else (source_row, source_col)
    return Tap(channel, i, j, row, col, source)


def weight_column(spec: LayerSpec, out_channel: int, slot: int, i: int, j: int) -> int:
    """The column of W holding typed weight ``w[out_channel, slot, i, j]`` (mirrored when the
    layer flips its kernels: W holds the kernels as they are used)."""
    kh, kw = spec.kernel_size
    i, j = tap_in_use(spec, i, j)
    channel = spec.filter_input_channels(out_channel)[slot]
    return (channel * kh + i) * kw + j


def typed_weight(spec: LayerSpec, out_channel: int, k: int) -> tuple[int, int, int] | None:
    """(slot, i, j) of the typed weight in column k of W's row ``out_channel`` (None: the
    filter has no weight there, another group's channel)."""
    channel, i, j = tap_of_row(spec, k)
    seen = spec.filter_input_channels(out_channel)
    if channel not in seen:
        return None
    return (channel - seen.start, *tap_in_use(spec, i, j))


def weight_matrix(weight: np.ndarray, spec: LayerSpec) -> tuple[np.ndarray, np.ndarray]:
    """W over all C_in·kH·kW columns, (C_out, C_in·kH·kW), and where a filter has weights.

    A filter's columns outside its group hold 0 and are False in the mask: with groups, W is
    block-diagonal, and ``W @ X`` is the layer (before the bias) over all groups at once. A layer
    that flips its kernels has them flipped here, as they multiply X.
    """
    kh, kw = spec.kernel_size
    block = spec.in_per_group * kh * kw
    full = np.zeros((spec.out_channels, spec.in_channels * kh * kw), weight.dtype)
    seen = np.zeros(full.shape, bool)
    rows = kernel_in_use(spec, weight).reshape(spec.out_channels, block)
    for group in range(spec.groups):
        filters = slice(group * spec.out_per_group, (group + 1) * spec.out_per_group)
        columns = slice(group * block, (group + 1) * block)
        full[filters, columns] = rows[filters]
        seen[filters, columns] = True
    return full, seen
