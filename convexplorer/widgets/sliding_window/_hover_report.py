"""What the mouse is over, announced only when it changes: a move inside one cell is silent."""

from __future__ import annotations

from PySide6.QtCore import SignalInstance


class HoverReport:
    """Emits ``signal`` with the thing under the mouse (a pixel, a cell, a slot; None: nothing)
    when it differs from the last one, so listeners redraw once per cell, not once per move."""

    def __init__(self, signal: SignalInstance) -> None:
        self._signal = signal
        self._current: object = None

    def set(self, current: object) -> None:
        if current != self._current:
            self._current = current
            self._signal.emit(current)
