"""Undo history that stores what an edit changed, not copies of everything, within a memory limit.

A typed number changes one weight: its step keeps that weight's index and its two values (a few
dozen bytes), however large the layer. Steps that change the layer's shape or the input keep
snapshots, and every step knows its size, so the history drops its oldest steps to stay under
``limit`` bytes. It is pure python so the rules (merging, the saved mark, the limit) are tested
without Qt; the Qt adapter owns one and turns its changes into signals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from ._state import ExplorerState, Snapshot

#: Default memory budget of an undo history: thousands of typed numbers, a few dozen layer changes.
UNDO_MEMORY_LIMIT = 64 * 2**20

#: Bookkeeping bytes counted per step besides its arrays (the label, the Python objects).
STEP_OVERHEAD = 200


class Step(Protocol):
    """One undoable change; ``nbytes`` is what keeping it costs. ``target`` is what the step
    changes: a layer (``ExplorerState``) or a stack of them (``Network``)."""

    @property
    def nbytes(self) -> int: ...

    def undo(self, target: Any) -> None: ...

    def redo(self, target: Any) -> None: ...


def _merged(first: Step, later: Step) -> Step | None:
    """``first`` then ``later`` as one step, when they merge (weight steps); else None."""
    if isinstance(first, WeightStep):
        return first.merged(later) if isinstance(later, WeightStep) else None
    merge = getattr(first, "merged", None)
    return None if merge is None else merge(later)


@dataclass(frozen=True)
class WeightStep:
    """Changed weights and biases as flat indices with their values before and after."""

    weight_index: np.ndarray
    weight_before: np.ndarray
    weight_after: np.ndarray
    bias_index: np.ndarray
    bias_before: np.ndarray
    bias_after: np.ndarray

    @classmethod
    def between(
        cls,
        filters: Sequence[int],
        weight_shape: tuple[int, ...],
        weight_before: np.ndarray,
        weight_after: np.ndarray,
        bias_before: np.ndarray | None,
        bias_after: np.ndarray | None,
    ) -> WeightStep | None:
        """The difference of ``filters``' weights (and biases) before and after; None if none."""
        rows = np.asarray(filters, dtype=np.int64)
        per_filter = int(np.prod(weight_shape[1:]))
        before = weight_before.reshape(len(rows), per_filter)
        after = weight_after.reshape(len(rows), per_filter)
        changed_row, changed_col = np.nonzero(_differ(before, after))
        weight_index = rows[changed_row] * per_filter + changed_col
        if bias_before is None or bias_after is None:
            bias_slots = np.empty(0, dtype=np.int64)
        else:
            bias_slots = np.flatnonzero(_differ(bias_before, bias_after))
        if not weight_index.size and not bias_slots.size:
            return None
        empty = np.empty(0, dtype=weight_before.dtype)
        return cls(
            weight_index=weight_index,
            weight_before=before[changed_row, changed_col],
            weight_after=after[changed_row, changed_col],
            bias_index=rows[bias_slots],
            bias_before=empty if bias_before is None else bias_before[bias_slots],
            bias_after=empty if bias_after is None else bias_after[bias_slots],
        )

    @property
    def nbytes(self) -> int:
        arrays = (
            self.weight_index,
            self.weight_before,
            self.weight_after,
            self.bias_index,
            self.bias_before,
            self.bias_after,
        )
        return STEP_OVERHEAD + sum(a.nbytes for a in arrays)

    def undo(self, state: ExplorerState) -> None:
        state.patch(self.weight_index, self.weight_before, self.bias_index, self.bias_before)

    def redo(self, state: ExplorerState) -> None:
        state.patch(self.weight_index, self.weight_after, self.bias_index, self.bias_after)

    def merged(self, later: WeightStep) -> WeightStep:
        """This step followed by ``later`` as one: the first 'before' and the last 'after'."""
        return WeightStep(
            *_merge(self.weight_index, self.weight_before, self.weight_after, later.weight_index,
                    later.weight_before, later.weight_after),
            *_merge(self.bias_index, self.bias_before, self.bias_after, later.bias_index,
                    later.bias_before, later.bias_after),
        )  # fmt: skip


