"""The hover readout under a panel page: one line that never widens its dock.

What it says changes with every pixel under the mouse, and through a stack of layers the words
of a receptive field run long; a plain label's minimum width follows its text, so the dock would
grow under the mouse and push the other docks aside. This one elides what does not fit and keeps
the whole text in its tooltip and accessible description.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..elided_label import ElidedLabel

#: The least room the readout asks for, in pixels: a dock may be narrower than its words.
MIN_WIDTH = 60


class ReadoutLabel(ElidedLabel):
    """A one-line label whose size hints ignore its text's width; elided when too long."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent, whole_in_tooltip=True)
        self.setObjectName("panelReadout")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, super().minimumSizeHint().height())
