"""The hover readout under a panel page: one line that never widens its dock.

What it says changes with every pixel under the mouse, and through a stack of layers the words
of a receptive field run long; a plain label's minimum width follows its text, so the dock would
grow under the mouse and push the other docks aside. This one elides what does not fit and keeps
the whole text in its tooltip and accessible description.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

#: The least room the readout asks for, in pixels: a dock may be narrower than its words.
MIN_WIDTH = 60


class ReadoutLabel(QLabel):
    """A one-line label whose size hints ignore its text's width; elided when too long."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panelReadout")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)
        self.setAccessibleDescription(text)

    def sizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        room = self.contentsRect()
        if self.fontMetrics().horizontalAdvance(self.text()) <= room.width():
            super().paintEvent(event)  # fits: the label's own painting (and text selection)
            return
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, room.width())
        painter.drawText(room, int(self.alignment()), text)
