"""A one-line label that elides what does not fit instead of asking its layout for more room.

Several lines change their words all the time (a hover readout, a refusal, a caption under a
map, the layer summary on the status bar); a plain QLabel's size hint follows its text, so each
new text could widen a dock, push a grid down or make the window re-negotiate its layout. This
label paints the end of a text that is too long as "…" and leaves the width it asks for to its
user: each subclass (or caller) sets its own size hints and policy, the eliding is written once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QWidget


class ElidedLabel(QLabel):
    """Plain text on one line, elided at the end when its width is short.

    ``whole_in_tooltip``: the tooltip and the accessible description carry the whole text, for
    a line whose words exist nowhere else on screen. Setting the same text again does nothing
    (no repaint, no layout request: some of these change on every frame or mouse move).
    """

    def __init__(
        self, text: str = "", parent: QWidget | None = None, *, whole_in_tooltip: bool = False
    ) -> None:
        super().__init__(parent)
        self._whole_in_tooltip = whole_in_tooltip
        self.setTextFormat(Qt.TextFormat.PlainText)  # painted as is, whether it fits or not
        self.setText(text)

    def setText(self, text: str) -> None:
        if text == self.text():
            return
        super().setText(text)
        if self._whole_in_tooltip:
            self.setToolTip(text)
            self.setAccessibleDescription(text)

    def paintEvent(self, event: QPaintEvent) -> None:
        room = self.contentsRect()
        metrics = self.fontMetrics()
        if metrics.horizontalAdvance(self.text()) <= room.width():
            super().paintEvent(event)  # fits: the label's own painting (and text selection)
            return
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        text = metrics.elidedText(self.text(), Qt.TextElideMode.ElideRight, room.width())
        painter.drawText(room, int(self.alignment()), text)
