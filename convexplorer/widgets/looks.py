"""Which colour map and levels an image gets: one policy for the panels, the views and the exports.

Colour that tells the truth: an output with no negative values (after a ReLU, or a grayscale
filter on a photo) is grey from black at 0, so nothing suggests a sign it does not have; an output
that straddles 0 is diverging with symmetric levels, so white is exactly 0. With a shared scale
every channel gets the same map and levels, so equal colours mean equal values across panels.
The exports call the same functions as the panels, so a saved PNG looks like what was on screen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg

from ..model import activation_info
from . import style

Levels = tuple[float, float]
ValueRange = tuple[float, float]  # (min, max) of one channel

_ROUND_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


@dataclass(frozen=True, eq=False)
class Look:
    """A colour map with its lookup table and the levels it spans (built from shared maps)."""

    colormap: pg.ColorMap
    lut: np.ndarray = field(repr=False)  # (256, 3) uint8, the colormap's shared table
    levels: Levels

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Look):
            return NotImplemented
        return self.colormap is other.colormap and self.levels == other.levels

    def __hash__(self) -> int:
        return hash((id(self.colormap), self.levels))

    @property
    def signed(self) -> bool:
        return self.levels[0] < 0

    def colors(self, values: np.ndarray) -> np.ndarray:
        """(…, 3) uint8 colours of ``values`` in this look."""
        return style.map_colors(values, *self.levels, self.lut)

    def description(self) -> str:
        """What the colours mean, in words (for a saved file's metadata)."""
        low, high = (style.exact_text(level) for level in self.levels)
        if self.signed:
            return f"diverging: {low} is blue, 0 white, {high} red"
        return f"grey: {low} is black, {high} white"


def round_up(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (× a power of ten) that is ≥ value.

    A shared scale is rounded so that it reads well on the colour bars and a small edit rarely
    changes it (which would re-colour every panel).
    """
    if value <= 0:
        return 1.0
    decade = 10.0 ** math.floor(math.log10(value))
    return next(step * decade for step in _ROUND_STEPS if step * decade >= value * (1 - 1e-9))


def _look(signed: bool, limit: float) -> Look:
    if signed:
        return Look(style.DIVERGING, style.DIVERGING_LUT, (-limit, limit))
    return Look(style.SEQUENTIAL, style.SEQUENTIAL_LUT, (0.0, limit))


def _peak(value_range: ValueRange) -> float:
    low, high = value_range
    return max(-low, high, 0.0)


def output_looks(
    ranges: Mapping[int, ValueRange], activation: str, shared: bool
) -> dict[int, Look]:
    """Each output channel's look, from the (min, max) of the channels known so far.

    Per-panel: a channel with a negative value is diverging on ±max|v|, any other is grey on
    [0, max]. Shared: one look for all, diverging if any channel goes negative, on a round limit.
    Outputs of an activation that is never negative (ReLU, sigmoid) are grey whatever the
    values say; LeakyReLU and tanh keep the sign, so their outputs are signed where they go
    below 0.
    """
    never_negative = activation_info(activation).never_negative
    signed = {o: not never_negative and low < 0 for o, (low, _) in ranges.items()}
    if shared:
        limit = round_up(max((_peak(r) for r in ranges.values()), default=0.0))
        look = _look(any(signed.values()), limit)
        return dict.fromkeys(ranges, look)
    return {o: _look(signed[o], _peak(r) or 1.0) for o, r in ranges.items()}


def photo_rgb(image: np.ndarray, levels: Levels) -> np.ndarray:
    """A (3, H, W) input as the colour photo it is: (H, W, 3) float32 in [0, 1], each channel
    on the input's shared ``levels`` (``input_looks``), so the composite, the sliding window's
    overview and the network strip's thumbnail show one picture."""
    low, high = levels
    return np.clip((np.moveaxis(image, 0, -1) - low) / max(high - low, 1e-12), 0.0, 1.0)


def input_looks(ranges: np.ndarray, *, photo: bool) -> list[Look]:
    """One look per input channel (``ranges``: each channel's min and max), all on one scale so
    channels compare at a glance.

    Usual non-negative inputs span [0, max(1, peak)]: grey, or each channel in its own colour for
    an RGB photo (``photo``: the view's ``input_is_photo``; a later layer's 3 maps stay grey); an
    input with negative values (normalised data) is diverging around 0.
    """
    channels = len(ranges)
    low, high = float(ranges[:, 0].min()), float(ranges[:, 1].max())
    if low < 0:
        return [_look(True, style.symmetric_limit(ranges))] * channels
    levels = (0.0, max(1.0, high))
    if photo:
        return [Look(*tint, levels) for tint in zip(style.TINTS, style.TINT_LUTS, strict=True)]
    return [Look(style.SEQUENTIAL, style.SEQUENTIAL_LUT, levels)] * channels
