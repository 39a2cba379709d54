"""Which frames an animation export can draw: the positions the view on show steps through."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FrameTrack:
    """``count`` positions in raster order over rows ``width`` long, ``current`` the one on show.

    The Conv2d view steps through output positions; the painting view (ConvTranspose2d) through
    input pixels — ``noun`` says which, for the export dialog's words.
    """

    count: int
    width: int
    current: int
    noun: str

    def position_of(self, index: int) -> tuple[int, int]:
        row, col = divmod(int(index), self.width)
        return row, col
