"""A one-line label that elides what does not fit instead of asking its layout for more room.

Several lines change their words all the time (a hover readout, a refusal, a caption under a
map, the layer summary on the status bar); a plain QLabel's size hint follows its text, so each
new text could widen a dock, push a grid down or make the window re-negotiate its layout. This
label paints the end of a text that is too long as "…" and leaves the width it asks for to its
user: each subclass (or caller) sets its own size hints and policy, the eliding is written once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QWidget


class ElidedLabel(QLabel):
    """Plain text on one line, elided at the end when its width is short.

    ``whole_in_tooltip``: the tooltip and the accessible description carry the whole text, for
    a line whose words exist nowhere else on screen. ``smallest`` < 1: a text too long is first
    drawn in a smaller font, down to that share of the size, and elided only if it still does
    not fit (for numbers: a cut number lies). Setting the same text again does nothing (no
    repaint, no layout request: some of these change on every frame or mouse move).
    """

    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        *,
        whole_in_tooltip: bool = False,
        smallest: float = 1.0,
    ) -> None:
        super().__init__(parent)
        self._whole_in_tooltip = whole_in_tooltip
        self._smallest = smallest
        self._shown: tuple[tuple[str, int, str], tuple[QFont, str]] | None = None
        self.setTextFormat(Qt.TextFormat.PlainText)  # painted as is, whether it fits or not
        self.setText(text)

    def setText(self, text: str) -> None:
        if text == self.text():
            return
        super().setText(text)
        if self._whole_in_tooltip:
            self.setToolTip(text)
            self.setAccessibleDescription(text)

    def shown(self) -> tuple[QFont, str]:
        """The font and the text painted in the label's width: the text in the label's font if
        it fits, else in a smaller font if one down to ``smallest`` fits, else elided. Kept for
        the same text, width and font: these labels repaint on every frame and hover."""
        room, text, font = self.contentsRect().width(), self.text(), self.font()
        key = (text, room, font.key())
        if self._shown is None or self._shown[0] != key:
            self._shown = (key, self._fitted(room, text, font))
        return self._shown[1]

    def _fitted(self, room: int, text: str, font: QFont) -> tuple[QFont, str]:
        if QFontMetrics(font).horizontalAdvance(text) <= room:
            return font, text
        size = font.pointSizeF()
        smaller = QFont(font)
        while self._smallest < 1 and size > 0:
            size = max(size - 0.25, font.pointSizeF() * self._smallest)
            smaller.setPointSizeF(size)
            if QFontMetrics(smaller).horizontalAdvance(text) <= room:
                return smaller, text
            if size <= font.pointSizeF() * self._smallest:
                break
        metrics = QFontMetrics(font)
        return font, metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)

    def paintEvent(self, event: QPaintEvent) -> None:
        font, text = self.shown()
        if text == self.text() and font == self.font():
            super().paintEvent(event)  # fits: the label's own painting (and text selection)
            return
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.setFont(font)
        painter.drawText(self.contentsRect(), int(self.alignment()), text)
