"""``conv2d`` with ``torch.nn.functional.conv2d``'s numbers, and the engine that makes edits cheap.

The engine keeps the input-side work (padding, the window matrix) for one input and one layer, so a
weight edit recomputes only the edited filter with one matrix-vector product.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._padding import pad_image
from ._spec import LayerSpec

#: Largest window matrix the engine keeps, in bytes; above it, work goes tap by tap instead.
WINDOW_MATRIX_BUDGET = 64 * 2**20


def as_float_image(x: np.ndarray) -> np.ndarray:
    """A (C, H, W) float array: float32/float64 kept, anything else becomes float32."""
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"the input must be 3-D (C, H, W), got shape {x.shape}")
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float32)
    return x


def spec_from_arrays(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    stride: int | tuple[int, int],
    padding: int | tuple[int, int] | str,
    dilation: int | tuple[int, int],
    groups: int,
    padding_mode: str,
) -> LayerSpec:
    """The LayerSpec that ``conv2d``'s arguments describe, checked against the arrays' shapes."""
    if weight.ndim != 4:
        raise ValueError(f"weight must be 4-D (C_out, C_in/groups, kH, kW), got {weight.shape}")
    c_out, c_in_g, kh, kw = weight.shape
    spec = LayerSpec(
        in_channels=x.shape[0],
        out_channels=c_out,
        kernel_size=(kh, kw),
        stride=stride,
        padding=padding,
        padding_mode=padding_mode,
        dilation=dilation,
        groups=groups,
        bias=bias is not None,
    )
    if c_in_g != spec.in_per_group:
        raise ValueError(
            f"weight has {c_in_g} input channels per filter but the input has {x.shape[0]} "
            f"channels and groups={groups}, so each filter needs {spec.in_per_group}"
        )
    if bias is not None and bias.shape != (c_out,):
        raise ValueError(f"bias must have shape ({c_out},) for {c_out} filters, got {bias.shape}")
    spec.check_image(x.shape[1], x.shape[2])
    return spec


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """2-D cross-correlation of a (C_in, H, W) input, exactly as ``nn.Conv2d`` computes it."""
    x = as_float_image(x)
    weight = np.asarray(weight)
    bias = None if bias is None else np.asarray(bias)
    spec = spec_from_arrays(x, weight, bias, stride, padding, dilation, groups, padding_mode)
    return ConvEngine(spec, x).run(weight, bias)


class ConvEngine:
    """Convolves one input with one layer's settings, for any weights, caching the input side."""

    def __init__(self, spec: LayerSpec, x: np.ndarray) -> None:
        self.spec = spec
        self.dtype = x.dtype
        self.output_size = spec.output_size(x.shape[1], x.shape[2])
        self._padded = pad_image(x, spec.pads, spec.padding_mode)
        self._windows: np.ndarray | None = None

    @property
    def window_matrix_bytes(self) -> int:
        """Size the window matrix would have: (C_in·kH·kW) × (H_out·W_out) values."""
        kh, kw = self.spec.kernel_size
        oh, ow = self.output_size
        return self.spec.in_channels * kh * kw * oh * ow * self.dtype.itemsize

    def _tap_view(self, i: int, j: int) -> np.ndarray:
        """The (C_in, H_out, W_out) input values that kernel tap (i, j) multiplies."""
        (dh, dw), (sh, sw), (oh, ow) = self.spec.dilation, self.spec.stride, self.output_size
        r0, c0 = i * dh, j * dw
        return self._padded[:, r0 : r0 + sh * (oh - 1) + 1 : sh, c0 : c0 + sw * (ow - 1) + 1 : sw]

    def _window_matrix(self) -> np.ndarray:
        """(C_in, kH·kW, H_out·W_out): every window, built once and reused across weight edits."""
        if self._windows is None:
            spec = self.spec
            (kh, kw), (dh, dw), (sh, sw) = spec.kernel_size, spec.dilation, spec.stride
            (eh, ew), (oh, ow) = spec.effective_kernel_size, self.output_size
            windows = sliding_window_view(self._padded, (eh, ew), axis=(1, 2))
            windows = windows[:, : sh * (oh - 1) + 1 : sh, : sw * (ow - 1) + 1 : sw, ::dh, ::dw]
            c = spec.in_channels
            self._windows = np.ascontiguousarray(windows.transpose(0, 3, 4, 1, 2)).reshape(
                c, kh * kw, oh * ow
            )
        return self._windows

    def run(
        self,
        weight: np.ndarray,
        bias: np.ndarray | None,
        channels: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Output channels ``channels`` (default all) as a (len, H_out, W_out) array."""
        spec = self.spec
        channels = list(range(spec.out_channels)) if channels is None else list(channels)
        oh, ow = self.output_size
        out = np.empty((len(channels), oh, ow), dtype=self.dtype)
        weight = np.asarray(weight, dtype=self.dtype)
        use_windows = self.window_matrix_bytes <= WINDOW_MATRIX_BUDGET
        by_group: dict[int, list[int]] = {}
        for slot, o in enumerate(channels):
            by_group.setdefault(o // spec.out_per_group, []).append(slot)
        for slots in by_group.values():
            outs = [channels[s] for s in slots]
            inputs = spec.filter_input_channels(outs[0])
            w = weight[outs]  # (n, Cg, kH, kW)
            if use_windows:
                cols = self._window_matrix()[inputs.start : inputs.stop]
                k = cols.shape[0] * cols.shape[1]
                result = w.reshape(len(outs), k) @ cols.reshape(k, oh * ow)
                out[slots] = result.reshape(len(outs), oh, ow)
            else:
                out[slots] = self._run_by_taps(w, inputs)
        if bias is not None:
            out += np.asarray(bias, dtype=self.dtype)[channels][:, None, None]
        return out

    def _run_by_taps(self, w: np.ndarray, inputs: range) -> np.ndarray:
        """Sum over kernel taps of (filters × channels) @ (channels × pixels): little memory."""
        kh, kw = self.spec.kernel_size
        oh, ow = self.output_size
        acc = np.zeros((w.shape[0], oh * ow), dtype=self.dtype)
        for i in range(kh):
            for j in range(kw):
                view = self._tap_view(i, j)[inputs.start : inputs.stop].reshape(len(inputs), -1)
                acc += w[:, :, i, j] @ view
        return acc.reshape(w.shape[0], oh, ow)
