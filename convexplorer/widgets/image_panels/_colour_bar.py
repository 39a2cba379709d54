"""Colour bars: a narrow legend beside each panel, built in idle-time slices.

A ``ColorBarItem`` is a whole ``PlotItem`` (about 7 ms to build), so panels and their maps appear
at once and the colour bars follow in short slices once the maps are painted: 32 new panels never
freeze the window.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QColor

from ..style import small_font
from ._geometry import BAR_AXIS_WIDTH, BAR_WIDTH

BAR_SLICE_SECONDS = 0.012  # colour bars are built in slices this long, so input keeps flowing
BAR_DELAY_MS = 10  # after a map arrives: time for the map itself to be painted first
BARS_BUILT_AT_ONCE = 4  # up to this many waiting bars are built at once (about 7 ms each)


def colour_bar(text_color: QColor) -> pg.ColorBarItem:
    """A narrow, non-interactive colour bar: levels come from the view, not from dragging."""
    bar = pg.ColorBarItem(width=BAR_WIDTH, interactive=False, colorMapMenu=False)
    for name in ("left", "right", "top", "bottom"):
        axis = bar.getAxis(name)
        axis.setPen(text_color)
        axis.setTextPen(text_color)
    bar.axis.setStyle(tickFont=small_font(), tickTextOffset=2, tickLength=3)
    bar.axis.setWidth(BAR_AXIS_WIDTH)
    bar.getAxis("left").setWidth(0)
    bar.getAxis("top").setHeight(0)
    bar.getAxis("bottom").setHeight(0)
    return bar


class WantsBar(Protocol):
    """What the scheduler needs of a panel."""

    @property
    def waits_for_bar(self) -> bool: ...

    @property
    def has_image(self) -> bool: ...

    def attach_colorbar(self) -> None: ...


class BarScheduler(QObject):
    """Builds the colour bars of ``panels()`` that wait for one: a few now, the rest when idle."""

    def __init__(self, panels: Callable[[], Sequence[WantsBar]], parent: QObject) -> None:
        super().__init__(parent)
        self._panels = panels
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._build_slice)

    def _waiting(self, shown_only: bool) -> list[WantsBar]:
        return [p for p in self._panels() if p.waits_for_bar and (p.has_image or not shown_only)]

    @property
    def pending(self) -> bool:
        """True while a shown panel with a map still waits for its colour bar."""
        return bool(self._waiting(shown_only=True))

    def schedule(self) -> None:
        """Build the bars of panels that got their first map (call after drawing maps)."""
        waiting = self._waiting(shown_only=True)
        if len(waiting) <= BARS_BUILT_AT_ONCE:
            for panel in waiting:
                panel.attach_colorbar()
        elif not self._timer.isActive():
            self._timer.start(BAR_DELAY_MS)

    def build_all_now(self) -> None:
        """Build every waiting bar now (before a screenshot, say)."""
        self._timer.stop()
        for panel in self._waiting(shown_only=False):
            panel.attach_colorbar()

    def _build_slice(self) -> None:
        """Build waiting bars for a short slice of time, then yield to the event loop."""
        deadline = time.perf_counter() + BAR_SLICE_SECONDS
        for panel in self._waiting(shown_only=True):
            if time.perf_counter() > deadline:
                self._timer.start(0)
                return
            panel.attach_colorbar()
