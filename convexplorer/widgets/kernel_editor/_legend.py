"""A small key to the weight colours: blue negative, white zero, red positive, ± the scale."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from ..style import diverging_colors, number, rgb_image


class ScaleLegend(QWidget):
    """'−L [gradient] +L', where L is the largest |weight| in the layer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kernelScale")
        self._gradient = rgb_image(diverging_colors(np.linspace(-1, 1, 64)[None], 1.0))
        self._limit = 1.0
        self.set_limit(1.0)
        self.setMinimumSize(self.sizeHint())

    def set_limit(self, limit: float) -> None:
        self._limit = limit
        self.setToolTip(
            f"Weight colours: blue is negative, white 0, red positive; full colour at "
            f"±{number(limit)}, the largest |weight| in the layer"
        )
        self.update()

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(2 * metrics.horizontalAdvance("−0.0000") + 48, metrics.height() + 2)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        metrics = self.fontMetrics()
        label = metrics.horizontalAdvance("−0.0000") + 2
        text = number(self._limit)
        painter.drawText(
            QRect(0, 0, label, self.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            f"−{text}",
        )
        bar = QRect(label + 4, 3, self.width() - 2 * label - 8, self.height() - 6)
        painter.drawImage(bar, self._gradient)
        painter.drawRect(bar.adjusted(0, 0, -1, -1))
        painter.drawText(
            QRect(bar.right() + 5, 0, label, self.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            f"+{text}",
        )
