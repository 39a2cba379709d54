"""Large layers as one painted picture: every kernel slice a small colour patch, no numbers.

A single widget paints a cached RGBA image (filters × input channels tiles, then the biases), so a
32×32 layer costs one numpy fill and one ``drawImage`` instead of a thousand child widgets. Only the
rows of edited filters are refilled.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QHelpEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ...model import LayerSpec
from ..style import (
    ABSENT_TILE,
    AXIS_GREY,
    INK_DARK,
    SELECTED_BAND,
    diverging_colors,
    kernel_row_label,
    number,
    rgba_array,
)
from ._context import EditorContext, sees_text, slice_name

_BORDER = rgba_array(AXIS_GREY)
_ABSENT = rgba_array(ABSENT_TILE)
_BORDER32 = _BORDER.view(np.uint32)[0]  # the same colours as 32-bit pixels
_ABSENT32 = _ABSENT.view(np.uint32)[0]
_GAP = 3
_BIAS_GAP = 10
BIAS = -1  # the "input channel" of a filter's bias tile


def _colors(values: np.ndarray, limit: float) -> np.ndarray:
    """RGBA bytes of the diverging map for an array, shape + (4,)."""
    rgb = diverging_colors(values, limit)
    return np.concatenate([rgb, np.full((*values.shape, 1), 255, np.uint8)], axis=-1)


def uses_thumbnails(spec: LayerSpec) -> bool:
    """Whether the layer is too large to show every weight as a number in a dock.

    Numbers need about 48×19 px each: more than 12 number columns (4 inputs × 3 taps fill a 600 px
    dock) or 24 number rows (8 filters × 3 taps), or kernels larger than 5×5, switch to thumbnails.
    """
    kh, kw = spec.kernel_size
    return spec.in_channels * kw > 12 or spec.out_channels * kh > 24 or max(kh, kw) > 5


def tap_pixels(spec: LayerSpec) -> int:
    """Screen pixels per kernel tap: tiles of about 20 px for many channels, 48 px for few."""
    kh, kw = spec.kernel_size
    many = spec.in_channels > 6 or spec.out_channels > 8
    return int(np.clip(math.ceil((20 if many else 48) / max(kh, kw)), 2, 12))


class ThumbnailGrid(QWidget):
    """Filters × input channels as colour patches; click one to edit it, right-click for presets."""

    sliceClicked = Signal(int, int)  # filter, absolute input channel (BIAS: its bias)
    sliceStepped = Signal(int, int)  # the same, chosen with the arrow keys
    menuRequested = Signal(int, int, QPoint)  # filter, input channel or BIAS, global position

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kernelThumbnails")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._context = context
        self.setMouseTracking(True)  # hovering a tap shows the input pixel it multiplies
        self.set_layer()

    def set_layer(self) -> None:
        """Lay the picture out for the context's layer and fill it: at construction, and when
        another layer is shown (the same widget then takes the new layer's tiles)."""
        context = self._context
        spec = self._spec = context.view.spec
        kh, kw = spec.kernel_size
        tap = tap_pixels(spec)
        self._tile = QSize(kw * tap + 2, kh * tap + 2)
        self._tap = tap
        self._pitch = QSize(self._tile.width() + _GAP, self._tile.height() + _GAP)
        metrics = self.fontMetrics()
        self._left = (
            metrics.horizontalAdvance(
                kernel_row_label(max(spec.out_channels - 1, 10), spec.transposed, short=True)
            )
            + 8
        )
        self._top = metrics.height() + 4
        self._bias_x = spec.in_channels * self._pitch.width() - _GAP + _BIAS_GAP
        columns_width = spec.in_channels * self._pitch.width()
        width = self._bias_x + self._tile.height() if spec.bias else columns_width
        height = spec.out_channels * self._pitch.height() - _GAP
        # whole pitches of rows (the last filter's gap below the picture) so rows reshape evenly
        self._rgba = context.picture(height + _GAP, width)
        self._pixels = self._rgba.view(np.uint32)[..., 0]  # one RGBA pixel per element
        self._image = QImage(
            self._rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888
        )
        selected = context.view.selected_filter
        self._current = (selected, spec.filter_input_channels(selected).start)
        self.setFixedSize(self._left + width + 4, self._top + height + 4)
        self._draw_frames()
        self.refresh(range(spec.out_channels))
        self.update()  # labels and selection too, not only the refilled rows

    # ---- the picture ----------------------------------------------------------------------------

    def refresh(self, channels: Iterable[int]) -> None:
        """Refill the tiles of these filters from the state and repaint.

        Runs of consecutive filters are filled with whole-array writes of 32-bit pixels through
        strided views of the picture (no loop over filters or taps; the frames are drawn once):
        a weight edit that changes the colour scale repaints a 64×64 layer's 4,096 tiles in a
        few milliseconds.
        """
        filters = sorted(set(channels))
        if not filters:
            return
        start = 0
        for i in range(1, len(filters) + 1):
            if i == len(filters) or filters[i] != filters[i - 1] + 1:
                self._fill(filters[start], filters[i - 1] + 1)
                start = i
        # only the rows that changed (one filter's, for an edit), with their selection band
        top = self.tile_rect(filters[0], 0).top() - 2
        bottom = self.tile_rect(filters[-1], 0).top() + self._pitch.height()
        self.update(QRect(0, top, self.width(), bottom - top + 1))

    def _tiles(self) -> np.ndarray:
        """The picture's tiles as (filter, pixel row, input channel, pixel column): a view."""
        spec = self._spec
        pitch_h, pitch_w = self._pitch.height(), self._pitch.width()
        return self._pixels[:, : spec.in_channels * pitch_w].reshape(
            spec.out_channels, pitch_h, spec.in_channels, pitch_w
        )[:, : self._tile.height(), :, : self._tile.width()]

    def _bias_tiles(self) -> np.ndarray:
        """The bias squares as (filter, pixel row, pixel column): a view."""
        side = self._tile.height()
        return self._pixels[:, self._bias_x : self._bias_x + side].reshape(
            self._spec.out_channels, self._pitch.height(), side
        )[:, :side]

    def _draw_frames(self) -> None:
        """What never changes with the weights: hatched gaps and the frames of seen tiles, on
        a clear picture (its memory held another layout's tiles: their gaps would show)."""
        spec = self._spec
        self._pixels[...] = 0  # transparent: the selection band shows between the tiles
        opg, cg = spec.out_channels // spec.groups, spec.in_per_group
        tiles = self._tiles()
        tiles[...] = _ABSENT32
        for group in range(spec.groups):
            tiles[group * opg : (group + 1) * opg, :, group * cg : (group + 1) * cg] = _BORDER32
        if spec.bias:
            self._bias_tiles()[...] = _BORDER32

    def _fill(self, first: int, stop: int) -> None:
        """Paint the weights (and biases) of filters first..stop-1 inside their frames."""
        view, spec, tap = self._context.view, self._spec, self._tap
        opg, cg = spec.out_channels // spec.groups, spec.in_per_group
        kh, kw = spec.kernel_size
        colors = _colors(view.weight[first:stop], self._context.limit).view(np.uint32)[..., 0]
        # each tap repeated along its pixel row (a small array: n, kh, 1, cg, kw·tap), then
        # written to all tap rows of every tile at once
        rows = colors.repeat(tap, axis=3).transpose(0, 2, 1, 3)[:, :, None]
        tiles = self._tiles()[first:stop, 1:-1, :, 1:-1]
        for group in range(first // opg, (stop - 1) // opg + 1):
            f0, f1 = max(first, group * opg) - first, min(stop, (group + 1) * opg) - first
            seen = tiles[f0:f1, :, group * cg : (group + 1) * cg]
            seen.reshape(f1 - f0, kh, tap, cg, kw * tap)[...] = rows[f0:f1]
        if view.bias is not None:
            biases = _colors(view.bias[first:stop], self._context.limit).view(np.uint32)[..., 0]
            self._bias_tiles()[first:stop, 1:-1, 1:-1] = biases[:, None, None]

    def set_current(self, out_channel: int, in_channel: int) -> None:
        """Mark the selected filter's row and the slice the detail editor shows."""
        if self._current != (out_channel, in_channel):
            self._current = (out_channel, in_channel)
            self.update()

    def tile_rect(self, out_channel: int, in_channel: int) -> QRect:
        """Where a tile is painted, in widget coordinates (for tests and tooltips)."""
        y = self._top + out_channel * self._pitch.height()
        if in_channel == BIAS:
            return QRect(self._left + self._bias_x, y, self._tile.height(), self._tile.height())
        return QRect(self._left + in_channel * self._pitch.width(), y, *self._tile.toTuple())

    def reveal(self, out_channel: int, in_channel: int) -> tuple[int, int, int, int]:
        """A tile's centre and the margins that keep it clear of the pinned labels when shown."""
        rect = self.tile_rect(out_channel, in_channel)
        centre = rect.center()
        return (
            centre.x(),
            centre.y(),
            rect.width() // 2 + self._left + _GAP,
            rect.height() // 2 + self._top + _GAP,
        )

    def hit(self, point: QPoint) -> tuple[int, int] | None:
        """(filter, input channel or BIAS) of the tile under ``point``, if any."""
        x, y = point.x() - self._left, point.y() - self._top
        o, dy = divmod(y, self._pitch.height())
        if y < 0 or x < 0 or o >= self._spec.out_channels or dy >= self._tile.height():
            return None
        c, dx = divmod(x, self._pitch.width())
        if c < self._spec.in_channels and dx < self._tile.width():
            return o, c
        if self._spec.bias and 0 <= x - self._bias_x < self._tile.height():
            return o, BIAS
        return None

    def paintEvent(self, event: QPaintEvent) -> None:
        """Tiles, then labels pinned to the visible top and left edges (they stay put on scroll)."""
        painter = QPainter(self)
        spec, pitch = self._spec, self._pitch
        band = QRect(0, self.tile_rect(self._current[0], 0).top() - 2, self.width(), pitch.height())
        painter.fillRect(band.adjusted(0, 0, 0, 1), SELECTED_BAND)
        painter.drawImage(self._left, self._top, self._image)
        painter.setPen(QPen(INK_DARK, 2))
        painter.drawRect(self.tile_rect(*self._current).adjusted(-1, -1, 1, 1))

        visible = self.visibleRegion().boundingRect()
        background = self.palette().window()
        painter.fillRect(
            QRect(visible.left(), visible.top(), visible.width(), self._top), background
        )
        painter.fillRect(
            QRect(visible.left(), visible.top(), self._left, visible.height()), background
        )
        painter.fillRect(
            QRect(visible.left(), band.top(), self._left, band.height() + 1), SELECTED_BAND
        )
        painter.setPen(self.palette().text().color())
        metrics = self.fontMetrics()
        every = 1
        while every * pitch.width() < metrics.horizontalAdvance("00") + 4:
            every *= 2
        columns = [(str(c), self.tile_rect(0, c)) for c in range(0, spec.in_channels, every)]
        if spec.bias:
            columns.append(("b", self.tile_rect(0, BIAS)))
        for text, rect in columns:
            if rect.left() - visible.left() >= self._left - 4:
                painter.drawText(
                    QRect(rect.left() - 8, visible.top(), rect.width() + 16, self._top),
                    Qt.AlignmentFlag.AlignCenter,
                    text,
                )
        for o in range(spec.out_channels):
            rect = self.tile_rect(o, 0)
            if rect.top() - visible.top() >= self._top - 4:
                painter.drawText(
                    QRect(visible.left(), rect.top(), self._left - 6, rect.height()),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    kernel_row_label(o, spec.transposed, short=True),
                )
        corner = QRect(visible.topLeft(), QSize(self._left, self._top))
        painter.fillRect(corner, background)
        painter.drawText(
            corner.adjusted(0, 0, -6, 0),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            "in",
        )

    # ---- interaction ----------------------------------------------------------------------------

    def describe(self, out_channel: int, in_channel: int) -> str:
        """The tooltip of one tile."""
        state = self._context.view
        if in_channel == BIAS:
            assert state.bias is not None
            value = number(state.bias[out_channel])
            row = kernel_row_label(out_channel, self._spec.transposed)
            return f"bias of {row} = {value}\nClick to edit it."
        seen = self._spec.filter_input_channels(out_channel)
        if in_channel not in seen:
            return f"No weights here: {sees_text(self._spec, out_channel)}"
        kernel = state.weight[out_channel, in_channel - seen.start]
        kh, kw = self._spec.kernel_size
        low, high = number(kernel.min()), number(kernel.max())
        name = slice_name(out_channel, in_channel, self._spec.transposed)
        return (
            f"{name} ({kh}×{kw}): {low} … {high}\n"
            "Click to edit its numbers; right-click for presets."
        )

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            hit = self.hit(event.pos())
            if hit is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.describe(*hit), self)
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        hit = self.hit(event.position().toPoint())
        if hit is None:
            super().mousePressEvent(event)
            return
        if event.button() == Qt.MouseButton.RightButton:
            self.menuRequested.emit(*hit, event.globalPosition().toPoint())
        else:
            self.sliceClicked.emit(*hit)
        event.accept()

    def tap_at(self, point: QPoint) -> tuple[int, int, int, int] | None:
        """(filter, slot, i, j) of the weight painted under ``point``, if any."""
        hit = self.hit(point)
        if hit is None or hit[1] == BIAS:
            return None
        o, c = hit
        seen = self._spec.filter_input_channels(o)
        if c not in seen:
            return None
        rect = self.tile_rect(o, c)
        kh, kw = self._spec.kernel_size
        i = min(max((point.y() - rect.top() - 1) // self._tap, 0), kh - 1)
        j = min(max((point.x() - rect.left() - 1) // self._tap, 0), kw - 1)
        return o, c - seen.start, i, j

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        tap = self.tap_at(event.position().toPoint())
        self._context.document.hover_weight(*(tap or (None,)))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        self._context.document.hover_weight(None)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Arrows move between slices, skipping channels a filter does not see."""
        moves = {
            Qt.Key.Key_Up: (-1, 0),
            Qt.Key.Key_Down: (1, 0),
            Qt.Key.Key_Left: (0, -1),
            Qt.Key.Key_Right: (0, 1),
        }
        if event.key() not in moves:
            super().keyPressEvent(event)
            return
        d_row, d_column = moves[event.key()]
        o = int(np.clip(self._current[0] + d_row, 0, self._spec.out_channels - 1))
        seen = self._spec.filter_input_channels(o)
        c = int(np.clip(self._current[1] + d_column, seen.start, seen.stop - 1))
        self.sliceStepped.emit(o, c)
        event.accept()
