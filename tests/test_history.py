"""The undo history without Qt: deltas, merging, the saved mark, the memory limit."""

from __future__ import annotations

import numpy as np
import pytest

from convexplorer.model import (
    ExplorerState,
    LayerSpec,
    SnapshotStep,
    UndoHistory,
    WeightStep,
)


def make_state(c_in=3, c_out=2, k=3) -> ExplorerState:
    rng = np.random.default_rng(0)
    image = rng.random((c_in, 12, 12), dtype=np.float32)
    state = ExplorerState(image, LayerSpec(c_in, c_out, kernel_size=k))
    state.apply_preset("kaiming")
    return state


def edit(state: ExplorerState, history: UndoHistory, o, k, i, j, value, key=None) -> None:
    rows = [o]
    before_w, before_b = state.weight[rows].copy(), state.bias[rows].copy()
    state.set_weight(o, k, i, j, value)
    step = WeightStep.between(
        rows, state.spec.weight_shape, before_w, state.weight[rows], before_b, state.bias[rows]
    )
    assert step is not None
    history.push(f"set {o},{k},{i},{j}", step, key)


def test_a_weight_step_keeps_only_what_changed():
    state = make_state(c_in=64, c_out=64, k=7)
    history = UndoHistory()
    edit(state, history, 5, 10, 3, 3, 2.5)
    assert history.nbytes < 1024  # one index and two values, not two copies of 200,704 weights


def test_undo_and_redo_put_back_the_exact_bits():
    state = make_state()
    history = UndoHistory()
    original = state.weight.copy()
    edit(state, history, 1, 2, 0, 1, 0.1)
    edited = state.weight.copy()
    history.undo(state)
    assert np.array_equal(state.weight, original)
    history.redo(state)
    assert np.array_equal(state.weight, edited)


def test_merge_keeps_the_first_before_and_the_last_after():
    state = make_state()
    history = UndoHistory()
    original = state.weight.copy()
    for value in (1.0, 2.0, 3.0):
        edit(state, history, 0, 0, 1, 1, value, key="nudge")
    edit(state, history, 0, 0, 2, 2, 4.0, key="nudge")  # another cell, same key: merged too
    assert history.count == 1
    final = state.weight.copy()
    history.undo(state)
    assert np.array_equal(state.weight, original)
    history.redo(state)
    assert np.array_equal(state.weight, final)


def test_no_merge_across_the_saved_mark():
    state = make_state()
    history = UndoHistory()
    edit(state, history, 0, 0, 1, 1, 1.0, key="nudge")
    history.set_clean()
    edit(state, history, 0, 0, 1, 1, 2.0, key="nudge")
    assert history.count == 2 and not history.is_clean
    history.undo(state)
    assert history.is_clean


def test_a_new_step_after_undo_drops_the_redo_tail_and_the_unreachable_clean_mark():
    state = make_state()
    history = UndoHistory()
    edit(state, history, 0, 0, 0, 0, 1.0)
    history.set_clean()
    history.undo(state)
    edit(state, history, 0, 0, 0, 0, 2.0)
    assert not history.can_redo and history.count == 1
    history.undo(state)
    assert not history.is_clean  # the saved state (weight 1.0) can no longer be reached


def test_the_memory_limit_drops_the_oldest_steps_but_keeps_the_newest():
    state = make_state()
    history = UndoHistory(limit=2_000)
    for n in range(50):
        edit(state, history, 0, 0, 0, 0, float(n + 1))
    assert history.nbytes <= 2_000 and 0 < history.count < 50
    before = state.snapshot()
    state.set_spec(state.spec.replace(out_channels=5))
    history.push("layer", SnapshotStep(before, state.snapshot()))
    assert history.count == 1 and history.nbytes > history.limit  # kept though too large
    history.undo(state)
    assert state.spec.out_channels == 2


def test_ten_thousand_typed_numbers_stay_small():
    state = make_state(c_in=64, c_out=64, k=7)
    history = UndoHistory()
    rng = np.random.default_rng(1)
    for n in range(10_000):
        o, k, i, j = (int(v) for v in rng.integers(0, [64, 64, 7, 7]))
        edit(state, history, o, k, i, j, n + 0.5)  # never the value already there
    assert history.count == 10_000
    assert history.nbytes < 100 * 2**20


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_patch_refuses_non_finite_values_and_changes_nothing(bad):
    state = make_state()
    before = state.weight.copy()
    with pytest.raises(ValueError):
        state.patch(np.array([0]), np.array([bad]), np.array([], int), np.array([]))
    with pytest.raises(ValueError):
        state.patch(np.array([state.weight.size]), np.array([1.0]), np.array([], int), np.array([]))
    assert np.array_equal(state.weight, before)
