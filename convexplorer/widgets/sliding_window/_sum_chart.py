"""The channel sums of one output value as bars: which input channels push it up, which down.

Painted directly (bars, a zero line, three value labels, a few channel numbers) instead of a
pyqtgraph plot, whose axes, grid and tick texts cost 8–10 ms a repaint: a frame must be cheap
at every step of the sliding window.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFontMetricsF, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from ..style import (
    AXIS_GREY,
    INK_DARK,
    NEGATIVE_COLOR,
    NOT_YET_COLOR,
    POSITIVE_COLOR,
    number,
    small_font,
)
from ._hover_report import HoverReport

_GAP = 0.2  # of a bar's slot left empty on each side


class SumChart(QWidget):
    """One bar per input channel's sum; hovering or clicking a bar picks the detailed channel."""

    hovered = Signal(object)  # slot under the mouse, or None when the mouse leaves
    clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setObjectName("channelSums")
        self.setAccessibleName("Sum of each input channel's products")
        self.setToolTip(
            "Each input channel's sum. Hover a bar to see that channel; click to keep it"
        )
        self._font = small_font()
        self._metrics = QFontMetricsF(self._font)
        self._channels: list[int] = []
        self._sums = np.zeros(0)
        self._added: list[bool] = []
        self._detail = -1
        self._span = (0.0, 0.0)  # value range shown: it only grows, so bars keep their scale
        self._hover = HoverReport(self.hovered)

    def sizeHint(self) -> QSize:
        return QSize(400, 120)

    # ---- data -----------------------------------------------------------------------------------

    def set_bars(
        self, channels: Sequence[int], sums: np.ndarray, added: Sequence[bool], detail: int
    ) -> None:
        """Bars for ``sums`` of input ``channels``; ``added``: counted so far; ``detail``: the
        slot shown in full below (outlined)."""
        self._channels, self._sums = list(channels), np.asarray(sums, dtype=float)
        self._added, self._detail = list(added), detail
        if self._sums.size:
            low = min(self._span[0], float(self._sums.min()))
            high = max(self._span[1], float(self._sums.max()))
            self._span = (low, high)
        self.update()

    def reset_scale(self) -> None:
        """Fit the value axis to the next bars alone (new weights, filter or input)."""
        self._span = (0.0, 0.0)

    def heights(self) -> np.ndarray:
        return self._sums.copy()

    def bar_centre(self, slot: int) -> QPoint:
        """Where bar ``slot`` is, for a click (tests, accessibility)."""
        plot = self._plot_rect()
        x = plot.left() + (slot + 0.5) * plot.width() / max(1, len(self._sums))
        return QPoint(round(x), round(plot.center().y()))

    # ---- geometry -------------------------------------------------------------------------------

    def _plot_rect(self) -> QRectF:
        line = self._metrics.height()
        left = self._metrics.horizontalAdvance("−0.0888") + 6
        return QRectF(left, line / 2, self.width() - left - 4, self.height() - 1.5 * line - 4)

    def _y(self, value: float, plot: QRectF) -> float:
        low, high = self._span
        margin = 0.05 * (high - low) or 1.0
        low, high = low - margin, high + margin
        return plot.bottom() - (value - low) / (high - low) * plot.height()

    def _slot_at(self, point: QPointF) -> int | None:
        plot = self._plot_rect()
        if not plot.contains(point) or not len(self._sums):
            return None
        slot = int((point.x() - plot.left()) / plot.width() * len(self._sums))
        return slot if 0 <= slot < len(self._sums) else None

    # ---- painting -------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setFont(self._font)
        plot = self._plot_rect()
        count = len(self._sums)
        zero = self._y(0.0, plot)
        axis = QPen(AXIS_GREY, 1)
        painter.setPen(axis)
        painter.drawLine(QPointF(plot.left(), zero), QPointF(plot.right(), zero))
        painter.drawLine(plot.topLeft(), plot.bottomLeft())
        slot_w = plot.width() / max(1, count)
        for slot, value in enumerate(self._sums.tolist()):
            added = self._added[slot] if slot < len(self._added) else True
            color = (POSITIVE_COLOR if value >= 0 else NEGATIVE_COLOR) if added else NOT_YET_COLOR
            top, bottom = sorted((self._y(value, plot), zero))
            bar = QRectF(
                plot.left() + (slot + _GAP) * slot_w,
                top,
                slot_w * (1 - 2 * _GAP),
                max(bottom - top, 1.0),
            )
            painter.fillRect(bar, color)
            if slot == self._detail:
                painter.setPen(QPen(INK_DARK, 2))
                painter.drawRect(bar)
        painter.setPen(self.palette().color(self.foregroundRole()))
        half = self._metrics.height() / 2
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for value in sorted({self._span[0], 0.0, self._span[1]}):
            y = self._y(value, plot)
            box = QRectF(0, y - half, plot.left() - 4, 2 * half)
            painter.drawText(box, right, number(value))
        every = max(1, int(np.ceil(count * self._metrics.horizontalAdvance("000 ") / plot.width())))
        centre = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        for slot in range(0, count, every):
            x = plot.left() + (slot + 0.5) * slot_w
            box = QRectF(x - 20, plot.bottom() + 2, 40, 2 * half)
            painter.drawText(box, centre, str(self._channels[slot]))

    # ---- mouse ----------------------------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._hover.set(self._slot_at(event.position()))

    def leaveEvent(self, event) -> None:
        self._hover.set(None)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        slot = self._slot_at(event.position())
        if slot is not None and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(slot)
