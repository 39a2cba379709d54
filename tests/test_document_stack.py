"""The document holding a stack of layers: its signals, undo (labels, the layer selected back,
any history undone and redone bit for bit), refusals, the modified mark, results gone stale on
the worker. The numbers themselves are ``test_network.py``'s."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convexplorer.model import LayerSetup, LayerSpec, Network, NetworkSnapshot
from convexplorer.qt import Document


def stack(sizes=((3, 8), (8, 8), (8, 2)), side: int = 12, seed: int = 0) -> NetworkSnapshot:
    """An input and 3×3 'same'-padded layers of (in, out) channels, random weights, ReLU between."""
    rng = np.random.default_rng(seed)
    setups = []
    for index, (c_in, c_out) in enumerate(sizes):
        spec = LayerSpec(c_in, c_out, padding=1)
        weight = (rng.standard_normal(spec.weight_shape) / 4).astype(np.float32)
        bias = rng.standard_normal(c_out).astype(np.float32)
        setups.append(LayerSetup(spec, weight, bias, "relu" if index < len(sizes) - 1 else "none"))
    image = rng.standard_normal((sizes[0][0], side, side)).astype(np.float32)
    return NetworkSnapshot(image, tuple(setups))


def square(channels: int, c_in: int | None = None) -> LayerSetup:
    """A 3×3 'same' layer of ``channels`` filters (on ``c_in`` inputs, default as many)."""
    spec = LayerSpec(c_in or channels, channels, padding=1)
    weight = np.random.default_rng(channels).standard_normal(spec.weight_shape) / 4
    return LayerSetup(spec, weight.astype(np.float32), np.zeros(channels, np.float32))


def make_document(snapshot: NetworkSnapshot | None = None, **options) -> Document:
    document = Document(Network.from_snapshot(snapshot or stack()), **options)
    document.wait_until_idle()
    return document


def fingerprint(document: Document) -> tuple:
    """The whole stack as comparable values — input, every layer's settings, weights,
    activation and outputs — but not which layer is selected (undo selects what it changes)."""
    stack_view = document.stack
    layers = []
    for index in range(len(stack_view)):
        layer = stack_view.layer(index)
        layers.append(
            (
                layer.image.tobytes(),
                layer.image.shape,
                layer.spec,
                layer.weight.tobytes(),
                None if layer.bias is None else layer.bias.tobytes(),
                layer.activation,
                tuple(
                    None if layer.output(o) is None else layer.output(o).tobytes()
                    for o in range(layer.spec.out_channels)
                ),
            )
        )
    return tuple(layers)


def assert_outputs_are_a_fresh_run(document: Document) -> None:
    """Every layer's outputs are those a fresh stack of the same weights computes, bit for bit."""
    fresh = Network.from_snapshot(document.network_snapshot())
    fresh.compute()
    assert document.stack.is_current
    for index, layer in enumerate(fresh.layers):
        assert np.array_equal(document.stack.layer(index).outputs(), layer.outputs()), index


def record_signals(document: Document) -> list[tuple]:
    """Every stack signal and the selected layer's, in the order they come."""
    heard: list[tuple] = []
    document.layerTouched.connect(lambda i: heard.append(("touched", i)))
    document.layerOutputsChanged.connect(lambda i, c: heard.append(("outputs", i, tuple(c))))
    document.layerSelected.connect(lambda i: heard.append(("selected", i)))
    document.layerChanged.connect(lambda: heard.append(("layer",)))
    document.stackChanged.connect(lambda: heard.append(("stack",)))
    return heard


# ---- signals ------------------------------------------------------------------------------------


def test_an_edit_in_layer_1_touches_it_then_every_layer_s_outputs_follow_in_order(qtbot):
    document = make_document()
    heard = record_signals(document)
    with qtbot.waitSignal(document.layerTouched) as touched:
        document.set_weight(2, 0, 1, 1, 0.75)
    assert touched.args == [0]
    qtbot.waitUntil(lambda: ("outputs", 2, (0, 1)) in heard)
    outputs = [entry for entry in heard if entry[0] == "outputs"]
    assert outputs == [
        ("outputs", 0, (2,)),
        ("outputs", 1, tuple(range(8))),
        ("outputs", 2, (0, 1)),
    ]
    assert heard[0] == ("touched", 0)
    for index in (1, 2):  # each later layer is told it is on its way before its outputs come
        assert heard.index(("touched", index)) < heard.index(outputs[index])
    assert_outputs_are_a_fresh_run(document)


