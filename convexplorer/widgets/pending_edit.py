"""Finish the number being typed before a command moves the views to another layer.

A click on another layer moves the keyboard focus, and a kernel cell's editor or a form's spin
box commits its text when it loses the focus: the number lands in the layer it was typed for,
then the layer changes. A key that changes the layer (Ctrl+PgUp/PgDown, the Layers menu) moves
no focus, so the same typing was silently dropped when the views showed the next layer. Calling
``finish_typing`` first makes the keys do what the click does.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QAbstractSpinBox, QApplication, QWidget


def finish_typing() -> None:
    """Commit what the focused cell editor or spin box holds, as losing the focus would; the
    focus stays where the user was (the cell's view, the spin box)."""
    focused = QApplication.focusWidget()
    if focused is None:
        return
    if isinstance(focused, QAbstractSpinBox):
        focused.interpretText()  # emits valueChanged if the typed value differs
        return
    view = _editing_view(focused)
    if view is not None:
        focused.clearFocus()  # the delegate commits and closes its editor on focus out
        view.setFocus(Qt.FocusReason.OtherFocusReason)


def _editing_view(widget: QWidget) -> QAbstractItemView | None:
    """The item view ``widget`` is an open cell editor of, if it is one."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractItemView):
        parent = parent.parentWidget()
    if parent is None or parent.state() != QAbstractItemView.State.EditingState:
        return None
    return parent
