"""One input channel around the sliding window, at a zoom where single pixels are visible.

The picture follows the window across large images. The padding is a visible band around the
image; where the window reads it, the tap shows the value the model padded in (zeros, reflected,
replicated or wrapped — from the ``DotProduct``) and a dot marks the pixel that value came from.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainterPath, QPen, QResizeEvent
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QWidget

from ...model import DotProduct
from ..style import (
    HOVER_COLOR,
    INK_DARK,
    PADDING_BACKGROUND,
    PADDING_COLOR,
    WINDOW_COLOR,
    cosmetic_pen,
    rgb_array,
)
from ._hover_report import HoverReport
from ._number_grid import grey_rgb

CONTEXT = 4  # pixels of input shown on each side of the window, when there is room
_SCREEN_PIXELS = 8  # at least this many screen pixels per image pixel, so pixels read as pixels
_PAD_BACKGROUND = rgb_array(PADDING_BACKGROUND)


def _crop_range(
    window_start: int, window_size: int, size: int, before: int, after: int, room: int
) -> range:
    """Rows (or cols) to show in unpadded coordinates: about the window, inside the padded image.

    ``room`` is how many image pixels fit at a readable zoom; a small padded image is shown whole.
    """
    lo, hi = -before, size + after
    span = max(window_size + 2, min(window_size + 2 * CONTEXT, room))
    if hi - lo <= max(span, room):
        return range(lo, hi)
    start = window_start + window_size // 2 - span // 2
    start = min(max(start, lo), hi - span)
    return range(start, start + span)


class Neighbourhood(pg.GraphicsView):
    """The window's neighbourhood on one channel.

    The view's range is the crop (0…w, 0…h) and changes only with the crop's size; the overlays
    are drawn in image coordinates inside a group shifted by the crop's origin, so following the
    window moves one item instead of re-ranging the view (which would repaint twice per frame).
    """

    pixelHovered = Signal(object)  # (row, col) of the input under the mouse, or None

    # The last frame's arguments, to redraw on resize (a class default: pyqtgraph's constructor
    # already calls resizeEvent).
    _last: tuple | None = None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=None)
        self.setFrameShape(pg.GraphicsView.Shape.NoFrame)
        self._box = pg.ViewBox(lockAspect=True, invertY=True, enableMouse=False, enableMenu=False)
        self._box.setDefaultPadding(0.0)
        self._box.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)
        self.setCentralItem(self._box)
        self._image = pg.ImageItem(axisOrder="row-major")
        self._box.addItem(self._image)
        self._bounds = QGraphicsRectItem()
        self._bounds.setPen(cosmetic_pen(PADDING_COLOR, 1.5, Qt.PenStyle.DashLine))
        self._padded_taps = QGraphicsPathItem()
        self._padded_taps.setPen(cosmetic_pen(PADDING_COLOR, 2))
        self._sources = QGraphicsPathItem()
        self._sources.setPen(cosmetic_pen(PADDING_COLOR, 1))
        self._sources.setBrush(PADDING_COLOR)
        self._taps = QGraphicsPathItem()
        self._taps.setPen(cosmetic_pen(WINDOW_COLOR, 1))
        self._window_shadow = QGraphicsRectItem()
        self._window_shadow.setPen(cosmetic_pen(INK_DARK, 4))
        self._window = QGraphicsRectItem()
        self._window.setPen(cosmetic_pen(WINDOW_COLOR, 2))
        self._hovered = QGraphicsPathItem()
        self._hovered.setPen(cosmetic_pen(HOVER_COLOR, 2.5))
        # Overlays are clipped to the crop (plus a margin for outlines on its edge).
        self._clip = QGraphicsRectItem()
        self._clip.setPen(QPen(Qt.PenStyle.NoPen))
        self._clip.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)
        self._box.addItem(self._clip)
        self._overlays = pg.ItemGroup(self._clip)
        for item in (
            self._bounds,
            self._padded_taps,
            self._sources,
            self._taps,
            self._window_shadow,
            self._window,
            self._hovered,
        ):
            item.setParentItem(self._overlays)
        self._crop_size = (0, 0)
        self._drawn: tuple | None = None
        self._hover = HoverReport(self.pixelHovered)
        self.scene().sigMouseMoved.connect(self._moved)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._last is not None:
            self.show_window(*self._last)  # how much context fits depends on the size

    def sizeHint(self) -> QSize:
        return QSize(120, 120)

    @property
    def slot(self) -> int | None:
        """The filter's input-channel slot drawn (None before the first frame)."""
        return None if self._last is None else self._last[3]

    def show_hover(self, pixels: list[tuple[int, int]]) -> None:
        """Outline these (row, col) cells of the unpadded input: what the hover touches."""
        self._hovered.setPath(self._squares(*np.array(pixels, int).reshape(-1, 2).T, 0.0))

    def hovered_cells(self) -> list[QRectF]:
        """The cells outlined by ``show_hover``, in unpadded image coordinates."""
        return [polygon.boundingRect() for polygon in self._hovered.path().toSubpathPolygons()]

    def _moved(self, scene_pos: QPointF) -> None:
        point = self._box.mapSceneToView(scene_pos) - self._overlays.pos()
        pixel = None
        if self._last is not None and self._box.sceneBoundingRect().contains(scene_pos):
            height, width = self._last[0].shape
            row, col = int(np.floor(point.y())), int(np.floor(point.x()))
            pixel = (row, col) if 0 <= row < height and 0 <= col < width else None
        self._hover.set(pixel)

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        self._hover.set(None)

    def minimumSizeHint(self) -> QSize:
        return QSize(40, 40)

    def show_window(
        self,
        channel: np.ndarray,
        levels: tuple[float, float],
        dot: DotProduct,
        slot: int,
        pads: tuple[int, int, int, int],
    ) -> None:
        """Draw ``channel`` (H, W) around the window of ``dot``; ``slot`` picks its patch.

        A weight edit redraws the frame but not the input: the same window over the same pixels
        (inputs are never changed in place, and ``_last`` keeps the old one alive, so equal data
        addresses mean equal pixels) is left as drawn.
        """
        height, width = channel.shape
        top, bottom, left, right = pads
        tap_rows, tap_cols = dot.tap_rows, dot.tap_cols
        r0, c0 = int(tap_rows[0, 0]), int(tap_cols[0, 0])
        win_h, win_w = int(tap_rows[-1, 0]) - r0 + 1, int(tap_cols[0, -1]) - c0 + 1
        room = max(1, min(self.width(), self.height()) // _SCREEN_PIXELS)
        drawn = (
            channel.__array_interface__["data"][0],
            channel.shape,
            channel.strides,
            levels,
            (r0, c0, win_h, win_w),
            tap_rows.shape,
            slot,
            pads,
            room,
        )
        self._last = (channel, levels, dot, slot, pads)
        if drawn == self._drawn:
            return
        self._drawn = drawn
        rows = _crop_range(r0, win_h, height, top, bottom, room)
        cols = _crop_range(c0, win_w, width, left, right, room)

        rgb = np.empty((len(rows), len(cols), 3), dtype=np.uint8)
        rgb[:] = _PAD_BACKGROUND
        inside_r = range(max(rows.start, 0), min(rows.stop, height))
        inside_c = range(max(cols.start, 0), min(cols.stop, width))
        if len(inside_r) and len(inside_c):
            values = channel[inside_r.start : inside_r.stop, inside_c.start : inside_c.stop]
            rgb[
                inside_r.start - rows.start : inside_r.stop - rows.start,
                inside_c.start - cols.start : inside_c.stop - cols.start,
            ] = grey_rgb(values, *levels)
        # Padded taps show the value the model padded in, where the window reads it.
        padded = dot.in_padding
        if padded.any():
            values = dot.patch[slot][padded]
            rgb[tap_rows[padded] - rows.start, tap_cols[padded] - cols.start] = grey_rgb(
                values, *levels
            )
        self._image.setImage(rgb, autoLevels=False, levels=(0, 255))
        if rgb.shape[:2] != self._crop_size:
            self._crop_size = rgb.shape[:2]
            crop = QRectF(0, 0, len(cols), len(rows))
            self._image.setRect(crop)
            self._box.setRange(rect=crop, padding=0.04)  # room for outlines at the edge
            self._clip.setRect(crop.adjusted(-0.3, -0.3, 0.3, 0.3))
        self._overlays.setPos(-cols.start, -rows.start)

        self._bounds.setRect(QRectF(0, 0, width, height))
        self._bounds.setVisible(any(pads))
        self._window_shadow.setRect(QRectF(c0, r0, win_w, win_h))
        self._window.setRect(QRectF(c0, r0, win_w, win_h))
        dilated = win_h > tap_rows.shape[0] or win_w > tap_rows.shape[1]
        self._taps.setPath(self._squares(tap_rows, tap_cols, 0.12) if dilated else QPainterPath())
        self._padded_taps.setPath(self._squares(tap_rows[padded], tap_cols[padded], 0.15))
        self._sources.setPath(self._source_dots(dot))
        tips = [
            f"Input channel around the window: rows {rows.start}…{rows.stop - 1}, "
            f"cols {cols.start}…{cols.stop - 1}. The cyan frame is the receptive field."
        ]
        if any(pads):
            tips.append(
                "The amber dashed line is the image border; beyond it lies the padding. Amber "
                "squares are padded values the kernel reads; amber dots, the pixels they copy."
            )
        self.setToolTip("\n".join(tips))

    @staticmethod
    def _squares(rows: np.ndarray, cols: np.ndarray, inset: float) -> QPainterPath:
        path = QPainterPath()
        size = 1.0 - 2 * inset
        for r, c in zip(rows.ravel().tolist(), cols.ravel().tolist(), strict=True):
            path.addRect(QRectF(c + inset, r + inset, size, size))
        return path

    @staticmethod
    def _source_dots(dot: DotProduct) -> QPainterPath:
        """Dots on the image pixels that padded taps copy (none for zero padding)."""
        path = QPainterPath()
        copies = dot.in_padding & (dot.source_rows >= 0)
        pairs = set(
            zip(dot.source_rows[copies].tolist(), dot.source_cols[copies].tolist(), strict=True)
        )
        for r, c in pairs:
            path.addEllipse(QRectF(c + 0.35, r + 0.35, 0.3, 0.3))
        return path
