"""A panel's colour bar: the colour map as a gradient, its levels written at the ends.

pyqtgraph's ``ColorBarItem`` is a whole ``PlotItem`` with axes (7–25 ms to build, more to lay
out), which made 64 panels freeze the window or wait for idle slices. A legend needs none of
that: one cached gradient image per colour map, scaled into a rectangle, and two or three
labels. Built with its panel, it costs what painting a small image costs.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ..looks import Levels
from ..style import FRAME_GREY, cosmetic_pen, lut_of, number, rgb_image, small_font
from ._geometry import BAR_WIDTH, MIN_BAR_HEIGHT

LABEL_GAP = 3  # between the gradient and its labels (px)
OVERFLOW = 12  # how far the widest label may reach past the bar's rectangle (px)

_gradients: dict[int, QImage] = {}  # id(colormap) -> its 1×256 gradient, high values on top


def _gradient(colormap: pg.ColorMap) -> QImage:
    """The colour map as a 1-pixel-wide image, built once per map (there are only a few)."""
    image = _gradients.get(id(colormap))
    if image is None:
        lut = lut_of(colormap)
        image = rgb_image(lut[::-1].reshape(len(lut), 1, 3))
        _gradients[id(colormap)] = image
    return image


class ColourBar(QGraphicsItem):
    """A vertical gradient for ``colorMap()`` with ``levels()`` at its ends (and 0 between)."""

    def __init__(self, text_color: QColor, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._rect = QRectF(0, 0, BAR_WIDTH, MIN_BAR_HEIGHT)
        self._colormap: pg.ColorMap | None = None
        self._levels: Levels = (0.0, 1.0)
        self._text_color = text_color
        self._font = small_font()
        self._line_height = QFontMetricsF(self._font).height()

    def colorMap(self) -> pg.ColorMap | None:
        return self._colormap

    def setColorMap(self, colormap: pg.ColorMap) -> None:
        if colormap is not self._colormap:
            self._colormap = colormap
            self.update()

    def levels(self) -> Levels:
        return self._levels

    def setLevels(self, levels: Levels) -> None:
        levels = (float(levels[0]), float(levels[1]))
        if levels != self._levels:
            self._levels = levels
            self.update()

    def setGeometry(self, rect: QRectF) -> None:
        """Occupy ``rect`` (in the parent's coordinates): the gradient on the left, labels right."""
        self.prepareGeometryChange()
        self.setPos(rect.topLeft())
        self._rect = QRectF(0, 0, rect.width(), rect.height())

    def labels(self) -> list[tuple[float, str]]:
        """(height from the top, text) of each label: the levels, and 0 when it lies between."""
        low, high = self._levels
        height = self._rect.height()
        marks = [(0.0, high), (height, low)]
        if low < 0 < high:
            y = height * high / (high - low)
            if self._line_height <= y <= height - self._line_height:  # room between the ends
                marks.append((y, 0.0))
        return [(y, number(value)) for y, value in marks]

    # ---- QGraphicsItem --------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        # the widest label ("−4.5e−4") may reach a few pixels past the space set aside for it
        return self._rect.adjusted(0, 0, OVERFLOW, 0)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        if self._colormap is None:
            return
        height = self._rect.height()
        bar = QRectF(0, 0, BAR_WIDTH, height)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(bar, _gradient(self._colormap))
        painter.setPen(cosmetic_pen(FRAME_GREY, 1))
        painter.drawRect(bar)
        painter.setFont(self._font)
        painter.setPen(self._text_color)
        half = self._line_height / 2
        x = BAR_WIDTH + LABEL_GAP
        for y, text in self.labels():
            top = min(max(y - half, 0.0), height - self._line_height)
            box = QRectF(x, top, self._rect.width() - x, self._line_height)
            painter.drawLine(QPointF(BAR_WIDTH - 3, y), QPointF(BAR_WIDTH, y))  # on the gradient
            align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(box, align | Qt.TextFlag.TextDontClip, text)