def test_outputs_changed_names_the_selected_layer_s_channels_only(qtbot):
    document = make_document()
    heard: list[list[int]] = []
    document.outputsChanged.connect(heard.append)
    document.select_layer(0)
    document.set_weight(1, 0, 0, 0, 2.0)
    document.select_layer(2)  # before anything is computed: layer 3 is what the views show
    heard.clear()  # (selecting announces what layer 3 has ready)
    with qtbot.waitSignal(document.layerOutputsChanged, check_params_cb=lambda i, _: i == 2):
        pass
    assert heard == [[0, 1]]  # layer 3's channels, not layer 1's filter 1


def test_selecting_a_layer_tells_the_views_of_one_layer_to_read_it(qtbot):
    document = make_document()
    view = document.view
    assert view.spec == LayerSpec(3, 8, padding=1)
    with (
        qtbot.waitSignal(document.layerSelected) as selected,
        qtbot.waitSignal(document.layerChanged),
        qtbot.assertNotEmitted(document.historyChanged),
        qtbot.assertNotEmitted(document.modifiedChanged),
    ):
        document.select_layer(2)
    assert selected.args == [2]
    assert view.spec == LayerSpec(8, 2, padding=1)  # the same view object, now on layer 3
    assert np.array_equal(view.image, document.stack.layer(1).outputs())
    assert np.array_equal(view.outputs(), document.stack.layer(2).outputs())
    assert document.stack.selected == 2 and not document.is_modified and not document.can_undo
    with qtbot.assertNotEmitted(document.layerSelected):
        document.select_layer(2)  # already selected: nothing to tell


@pytest.mark.parametrize(
    ("command", "selected", "specs"),
    [
        (lambda d: d.insert_layer(1, square(8)), 1, [(3, 8), (8, 8), (8, 8), (8, 2)]),
        (lambda d: d.duplicate_layer(1), 2, [(3, 8), (8, 8), (8, 8), (8, 2)]),
        (lambda d: d.remove_layer(1), 1, [(3, 8), (8, 2)]),
        (lambda d: d.remove_layer(2), 1, [(3, 8), (8, 8)]),
    ],
    ids=["insert", "duplicate", "remove", "remove the last"],
)
def test_a_stack_command_selects_the_layer_it_made_and_the_views_follow(
    qtbot, command, selected, specs
):
    document = make_document()
    document.select_layer(2)
    with (
        qtbot.waitSignal(document.stackChanged),
        qtbot.waitSignal(document.layerSelected) as chosen,
        qtbot.waitSignal(document.layerChanged),
    ):
        command(document)
    assert chosen.args == [selected] and document.stack.selected == selected
    shown = document.stack.specs
    assert [(spec.in_channels, spec.out_channels) for spec in shown] == specs
    assert document.view.spec == shown[selected]  # the views of one layer read the new one
    document.wait_until_idle()
    assert_outputs_are_a_fresh_run(document)


def test_a_refused_stack_command_keeps_the_selection(qtbot):
    document = make_document()
    document.select_layer(2)
    with (
        qtbot.assertNotEmitted(document.stackChanged),
        qtbot.assertNotEmitted(document.layerSelected),
        pytest.raises(ValueError, match="layer 4 expects 8 input channels, layer 3 makes 2"),
    ):
        document.insert_layer(3, square(2, 8))
    assert document.stack.selected == 2 and len(document.stack) == 3


def test_moving_a_layer_selects_it_where_it_went(qtbot):
    document = make_document(stack(sizes=((3, 8), (8, 8), (8, 8), (8, 2))))
    moved = np.array(document.stack.layer(1).weight)
    with qtbot.waitSignal(document.layerSelected) as chosen:
        document.move_layer(1, 2)
    assert chosen.args == [2] and np.array_equal(document.view.weight, moved)
    document.wait_until_idle()
    assert_outputs_are_a_fresh_run(document)
    document.undo()
    assert np.array_equal(document.stack.layer(1).weight, moved)


