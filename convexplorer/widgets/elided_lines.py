"""A wrapped label that always takes the same number of lines, eliding what does not fit.

A word-wrapped QLabel asks its layout for as many lines as its text needs: the layer summary
under the layer form wraps to 3 lines for one layer and 6 for a pool, and each switch between
them squeezed or stretched every row of the form by a pixel or two (the dock's height is fixed).
This label asks for ``lines`` lines whatever it shows (and for ``at_least`` lines at the least:
a short window squeezes it, or the rows around it, by the same pixels on every layer); a text
that needs more than the lines it gets shows its first lines, the last of them ending in "…",
and the whole text lives in the tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QTextLayout
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLinesLabel(QLabel):
    """Plain text wrapped at word boundaries into ``lines`` lines of room (or as many whole
    lines as its height holds, if less), the same room whatever the text.

    A text that fits is painted by QLabel itself (so it stays selectable); a longer one is
    painted as its first lines with the last one elided. The tooltip and the accessible
    description carry the whole text. Setting the same text again does nothing.
    """

    def __init__(self, lines: int, parent: QWidget | None = None, *, at_least: int = 1) -> None:
        super().__init__(parent)
        self._lines = lines
        self._at_least = min(at_least, lines)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:
        if text == self.text():
            return
        super().setText(text)
        self.setToolTip(text)
        self.setAccessibleDescription(text)

    def _height(self, lines: int) -> int:
        margins = self.contentsMargins()
        return lines * self.fontMetrics().lineSpacing() + margins.top() + margins.bottom()

    def hasHeightForWidth(self) -> bool:
        """No: a word-wrapped QLabel's height follows its text, which is what this label avoids."""
        return False

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._height(self._lines))

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self._height(self._at_least))

    def room_lines(self) -> int:
        """How many lines are painted: those asked for, or as many whole ones as fit (≥ 1)."""
        inside = self.contentsRect().height()
        return max(1, min(self._lines, inside // self.fontMetrics().lineSpacing()))

    def fits(self) -> bool:
        """Whether the text, wrapped at word boundaries, takes no more than the lines it has.

        Measured with the font's metrics, not QLabel.heightForWidth: on a selectable label that
        sets its text control's width, which asks for a repaint — called from paintEvent, the
        label repainted itself (and its dock) without end."""
        room = self.contentsRect()
        wrapped = self.fontMetrics().boundingRect(
            QRect(0, 0, max(1, room.width()), 1 << 20),
            int(Qt.TextFlag.TextWordWrap),
            self.text(),
        )
        return wrapped.height() <= self.room_lines() * self.fontMetrics().lineSpacing()

    def shown_lines(self) -> list[str]:
        """The lines as painted: the text wrapped to the label's width, the last one elided."""
        room = self.contentsRect().width()
        text = self.text()
        layout = QTextLayout(text, self.font())
        layout.beginLayout()
        starts: list[int] = []
        while len(starts) < self.room_lines():
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(room)
            starts.append(line.textStart())
        layout.endLayout()
        shown = [
            text[start:end].rstrip()
            for start, end in zip(starts, [*starts[1:], len(text)], strict=True)
        ]
        if shown:
            shown[-1] = self.fontMetrics().elidedText(shown[-1], Qt.TextElideMode.ElideRight, room)
        return shown

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.fits():
            super().paintEvent(event)  # QLabel's painting, and its text selection
            return
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        room = self.contentsRect()
        metrics = self.fontMetrics()
        for index, line in enumerate(self.shown_lines()):
            top = room.top() + index * metrics.lineSpacing()
            painter.drawText(QPointF(room.left(), top + metrics.ascent()), line)
