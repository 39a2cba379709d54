"""A coloured frame over a widget, to show a learner where to look.

The frame is a child of the widget it marks, laid over it and raised above its children, so it
moves, resizes, hides and goes away with it without any bookkeeping; mouse events pass through.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from .style import LESSON_HIGHLIGHT, LESSON_HIGHLIGHT_WIDTH


class HighlightFrame(QWidget):
    """An orange frame covering ``target``; ``target`` keeps all its clicks and keys."""

    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        self.setObjectName("lessonHighlight")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._target = target
        target.installEventFilter(self)
        self._fit()
        self.show()

    @property
    def target(self) -> QWidget:
        return self._target

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.ChildAdded, QEvent.Type.Show):
            self._fit()
        return False

    def _fit(self) -> None:
        self.setGeometry(self._target.rect())
        self.raise_()  # above children added since (a rebuilt grid, a scroll bar)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor(LESSON_HIGHLIGHT), LESSON_HIGHLIGHT_WIDTH)
        painter.setPen(pen)
        half = LESSON_HIGHLIGHT_WIDTH / 2
        painter.drawRoundedRect(self.rect().toRectF().adjusted(half, half, -half, -half), 4, 4)

    def remove(self) -> None:
        """Take the frame away (nothing to do if its widget is gone already)."""
        if shiboken6.isValid(self):
            self._target.removeEventFilter(self)
            self.hide()
            self.deleteLater()


def is_alive(frame: HighlightFrame | None) -> bool:
    """Whether ``frame`` still exists: it goes when the widget it marks is deleted."""
    return frame is not None and shiboken6.isValid(frame)