def test_an_edit_reaches_the_selected_layer_only(qtbot):
    document = make_document()
    document.select_layer(1)
    before = [document.stack.layer(i).weight.copy() for i in range(3)]
    document.set_weight(3, 4, 2, 0, -1.5)
    after = [document.stack.layer(i).weight for i in range(3)]
    assert np.array_equal(after[0], before[0]) and np.array_equal(after[2], before[2])
    assert after[1][3, 4, 2, 0] == np.float32(-1.5)


# ---- undo -------------------------------------------------------------------------------------


def test_undo_labels_name_the_layer_once_there_is_more_than_one(qtbot):
    one = make_document(stack(sizes=((3, 4),)))
    one.set_weight(0, 0, 0, 0, 1.0)
    assert one.undo_label == "Set weight[0, 0, 0, 0]"
    one.set_activation("relu")
    assert one.undo_label == "Activation ReLU"
    document = make_document()
    document.select_layer(1)
    document.set_weight(0, 0, 0, 0, 1.0)
    assert document.undo_label == "Set weight[0, 0, 0, 0] (layer 2)"
    document.set_bias(1, 0.5)
    assert document.undo_label == "Set bias[1] (layer 2)"
    document.set_activation("none")
    assert document.undo_label == "Activation none (layer 2)"
    document.set_layer(document.view.spec.replace(kernel_size=5, padding=2))
    assert document.undo_label == "Change layer (layer 2)"
    document.apply_preset("kaiming", 0)
    assert document.undo_label == "Apply Kaiming to filter 0 (layer 2)"
    document.duplicate_layer(1)
    assert document.undo_label == "Duplicate layer 2"
    document.select_layer(2)
    document.set_weight(0, 0, 0, 0, 7.0)
    assert document.undo_label == "Set weight[0, 0, 0, 0] (layer 3)"
    document.move_layer(2, 1)
    assert document.undo_label == "Move layer 3 to position 2"
    document.remove_layer(1)
    assert document.undo_label == "Remove layer 2"
    setup = LayerSetup(LayerSpec(2, 2, padding=1), np.zeros((2, 2, 3, 3), np.float32), None)
    document.insert_layer(3, setup)
    assert document.undo_label == "Insert Conv2d as layer 4"
    document.undo()
    assert document.redo_label == "Insert Conv2d as layer 4"


def test_undo_of_an_edit_in_another_layer_selects_that_layer_back(qtbot):
    document = make_document()
    document.select_layer(0)
    document.set_weight(1, 2, 0, 1, 4.0)
    document.select_layer(2)
    heard = record_signals(document)
    with qtbot.waitSignal(document.layerSelected) as selected:
        document.undo()
    assert selected.args == [0] and document.stack.selected == 0
    assert document.view.weight[1, 2, 0, 1] != np.float32(4.0)
    assert heard.index(("selected", 0)) < heard.index(("touched", 0))  # shown, then changed
    document.select_layer(1)
    with qtbot.waitSignal(document.layerSelected) as selected:
        document.redo()
    assert selected.args == [0] and document.view.weight[1, 2, 0, 1] == np.float32(4.0)
    document.wait_until_idle()
    assert_outputs_are_a_fresh_run(document)


def test_the_modified_mark_follows_edits_of_any_layer_and_of_the_stack(qtbot):
    document = make_document()
    marks: list[bool] = []
    document.modifiedChanged.connect(marks.append)
    document.select_layer(2)
    assert not document.is_modified
    document.set_weight(0, 0, 0, 0, 1.0)
    assert document.is_modified
    document.undo()
    assert not document.is_modified
    document.duplicate_layer(1)
    assert document.is_modified
    document.mark_saved()
    assert not document.is_modified
    document.undo()
    assert document.is_modified
    document.redo()
    assert not document.is_modified
    assert marks == [True, False, True, False, True, False]


# ---- refusals -----------------------------------------------------------------------------------


