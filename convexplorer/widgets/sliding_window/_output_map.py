"""The output map filling in: positions the window has passed (raster order) show their values.

The full map is drawn once per output change; the unvisited part is covered by two rectangles that
move with the window, so a frame costs two ``setRect`` calls whatever the output size.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QWidget

from ..looks import ValueRange, output_looks, value_range
from ..style import number
from ._neighbourhood import WINDOW_COLOR

_BLANK = QColor(236, 236, 236)
_SMALL_MAP = 40  # outputs wider or taller than this get a ring around the current pixel


def _pen(color: QColor, width: float) -> QPen:
    pen = QPen(color, width)
    pen.setCosmetic(True)
    return pen


class OutputMap(pg.GraphicsView):
    """The selected filter's output map; click a pixel to move the window there."""

    positionClicked = Signal(int, int)
    hovered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=None)
        self.setFrameShape(pg.GraphicsView.Shape.NoFrame)
        self._box = pg.ViewBox(lockAspect=True, invertY=True, enableMouse=False, enableMenu=False)
        self._box.setDefaultPadding(0.02)
        self.setCentralItem(self._box)
        self._image = pg.ImageItem(axisOrder="row-major")
        # Drawn once at screen resolution and reused: a frame only moves the covers over it.
        self._image.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._box.addItem(self._image)
        self._covers = [QGraphicsRectItem(), QGraphicsRectItem()]
        for cover in self._covers:
            cover.setPen(QPen(Qt.PenStyle.NoPen))
            cover.setBrush(QBrush(_BLANK))
            self._box.addItem(cover)
        self._frame = QGraphicsRectItem()
        self._frame.setPen(_pen(QColor(150, 150, 150), 1))
        self._box.addItem(self._frame)
        self._current_shadow = QGraphicsRectItem()
        self._current_shadow.setPen(_pen(QColor(0, 0, 0), 4))
        self._current = QGraphicsRectItem()
        self._current.setPen(_pen(WINDOW_COLOR, 2))
        # A fixed-size square on screen, so one output pixel of a large map stays findable.
        self._ring = QGraphicsRectItem(QRectF(-9, -9, 18, 18))
        self._ring.setPen(_pen(WINDOW_COLOR, 2))
        self._ring.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        for item in (self._current_shadow, self._current, self._ring):
            self._box.addItem(item)
        self._values: np.ndarray | None = None
        self._size = (0, 0)
        self._hover_pos: tuple[int, int] | None = None
        self.setToolTip("The output map fills in as the window moves. Click a pixel to jump there")
        self.scene().sigMouseClicked.connect(self._clicked)
        self.scene().sigMouseMoved.connect(self._moved)

    def sizeHint(self) -> QSize:
        return QSize(260, 260)

    def minimumSizeHint(self) -> QSize:
        return QSize(80, 80)

    def set_size(self, height: int, width: int) -> None:
        """A new output size (layer or input change): values unknown until ``set_values``."""
        if (height, width) == self._size:
            return
        self._size = (height, width)
        self._values = None
        self._image.clear()
        self._frame.setRect(QRectF(0, 0, width, height))
        self._box.setRange(rect=QRectF(0, 0, width, height))

    def set_values(
        self,
        values: np.ndarray | None,
        values_range: ValueRange | None = None,
        activation: str = "none",
        preview: tuple[np.ndarray, int] | None = None,
    ) -> None:
        """The output channel's values (after ``activation``), or None while they are computed.

        Coloured as its output panel colours it on its own scale (``looks.output_looks``), from
        the range the model computed with the values (``values_range``; measured if not given).
        """
        self._values = values
        if values is None:
            self._image.clear()
            return
        known = values_range if values_range is not None else value_range(values)
        look = output_looks({0: known}, activation, shared=False)[0]
        self._image.setColorMap(look.colormap)
        drawn = values if preview is None else preview[0]  # averaged blocks of a large map
        self._image.setImage(drawn, autoLevels=False, levels=look.levels)
        self._image.setRect(QRectF(0, 0, values.shape[1], values.shape[0]))

    def mark_stale(self) -> None:
        """The values shown are out of date (an edit): keep the picture, withhold the numbers."""
        self._values = None

    def set_position(self, row: int, col: int, written: bool) -> None:
        """Cover what comes after (row, col) in raster order — and (row, col) unless ``written``."""
        height, width = self._size
        start = col + 1 if written else col
        self._covers[0].setRect(QRectF(start, row, width - start, 1))
        self._covers[1].setRect(QRectF(0, row + 1, width, height - row - 1))
        cell = QRectF(col, row, 1, 1)
        self._current_shadow.setRect(cell)
        self._current.setRect(cell)
        big = max(height, width) > _SMALL_MAP
        self._ring.setVisible(big)
        self._ring.setPos(col + 0.5, row + 0.5)

    def value_at(self, row: int, col: int) -> float | None:
        """The shown output value at (row, col), None while the map is being computed."""
        return None if self._values is None else float(self._values[row, col])

    def _pixel_at(self, scene_pos: QPointF) -> tuple[int, int] | None:
        if not self._box.sceneBoundingRect().contains(scene_pos):
            return None
        point = self._box.mapSceneToView(scene_pos)
        row, col = int(np.floor(point.y())), int(np.floor(point.x()))
        height, width = self._size
        return (row, col) if 0 <= row < height and 0 <= col < width else None

    def _clicked(self, event) -> None:  # pyqtgraph's MouseClickEvent
        pixel = self._pixel_at(event.scenePos())
        if pixel is not None and event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            self.positionClicked.emit(*pixel)

    def _moved(self, scene_pos: QPointF) -> None:
        pixel = self._pixel_at(scene_pos)
        if pixel is None or pixel == self._hover_pos:
            return
        self._hover_pos = pixel
        value = self.value_at(*pixel)
        shown = "" if value is None else f" = {number(value)}"
        self.hovered.emit(f"Output ({pixel[0]}, {pixel[1]}){shown} — click to move the window here")
