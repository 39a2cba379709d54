"""The document: commands with undo and the modified mark, precise signals, computing off-thread."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convexplorer.model import ExplorerState, LayerSpec, conv2d
from convexplorer.qt import Document
from tests.tolerance import assert_conv_close


def make_document(size=16, c_out=3, sync_limit_ms=None) -> Document:
    rng = np.random.default_rng(1)
    state = ExplorerState(rng.random((3, size, size), dtype=np.float32), LayerSpec(3, c_out))
    state.apply_preset("kaiming")
    options = {} if sync_limit_ms is None else {"sync_limit_ms": sync_limit_ms}
    document = Document(state, **options)
    document.wait_until_idle()
    return document


def everything(document: Document) -> tuple:
    """The whole visible state, as comparable values."""
    view = document.view
    return (
        view.image.tobytes(),
        view.spec,
        view.weight.tobytes(),
        None if view.bias is None else view.bias.tobytes(),
        view.activation,
        view.selected_filter,
        view.position,
    )


# ---- signals and computing ----------------------------------------------------------------------


def test_weight_edit_emits_its_filter_then_its_output(qtbot):
    document = make_document()
    with qtbot.waitSignal(document.weightsChanged) as weights:
        document.set_weight(1, 0, 0, 0, 3.0)
    assert weights.args == [[1]]
    assert document.view.output(1) is None  # stale: reading does not compute it
    with qtbot.waitSignal(document.outputsChanged) as outputs:
        pass
    assert outputs.args == [[1]]
    assert document.view.output(1) is not None


def test_no_signal_and_no_step_when_a_value_is_set_to_what_it_is(qtbot):
    document = make_document()
    value = float(document.view.weight[0, 0, 0, 0])
    with (
        qtbot.assertNotEmitted(document.weightsChanged),
        qtbot.assertNotEmitted(document.outputsChanged, wait=50),
    ):
        assert document.set_weight(0, 0, 0, 0, value) is False
    assert not document.can_undo and not document.is_modified


def test_a_burst_of_edits_is_computed_once(qtbot):
    document = make_document()
    emitted: list[list[int]] = []
    document.outputsChanged.connect(emitted.append)
    for k in range(20):
        document.set_weight(0, 0, 1, 1, float(k))
        document.set_weight(2, 1, 1, 1, float(k))
    qtbot.waitUntil(lambda: bool(emitted))
    assert emitted == [[0, 2]]


def test_selection_and_layer_signals(qtbot):
    document = make_document()
    with qtbot.waitSignal(document.selectionChanged) as selection:
        document.select(out_channel=2, position=(3, 4))
    assert selection.args == [2, 3, 4]
    assert not document.can_undo  # selecting is not an edit
    with qtbot.waitSignal(document.layerChanged), qtbot.waitSignal(document.outputsChanged) as out:
        document.set_layer(document.view.spec.replace(out_channels=5))
    assert out.args == [[0, 1, 2, 3, 4]]


def test_large_jobs_run_off_the_ui_thread(qtbot):
    document = make_document(size=64, sync_limit_ms=0)
    busy: list[bool] = []
    document.busyChanged.connect(busy.append)
    with qtbot.waitSignal(document.outputsChanged, timeout=5000) as out:
        document.set_weight(0, 0, 0, 0, 1.5)
    assert out.args == [[0]]
    qtbot.waitUntil(lambda: busy == [True, False])
    view = document.view
    x, w, b = view.image, view.weight[:1], view.bias[:1]
    expected = conv2d(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64))
    assert_conv_close(view.output(0)[None], expected, x, w, b)


def test_activation_change_announces_only_ready_outputs(qtbot):
    document = make_document(size=64, sync_limit_ms=0)
    with qtbot.waitSignal(document.weightsChanged):
        document.set_weight(2, 0, 0, 0, 1.5)  # channel 2 goes to the worker
    ready = [o for o in range(3) if document.view.is_ready(o)]
    with qtbot.waitSignal(document.outputsChanged) as out:
        document.set_activation("relu")
    assert out.args[0] == ready or out.args[0] == [0, 1, 2]  # the worker may have finished
    document.wait_until_idle()
    assert (document.view.output(2) >= 0).all()


# ---- commands, undo, modified -------------------------------------------------------------------


def test_every_command_is_one_undo_step_that_puts_back_the_exact_state(qtbot):
    document = make_document()
    start = everything(document)
    spec = document.view.spec
    commands = [
        ("weight", lambda: document.set_weight(1, 2, 0, 1, 0.25)),
        ("kernel", lambda: document.set_kernel(0, 1, np.full((3, 3), 0.5))),
        ("bias", lambda: document.set_bias(2, -1.0)),
        ("preset", lambda: document.apply_preset("sobel x", 1)),
        ("layer preset", lambda: document.apply_preset("laplacian")),
        ("weights", lambda: document.set_weights(np.zeros(spec.weight_shape), None, "Zero")),
        ("layer", lambda: document.set_layer(spec.replace(kernel_size=5))),
        ("activation", lambda: document.set_activation("relu")),
        ("input", lambda: document.open_input(np.ones((1, 9, 9), np.float32), "Open ones")),
    ]
    states = [start]
    for _, command in commands:
        assert command() is True
        states.append(everything(document))
    assert document.undo_count == len(commands) and document.is_modified
    for expected in reversed(states[:-1]):
        document.undo()
        assert everything(document) == expected
    assert not document.is_modified and not document.can_undo
    for expected in states[1:]:
        document.redo()
        assert everything(document) == expected


def test_refused_commands_change_nothing_and_record_nothing(qtbot):
    document = make_document()
    before = everything(document)
    spec = document.view.spec
    refused = [
        lambda: document.set_weight(0, 0, 0, 0, float("nan")),
        lambda: document.set_weight(7, 0, 0, 0, 1.0),
        lambda: document.set_kernel(0, 0, np.ones((2, 2))),
        lambda: document.set_bias(0, float("inf")),
        lambda: document.apply_preset("no such preset", 0),
        lambda: document.set_layer(spec.replace(in_channels=4)),
        lambda: document.set_activation("softmax"),
        lambda: document.open_input(np.full((3, 4, 4), np.nan, np.float32), "Open NaN"),
        lambda: document.replace_layer(spec, np.ones((1, 1, 1, 1)), None, "Import"),
    ]
    for command in refused:
        with pytest.raises(ValueError):
            command()
        assert everything(document) == before
    assert not document.can_undo and not document.is_modified


def test_modified_follows_the_saved_point(qtbot):
    document = make_document()
    marks: list[bool] = []
    document.modifiedChanged.connect(marks.append)
    document.set_weight(0, 0, 0, 0, 1.0)
    document.mark_saved()
    document.set_weight(0, 0, 0, 0, 2.0)
    document.undo()
    document.undo()
    assert marks == [True, False, True, False, True]


def test_wheel_nudges_merge_into_one_step(qtbot):
    document = make_document()
    original = everything(document)
    for n in range(5):
        document.set_weight(0, 0, 1, 1, 0.1 * n + 1, "Nudge", merge_key="nudge 0")
    assert document.undo_count == 1 and document.undo_label == "Nudge"
    document.undo()
    assert everything(document) == original


def test_load_session_replaces_everything_and_starts_a_clean_history(qtbot):
    document = make_document()
    document.set_weight(0, 0, 0, 0, 1.0)
    spec = LayerSpec(1, 2, kernel_size=5, bias=False)
    image = np.ones((1, 8, 8), np.float32)
    with qtbot.waitSignal(document.layerChanged):
        document.load_session(image, spec, np.ones(spec.weight_shape), None, "relu", 1, (2, 3))
    view = document.view
    assert (view.spec, view.activation, view.selected_filter, view.position) == (
        spec,
        "relu",
        1,
        (2, 3),
    )
    assert not document.can_undo and not document.is_modified


def test_a_refused_session_changes_nothing(qtbot):
    document = make_document()
    document.set_weight(0, 0, 0, 0, 1.0)
    before = everything(document)
    spec = LayerSpec(1, 2)
    with pytest.raises(ValueError):
        document.load_session(
            np.ones((1, 8, 8)), spec, np.ones((3, 1, 3, 3)), None, "none", 0, (0, 0)
        )
    with pytest.raises(ValueError):
        document.load_session(
            np.ones((1, 8, 8)), spec, np.ones(spec.weight_shape), None, "gelu", 0, (0, 0)
        )
    nan = np.full(spec.weight_shape, np.nan)
    with pytest.raises(ValueError):
        document.load_session(np.ones((1, 8, 8)), spec, nan, np.zeros(2), "none", 0, (0, 0))
    rgb = np.ones((3, 8, 8))  # the layer expects 1 input channel
    with pytest.raises(ValueError):
        document.load_session(rgb, spec, np.ones(spec.weight_shape), None, "none", 0, (0, 0))
    assert everything(document) == before and document.undo_count == 1


def test_a_typed_weight_costs_little_undo_memory(qtbot):
    state = ExplorerState(np.zeros((64, 9, 9), np.float32), LayerSpec(64, 64, kernel_size=7))
    document = Document(state)
    document.set_weight(10, 20, 3, 3, 1.5)
    assert document.undo_bytes <= 64 * 1024


# ---- outputs depend on (input, layer, weights) only ---------------------------------------------

_EDITS = st.one_of(
    st.tuples(st.just("weight"), st.integers(0, 3), st.integers(0, 5), st.integers(0, 2),
              st.integers(0, 2), st.floats(-2, 2, width=32)),
    st.tuples(st.just("bias"), st.integers(0, 3), st.floats(-2, 2, width=32)),
    st.tuples(st.just("preset"), st.sampled_from(["kaiming", "sobel x", "identity"]),
              st.integers(0, 3)),
    st.tuples(st.just("undo")),
    st.tuples(st.just("redo")),
)  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    c_in=st.sampled_from([2, 6]),
    kernel=st.sampled_from([3, 5]),
    groups=st.sampled_from([1, 2]),
    stride=st.integers(1, 2),
    padding_mode=st.sampled_from(["zeros", "reflect", "circular"]),
    edits=st.lists(_EDITS, min_size=1, max_size=12),
)
def test_outputs_after_any_edit_history_equal_a_fresh_full_run_bit_for_bit(
    qtbot, c_in, kernel, groups, stride, padding_mode, edits
):
    rng = np.random.default_rng(7)
    spec = LayerSpec(c_in, 4, kernel_size=kernel, stride=stride, padding=2, groups=groups,
                     padding_mode=padding_mode)  # fmt: skip
    state = ExplorerState(rng.standard_normal((c_in, 11, 13)).astype(np.float32), spec)
    state.apply_preset("kaiming", seed=3)
    document = Document(state)
    document.wait_until_idle()
    for edit in edits:
        kind = edit[0]
        if kind == "weight":
            _, o, k, i, j, value = edit
            if k < spec.in_per_group:
                document.set_weight(o, k, i, j, value)
        elif kind == "bias":
            document.set_bias(edit[1], edit[2])
        elif kind == "preset":
            document.apply_preset(edit[1], edit[2])
        elif kind == "undo":
            document.undo()
        else:
            document.redo()
        if len(edits) % 2:  # half the histories compute between edits, half only at the end
            document.wait_until_idle()
    document.wait_until_idle()
    view = document.view
    fresh = ExplorerState(np.array(view.image), spec, np.array(view.weight), np.array(view.bias))
    assert np.array_equal(view.outputs(), fresh.compute())


def test_after_the_outputs_the_worker_builds_what_edits_keep(qtbot, numpy_only):
    """The window matrix of "windows" (without numba: direct sums keep nothing to build)."""
    rng = np.random.default_rng(4)
    state = ExplorerState(rng.random((8, 40, 40), dtype=np.float32), LayerSpec(8, 8, padding=1))
    document = Document(state, sync_limit_ms=0)  # everything on the worker
    busy: list[bool] = []
    document.busyChanged.connect(busy.append)
    document.wait_until_idle()
    assert state.warm_up_job() is None  # built once the outputs were current
    assert busy == [True, False]  # the warm-up does not show as computing outputs


def test_an_edit_the_cost_model_prices_cheap_runs_at_once(qtbot):
    """An 11×11 edit on 3×256² (23.8 million multiply-adds: direct sums in about 0.7 ms, one
    inverse transform with fft) is computed in the command's own pass of the event loop: no
    worker, no "computing"."""
    rng = np.random.default_rng(3)
    spec = LayerSpec(3, 4, 11, padding=5)
    state = ExplorerState(rng.random((3, 256, 256), dtype=np.float32), spec)
    document = Document(state)
    document.wait_until_idle()
    busy: list[bool] = []
    document.busyChanged.connect(busy.append)
    document.set_weight(2, 0, 5, 5, 0.5)
    document._scheduler.flush()
    assert document.view.is_ready(2) and not document._scheduler._running and busy == []


@pytest.mark.parametrize("limit", [0, None], ids=["on the worker", "at once"])
def test_a_job_that_raises_is_told_not_retried_and_the_next_change_tries_again(
    qtbot, monkeypatch, limit
):
    """Out of memory in a job (on the worker or at once): the document says so, stops (the
    worker's finished signal never came, and waiting for it spun forever), keeps the stale
    outputs stale, and computes again on the next change."""
    from convexplorer.model import _outputs

    document = make_document(size=64, sync_limit_ms=limit)
    original = _outputs.ComputeJob.run

    def out_of_memory(job):
        raise MemoryError("Unable to allocate 2.00 GiB")

    monkeypatch.setattr(_outputs.ComputeJob, "run", out_of_memory)
    busy: list[bool] = []
    document.busyChanged.connect(busy.append)
    with qtbot.waitSignal(document.computeFailed) as failed:
        document.set_weight(1, 0, 0, 0, 1.5)
    assert failed.args == ["MemoryError: Unable to allocate 2.00 GiB"]
    document.wait_until_idle()  # returns: nothing is retried
    assert document.view.output(1) is None and not document._scheduler._running
    assert busy in ([], [True, False])
    monkeypatch.setattr(_outputs.ComputeJob, "run", original)
    document.set_weight(1, 0, 0, 0, 0.5)
    document.wait_until_idle()
    assert document.view.output(1) is not None