def _bad_network(document: Document) -> NetworkSnapshot:
    taken = document.network_snapshot()
    weight = taken.layers[1].weight.copy()
    weight[1, 1, 1, 1] = np.nan
    layers = list(taken.layers)
    layers[1] = LayerSetup(layers[1].spec, weight, layers[1].bias, layers[1].activation)
    return NetworkSnapshot(taken.image, tuple(layers), taken.selected_layer)


def _on_layer_3(document: Document, command):
    document.select_layer(2)
    return command()


DOCUMENT_REFUSALS = {
    "a layer that does not chain": (
        lambda d: d.insert_layer(
            2, LayerSetup(LayerSpec(16, 1), np.zeros((1, 16, 3, 3), np.float32), None)
        ),
        "layer 3 expects 16 input channels, layer 2 makes 8 — change its in-channels or insert "
        "a layer",
    ),
    "settings that break the chain": (
        lambda d: _on_layer_3(d, lambda: d.set_layer(LayerSpec(4, 2, padding=1))),
        "layer 3 expects 4 input channels, layer 2 makes 8",
    ),
    "removing a layer the next cannot do without": (
        lambda d: d.remove_layer(0),
        "layer 1 expects 8 input channels, the input has 3",
    ),
    "NaN weights in a stack to load": (
        lambda d: d.load_network(_bad_network(d), "Load"),
        "layer 2: weights must be finite numbers (no NaN or infinity)",
    ),
    "NaN weights in a session": (
        lambda d: d.load_network_session(_bad_network(d)),
        "layer 2: weights must be finite numbers (no NaN or infinity)",
    ),
    "a NaN input": (
        lambda d: d.open_input(np.full((3, 12, 12), np.nan, np.float32), "Open"),
        "input values must be finite numbers (no NaN or infinity)",
    ),
    "a NaN weight": (
        lambda d: d.set_weight(0, 0, 0, 0, float("nan")),
        "a weight must be finite numbers",
    ),
}


@pytest.mark.parametrize("name", list(DOCUMENT_REFUSALS))
def test_a_refused_command_changes_nothing_and_records_nothing(qtbot, name):
    action, message = DOCUMENT_REFUSALS[name]
    document = make_document()
    document.set_weight(0, 0, 0, 0, 1.0)  # something to undo, so labels can be compared
    document.wait_until_idle()
    document.select_layer(0)
    before = fingerprint(document)
    history = (document.undo_count, document.undo_label, document.redo_label, document.is_modified)
    with (
        qtbot.assertNotEmitted(document.historyChanged),
        qtbot.assertNotEmitted(document.stackChanged),
        qtbot.assertNotEmitted(document.layerTouched),
        qtbot.assertNotEmitted(document.weightsChanged),
        pytest.raises(ValueError) as refused,
    ):
        action(document)
    assert str(refused.value).startswith(message)
    assert fingerprint(document) == before
    assert history == (
        document.undo_count,
        document.undo_label,
        document.redo_label,
        document.is_modified,
    )
    assert len(document.stack) == 3


def test_the_only_layer_cannot_be_removed(qtbot):
    document = make_document(stack(sizes=((3, 4),)))
    before = fingerprint(document)
    with pytest.raises(ValueError, match="the stack needs at least one layer: this is its only"):
        document.remove_layer(0)
    assert fingerprint(document) == before and not document.can_undo


def test_undo_puts_back_a_negative_zero_bit_for_bit(qtbot):
    """−0.0 and +0.0 compare equal but are different bits: an edit that turns one into the
    other (a preset writing 0 where −0.0 was typed) must still be undone exactly."""
    document = make_document()
    document.select_layer(1)
    document.set_weight(0, 0, 0, 1, -0.0)
    typed = np.array(document.view.weight)
    document.apply_preset("sobel x", 0)  # writes +0.0 at (0, 0, 0, 1)
    document.undo()
    assert np.signbit(document.view.weight[0, 0, 0, 1])
    assert document.view.weight.tobytes() == typed.tobytes()
    document.redo()
    assert not np.signbit(document.view.weight[0, 0, 0, 1])


