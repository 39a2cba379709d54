"""The pace maths of the sliding window, free of Qt so it can be tested on its own.

Positions are walked in raster order (columns fastest) over a *track*: the whole output map, or a
rectangle of it the student chose. Speeds are output positions per second; above one position per
screen frame, a timer tick moves several positions at once, so the map still fills in every value
in raster order while a full pass over a large map takes seconds instead of minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Position = tuple[int, int]

# Positions per second offered in the transport bar: the slow ones show every step readably, the
# fast ones fill a whole map (42,672 positions for the default scene) in a few seconds.
SPEEDS = (1, 2, 5, 10, 30, 60, 300, 1000, 3000, 10000)
DEFAULT_SPEED = 10
FRAME_MS = 16  # one screen frame at ~60 Hz: the fastest the timer ticks
MAX_TICK_MS = 100  # a stalled tick (a busy UI thread) catches up at most this much
PAGE_ROWS = 10  # PgUp / PgDn move this many rows


@dataclass(frozen=True)
class Track:
    """A rectangle of output positions walked in raster order: rows top..top+height-1."""

    top: int
    left: int
    height: int
    width: int

    @classmethod
    def whole(cls, size: tuple[int, int]) -> Track:
        """Every position of an output of ``size`` = (height, width)."""
        return cls(0, 0, size[0], size[1])

    @classmethod
    def spanning(cls, a: Position, b: Position, size: tuple[int, int]) -> Track:
        """The rectangle with corners ``a`` and ``b`` (both included), cut to the map's ``size``."""
        (r0, r1), (c0, c1) = sorted((a[0], b[0])), sorted((a[1], b[1]))
        r0, c0 = max(r0, 0), max(c0, 0)
        r1, c1 = min(r1, size[0] - 1), min(c1, size[1] - 1)
        return cls(r0, c0, max(r1 - r0 + 1, 1), max(c1 - c0 + 1, 1))

    @property
    def count(self) -> int:
        return self.height * self.width

    def fits(self, size: tuple[int, int]) -> bool:
        """Whether the rectangle lies inside an output of ``size``."""
        return self.top + self.height <= size[0] and self.left + self.width <= size[1]

    def contains(self, position: Position) -> bool:
        row, col = position
        return (
            self.top <= row < self.top + self.height and self.left <= col < self.left + self.width
        )

    def clamp(self, position: Position) -> Position:
        """The nearest position on the track (itself if it is on it)."""
        row = min(max(position[0], self.top), self.top + self.height - 1)
        col = min(max(position[1], self.left), self.left + self.width - 1)
        return row, col

    def index(self, position: Position) -> int:
        """Raster index on the track of ``position`` (of the nearest position if it is off it)."""
        row, col = self.clamp(position)
        return (row - self.top) * self.width + (col - self.left)

    def position(self, index: int) -> Position:
        """The position with raster index ``index`` on the track (clamped to the track)."""
        row, col = divmod(min(max(index, 0), self.count - 1), self.width)
        return self.top + row, self.left + col

    def row_step(self, position: Position, rows: int) -> Position:
        """Same column, ``rows`` rows down (negative: up), stopping at the track's edge."""
        row, col = self.clamp(position)
        return self.clamp((row + rows, col))


def advance(
    index: int, stage: int | None, delta: int, stages: int, count: int, loop: bool = False
) -> tuple[int, int | None]:
    """Move ``delta`` units along ``count`` positions of ``stages`` units each.

    A position has one unit (``stages`` = 1), or in the channel-by-channel mode one per partial
    sum plus the complete value (``stages`` = channels + 1; stage None is the complete value).
    Stops at either end, or wraps around when ``loop``.
    """
    order = stages - 1 if stage is None else stage
    unit = index * stages + order + delta
    total = count * stages
    unit = unit % total if loop else min(max(unit, 0), total - 1)
    index, order = divmod(unit, stages)
    return index, None if order == stages - 1 else order


def tick_interval_ms(speed: float) -> int:
    """How often the playback timer ticks: once per position, but no faster than a frame."""
    return max(FRAME_MS, round(1000 / speed))


def positions_for_tick(speed: float, elapsed_ms: float, carry: float) -> tuple[int, float]:
    """How many positions a tick moves after ``elapsed_ms``, and the fraction carried over.

    Speeds up to one position per frame move exactly one per tick (so every position is seen);
    faster ones move what the elapsed time is worth, so the pace holds even when frames are slow.
    """
    if speed * FRAME_MS <= 1000:
        return 1, 0.0
    owed = carry + speed * min(elapsed_ms, MAX_TICK_MS) / 1000
    moved = math.floor(owed)
    return moved, owed - moved


def pass_seconds(speed: float, count: int) -> float:
    """Seconds a full pass over ``count`` positions takes at ``speed`` (for the tooltips)."""
    return count / speed


def speed_text(speed: int) -> str:
    """'10/s', '3k/s': short enough for the transport bar."""
    return f"{speed // 1000}k/s" if speed >= 1000 and speed % 1000 == 0 else f"{speed}/s"
