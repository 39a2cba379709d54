"""The output map filling in: positions the window has passed (raster order) show their values.

The full map is drawn once per output change; the unvisited part is covered by two rectangles that
move with the window, so a frame costs two ``setRect`` calls whatever the output size.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QWidget

from ..looks import ValueRange, output_looks
from ..style import BLANK_COLOR, GRID_GREY, INK_DARK, WINDOW_COLOR, cosmetic_pen, number
from ._pace import Position, Track
from ._picture import cell_under

_SMALL_MAP = 40  # outputs wider or taller than this get a ring around the current pixel


class _MapBox(pg.ViewBox):
    """The map's view box: a left-button drag marks out a rectangle instead of panning."""

    dragged = Signal(QPointF, QPointF, bool)  # where it started, where it is, finished

    def mouseDragEvent(self, ev, axis=None) -> None:  # pyqtgraph's MouseDragEvent
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        start = self.mapSceneToView(ev.buttonDownScenePos())
        self.dragged.emit(start, self.mapSceneToView(ev.scenePos()), ev.isFinish())


class OutputMap(pg.GraphicsView):
    """The selected filter's output map; click a pixel to move the window there, drag a
    rectangle to play only that region."""

    positionClicked = Signal(int, int)
    regionDragged = Signal(int, int, int, int)  # corner pixels: row, col, row, col
    hovered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=None)
        self.setFrameShape(pg.GraphicsView.Shape.NoFrame)
        self._box = _MapBox(lockAspect=True, invertY=True, enableMouse=False, enableMenu=False)
        self._box.dragged.connect(self._dragged)
        self._box.setDefaultPadding(0.02)
        self.setCentralItem(self._box)
        self._image = pg.ImageItem(axisOrder="row-major")
        # Drawn once at screen resolution and reused: a frame only moves the covers over it.
        self._image.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._box.addItem(self._image)
        self._covers = [QGraphicsRectItem(), QGraphicsRectItem()]
        for cover in self._covers:
            cover.setPen(QPen(Qt.PenStyle.NoPen))
            cover.setBrush(QBrush(BLANK_COLOR))
            self._box.addItem(cover)
        self._frame = QGraphicsRectItem()
        self._frame.setPen(cosmetic_pen(GRID_GREY, 1))
        self._box.addItem(self._frame)
        self._current_shadow = QGraphicsRectItem()
        self._current_shadow.setPen(cosmetic_pen(INK_DARK, 4))
        self._current = QGraphicsRectItem()
        self._current.setPen(cosmetic_pen(WINDOW_COLOR, 2))
        # A fixed-size square on screen, so one output pixel of a large map stays findable.
        self._ring = QGraphicsRectItem(QRectF(-9, -9, 18, 18))
        self._ring.setPen(cosmetic_pen(WINDOW_COLOR, 2))
        self._ring.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        # The region played on its own (or being dragged out): dashed, over the covers.
        self._region = QGraphicsRectItem()
        region_pen = cosmetic_pen(WINDOW_COLOR, 2)
        region_pen.setStyle(Qt.PenStyle.DashLine)
        self._region.setPen(region_pen)
        self._region.hide()
        for item in (self._region, self._current_shadow, self._current, self._ring):
            self._box.addItem(item)
        self._values: np.ndarray | None = None
        self._size = (0, 0)
        self._hover_pos: tuple[int, int] | None = None
        self.setToolTip(
            "The output map fills in as the window moves. Click a pixel to jump there; drag a "
            "rectangle to play only that region (Esc: the whole map again)"
        )
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
        values_range: ValueRange | None,
        activation: str = "none",
        preview: tuple[np.ndarray, int] | None = None,
    ) -> None:
        """The output channel's values (after ``activation``), or None while they are computed.

        Coloured as its output panel colours it on its own scale (``looks.output_looks``), from
        the range the model computed with the values: the view measures nothing itself.
        """
        self._values = values
        if values is None or values_range is None:
            self._image.clear()
            return
        look = output_looks({0: values_range}, activation, shared=False)[0]
        self._image.setColorMap(look.colormap)
        drawn = values if preview is None else preview[0]  # averaged blocks of a large map
        self._image.setImage(drawn, autoLevels=False, levels=look.levels)
        self._image.setRect(QRectF(0, 0, values.shape[1], values.shape[0]))

    def mark_stale(self) -> None:
        """The values shown are out of date (an edit): keep the picture, withhold the numbers."""
        self._values = None

    def set_region(self, region: Track | None) -> None:
        """Outline the region played on its own (None: the whole map plays)."""
        self._region.setVisible(region is not None)
        if region is not None:
            self._region.setRect(QRectF(region.left, region.top, region.width, region.height))

    def set_position(self, row: int, col: int, written: bool, region: Track | None = None) -> None:
        """Cover what comes after (row, col) in raster order — and (row, col) unless ``written``.

        Within ``region`` when it holds (row, col): the region fills in on its own, the rest of
        the map stays visible around it.
        """
        track = region if region is not None and region.contains((row, col)) else None
        track = track or Track.whole(self._size)
        top, left, right = track.top, track.left, track.left + track.width
        start = col + 1 if written else col
        self._covers[0].setRect(QRectF(start, row, right - start, 1))
        self._covers[1].setRect(QRectF(left, row + 1, track.width, top + track.height - row - 1))
        cell = QRectF(col, row, 1, 1)
        self._current_shadow.setRect(cell)
        self._current.setRect(cell)
        big = max(self._size) > _SMALL_MAP
        self._ring.setVisible(big)
        self._ring.setPos(col + 0.5, row + 0.5)

    def value_at(self, row: int, col: int) -> float | None:
        """The shown output value at (row, col), None while the map is being computed."""
        return None if self._values is None else float(self._values[row, col])

    def _dragged(self, start: QPointF, end: QPointF, finished: bool) -> None:
        """Show the rectangle being dragged out; when the drag ends, ask for it to play."""
        corners = [(int(np.floor(p.y())), int(np.floor(p.x()))) for p in (start, end)]
        region = Track.spanning(*corners, self._size)
        self.set_region(region)
        if finished:
            bottom, right = region.position(region.count - 1)
            self.regionDragged.emit(region.top, region.left, bottom, right)

    def _pixel_at(self, scene_pos: QPointF) -> Position | None:
        return cell_under(self._box, scene_pos, self._size)

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
