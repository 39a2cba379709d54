"""``conv2d`` with ``torch.nn.functional.conv2d``'s numbers: the model's public entry point.

The work is split by job: ``_engine.ConvEngine`` runs a layer on one input and keeps what edits
reuse, ``_cost`` picks its method, ``_im2col`` and ``_fft`` are the methods, ``_padding`` pads.
This module checks arguments and converts inputs; the names other modules import from it
(``ConvEngine``, ``METHODS``, ``WINDOW_MATRIX_BUDGET``) are re-exported so they keep working.
"""

from __future__ import annotations

import numpy as np

from ._engine import METHODS, ConvEngine
from ._im2col import WINDOW_MATRIX_BUDGET
from ._spec import LayerSpec

__all__ = [
    "METHODS",
    "WINDOW_MATRIX_BUDGET",
    "ConvEngine",
    "as_float_image",
    "conv2d",
    "spec_from_arrays",
]


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
