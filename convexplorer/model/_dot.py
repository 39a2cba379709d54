"""One output value as the sum it really is: the computation the sliding-window view spells out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._conv import as_float_image, spec_from_arrays
from ._flip import kernel_in_use
from ._padding import source_index
from ._spec import LayerSpec


@dataclass(frozen=True)
class DotProduct:
    """Every number behind ``output[out_channel, row, col]``.

    Arrays indexed ``[slot, i, j]`` run over the filter's input-channel slots and kernel taps
    (i, j); slot ``s`` reads absolute input channel ``input_channels[s]``.
    """

    out_channel: int
    row: int
    col: int
    input_channels: tuple[int, ...]
    #: (kH, kW) unpadded-input rows / cols each tap lands on (outside the image in the padding).
    tap_rows: np.ndarray
    tap_cols: np.ndarray
    #: (kH, kW) True where the tap falls in the padding.
    in_padding: np.ndarray
    #: (kH, kW) the pixel a padded tap actually reads (reflect/replicate/circular), -1 for zeros.
    source_rows: np.ndarray
    source_cols: np.ndarray
    patch: np.ndarray
    #: (slots, kH, kW) the kernel as computed with: flipped in both axes for textbook convolution.
    kernel: np.ndarray
    products: np.ndarray
    channel_sums: np.ndarray
    bias: float
    value: float
    #: "sum" (a conv's, and an average pool's: a dot product with 1/(kH·kW) weights) or "max"
    #: (a max pool: ``channel_sums`` holds the window's largest value, padding taps read −∞).
    reduction: str = "sum"
    #: A max pool's winning tap (i, j): the first maximum in row-major order, as PyTorch picks.
    winner: tuple[int, int] | None = None

    @classmethod
    def of_taps(
        cls,
        spec: LayerSpec,
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray | None,
        out_channel: int,
        position: tuple[int, int],
        taps: tuple[np.ndarray, np.ndarray, np.ndarray],
        sources: tuple[np.ndarray, np.ndarray],
    ) -> DotProduct:
        """The sum once the taps are known, for any kind of layer: ``taps`` are (rows, cols,
        in_padding), ``sources`` the pixel each tap reads (−1: it reads zero)."""
        tap_rows, tap_cols, in_padding = taps
        source_rows, source_cols = sources
        channels = spec.filter_input_channels(out_channel)
        reads_zero = (source_rows < 0) | (source_cols < 0)
        patch = x[channels.start : channels.stop][
            :, np.maximum(source_rows, 0), np.maximum(source_cols, 0)
        ]
        patch = np.where(reads_zero, patch.dtype.type(0), patch)
        kernel = kernel_in_use(spec, np.asarray(weight[out_channel], dtype=x.dtype))
        products = patch * kernel
        channel_sums = products.reshape(len(channels), -1).sum(axis=1)
        bias_value = 0.0 if bias is None else float(bias[out_channel])
        return cls(
            out_channel=out_channel,
            row=position[0],
            col=position[1],
            input_channels=tuple(channels),
            tap_rows=tap_rows,
            tap_cols=tap_cols,
            in_padding=in_padding,
            source_rows=np.where(reads_zero, -1, source_rows),
            source_cols=np.where(reads_zero, -1, source_cols),
            patch=patch,
            kernel=kernel,
            products=products,
            channel_sums=channel_sums,
            bias=bias_value,
            value=float(channel_sums.sum(dtype=np.float64)) + bias_value,
        )

    @property
    def taps(self) -> list[tuple[tuple[int, int], bool]]:
        """For each tap in raster order: ((row, col) in the unpadded image, in the padding?)."""
        return [
            ((int(r), int(c)), bool(p))
            for r, c, p in zip(
                self.tap_rows.ravel(), self.tap_cols.ravel(), self.in_padding.ravel(), strict=True
            )
        ]


def window_origin(spec: LayerSpec, row: int, col: int) -> tuple[int, int]:
    """Top-left tap of output position (row, col), in unpadded input coordinates."""
    top, _, left, _ = spec.pads
    sh, sw = spec.stride
    return (row * sh - top, col * sw - left)


def dot_product_for(
    spec: LayerSpec,
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    out_channel: int,
    row: int,
    col: int,
) -> DotProduct:
    """``dot_product_at`` for an already validated layer: the hot path of the sliding window.

    Reads only the kH·kW taps on each channel, so its cost does not grow with the image.
    """
    height, width = x.shape[1], x.shape[2]
    oh, ow = spec.output_size(height, width)
    if not (0 <= row < oh and 0 <= col < ow):
        raise ValueError(f"position ({row}, {col}) is outside the {oh}×{ow} output")
    (kh, kw), (dh, dw) = spec.kernel_size, spec.dilation
    r0, c0 = window_origin(spec, row, col)
    rows = r0 + dh * np.arange(kh)
    cols = c0 + dw * np.arange(kw)
    src_r = source_index(rows, height, spec.padding_mode)
    src_c = source_index(cols, width, spec.padding_mode)
    tap_rows, tap_cols = np.meshgrid(rows, cols, indexing="ij")
    source_rows, source_cols = np.meshgrid(src_r, src_c, indexing="ij")
    in_padding = (tap_rows < 0) | (tap_rows >= height) | (tap_cols < 0) | (tap_cols >= width)
    return DotProduct.of_taps(
        spec,
        x,
        weight,
        bias,
        out_channel,
        (row, col),
        (tap_rows, tap_cols, in_padding),
        (source_rows, source_cols),
    )


def dot_product_at(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    out_channel: int,
    row: int,
    col: int,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> DotProduct:
    """The dot product that produces ``conv2d(...)[out_channel, row, col]``, term by term."""
    x = as_float_image(x)
    weight = np.asarray(weight)
    bias = None if bias is None else np.asarray(bias)
    spec = spec_from_arrays(x, weight, bias, stride, padding, dilation, groups, padding_mode)
    return dot_product_for(spec, x, weight, bias, out_channel, row, col)
