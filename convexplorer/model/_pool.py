"""Pooling layers (``nn.MaxPool2d``, ``nn.AvgPool2d``): each channel's windows reduced on their own.

A pool slides a kH×kW window like a depthwise conv (in = out = groups) but has no parameters. The
explorer still holds weights for it, fixed and never edited (``pool_weight``), so every view that
reads a layer's (C_out, C_in/groups, kH, kW) weights keeps working: an average pool *is* the
depthwise conv whose weights are all 1/(kH·kW) with zero padding; a max pool's are ones, never
used as numbers.

``PoolEngine`` computes like PyTorch: max pads with −∞ (so padding never wins) and honours the
dilation; avg adds the window's taps in row-major order starting from 0, then divides by kH·kW
(``count_include_pad=True``). Each tap is one whole-array operation on a strided view of the
(padded) input, so a channel's bits never depend on which run computed it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ._conv import as_float_image
from ._cost import mac_ms
from ._dot import DotProduct, dot_product_for
from ._spec import LayerSpec

DTYPE = np.float32


def pool_weight(spec: LayerSpec, dtype: np.dtype | type = DTYPE) -> np.ndarray:
    """The fixed (C, 1, kH, kW) weights of a pool layer: 1/(kH·kW) for avg, ones for max."""
    if not spec.pool:
        raise ValueError("only a pooling layer has fixed weights")
    kh, kw = spec.kernel_size
    value = 1.0 / (kh * kw) if spec.pool == "avg" else 1.0
    return np.full(spec.weight_shape, value, dtype=dtype)


class PoolEngine:
    """Runs one pool layer on one input; the face of ``ConvEngine`` where ``LayerOutputs`` uses
    it. The weights it is handed are ignored: a pool has none."""

    method = "pool"
    edit_method = "pool"
    cache_bytes = 0
    edit_cache_missing = 0

    def __init__(self, spec: LayerSpec, x: np.ndarray) -> None:
        if not spec.pool:
            raise ValueError("PoolEngine runs MaxPool2d and AvgPool2d layers only")
        self.spec = spec
        self.dtype = x.dtype
        self.output_size = spec.output_size(x.shape[1], x.shape[2])
        self._x = x

    def prepare_edits(self) -> None:
        """Nothing to build: a pool has no weights to edit."""

    def estimate_ms(self, channels: Sequence[int] | None = None) -> float:
        """Estimated milliseconds of ``run`` for ``channels`` (None: all)."""
        return mac_ms(self.spec, *self._x.shape[1:], channels)

    def run(
        self,
        weight: np.ndarray | None = None,
        bias: np.ndarray | None = None,
        channels: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Output channels ``channels`` (default all) as a (len, H_out, W_out) array."""
        count = self.spec.out_channels
        if channels is None:
            x = self._x
        else:
            wanted = [int(o) for o in channels]
            if not all(0 <= o < count for o in wanted):
                raise IndexError(f"channels {wanted} outside 0..{count - 1}")
            x = self._x[wanted]
        return self._pool(x)

    def _pool(self, x: np.ndarray) -> np.ndarray:
        spec = self.spec
        (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
        oh, ow = self.output_size
        ph, pw = spec.padding  # type: ignore[misc]
        fill = -np.inf if spec.pool == "max" else 0.0
        if ph or pw:
            x = np.pad(x, ((0, 0), (ph, ph), (pw, pw)), constant_values=fill)
        out = np.zeros((len(x), oh, ow), dtype=self.dtype)
        if spec.pool == "max":
            out.fill(-np.inf)
        combine = np.maximum if spec.pool == "max" else np.add
        for a in range(kh):
            rows = slice(a * dh, a * dh + (oh - 1) * sh + 1, sh)
            for b in range(kw):
                cols = slice(b * dw, b * dw + (ow - 1) * sw + 1, sw)
                combine(out, x[:, rows, cols], out=out)
        if spec.pool == "avg":
            out /= self.dtype.type(kh * kw)
        return out


def pool2d(
    x: np.ndarray,
    pool: str,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """``F.max_pool2d`` (``pool="max"``) or ``F.avg_pool2d`` (``"avg"``) of a (C, H, W) input,
    with PyTorch's defaults: stride = kernel_size, ceil_mode=False, count_include_pad=True."""
    x = as_float_image(x)
    c = x.shape[0]
    spec = LayerSpec(
        in_channels=c,
        out_channels=c,
        kernel_size=kernel_size,
        stride=kernel_size if stride is None else stride,
        padding=padding,
        dilation=dilation,
        groups=c,
        bias=False,
        pool=pool,
    )
    return PoolEngine(spec, x).run()


def pool_dot_product(
    spec: LayerSpec, x: np.ndarray, out_channel: int, row: int, col: int
) -> DotProduct:
    """What ``output[out_channel, row, col]`` of a pool layer is made of.

    Avg: the dot product with the fixed 1/(kH·kW) weights (padding taps read 0). Max: the same
    taps with ``reduction="max"``: padding taps read −∞, each channel "sum" is the window's
    largest value and ``winner`` the tap holding it — the first in row-major order on a tie, as
    PyTorch's index says.
    """
    dot = dot_product_for(spec, x, pool_weight(spec, x.dtype), None, out_channel, row, col)
    if spec.pool != "max":
        return dot
    patch = np.where(dot.in_padding, x.dtype.type(-np.inf), dot.patch)
    best = int(np.argmax(patch[0]))  # argmax: the first maximum in row-major order
    winner = divmod(best, spec.kernel_size[1])
    value = patch[0].reshape(-1)[best]
    return dataclasses.replace(
        dot,
        patch=patch,
        products=patch.copy(),
        channel_sums=np.array([value], dtype=x.dtype),
        value=float(value),
        reduction="max",
        winner=(int(winner[0]), int(winner[1])),
    )
