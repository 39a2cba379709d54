"""Transposed convolution (``nn.ConvTranspose2d``): each input pixel paints the kernel.

Input pixel (r, c) of channel i adds ``x[i, r, c] · w[o, i, a, b]`` to output
``(r·stride − pad + a·dilation, c·stride − pad + b·dilation)`` for every tap (a, b): scaled kernels
spread ``stride`` apart, overlaps summing up. The explorer keeps the weights in its own layout —
(C_out, C_in/groups, kH, kW), one row per output channel as the kernel editor shows them — and
converts to and from PyTorch's (C_in, C_out/groups, kH, kW) with ``to_torch_layout`` /
``from_torch_layout`` wherever weights leave or enter the app.

``TransposeEngine`` computes every output channel on its own, in the same operations whatever
the run (one product of the channel's kernel taps with its group's inputs, then the taps added in
a fixed order, then the bias), so a channel's bits never depend on which run computed it. The
product runs in blocks of whole input rows (``block_rows``), each alone, so a caller that needs a
few rows' shares (the painting view's band) recomputes just their blocks, with the same bits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._conv import as_float_image
from ._cost import mac_ms
from ._spec import LayerSpec

#: about this many input pixels per product block: small enough to recompute per frame
BLOCK_PIXELS = 1 << 14


def to_torch_layout(spec: LayerSpec, weight: np.ndarray) -> np.ndarray:
    """The explorer's (C_out, C_in/groups, kH, kW) weights in PyTorch's layout for ``spec``
    (a transposed layer's (C_in, C_out/groups, kH, kW)); a fresh C-contiguous array."""
    weight = np.asarray(weight)
    if not spec.transposed:
        return np.array(weight, order="C")
    g, opg, ipg, (kh, kw) = spec.groups, spec.out_per_group, spec.in_per_group, spec.kernel_size
    blocks = weight.reshape(g, opg, ipg, kh, kw).transpose(0, 2, 1, 3, 4)
    return np.ascontiguousarray(blocks.reshape(spec.in_channels, opg, kh, kw))


def from_torch_layout(spec: LayerSpec, weight: np.ndarray) -> np.ndarray:
    """PyTorch-layout weights for ``spec`` in the explorer's layout (inverse of the above)."""
    weight = np.asarray(weight)
    if weight.shape != spec.torch_weight_shape:
        raise ValueError(
            f"{spec.kind} weights must have shape {spec.torch_weight_shape} in PyTorch's layout, "
            f"got {weight.shape}"
        )
    if not spec.transposed:
        return np.array(weight, order="C")
    g, opg, ipg, (kh, kw) = spec.groups, spec.out_per_group, spec.in_per_group, spec.kernel_size
    blocks = weight.reshape(g, ipg, opg, kh, kw).transpose(0, 2, 1, 3, 4)
    return np.ascontiguousarray(blocks.reshape(spec.out_channels, ipg, kh, kw))


class TransposeEngine:
    """Runs one transposed layer on one input for any weights (the explorer's layout).

    The same face as ``ConvEngine`` where ``LayerOutputs`` uses it; it keeps nothing for edits
    (an edit recomputes its channel from the input, which costs one channel's share).
    """

    method = "scatter"
    edit_method = "scatter"
    cache_bytes = 0
    edit_cache_missing = 0

    def __init__(self, spec: LayerSpec, x: np.ndarray) -> None:
        if not spec.transposed:
            raise ValueError("TransposeEngine runs ConvTranspose2d layers only")
        self.spec = spec
        self.dtype = x.dtype
        self.output_size = spec.output_size(x.shape[1], x.shape[2])
        _, self._h, self._w = x.shape
        # each group's input channels as a (C_in/groups, H·W) matrix, for the products
        self._x = np.ascontiguousarray(x).reshape(spec.groups, spec.in_per_group, -1)
        # the uncropped output: every tap of every pixel lands inside (plus output_padding)
        (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
        oph, opw = spec.output_padding
        self._full = (
            (self._h - 1) * sh + dh * (kh - 1) + 1 + oph,
            (self._w - 1) * sw + dw * (kw - 1) + 1 + opw,
        )

    def prepare_edits(self) -> None:
        """Nothing to build: edits recompute their channel from the input."""

    def estimate_ms(self, channels: Sequence[int] | None = None) -> float:
        """Estimated milliseconds of ``run`` for ``channels`` (None: all)."""
        return mac_ms(self.spec, self._h, self._w, channels)

    def run(
        self,
        weight: np.ndarray,
        bias: np.ndarray | None,
        channels: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Output channels ``channels`` (default all) as a (len, H_out, W_out) array."""
        spec = self.spec
        weight = np.asarray(weight, dtype=self.dtype)
        wanted = range(spec.out_channels) if channels is None else [int(o) for o in channels]
        if not all(0 <= o < spec.out_channels for o in wanted):
            raise IndexError(f"channels {list(wanted)} outside 0..{spec.out_channels - 1}")
        out = np.empty((len(wanted), *self.output_size), dtype=self.dtype)
        for slot, o in enumerate(wanted):
            group = o // spec.out_per_group
            out[slot] = self._channel(weight[o], self._x[group])
            if bias is not None:
                out[slot] += self.dtype.type(bias[o])
        return out

    @property
    def block_rows(self) -> int:
        """Input rows per product block (the last block may hold fewer)."""
        return max(1, BLOCK_PIXELS // self._w)

    def tap_shares(self, kernels: np.ndarray, out_channel: int, block: int) -> np.ndarray:
        """Every tap's share of the pixels of product block ``block`` (input rows from
        ``block · block_rows`` on), (kH·kW, rows·W), for output channel ``out_channel`` with its
        kernels (C_in/groups, kH, kW): the numbers ``run`` paints from, bit for bit."""
        x = self._x[out_channel // self.spec.out_per_group]
        return self._block(
            self._taps_first(np.asarray(kernels, dtype=self.dtype), len(x)), x, block
        )

    def _taps_first(self, kernels: np.ndarray, channels: int) -> np.ndarray:
        kh, kw = self.spec.kernel_size
        return np.ascontiguousarray(kernels.reshape(channels, kh * kw).T)

    def _block(self, taps: np.ndarray, x: np.ndarray, block: int) -> np.ndarray:
        # one product per block, of the same operands whoever asks, so the bits never depend on
        # the caller
        size = self.block_rows * self._w
        return taps @ np.ascontiguousarray(x[:, block * size : (block + 1) * size])

    def _shares(self, kernels: np.ndarray, x: np.ndarray) -> np.ndarray:
        taps = self._taps_first(kernels, len(x))
        size = self.block_rows * self._w
        shares = np.empty((len(taps), x.shape[1]), dtype=self.dtype)
        for block in range(-(-x.shape[1] // size)):
            shares[:, block * size : (block + 1) * size] = self._block(taps, x, block)
        return shares

    def _channel(self, kernels: np.ndarray, x: np.ndarray) -> np.ndarray:
        """One output channel before the bias: kernels (C_in/groups, kH, kW) painted by x
        (C_in/groups, H·W)."""
        return self.paint(self._shares(kernels, x))

    def paint(self, scaled: np.ndarray) -> np.ndarray:
        """One output channel before the bias from its tap shares, (kH·kW, H·W)."""
        spec, h, w = self.spec, self._h, self._w
        (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
        scaled = scaled.reshape(kh * kw, h * w)
        full = np.zeros(self._full, dtype=self.dtype)
        for a in range(kh):
            rows = slice(a * dh, a * dh + (h - 1) * sh + 1, sh)
            for b in range(kw):
                cols = slice(b * dw, b * dw + (w - 1) * sw + 1, sw)
                full[rows, cols] += scaled[a * kw + b].reshape(h, w)
        ph, pw = spec.padding  # type: ignore[misc]
        oh, ow = self.output_size
        return full[ph : ph + oh, pw : pw + ow]


def conv_transpose2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    groups: int = 1,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """``torch.nn.functional.conv_transpose2d`` of a (C_in, H, W) input, with ``weight`` in
    PyTorch's layout (C_in, C_out/groups, kH, kW) and PyTorch's argument order."""
    x = as_float_image(x)
    weight = np.asarray(weight)
    if weight.ndim != 4:
        raise ValueError(f"weight must be 4-D (C_in, C_out/groups, kH, kW), got {weight.shape}")
    c_in, opg, kh, kw = weight.shape
    if c_in != x.shape[0]:
        raise ValueError(f"weight is for {c_in} input channels but the input has {x.shape[0]}")
    spec = LayerSpec(
        in_channels=c_in,
        out_channels=opg * groups,
        kernel_size=(kh, kw),
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
        bias=bias is not None,
        transposed=True,
        output_padding=output_padding,
    )
    if bias is not None and np.shape(bias) != (spec.out_channels,):
        raise ValueError(f"bias must have shape ({spec.out_channels},), got {np.shape(bias)}")
    spec.check_image(x.shape[1], x.shape[2])
    engine = TransposeEngine(spec, x)
    return engine.run(from_torch_layout(spec, weight), bias)


def transposed_reach(
    spec: LayerSpec, height: int, width: int, row: int, col: int
) -> tuple[np.ndarray, np.ndarray]:
    """Output rows and cols input pixel (row, col) paints: ``row·stride − pad + a·dilation`` for
    each tap a, those inside the output (every pair of the two arrays)."""
    oh, ow = spec.output_size(height, width)
    (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
    ph, pw = spec.padding  # type: ignore[misc]
    rows = row * sh - ph + dh * np.arange(kh)
    cols = col * sw - pw + dw * np.arange(kw)
    return rows[(rows >= 0) & (rows < oh)], cols[(cols >= 0) & (cols < ow)]