# ---- any history, undone and redone -------------------------------------------------------------

_LAYER = st.integers(0, 15)  # taken modulo the stack's length
_EDITS = st.one_of(
    st.tuples(st.just("weight"), _LAYER, st.integers(0, 15), st.integers(0, 15),
              st.integers(0, 4), st.integers(0, 4), st.floats(-2, 2, width=32)),
    st.tuples(st.just("bias"), _LAYER, st.integers(0, 15), st.floats(-2, 2, width=32)),
    st.tuples(st.just("preset"), _LAYER, st.sampled_from(["kaiming", "sobel x", "identity"])),
    st.tuples(st.just("activation"), _LAYER, st.sampled_from(["none", "relu"])),
    st.tuples(st.just("out_channels"), _LAYER, st.integers(1, 5)),
    st.tuples(st.just("kernel"), _LAYER, st.sampled_from([1, 3, 5]), st.sampled_from([0, 1, 2])),
    st.tuples(st.just("stride"), _LAYER, st.integers(1, 2)),
    st.tuples(st.just("transposed"), _LAYER),
    st.tuples(st.just("insert"), st.integers(0, 16), st.integers(0, 4), st.integers(0, 99)),
    st.tuples(st.just("remove"), _LAYER),
    st.tuples(st.just("move"), _LAYER, _LAYER),
    st.tuples(st.just("duplicate"), _LAYER),
    st.tuples(st.just("input"), st.integers(1, 3), st.integers(4, 9), st.integers(0, 99)),
    st.tuples(st.just("replace"), _LAYER, st.integers(1, 4), st.integers(0, 99)),
    st.tuples(st.just("load"), st.integers(1, 3), st.integers(1, 3), st.integers(0, 99)),
)  # fmt: skip


def _channels_into(document: Document, index: int) -> int:
    """The channel count layer ``index`` receives (the input's for the first)."""
    if index == 0:
        return document.stack.layer(0).image.shape[0]
    return document.stack.layer(index - 1).spec.out_channels


def _random_setup(c_in: int, c_out: int, seed: int) -> LayerSetup:
    spec = LayerSpec(c_in, c_out, padding=1)
    rng = np.random.default_rng(seed)
    weight = (rng.standard_normal(spec.weight_shape) / 3).astype(np.float32)
    return LayerSetup(spec, weight, rng.standard_normal(c_out).astype(np.float32), "relu")


def apply(document: Document, edit: tuple) -> bool:
    """One edit through the document's commands (a layer edit selects its layer first)."""
    kind, n = edit[0], len(document.stack)
    if kind in ("insert", "input", "load"):
        index = edit[1] % (n + 1)
    else:
        index = edit[1] % n
        document.select_layer(index)
    view = document.view
    spec = view.spec
    if kind == "weight":
        o, slot, i, j, value = edit[2:]
        kh, kw = spec.kernel_size
        args = (o % spec.out_channels, slot % spec.in_per_group, i % kh, j % kw, value)
        return document.set_weight(*args)
    if kind == "bias":
        if view.bias is None:
            return False
        return document.set_bias(edit[2] % spec.out_channels, edit[3])
    if kind == "preset":
        return document.apply_preset(edit[2], view.selected_filter)
    if kind == "activation":
        return document.set_activation(edit[2])
    if kind == "out_channels":
        return document.set_layer(spec.replace(out_channels=edit[2] * spec.groups))
    if kind == "kernel":
        return document.set_layer(spec.replace(kernel_size=edit[2], padding=edit[3]))
    if kind == "stride":
        return document.set_layer(spec.replace(stride=edit[2], padding=(1, 1)))
    if kind == "transposed":
        return document.set_layer(
            spec.replace(transposed=not spec.transposed, padding=(1, 1), padding_mode="zeros")
        )
    if kind == "insert":  # c_out 0: what the layer after it takes (the stack then chains)
        c_in, c_out = _channels_into(document, index), edit[2]
        if not c_out:
            c_out = document.stack.layer(index).spec.in_channels if index < n else c_in
        return document.insert_layer(index, _random_setup(c_in, c_out, edit[3]))
    if kind == "remove":
        return document.remove_layer(index)
    if kind == "move":  # elsewhere (moving a layer to where it is changes nothing)
        return document.move_layer(index, (index + 1 + edit[2] % max(1, n - 1)) % n)
    if kind == "duplicate":
        return document.duplicate_layer(index)
    if kind == "input":
        channels, side, seed = edit[1:]
        image = np.random.default_rng(seed).standard_normal((channels, side, side))
        return document.open_input(image.astype(np.float32), "Open input")
    if kind == "load":  # a whole new stack (a scene, your own model's layers)
        channels, depth, seed = edit[1:]
        sizes = ((channels, 3),) + ((3, 3),) * (depth - 1)
        return document.load_network(stack(sizes, side=6, seed=seed), "Load a stack")
    _, _, c_out, seed = edit
    c_in = _channels_into(document, index)
    setup = _random_setup(c_in, c_out, seed)
    return document.replace_layer(setup.spec, setup.weight, setup.bias, "Import weights")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=st.lists(_EDITS, min_size=1, max_size=10))
