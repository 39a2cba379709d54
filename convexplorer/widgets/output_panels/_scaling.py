"""Colour levels for the output panels: each panel's own range, or one range shared by all.

Per-panel scaling shows every map's detail; shared scaling lets filters be compared by strength.
Each channel's range is remembered when it is drawn, so an edit to one filter scans only its map.
The shared range is rounded up to a round number: it reads better on the colour bars, and a small
edit then rarely changes it (which would re-colour every panel).
"""

from __future__ import annotations

import math

from .._colors import symmetric_limit

Levels = tuple[float, float]

_ROUND_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def round_up(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (× a power of ten) that is ≥ value."""
    if value <= 0:
        return 1.0
    decade = 10.0 ** math.floor(math.log10(value))
    return next(step * decade for step in _ROUND_STEPS if step * decade >= value * (1 - 1e-9))


class OutputScaling:
    """Per-channel value ranges and the levels each panel shows.

    Signed outputs get symmetric levels (0 sits at the diverging map's white centre); outputs after
    a ReLU are never negative and get (0, max).
    """

    def __init__(self) -> None:
        self.shared = False
        self.signed = True
        self._limits: dict[int, float] = {}

    def reset(self) -> None:
        """Forget every channel's range (the layer, input or activation changed)."""
        self._limits.clear()

    def update(self, channel: int, values) -> None:
        self._limits[channel] = symmetric_limit(values)

    def shared_limit(self) -> float:
        return round_up(max(self._limits.values(), default=1.0))

    def levels(self, channel: int) -> Levels:
        limit = self.shared_limit() if self.shared else self._limits.get(channel, 1.0)
        return (-limit, limit) if self.signed else (0.0, limit)
