"""Padding done PyTorch's way, for whole images, into reused buffers, and for single kernel taps.

``pad_image`` (np.pad) is the plain version; ``pad_into`` writes into a buffer the engine keeps, by
slicing, because np.pad's overhead dominates small inputs and fresh memory costs page faults;
``source_index`` answers "which pixel does this padded position read?" for one tap, so the sliding
window can show padding without padding the whole image.
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


def padded_size(pads: tuple[int, int, int, int], height: int, width: int) -> tuple[int, int]:
    """(H, W) of an image of this size after padding by (top, bottom, left, right)."""
    top, bottom, left, right = pads
    return (height + top + bottom, width + left + right)


def padded_copy(x: np.ndarray, pads: tuple[int, int, int, int], mode: str) -> np.ndarray:
    """x (C, H, W) padded into a new C-contiguous array (never ``x`` itself, unlike pad_image)."""
    out = np.zeros((x.shape[0], *padded_size(pads, x.shape[1], x.shape[2])), dtype=x.dtype)
    pad_into(out, x, pads, mode)
    return out


def pad_into(out: np.ndarray, x: np.ndarray, pads: tuple[int, int, int, int], mode: str) -> None:
    """Write x (C, H, W) padded by (top, bottom, left, right) into out, as ``pad_image`` does.

    Zero padding leaves out's border untouched (allocate out with np.zeros); the other modes fill
    it axis by axis, as PyTorch and np.pad do. Valid for padding PyTorch allows
    (``LayerSpec.check_image``).
    """
    top, _, left, _ = pads
    _, h, w = x.shape
    out[:, top : top + h, left : left + w] = x
    if mode != "zeros":
        _fill_border(out[:, :, left : left + w].swapaxes(0, 1), top, h, mode)
        _fill_border(out.transpose(2, 0, 1), left, w, mode)


def _fill_border(a: np.ndarray, before: int, size: int, mode: str) -> None:
    """Fill a[:before] and a[before + size:] from the interior a[before : before + size]."""
    after = a.shape[0] - before - size
    end = before + size
    if mode == "replicate":
        a[:before] = a[before]
        a[end:] = a[end - 1]
    elif mode == "circular":
        a[:before] = a[size : size + before]
        a[end:] = a[before : before + after]
    elif mode == "reflect":
        a[:before] = a[2 * before : before : -1]
        stop = end - 2 - after
        a[end:] = a[end - 2 : stop if stop >= 0 else None : -1]
    else:
        raise ValueError(f"padding_mode={mode!r} is unknown")
