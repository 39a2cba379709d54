"""The whole input with the receptive field on it, beside the output map at the same scale.

The neighbourhood shows the numbers; this shows where they are: the window travelling over the
whole (padded) image while the output map fills in next to it. A frame only moves items — the
window outline is set, the tap cells (one path per layer) are shifted — and the input picture is
drawn again only for a new input (``input_version``) or another channel.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QPainterPath, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QLabel,
    QSizePolicy,
    QWidget,
)

from ...model import DotProduct
from ..image_panels import FieldOverlay
from ..looks import input_looks, photo_rgb
from ..style import (
    HINT_TEXT,
    HOVER_COLOR,
    INK_DARK,
    PADDING_COLOR,
    PADDING_FILL,
    SEQUENTIAL,
    WINDOW_COLOR,
    WINDOW_FILL,
    channel_label,
    cosmetic_pen,
    text_css,
)
from ._channel_strip import Frame
from ._hover_report import HoverReport
from ._labels import SteadyLabel

_PADDING = 0.02  # the view boxes' margin around their content (the output map's too)
_GAP = 12  # px between the input and the output map
_MIN_COLUMN = 130  # px: room for the captions under a small map
_SMALL_IMAGE = 40  # images wider or taller than this get a ring around the window


def _cells(pixels: np.ndarray, inset: float) -> QPainterPath:
    """Squares on (row, col) pixels ((n, 2) ints), inset a little so neighbours stay apart."""
    path = QPainterPath()
    size = 1.0 - 2 * inset
    for r, c in pixels.tolist():
        path.addRect(QRectF(c + inset, r + inset, size, size))
    return path


def _common_scale(
    avail_w: float, avail_h: float, widths: tuple[float, float], height: float
) -> float:
    """Screen px per pixel so both pictures fit side by side, each column at least
    ``_MIN_COLUMN`` wide (a tiny output map still needs room for its caption)."""
    scale = min(avail_w / sum(widths), avail_h / height)
    for _ in range(2):  # once the narrow column is clamped, the other takes what is left
        clamped = [w * scale < _MIN_COLUMN for w in widths]
        loose = sum(w for w, c in zip(widths, clamped, strict=True) if not c)
        if loose:
            scale = min(scale, (avail_w - _MIN_COLUMN * sum(clamped)) / loose)
    return max(scale, 1e-6)


#: Longest side drawn of the overview's input picture (it is shown a few hundred px wide).
OVERVIEW_SIDE = 384


class InputOverview(pg.GraphicsView):
    """The whole input inside its padding, with the window, its taps and the hovered pixels."""

    pixelHovered = Signal(object)  # (row, col) of the input under the mouse, or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=None)
        self.setObjectName("slidingWindowOverview")
        self.setAccessibleName("Whole input with the receptive field of the current output")
        self.setFrameShape(pg.GraphicsView.Shape.NoFrame)
        self._box = pg.ViewBox(lockAspect=True, invertY=True, enableMouse=False, enableMenu=False)
        self._box.setDefaultPadding(_PADDING)
        self.setCentralItem(self._box)
        # The padding: a tinted, hatched frame the image sits in.
        self._padding = QGraphicsRectItem()
        self._padding.setPen(QPen(Qt.PenStyle.NoPen))
        self._padding.setBrush(PADDING_FILL)
        self._hatch = QGraphicsRectItem()
        self._hatch.setPen(cosmetic_pen(PADDING_COLOR, 1))
        self._hatch.setBrush(QBrush(PADDING_COLOR, Qt.BrushStyle.BDiagPattern))
        self._image = pg.ImageItem(axisOrder="row-major")
        # Drawn once at screen resolution and reused: a frame only moves the items over it.
        self._image.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._border = QGraphicsRectItem()
        self._border.setPen(cosmetic_pen(PADDING_COLOR, 1.5, Qt.PenStyle.DashLine))
        # The taps, relative to the window's top-left tap: built per layer, moved per frame.
        self._taps = QGraphicsPathItem()
        self._taps.setPen(cosmetic_pen(WINDOW_COLOR, 1))
        self._taps.setBrush(WINDOW_FILL)
        self._window_shadow = QGraphicsRectItem()
        self._window_shadow.setPen(cosmetic_pen(INK_DARK, 4))
        self._window = QGraphicsRectItem()
        self._window.setPen(cosmetic_pen(WINDOW_COLOR, 2))
        # A fixed-size square on screen, so a small window on a large image stays findable.
        self._ring = QGraphicsRectItem(QRectF(-11, -11, 22, 22))
        self._ring.setPen(cosmetic_pen(WINDOW_COLOR, 2))
        self._ring.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._hovered = QGraphicsPathItem()
        self._hovered.setPen(cosmetic_pen(HOVER_COLOR, 2.5))
        # The image pixels that taps in the padding copy (reflect, replicate, circular): where
        # the window's values really come from.
        self._copies = FieldOverlay(color=PADDING_COLOR, fill=PADDING_FILL, ring=False)
        for item in (
            self._padding,
            self._hatch,
            self._image,
            self._border,
            self._taps,
            self._window_shadow,
            self._window,
            self._ring,
            self._copies,
            self._hovered,
        ):
            self._box.addItem(item)
        self._drawn: tuple[int, int] | None = None  # (input_version, channel or -1 for photo)
        self._layout_key: tuple = ()
        self._size = (0, 0)
        self._hover = HoverReport(self.pixelHovered)
        self.scene().sigMouseMoved.connect(self._moved)

    def sizeHint(self) -> QSize:
        return QSize(260, 260)

    def minimumSizeHint(self) -> QSize:
        return QSize(60, 60)

    # ---- drawing --------------------------------------------------------------------------------

    def set_input(self, frame: Frame, version: int, channel: int | None) -> None:
        """The photo's colour composite (``channel`` None) or one channel; drawn only when it
        changed."""
        key = (version, -1 if channel is None else channel)
        if key == self._drawn:
            return
        self._drawn = key
        height, width = frame.image.shape[1:]
        # An overview a few hundred pixels wide: every step-th pixel is plenty, and free (a
        # view), where averaging or colour-mapping a 1024² input would stall a new input.
        step = max(1, math.ceil(max(height, width) / OVERVIEW_SIDE))
        image = frame.image[:, ::step, ::step]
        if channel is None:
            rgb = photo_rgb(image, input_looks(frame.levels, photo=True)[0].levels)
            self._image.setImage(rgb, autoLevels=False, levels=(0.0, 1.0))
        else:
            low, high = (float(v) for v in frame.levels[channel])
            self._image.setColorMap(SEQUENTIAL)
            self._image.setImage(image[channel], autoLevels=False, levels=(low, high or 1.0))
        self._image.setRect(QRectF(0, 0, width, height))

    def set_layer(
        self, height: int, width: int, pads: tuple[int, int, int, int], dot: DotProduct
    ) -> None:
        """Shapes for a layer: the padded frame, the view's range and the tap pattern."""
        rows0, cols0 = dot.tap_rows - dot.tap_rows[0, 0], dot.tap_cols - dot.tap_cols[0, 0]
        key = (height, width, pads, rows0.tobytes(), cols0.tobytes())
        if key == self._layout_key:
            return
        self._layout_key = key
        self._size = (height, width)
        top, bottom, left, right = pads
        padded = QRectF(-left, -top, width + left + right, height + top + bottom)
        for item in (self._padding, self._hatch):
            item.setRect(padded)
            item.setVisible(any(pads))
        self._border.setRect(QRectF(0, 0, width, height))
        self._border.setVisible(any(pads))
        self._box.setRange(rect=padded)
        self._taps.setPath(_cells(np.stack([rows0.ravel(), cols0.ravel()], axis=1), 0.1))
        self._ring.setVisible(max(height, width) > _SMALL_IMAGE)

    def show_window(self, dot: DotProduct) -> None:
        """Move the receptive field of ``dot`` (its taps share one pattern per layer)."""
        r0, c0 = int(dot.tap_rows[0, 0]), int(dot.tap_cols[0, 0])
        win_h, win_w = int(dot.tap_rows[-1, 0]) - r0 + 1, int(dot.tap_cols[0, -1]) - c0 + 1
        window = QRectF(c0, r0, win_w, win_h)
        self._window_shadow.setRect(window)
        self._window.setRect(window)
        self._taps.setPos(c0, r0)
        self._ring.setPos(window.center())
        copied = dot.in_padding & (dot.source_rows >= 0)
        self._copies.set_pixels(
            np.stack([dot.source_rows[copied], dot.source_cols[copied]], axis=1)
        )

    def show_hover(self, pixels: list[tuple[int, int]]) -> None:
        """Outline these (row, col) cells (padded ones too): what the hover touches."""
        self._hovered.setPath(_cells(np.array(pixels, int).reshape(-1, 2), 0.0))

    def padded_rect(self) -> QRectF:
        """The padded input in image coordinates (for the layout and tests)."""
        return self._padding.rect()

    def window_rect(self) -> QRectF:
        return self._window.rect()

    def tap_cells(self) -> list[QRectF]:
        """The tap cells drawn, in image coordinates."""
        path = self._taps.path().translated(self._taps.pos())
        return [polygon.boundingRect() for polygon in path.toSubpathPolygons()]

    def copied_box(self) -> tuple[int, int, int, int] | None:
        """(row, col, height, width) around the pixels the padding copies, None if none."""
        return self._copies.box

    def hovered_cells(self) -> list[QRectF]:
        return [polygon.boundingRect() for polygon in self._hovered.path().toSubpathPolygons()]

    # ---- mouse ----------------------------------------------------------------------------------

    def _moved(self, scene_pos: QPointF) -> None:
        point = self._box.mapSceneToView(scene_pos)
        row, col = int(np.floor(point.y())), int(np.floor(point.x()))
        height, width = self._size
        inside = 0 <= row < height and 0 <= col < width
        self._hover.set((row, col) if inside else None)

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        self._hover.set(None)


