"""Textbook convolution: the kernel a layer really slides, which may be the typed one flipped.

PyTorch's ``Conv2d`` computes cross-correlation: the kernel slides as typed. Textbooks define
convolution with the kernel flipped in both axes. A layer with ``flip_kernel`` keeps the weights
as the learner typed them (the kernel editor, sessions and exports show those) and computes with
the flipped copy; everything that computes or spells out a sum asks this module for the kernel.
"""

from __future__ import annotations

import numpy as np

from ._spec import LayerSpec


def kernel_in_use(spec: LayerSpec, weight: np.ndarray) -> np.ndarray:
    """A fresh C-contiguous copy of ``weight`` (…, kH, kW) as the layer computes with it."""
    if spec.flip_kernel:
        return np.ascontiguousarray(weight[..., ::-1, ::-1])
    return np.array(weight, copy=True, order="C")


def tap_in_use(spec: LayerSpec, i: int, j: int) -> tuple[int, int]:
    """Where typed weight (i, j) sits in the kernel in use — and back, flipping being its own
    inverse: (kH−1−i, kW−1−j) for a flipped layer, (i, j) otherwise."""
    if not spec.flip_kernel:
        return (i, j)
    kh, kw = spec.kernel_size
    return (kh - 1 - i, kw - 1 - j)
