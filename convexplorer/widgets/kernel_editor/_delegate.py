"""Typing numbers into a kernel cell: a line editor that refuses non-numbers as they are typed.

A ``QDoubleValidator`` in the C locale (a dot for decimals, whatever the user's locale) rejects
letters, NaN and infinity keystroke by keystroke; every rejection, and Enter on an unfinished
number, emits ``refused`` with a plain-English reason so the view can show it.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QDoubleValidator, QFont, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ..style import INK_DARK, INK_LIGHT, REFUSED_EDITOR_CSS, exact_text
from ._numbers import FLOAT32_MAX, parse_value

_Index = QModelIndex | QPersistentModelIndex


def _reason(text: str, what: str) -> str:
    """Why ``text`` cannot be committed (the validator only says *that* it cannot)."""
    try:
        parse_value(text, what)
    except ValueError as error:
        return str(error)
    return f"“{text}” is not a number"


def _what(index: _Index) -> str:
    """What the cell holds, in words: its model's ``what`` ("weight" or "bias")."""
    return str(getattr(index.model(), "what", "weight"))


class _Validator(QDoubleValidator):
    """C-locale numbers within float32 range; a decimal comma becomes a dot as it is typed and
    spaces are dropped (Space starts an edit like any key; it should not make the value wrong)."""

    def __init__(self, editor: _NumberEdit) -> None:
        super().__init__(-FLOAT32_MAX, FLOAT32_MAX, 1000, editor)
        self.setLocale(QLocale.c())
        self.setNotation(QDoubleValidator.Notation.ScientificNotation)
        self._editor = editor

    def validate(self, text: str, pos: int) -> object:
        if any(c.isspace() for c in text):
            pos -= sum(c.isspace() for c in text[:pos])
            text = "".join(text.split())
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        state, text, pos = super().validate(text, pos)  # type: ignore[misc]
        if state == QDoubleValidator.State.Invalid:
            self._editor.refuse(_reason(text, self._editor.what))
        return state, text, pos


class _NumberEdit(QLineEdit):
    """The cell editor; a refusal turns it red for a moment."""

    refused = Signal(str)

    def __init__(self, parent: QWidget, what: str) -> None:
        super().__init__(parent)
        self.what = what  # "weight" or "bias", for the messages
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setValidator(_Validator(self))
        self._calm = QTimer(self)
        self._calm.setSingleShot(True)
        self._calm.setInterval(1500)
        self._calm.timeout.connect(lambda: self.setStyleSheet(""))

    def refuse(self, message: str) -> None:
        """Turn red for a moment; the view shows ``message`` beside the cell."""
        self.setStyleSheet(REFUSED_EDITOR_CSS)
        self._calm.start()
        self.refused.emit(message)


class NumberDelegate(QStyledItemDelegate):
    """Edits cells as text; paints the current cell with an outline instead of a selection fill.

    The fill would hide the cell's colour, which is the point of the grid.
    """

    refused = Signal(str)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter on an unfinished number ('', '-', '1e') keeps the editor open: say why."""
        if (
            isinstance(watched, _NumberEdit)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not watched.hasAcceptableInput()
        ):
            watched.refuse(_reason(watched.text(), watched.what))
        return super().eventFilter(watched, event)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _Index) -> QWidget:
        editor = _NumberEdit(parent, _what(index))
        editor.refused.connect(self.refused)
        return editor

    def setEditorData(self, editor: QWidget, index: _Index) -> None:
        assert isinstance(editor, QLineEdit)
        editor.setText(exact_text(index.data(Qt.ItemDataRole.EditRole)))
        editor.selectAll()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: _Index) -> None:
        assert isinstance(editor, QLineEdit)
        text = editor.text()
        if text == exact_text(index.data(Qt.ItemDataRole.EditRole)):
            return
        try:
            value = parse_value(text, _what(index))
        except ValueError as error:
            self.refused.emit(str(error))
            return
        model.setData(index, value, Qt.ItemDataRole.EditRole)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        """Colour, number (with a 1 px margin, not the style's 3 px), and a focus outline.

        A number wider than its cell (``−0.0625``) is drawn smaller, never cut: a cut number lies.
        """
        rect = option.rect
        painter.save()
        painter.fillRect(rect, index.data(Qt.ItemDataRole.BackgroundRole))
        painter.setPen(index.data(Qt.ItemDataRole.ForegroundRole).color())
        text = index.data(Qt.ItemDataRole.DisplayRole)
        font = QFont(option.font)
        width, room = option.fontMetrics.horizontalAdvance(text), rect.width() - 2
        if width > room > 0:
            font.setPointSizeF(font.pointSizeF() * room / width)
        painter.setFont(font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(QPen(INK_DARK, 2))
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
            painter.setPen(QPen(INK_LIGHT, 1))
            painter.drawRect(rect.adjusted(2, 2, -3, -3))
        painter.restore()
