"""Weights for new layer settings: what an edit of the layer keeps, and what it starts anew.

Kept weights keep their meaning (a filter its index, a weight its absolute input channel and its
place relative to the kernel's centre), so changing the kernel size or the filter count never
scrambles a filter a learner built by hand. What is new starts as PyTorch would start it.
"""

from __future__ import annotations

import numpy as np

from ._pool import pool_weight
from ._presets import preset_bias, preset_weights
from ._spec import LayerSpec

DTYPE = np.float32


def _centre_copy(source: np.ndarray, target: np.ndarray) -> None:
    """Copy the overlap of two kernels aligned on their centres: an identity stays an identity."""
    (sh, sw), (th, tw) = source.shape[-2:], target.shape[-2:]
    h, w = min(sh, th), min(sw, tw)
    s0, s1 = (sh - h) // 2, (sw - w) // 2
    t0, t1 = (th - h) // 2, (tw - w) // 2
    target[..., t0 : t0 + h, t1 : t1 + w] = source[..., s0 : s0 + h, s1 : s1 + w]


def _seeded(*key: int) -> np.random.Generator:
    return np.random.default_rng(key)


def reshape_weights(
    old_spec: LayerSpec, weight: np.ndarray, bias: np.ndarray | None, new_spec: LayerSpec
) -> tuple[np.ndarray, np.ndarray | None]:
    """Weights for ``new_spec`` keeping every old weight that still fits.

    Filters keep their index; within a filter, a weight keeps its absolute input channel
    (centred when the kernel size changes; new taps are zero). A kept filter that gains input
    channels (a 32-channel input replacing an RGB one) repeats its kernel there when all its
    kernels were one and the same (what a kernel preset makes: a diagonal detector stays one on
    every channel); otherwise the new channels start as PyTorch would. Added filters get
    PyTorch's default initialisation (Kaiming-uniform). Draws are seeded by the filter's index,
    so the same change gives the same numbers. A pool layer gets its fixed weights.
    """
    if new_spec.pool:
        return pool_weight(new_spec), None
    new_weight = np.zeros(new_spec.weight_shape, dtype=DTYPE)
    fan_in = new_spec.init_fan_in
    for o in range(old_spec.out_channels, new_spec.out_channels):
        kh, kw = new_spec.kernel_size
        channels = list(new_spec.filter_input_channels(o))
        new_weight[o] = preset_weights("kaiming", channels, kh, kw, fan_in=fan_in, rng=_seeded(o))
    for o in range(min(old_spec.out_channels, new_spec.out_channels)):
        old_channels = old_spec.filter_input_channels(o)
        new_channels = new_spec.filter_input_channels(o)
        # the channels both see: one contiguous run, copied in one go
        first_kept = max(old_channels.start, new_channels.start)
        stop_kept = min(old_channels.stop, new_channels.stop)
        if first_kept >= stop_kept:
            continue
        old_slots = slice(first_kept - old_channels.start, stop_kept - old_channels.start)
        new_slots = slice(first_kept - new_channels.start, stop_kept - new_channels.start)
        _centre_copy(weight[o, old_slots], new_weight[o, new_slots])
        gained = [c - new_channels.start for c in new_channels if not first_kept <= c < stop_kept]
        if not gained:
            continue
        kept = new_weight[o, new_slots]
        if np.all(kept == kept[0]):
            new_weight[o, gained] = kept[0]
        else:
            kh, kw = new_spec.kernel_size
            draw = preset_weights("kaiming", gained, kh, kw, fan_in=fan_in, rng=_seeded(o, 2))
            new_weight[o, gained] = draw
    if not new_spec.bias:
        return new_weight, None
    new_bias = np.zeros(new_spec.out_channels, dtype=DTYPE)
    if bias is not None:
        n = min(len(bias), new_spec.out_channels)
        new_bias[:n] = bias[:n]
    for o in range(old_spec.out_channels, new_spec.out_channels):
        new_bias[o] = preset_bias("kaiming", fan_in=fan_in, rng=_seeded(o, 1))
    return new_weight, new_bias