class Overview(QWidget):
    """The input overview and the output map side by side, one screen scale for both.

    The output map, its title and caption belong to the sliding-window view; this widget only
    places them: each picture gets the width its pixels need at the common scale, so an output
    pixel is as large as an input pixel (a stride of 2 shows a map half the input's size).
    """

    def __init__(
        self, output_map: QWidget, output_title: QLabel, output_caption: QLabel, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.input_view = InputOverview(self)
        self.input_title = QLabel(self)
        self.input_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # what the pixel or weight under the mouse touches
        self.input_caption = SteadyLabel("", self, tooltip_is_text=True)
        self.input_caption.setStyleSheet(text_css(HINT_TEXT))
        self.input_view.setToolTip(
            "The whole input: the cyan frame is the receptive field of the current output, its "
            "cells the pixels the taps read; hatched amber is the padding. Hover a pixel to see "
            "the weights it meets and every output it feeds. With reflect, replicate or circular "
            "padding, amber-outlined pixels are the ones the taps in the padding copy."
        )
        self.output_map, self.output_title, self.output_caption = (
            output_map,
            output_title,
            output_caption,
        )
        for widget in (output_map, output_title, output_caption):
            widget.setParent(self)
        self._units = ((1.0, 1.0), (1.0, 1.0))  # (height, width) of the input and output content

    def sizeHint(self) -> QSize:
        return QSize(520, 280)

    def minimumSizeHint(self) -> QSize:
        return QSize(2 * _MIN_COLUMN + _GAP, 2 * (self.fontMetrics().height() + 4) + 60)

    def show_frame(self, frame: Frame, version: int, slot: int, out_size: tuple[int, int]) -> None:
        """Draw the frame's input (if new), its layer's shapes and the window; lay out if needed.

        The photo (``Frame.photo``) shows as its colour composite; any other input, the channel
        at ``slot`` (the one detailed beside it): a later layer's 3 maps are not a picture.
        """
        channels = frame.dot.input_channels
        channel = None if frame.photo else channels[min(slot, len(channels) - 1)]
        _, height, width = frame.image.shape
        self.input_view.set_input(frame, version, channel)
        self.input_view.set_layer(height, width, frame.pads, frame.dot)
        self.input_view.show_window(frame.dot)
        shown = "RGB" if channel is None else channel_label(channel, photo=frame.photo)
        self.input_title.setText(f"input {shown} · {height}×{width}")
        top, bottom, left, right = frame.pads
        units = ((height + top + bottom, width + left + right), tuple(out_size))
        if units != self._units:
            self._units = units
            self._arrange()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        """Two columns (title, picture, caption) with pictures at one scale, top-aligned."""
        (in_h, in_w), (out_h, out_w) = self._units
        line = self.fontMetrics().height() + 4
        avail_w = max(1, self.width() - _GAP)
        avail_h = max(1, self.height() - 2 * line)
        grow = 1 + 2 * _PADDING
        scale = _common_scale(
            avail_w, avail_h, (in_w * grow, out_w * grow), max(in_h, out_h) * grow
        )
        widths = [in_w * grow * scale, out_w * grow * scale]
        columns = [max(w, _MIN_COLUMN) for w in widths]
        heights = [in_h * grow * scale, out_h * grow * scale]
        x = max(0.0, (self.width() - sum(columns) - _GAP) / 2)
        pictures = (self.input_view, self.output_map)
        titles = (self.input_title, self.output_title)
        captions = (self.input_caption, self.output_caption)
        for column, width, height, picture, title, caption in zip(
            columns, widths, heights, pictures, titles, captions, strict=True
        ):
            left = round(x)
            title.setGeometry(QRect(left, 0, round(column), line))
            picture.setGeometry(
                QRect(round(x + (column - width) / 2), line, round(width), round(height))
            )
            caption.setGeometry(QRect(left, line + round(height), round(column), line))
            x += column + _GAP
