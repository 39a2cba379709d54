"""The painting view's pictures: a whole map with cells outlined, and the output painted so far.

``Picture`` draws a map once and moves outlines over it (the painting pixel, the taps it adds to,
and what the mouse points at), announcing the cell under the mouse. ``PaintedPicture`` shows a
``PaintedSoFar`` the way the model keeps it: the finished output drawn once (and kept as a screen
bitmap), the band being painted as a small image over it, and the untouched rows below as one
rectangle in the bias's colour, so a frame costs a few rows whatever the output size.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Signal
from PySide6.QtGui import QBrush, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QWidget

from ...model import PaintedSoFar
from ..style import HOVER_COLOR, TRANSPARENT, WINDOW_COLOR, cosmetic_pen, with_alpha
from ._hover_report import HoverReport

SMALL_MAP = 40  # maps wider or taller than this get a ring around the outlined cells

Cell = tuple[int, int]


def _cells_path(cells: list[Cell]) -> QPainterPath:
    path = QPainterPath()
    for row, col in cells:
        path.addRect(QRectF(col, row, 1, 1))
    return path


def _path_cells(path: QPainterPath) -> list[Cell]:
    return [
        (round(p.boundingRect().top()), round(p.boundingRect().left()))
        for p in path.toSubpathPolygons()
    ]


def cell_under(box: pg.ViewBox, scene_pos: QPointF, size: tuple[int, int]) -> Cell | None:
    """The (row, col) of a size[0] × size[1] map drawn at (0, 0) in ``box`` under a scene
    position, if any (the output map shares it)."""
    if not box.sceneBoundingRect().contains(scene_pos):
        return None
    point = box.mapSceneToView(scene_pos)
    row, col = int(np.floor(point.y())), int(np.floor(point.x()))
    height, width = size
    return (row, col) if 0 <= row < height and 0 <= col < width else None


class Picture(pg.GraphicsView):
    """A whole map with some cells outlined: the input and its pixel, the output and the taps."""

    cellHovered = Signal(object)  # (row, col) under the mouse, or None when it leaves

    def __init__(self, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=None)
        self.setFrameShape(pg.GraphicsView.Shape.NoFrame)
        self._box = pg.ViewBox(lockAspect=True, invertY=True, enableMouse=False, enableMenu=False)
        self._box.setDefaultPadding(0.02)
        self.setCentralItem(self._box)
        self._image = pg.ImageItem(axisOrder="row-major")
        # Drawn once at screen resolution and reused: a frame moves only the outlines over it.
        self._image.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._box.addItem(self._image)
        self._outline = QGraphicsPathItem()
        self._outline.setPen(cosmetic_pen(WINDOW_COLOR, 2))
        self._outline.setZValue(5)
        self._box.addItem(self._outline)
        # A fixed-size ring on screen around the outline, so a pixel of a large map stays findable.
        self._ring = QGraphicsRectItem(QRectF(-9, -9, 18, 18))
        self._ring.setPen(cosmetic_pen(WINDOW_COLOR, 2))
        self._ring.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._ring.setZValue(5)
        self._box.addItem(self._ring)
        self._hovered = QGraphicsPathItem()
        self._hovered.setPen(cosmetic_pen(HOVER_COLOR, 2.5))
        self._hovered.setBrush(with_alpha(HOVER_COLOR, 70))
        self._hovered.setZValue(10)
        self._box.addItem(self._hovered)
        self._size = (0, 0)
        self._hover = HoverReport(self.cellHovered)
        self.scene().sigMouseMoved.connect(self._moved)
        self.setToolTip(tooltip)

    def sizeHint(self) -> QSize:
        return QSize(220, 220)

    def minimumSizeHint(self) -> QSize:
        return QSize(80, 80)

    def _set_size(self, height: int, width: int) -> None:
        if (height, width) != self._size:
            self._size = (height, width)
            self._box.setRange(rect=QRectF(0, 0, width, height))

    def show_values(self, values: np.ndarray, colormap: pg.ColorMap, levels: tuple) -> None:
        self._image.setColorMap(colormap)
        self._image.setImage(values, autoLevels=False, levels=levels)
        height, width = values.shape
        self._image.setRect(QRectF(0, 0, width, height))
        self._set_size(height, width)

    def outline(self, cells: list[Cell]) -> None:
        path = _cells_path(cells)
        self._outline.setPath(path)
        self._ring.setVisible(bool(cells) and max(self._size) > SMALL_MAP)
        self._ring.setPos(path.boundingRect().center())

    def show_hover(self, cells: list[Cell]) -> None:
        """Mark these cells as what the hovered thing touches (none: clear)."""
        self._hovered.setPath(_cells_path(cells))

    def outlined_cells(self) -> list[Cell]:
        """The outlined cells (for tests)."""
        return _path_cells(self._outline.path())

    def hovered_cells(self) -> list[Cell]:
        """The cells marked by ``show_hover`` (for tests)."""
        return _path_cells(self._hovered.path())

    def cell_at(self, scene_pos: QPointF) -> Cell | None:
        """The map cell under a scene position, if any."""
        return cell_under(self._box, scene_pos, self._size)

    def view_to_widget(self, row: float, col: float) -> QPointF:
        """Where map point (row, col) is in the widget (tests move the mouse there)."""
        return self.mapFromScene(self._box.mapViewToScene(QPointF(col, row))).toPointF()

    def _moved(self, scene_pos: QPointF) -> None:
        self._hover.set(self.cell_at(scene_pos))

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        self._hover.set(None)


class PaintedPicture(Picture):
    """The output so far, drawn in the model's three parts (see the module's text)."""

    def __init__(self, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(tooltip, parent)
        self._band = pg.ImageItem(axisOrder="row-major")
        self._band.setZValue(1)
        self._box.addItem(self._band)
        self._rest = QGraphicsRectItem()
        self._rest.setPen(QPen(TRANSPARENT, 0))
        self._rest.setZValue(1)
        self._box.addItem(self._rest)
        self._final: tuple | None = None  # what the finished image was drawn from (kept alive)

    def show_painted(self, so_far: PaintedSoFar, colormap: pg.ColorMap, levels: tuple) -> None:
        final = so_far.final
        drawn = self._final
        if drawn is None or drawn[0] is not final or drawn[1] != tuple(levels):
            self._final = (
                final,
                tuple(levels),
            )  # a new output or scale: the only full-size drawing
            self.show_values(final, colormap, levels)
            self._band.setColorMap(colormap)
            low, high = levels
            where = (float(so_far.rest) - low) / (high - low) if high > low else 0.0
            self._rest.setBrush(QBrush(colormap.mapToQColor(np.array([where]))[0]))
        height, width = final.shape
        top, stop = so_far.band_start, so_far.band_stop
        self._band.setVisible(stop > top)
        if stop > top:
            self._band.setImage(so_far.band, autoLevels=False, levels=levels)
            self._band.setRect(QRectF(0, top, width, stop - top))
        self._rest.setRect(QRectF(0, stop, width, height - stop))