def test_any_history_undone_then_redone_comes_back_bit_for_bit(qtbot, edits):
    document = make_document(stack(sizes=((2, 3), (3, 3), (3, 3)), side=7))
    states = [fingerprint(document)]
    labels = []
    for edit in edits:
        before, undo_count = fingerprint(document), document.undo_count
        try:
            changed = apply(document, edit)
        except ValueError:
            changed = False  # refused: nothing changed, nothing recorded
        document.wait_until_idle()
        if not changed:
            assert fingerprint(document) == before and document.undo_count == undo_count
            continue
        assert document.undo_count == undo_count + 1
        assert_outputs_are_a_fresh_run(document)
        states.append(fingerprint(document))
        labels.append(document.undo_label)
    for back in range(len(states) - 2, -1, -1):
        assert document.undo_label == labels[back]
        document.undo()
        document.wait_until_idle()
        assert fingerprint(document) == states[back], f"undo to step {back}"
    assert not document.can_undo and not document.is_modified
    for forward in range(1, len(states)):
        document.redo()
        document.wait_until_idle()
        assert fingerprint(document) == states[forward], f"redo to step {forward}"
    assert not document.can_redo and document.is_modified == (len(states) > 1)
    assert_outputs_are_a_fresh_run(document)


def settings_of(document: Document) -> tuple:
    """The input and every layer's settings, weights and activation, without what may still be
    on its way (later layers' inputs, outputs)."""
    layers = fingerprint(document)
    return (layers[0][0], *(layer[1:6] for layer in layers))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=st.lists(_EDITS, min_size=1, max_size=10))
def test_a_burst_of_edits_on_the_worker_ends_on_the_right_outputs(qtbot, edits):
    """Edits, undos and redos while every job runs on the worker and nothing waits for it:
    results that went stale meanwhile are dropped, and the stack ends current and right."""
    document = make_document(stack(sizes=((2, 3), (3, 3), (3, 3)), side=7), sync_limit_ms=0)
    states = [settings_of(document)]
    for edit in edits:
        try:
            if apply(document, edit):
                states.append(settings_of(document))
        except ValueError:
            assert settings_of(document) == states[-1]
        qtbot.wait(0) if edit[1] % 2 else None  # now and then the event loop comes round
    document.wait_until_idle()
    assert_outputs_are_a_fresh_run(document)
    for back in range(len(states) - 2, -1, -1):
        document.undo()
        assert settings_of(document) == states[back]
    document.wait_until_idle()
    assert_outputs_are_a_fresh_run(document)
    for forward in range(1, len(states)):
        document.redo()
        assert settings_of(document) == states[forward]
    document.wait_until_idle()
    assert_outputs_are_a_fresh_run(document)


# ---- results gone stale on the worker -----------------------------------------------------------


def _watch_accepts(document: Document) -> list[tuple[int, tuple[int, ...]]]:
    """What the network answers to each result it is given."""
    network = document._network
    answers: list[tuple[int, tuple[int, ...]]] = []
    accept = network.accept

    def watched(job, result):
        answer = accept(job, result)
        answers.append(answer)
        return answer

    network.accept = watched  # type: ignore[method-assign]
    return answers


