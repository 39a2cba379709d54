"""Keys that follow the user: the sliding window's keys work window-wide, not in text fields.

The transport keys (Space, arrows, Home/End, PgUp/PgDn, Esc) are window shortcuts, so they work
whatever has the focus. A shortcut is tried only after the focus widget had the chance to claim
the key (``QEvent.ShortcutOverride``); the guard claims it for the widgets that need it, so
typing a space or moving the caret in a text field, or stepping a spin box, does what it says.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

# Keys that also move a cursor: a widget that navigates with them keeps them.
NAVIGATION_KEYS = frozenset(
    {
        Qt.Key.Key_Left,
        Qt.Key.Key_Right,
        Qt.Key.Key_Up,
        Qt.Key.Key_Down,
        Qt.Key.Key_Home,
        Qt.Key.Key_End,
        Qt.Key.Key_PageUp,
        Qt.Key.Key_PageDown,
    }
)

#: Modifiers that make a key a command rather than typing or moving a caret.
COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


def edits_text(widget: QObject) -> bool:
    """Whether ``widget`` is a text field (or a table cell being edited): it gets every key."""
    if isinstance(widget, (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)):
        return True
    return (
        isinstance(widget, QAbstractItemView)
        and widget.state() == QAbstractItemView.State.EditingState
    )


class KeyGuard(QObject):
    """Lets the focus widget keep the keys it needs, before the window's shortcuts take them.

    ``navigates`` says whether a widget moves its own cursor with the arrow keys (the kernel
    editor's cells and slices); such a widget keeps the navigation keys, nothing else.
    Watches only ``window``: a ShortcutOverride nobody claimed travels up from the focus widget
    to its window, so the thousands of other events a frame makes never reach the guard.
    """

    def __init__(self, window: QWidget, navigates: Callable[[QWidget], bool]) -> None:
        super().__init__(window)
        self._navigates = navigates
        window.installEventFilter(self)

    def keeps(self, widget: QWidget, event: QKeyEvent) -> bool:
        """Whether ``widget`` (having the focus) keeps the key ``event`` from the shortcuts.

        Never a Ctrl/Alt/Meta combination: a text field claims those it uses (Ctrl+Z, Ctrl+A,
        Ctrl+←) in its own ShortcutOverride before the key gets here, and the rest are the
        window's commands (Ctrl+PgUp: the layer before) — a spin box would step by 10 on it."""
        if event.modifiers() & COMMAND_MODIFIERS:
            return False
        if edits_text(widget):
            return True
        return event.key() in NAVIGATION_KEYS and self._navigates(widget)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            focus = QApplication.focusWidget()
            if focus is not None and self.keeps(focus, event):
                event.accept()  # the widget gets the key as a plain key press
                return True
        return False
