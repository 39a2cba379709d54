"""The dot product backwards: which outputs one input pixel feeds, and through which taps.

The sliding window answers "what does this output read?"; a student hovering an input pixel asks
the reverse. Both follow the same rule as ``dot_product_for``: tap (i, j) of output (r, c) lands on
row ``r·stride - top + i·dilation`` and reads the pixel ``source_index`` maps it to — so a pixel
near the border also feeds the outputs whose taps copy it from the padding (reflect, replicate,
circular), and never those that read zeros there.
"""

from __future__ import annotations

import numpy as np

from ._dot import DotProduct
from ._padding import source_index
from ._spec import LayerSpec
from ._transpose import transposed_reach


def _reached_along(
    pixel: int,
    size: int,
    out_size: int,
    kernel: int,
    stride: int,
    dilation: int,
    before: int,
    mode: str,
) -> np.ndarray:
    """Output indices along one axis with a tap reading ``pixel``: (out_size,) bool."""
    taps = np.arange(out_size)[:, None] * stride - before + dilation * np.arange(kernel)
    return (source_index(taps, size, mode) == pixel).any(axis=1)


def reached_outputs(
    spec: LayerSpec, height: int, width: int, row: int, col: int
) -> tuple[np.ndarray, np.ndarray]:
    """Output rows and cols whose receptive field reads input pixel (row, col) of an H×W input.

    Taps are separable (a tap's source row depends only on its row), so the outputs reached are
    every pair of the two returned index arrays. The input channel does not matter spatially; a
    filter that does not see the channel reaches nothing, which the caller knows from
    ``spec.filter_input_channels``.
    """
    if not (0 <= row < height and 0 <= col < width):
        raise ValueError(f"pixel ({row}, {col}) is outside the {height}×{width} input")
    if spec.transposed:  # the pixel paints the kernel: its taps are the outputs it feeds
        return transposed_reach(spec, height, width, row, col)
    oh, ow = spec.output_size(height, width)
    (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
    top, _, left, _ = spec.pads
    mode = spec.padding_mode
    rows = _reached_along(row, height, oh, kh, sh, dh, top, mode)
    cols = _reached_along(col, width, ow, kw, sw, dw, left, mode)
    return np.flatnonzero(rows), np.flatnonzero(cols)


def taps_reading(dot: DotProduct, row: int, col: int) -> np.ndarray:
    """(kH, kW) True where a tap of ``dot`` reads input pixel (row, col): the weights it meets.

    Usually one tap or none; more when padding copies the pixel into several padded taps.
    """
    return (dot.source_rows == row) & (dot.source_cols == col)