def test_busy_ends_when_a_cheap_layer_follows_one_on_the_worker(qtbot):
    """The status bar's "computing" shows while outputs are on their way, and goes when the
    last layer is current even if that layer was cheap enough to run at once."""
    document = make_document()
    costs = []  # what each layer's job is estimated to take (a fresh stack: each a full run)
    network = Network.from_snapshot(stack())
    while (job := network.next_job()) is not None:
        costs.append(job.cost)
        network.accept(job, job.run())
    _, layer_2, layer_3 = costs
    limit = (layer_2 + layer_3) / 2  # layer 2 on the worker, layer 3 at once
    assert layer_2 > limit > layer_3
    document._scheduler._sync_limit_ms = limit
    busy: list[bool] = []
    document.busyChanged.connect(busy.append)
    document.set_weight(0, 0, 0, 0, 1.5)
    qtbot.waitUntil(lambda: busy == [True, False])
    assert document.stack.is_current
    assert_outputs_are_a_fresh_run(document)


@pytest.mark.parametrize("how", ["replaced", "removed"])
def test_a_worker_job_for_a_layer_replaced_meanwhile_is_dropped(qtbot, how):
    document = make_document()
    document._scheduler._sync_limit_ms = 0  # every job on the worker
    answers = _watch_accepts(document)
    heard = record_signals(document)
    document.select_layer(2 if how == "removed" else 1)
    document.set_weight(0, 0, 0, 0, 3.0)
    document._scheduler.flush()  # the job is on the worker now, its result not yet taken
    assert document._scheduler._running
    if how == "replaced":  # layer 1 with stride 2: layer 2 is a new layer on a 6×6 input
        document.select_layer(0)
        spec = document.view.spec.replace(stride=2)
        weight, bias = np.array(document.view.weight), np.array(document.view.bias)
        document.replace_layer(spec, weight, bias, "Import weights")
    else:
        document.remove_layer(2)
    qtbot.waitUntil(lambda: bool(answers) and not document._scheduler._running)
    assert answers[0] == (-1, ())  # the job's layer is no longer in the stack: dropped
    document.wait_until_idle()
    stale = 2 if how == "removed" else 1
    assert ("outputs", stale, (0,)) not in heard  # nothing of the old layer was published
    assert_outputs_are_a_fresh_run(document)


# ---- merged nudges and the lesson's excursion ---------------------------------------------------


def test_wheel_nudges_merge_within_one_layer_only(qtbot):
    document = make_document()
    start = fingerprint(document)
    document.select_layer(1)
    document.set_weight(0, 0, 0, 0, 1.0, merge_key="wheel")
    document.set_weight(0, 0, 0, 0, 1.5, merge_key="wheel")
    assert document.undo_count == 1
    document.select_layer(2)
    document.set_weight(0, 0, 0, 0, 2.0, merge_key="wheel")  # same key, another layer
    assert document.undo_count == 2
    document.undo()
    assert document.stack.selected == 2 and document.view.weight[0, 0, 0, 0] != np.float32(2.0)
    document.undo()
    document.wait_until_idle()
    assert document.stack.selected == 1 and fingerprint(document) == start


def test_a_lesson_s_excursion_comes_back_to_the_whole_stack(qtbot):
    document = make_document()
    document.select_layer(1)
    document.set_weight(0, 0, 0, 0, 1.0)
    document.select(3, (4, 5))
    document.wait_until_idle()
    before, selected = fingerprint(document), document.stack.selected
    document.put_aside()
    spec = LayerSpec(1, 1)
    document.set_scene(
        np.ones((1, 5, 5), np.float32), spec, np.ones((1, 1, 3, 3)), None, "none", "A"
    )
    document.wait_until_idle()
    assert len(document.stack) == 1
    document.come_back()
    document.wait_until_idle()
    assert fingerprint(document) == before and document.stack.selected == selected
    assert (document.view.selected_filter, document.view.position) == (3, (4, 5))
    assert document.undo_label == "Set weight[0, 0, 0, 0] (layer 2)" and document.is_modified
