"""Padding done PyTorch's way, both for whole images and for single kernel taps.

``pad_image`` serves the full convolution; ``source_index`` answers "which pixel does this padded
position read?" for one tap, so the sliding window can show padding without padding the whole image.
"""

from __future__ import annotations

import numpy as np

_NUMPY_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad_image(x: np.ndarray, pads: tuple[int, int, int, int], mode: str) -> np.ndarray:
    """Pad a (C, H, W) array by (top, bottom, left, right); returns ``x`` itself when no padding."""
    top, bottom, left, right = pads
    if not any(pads):
        return x
    return np.pad(x, ((0, 0), (top, bottom), (left, right)), mode=_NUMPY_MODES[mode])


def source_index(index: np.ndarray, size: int, mode: str) -> np.ndarray:
    """Map coordinates of the unpadded axis (may be < 0 or >= size) to the pixel they read.

    Returns -1 where zero padding supplies the value. Valid for padding no wider than PyTorch
    allows (reflect: < size, circular: <= size), which ``LayerSpec.check_image`` guarantees.
    """
    index = np.asarray(index)
    if mode == "zeros":
        return np.where((index >= 0) & (index < size), index, -1)
    if mode == "replicate":
        return np.clip(index, 0, size - 1)
    if mode == "circular":
        return np.mod(index, size)
    if mode == "reflect":
        if size == 1:
            return np.zeros_like(index)
        period = 2 * (size - 1)
        folded = np.mod(index, period)
        return np.where(folded < size, folded, period - folded)
    raise ValueError(f"padding_mode={mode!r} is unknown")
