"""Taking replaced widgets out of service without reparenting them.

Reparenting a child to None makes it a (hidden) top-level window, and on some platforms that
churns window activation and steals keyboard focus; hiding, unnaming and a deferred delete do not.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QWidget


def retire(widget: QWidget) -> None:
    """Hide ``widget`` and free it once idle; silent and nameless at once, so nothing finds it.

    An open cell editor inside is dropped unsaved: its cell may not exist any more.
    """
    for part in (widget, *widget.findChildren(QWidget)):
        part.blockSignals(True)  # e.g. an old view must not re-select its filter on its way out
        part.setObjectName("")
    for view in widget.findChildren(QAbstractItemView):
        view.reset()  # closes editors without committing, before hiding could commit them
    if isinstance(widget, QAbstractItemView):
        widget.reset()
    widget.hide()
    widget.deleteLater()
