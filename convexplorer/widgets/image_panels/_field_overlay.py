"""A receptive field drawn over an image: every pixel it reads filled, its outline traced.

The item lives in the image's pixel coordinates (one unit per pixel, as ``ImagePanel``'s canvas
and a plain ``ImageItem`` use). An update touches only the field's bounding box: the fill is a
small RGBA image placed on the box, the outline one path of merged pixel edges built with numpy,
so hovering costs about the same on a 64² or a 1024² input.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem

from ..style import FIELD_COLOR, FIELD_FILL, INK_DARK, cosmetic_pen, rgba_array

Box = tuple[int, int, int, int]  # row, col, height, width
#: A field smaller than this on screen (px) also gets a ring of fixed size, to be found at once.
RING_BELOW = 12


def mask_box(mask: np.ndarray) -> Box | None:
    """The bounding box of a boolean mask's True pixels, None if there are none."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return None
    return (int(rows[0]), int(cols[0]), int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1))


def _runs(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of True along each row of ``edges``: (row, first, end) arrays, end exclusive."""
    steps = np.diff(edges.astype(np.int8), axis=1, prepend=0, append=0)
    rows, starts = np.nonzero(steps == 1)
    _, ends = np.nonzero(steps == -1)
    return rows, starts, ends


def outline_path(mask: np.ndarray, row: int = 0, col: int = 0) -> QPainterPath:
    """The edges between a mask's True and False pixels (and the outside), neighbouring edges
    merged into one segment, shifted by (row, col): the outline of every region and hole."""
    height, width = mask.shape
    framed = np.zeros((height + 2, width + 2), dtype=bool)
    framed[1:-1, 1:-1] = mask
    # horizontal edges: above pixel row y, along x
    y, x0, x1 = _runs(framed[1:, 1:-1] != framed[:-1, 1:-1])
    # vertical edges: left of pixel column x, along y (runs found on the transpose)
    x, y0, y1 = _runs((framed[1:-1, 1:] != framed[1:-1, :-1]).T)
    xs = np.concatenate([np.stack([x0, x1], axis=1).ravel(), np.repeat(x, 2)]) + col
    ys = np.concatenate([np.repeat(y, 2), np.stack([y0, y1], axis=1).ravel()]) + row
    if not len(xs):
        return QPainterPath()
    return pg.arrayToQPath(xs.astype(float), ys.astype(float), connect="pairs", finiteCheck=False)


class FieldOverlay(pg.ItemGroup):
    """A receptive field over an image: ``set_mask`` shows one (H×W bool), ``clear`` hides it.

    ``color`` and ``fill`` are the outline's and the fill's (``style``'s field cyan by default);
    ``ring`` False: never ring a small field (a view that rings its own mark already).

    Put it in image pixel coordinates: ``ImagePanel.add_overlay``, or as a child of (or beside) an
    ``ImageItem`` at the origin. It ignores the mouse, so the picture under it still hovers.
    """

    def __init__(
        self,
        parent=None,
        color: QColor = FIELD_COLOR,
        fill: QColor = FIELD_FILL,
        ring: bool = True,
    ) -> None:
        super().__init__()
        self._rings = ring
        if parent is not None:
            self.setParentItem(parent)
        self.setZValue(5)
        self.setAcceptHoverEvents(False)
        self.setAcceptedMouseButtons(pg.QtCore.Qt.MouseButton.NoButton)
        self._fill = pg.ImageItem(axisOrder="row-major")
        self._colour = rgba_array(fill)
        # a dark line under the cyan one, so the outline reads on light and dark pictures alike
        self._shadow = QGraphicsPathItem()
        self._shadow.setPen(cosmetic_pen(INK_DARK, 3.0))
        self._line = QGraphicsPathItem()
        self._line.setPen(cosmetic_pen(color, 1.5))
        self._ring = QGraphicsRectItem(QRectF(-9, -9, 18, 18))
        self._ring.setPen(cosmetic_pen(color, 2.0))
        self._ring.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        for item in (self._fill, self._shadow, self._line, self._ring):
            self.addItem(item)
        self._box: Box | None = None
        self.setVisible(False)

    @property
    def box(self) -> Box | None:
        """The bounding box shown (row, col, height, width), None when nothing is."""
        return self._box

    def outline(self) -> QPainterPath:
        """The outline drawn, in image coordinates (for tests)."""
        return self._line.path()

    @property
    def ringed(self) -> bool:
        """Whether the field is small on screen and ringed (for tests)."""
        return self._ring.isVisible()

    def fill_image(self) -> np.ndarray | None:
        """The RGBA fill drawn over the box (for tests)."""
        return self._fill.image

    def clear(self) -> None:
        self._box = None
        self.setVisible(False)

    def set_mask(self, mask: np.ndarray | None, box: Box | None = None) -> None:
        """Show the pixels of ``mask`` (H×W bool) that are True; ``box`` their bounding box if the
        caller knows it (``ReceptiveField.boxes``), else it is found. None or all False: hide."""
        if mask is None:
            self.clear()
            return
        box = mask_box(mask) if box is None else tuple(box)
        if box is None:
            self.clear()
            return
        row, col, height, width = box
        self._show(mask[row : row + height, col : col + width], row, col)

    def set_pixels(self, pixels: np.ndarray) -> None:
        """Show these (row, col) pixels ((n, 2) ints, repeats allowed; none: hide), without an
        image-sized mask: what a view that knows a few pixels per frame calls."""
        pixels = np.asarray(pixels, dtype=np.intp).reshape(-1, 2)
        if not len(pixels):
            self.clear()
            return
        (row, col), (last_row, last_col) = pixels.min(axis=0), pixels.max(axis=0)
        crop = np.zeros((last_row - row + 1, last_col - col + 1), dtype=bool)
        crop[pixels[:, 0] - row, pixels[:, 1] - col] = True
        self._show(crop, int(row), int(col))

    def _show(self, crop: np.ndarray, row: int, col: int) -> None:
        """Draw ``crop`` (its box's pixels) with its top-left pixel at (row, col)."""
        height, width = crop.shape
        rgba = np.zeros((height, width, 4), dtype=np.uint8)
        rgba[crop] = self._colour
        self._fill.setImage(rgba, autoLevels=False, levels=(0, 255))
        self._fill.setRect(QRectF(col, row, width, height))
        path = outline_path(crop, row, col)
        self._shadow.setPath(path)
        self._line.setPath(path)
        area = QRectF(col, row, width, height)
        self._ring.setPos(area.center())
        self._ring.setVisible(self._rings and self._screen_side(area) < RING_BELOW)
        self._box = (row, col, height, width)
        self.setVisible(True)

    def _screen_side(self, area: QRectF) -> float:
        """The longer side of ``area`` on screen (px); infinite while nothing shows it."""
        views = self.scene().views() if self.scene() is not None else []
        if not views:
            return float("inf")
        on_screen = self.deviceTransform(views[0].viewportTransform()).mapRect(area)
        return max(on_screen.width(), on_screen.height())