def _differ(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Where two arrays hold different bits: −0.0 and +0.0 compare equal, but undo must put
    back the one that was there."""
    return (before != after) | (np.signbit(before) != np.signbit(after))


def _merge(
    first_index: np.ndarray,
    first_before: np.ndarray,
    first_after: np.ndarray,
    later_index: np.ndarray,
    later_before: np.ndarray,
    later_after: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Union of two index sets: 'before' from the first step that touched an index, 'after' from
    the last one."""
    index = np.union1d(first_index, later_index)
    before = np.empty(index.size, dtype=first_before.dtype)
    after = np.empty(index.size, dtype=first_after.dtype)
    before[np.searchsorted(index, later_index)] = later_before
    before[np.searchsorted(index, first_index)] = first_before
    after[np.searchsorted(index, first_index)] = first_after
    after[np.searchsorted(index, later_index)] = later_after
    return index, before, after


@dataclass(frozen=True)
class ActivationStep:
    before: str
    after: str

    @property
    def nbytes(self) -> int:
        return STEP_OVERHEAD

    def undo(self, state: ExplorerState) -> None:
        state.set_activation(self.before)

    def redo(self, state: ExplorerState) -> None:
        state.set_activation(self.after)


@dataclass(frozen=True)
class SnapshotStep:
    """A change of the input or the layer's shape: both sides kept whole."""

    before: Snapshot
    after: Snapshot

    @property
    def nbytes(self) -> int:
        total = STEP_OVERHEAD
        for snap in (self.before, self.after):
            total += snap.weight.nbytes + (0 if snap.bias is None else snap.bias.nbytes)
        if self.before.image is not self.after.image:  # an image both sides share counts once
            total += self.before.image.nbytes
        return total + self.after.image.nbytes

    def undo(self, state: ExplorerState) -> None:
        state.restore(self.before)

    def redo(self, state: ExplorerState) -> None:
        state.restore(self.after)


@dataclass(frozen=True)
class _Entry:
    label: str
    step: Step
    merge_key: str | None


class UndoHistory:
    """Applied steps then undone ones, with a saved ('clean') mark, like ``QUndoStack``.

    Consecutive weight steps with one ``merge_key`` (wheel nudges of one cell) become one, except
    across the saved mark. The oldest steps are dropped while the total exceeds ``limit`` bytes;
    the newest step is always kept, so the last action can be undone whatever it cost.
    """

    def __init__(self, limit: int = UNDO_MEMORY_LIMIT) -> None:
        self.limit = limit
        self._entries: list[_Entry] = []
        self._index = 0  # steps applied
        self._clean: int | None = 0  # steps applied when last saved; None: no longer reachable
        self._nbytes = 0

    # ---- reading --------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self._entries)

    @property
    def index(self) -> int:
        return self._index

    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._entries)

    @property
    def undo_label(self) -> str:
        return self._entries[self._index - 1].label if self.can_undo else ""

    @property
    def redo_label(self) -> str:
        return self._entries[self._index].label if self.can_redo else ""

    @property
    def is_clean(self) -> bool:
        return self._clean == self._index

    @property
    def nbytes(self) -> int:
        """What the kept steps cost, in bytes."""
        return self._nbytes

    # ---- changing -------------------------------------------------------------------------------

    def push(self, label: str, step: Step, merge_key: str | None = None) -> None:
        """Record a step that has already been applied; the undone steps are discarded."""
        self._nbytes -= sum(entry.step.nbytes for entry in self._entries[self._index :])
        del self._entries[self._index :]
        if self._clean is not None and self._clean > self._index:
            self._clean = None
        top = self._entries[-1] if self._entries else None
        merged = (
            _merged(top.step, step)
            if merge_key is not None
            and top is not None
            and top.merge_key == merge_key
            and self._clean != self._index
            else None
        )
        if merged is not None and top is not None:
            self._nbytes += merged.nbytes - top.step.nbytes
            self._entries[-1] = _Entry(label, merged, merge_key)
        else:
            self._entries.append(_Entry(label, step, merge_key))
            self._nbytes += step.nbytes
            self._index += 1
        self._trim()

    def undo(self, target: Any) -> None:
        """Undo the last step on ``target`` (the layer or stack the steps were recorded on)."""
        if self.can_undo:
            self._entries[self._index - 1].step.undo(target)
            self._index -= 1

    def redo(self, target: Any) -> None:
        if self.can_redo:
            self._entries[self._index].step.redo(target)
            self._index += 1

    def set_clean(self) -> None:
        self._clean = self._index

    def clear(self) -> None:
        """Forget every step; the present is the saved state."""
        self._entries.clear()
        self._index = 0
        self._clean = 0
        self._nbytes = 0

    def _trim(self) -> None:
        while len(self._entries) > 1 and self._nbytes > self.limit:
            self._nbytes -= self._entries.pop(0).step.nbytes
            self._index -= 1
            if self._clean is not None:
                self._clean = self._clean - 1 if self._clean > 0 else None
