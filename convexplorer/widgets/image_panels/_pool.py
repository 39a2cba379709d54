"""Panels kept across rebuilds: a layer or input change reuses panels instead of building new ones.

Building a panel (and later its colour bar) is the slow part of showing a new layer, so both the
input view and the output panels keep every panel they ever made and show the first ones needed.
"""

from __future__ import annotations

from collections.abc import Callable

from ._panel import ImagePanel


class PanelPool:
    """Hands out the first ``count`` panels, making more with ``make(index)`` when short."""

    def __init__(self, make: Callable[[int], ImagePanel]) -> None:
        self._make = make
        self._panels: list[ImagePanel] = []

    def take(self, count: int) -> list[ImagePanel]:
        """The first ``count`` panels; the rest are cleared (no image, selection, marker, field)."""
        while len(self._panels) < count:
            self._panels.append(self._make(len(self._panels)))
        for panel in self._panels[count:]:
            panel.set_image(None)
            panel.set_selected(False)
            panel.set_marker(None)
            panel.show_field(None)
        return self._panels[:count]
