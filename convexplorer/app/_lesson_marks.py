"""The lesson list's progress marks, drawn in a column of their own so the titles line up.

A row's text stays ``"✓ 1. Title"`` (what a screen reader and the tests read); the delegate
draws the mark as the row's icon, in a slot as wide as the widest mark, and the rest as text:
"…" is wider than "✓" in most fonts, and a space narrower still.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ..widgets.style import TRANSPARENT

FINISHED = "✓"
STARTED = "…"
NOT_STARTED = " "
MARKS = (FINISHED, STARTED, NOT_STARTED)


def split_mark(text: str) -> tuple[str, str]:
    """``("✓", "1. Title")`` from a row's text ``"✓ 1. Title"``."""
    return text[:1], text[2:]


class MarkColumn(QStyledItemDelegate):
    """Draws each row's mark as its icon, every icon the same width."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._icons: dict[tuple[str, int, int], QIcon] = {}

    def _slot(self, metrics: QFontMetrics) -> QSize:
        return QSize(max(metrics.horizontalAdvance(m) for m in MARKS) + 2, metrics.height())

    def _icon(self, mark: str, option: QStyleOptionViewItem) -> QIcon:
        """The mark in the list's text colour, and in its highlighted-text colour when selected."""
        palette = option.palette
        normal = palette.color(QPalette.ColorRole.Text)
        selected = palette.color(QPalette.ColorRole.HighlightedText)
        key = (mark, normal.rgba(), selected.rgba())
        icon = self._icons.get(key)
        if icon is None:
            size = self._slot(option.fontMetrics)
            icon = QIcon()
            for colour, mode in ((normal, QIcon.Mode.Normal), (selected, QIcon.Mode.Selected)):
                pixmap = QPixmap(size)
                pixmap.fill(TRANSPARENT)
                painter = QPainter(pixmap)
                painter.setFont(option.font)
                painter.setPen(colour)
                painter.drawText(
                    QRect(0, 0, size.width(), size.height()), Qt.AlignmentFlag.AlignCenter, mark
                )
                painter.end()
                icon.addPixmap(pixmap, mode)
            self._icons[key] = icon
        return icon

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        mark, option.text = split_mark(option.text)
        option.icon = self._icon(mark, option)
        option.decorationSize = self._slot(option.fontMetrics)
        option.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration
        option.decorationPosition = QStyleOptionViewItem.Position.Left
        option.showDecorationSelected = True
