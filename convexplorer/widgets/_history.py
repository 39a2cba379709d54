"""Undo for every edit: a QUndoStack whose commands restore snapshots of the explorer state.

Snapshots (weights, biases, layer settings, activation; the image by reference) are small and make
every kind of edit undoable the same way, with no per-edit inverse logic to get wrong.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..model import ExplorerState, Snapshot


class _SnapshotCommand(QUndoCommand):
    def __init__(
        self, state: ExplorerState, label: str, before: Snapshot, after: Snapshot, merge_id: int
    ) -> None:
        super().__init__(label)
        self._state, self._before, self._after, self._merge_id = state, before, after, merge_id
        self._first_redo = True

    def id(self) -> int:
        return self._merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:
        """Consecutive edits with one merge key (e.g. wheel nudges of a cell) undo as one."""
        if not isinstance(other, _SnapshotCommand) or other.id() != self._merge_id:
            return False
        self._after = other._after
        return True

    def redo(self) -> None:
        if self._first_redo:  # the edit already happened when the command was pushed
            self._first_redo = False
            return
        self._state.restore(self._after)

    def undo(self) -> None:
        self._state.restore(self._before)


class EditHistory(QUndoStack):
    """Runs edits on the state and records them; a refused edit raises and records nothing."""

    def __init__(self, state: ExplorerState, parent=None) -> None:
        super().__init__(parent)
        self._state = state
        self._merge_ids: dict[str, int] = {}

    def edit(self, label: str, action: Callable[[], None], merge_key: str | None = None) -> bool:
        """Run ``action`` (which calls state setters) as one undoable step.

        Returns False when it changed nothing. ``ValueError`` from the state propagates, with the
        state untouched, so the caller can show the message.
        """
        before = self._state.snapshot()
        action()
        after = self._state.snapshot()
        if _same(before, after):
            return False
        merge_id = (
            -1
            if merge_key is None
            else self._merge_ids.setdefault(merge_key, len(self._merge_ids) + 1)
        )
        self.push(_SnapshotCommand(self._state, label, before, after, merge_id))
        return True


def _same(a: Snapshot, b: Snapshot) -> bool:
    if a.bias is None or b.bias is None:
        biases_equal = a.bias is None and b.bias is None
    else:
        biases_equal = np.array_equal(a.bias, b.bias)
    return (
        a.image is b.image
        and a.spec == b.spec
        and a.activation == b.activation
        and np.array_equal(a.weight, b.weight)
        and biases_equal
    )
