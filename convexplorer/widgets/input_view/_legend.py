"""One colour scale for all input channels: they share levels, so one legend serves them all."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget

from ..looks import Levels
from ..style import number, small_font

BAR_HEIGHT = 7


class ScaleLegend(pg.GraphicsView):
    """A small horizontal ``ColorBarItem``: the colour map with its value axis below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        palette = self.palette() if parent is None else parent.palette()
        super().__init__(parent, background=palette.color(QPalette.ColorRole.Window))
        text = palette.color(QPalette.ColorRole.WindowText)
        self.bar = pg.ColorBarItem(
            width=BAR_HEIGHT, interactive=False, orientation="horizontal", colorMapMenu=False
        )
        for name in ("left", "right", "top", "bottom"):
            axis = self.bar.getAxis(name)
            axis.setPen(text)
            axis.setTextPen(text)
        self.bar.axis.setStyle(
            tickFont=small_font(), tickTextOffset=1, tickLength=3, hideOverlappingLabels=False
        )
        self.bar.axis.setHeight(16)
        self.bar.getAxis("top").setHeight(0)
        self.bar.getAxis("left").setWidth(12)
        self.bar.getAxis("right").setWidth(12)
        self.setCentralItem(self.bar)
        self.setFixedSize(150, BAR_HEIGHT + 18)
        self.setToolTip("Colour scale of the input channel panels")

    def set_scale(self, colormap: pg.ColorMap, levels: Levels) -> None:
        if self.bar.colorMap() is not colormap:
            self.bar.setColorMap(colormap)
        self.bar.setLevels(levels)
        low, high = levels
        middle = (low + high) / 2
        self.bar.axis.setTicks([[(value, number(value)) for value in (low, middle, high)]])

    def levels(self) -> Levels:
        low, high = self.bar.levels()
        return float(low), float(high)
