"""The Qt adapter: precise signals, nothing for no-ops, coalesced and off-thread computing."""

from __future__ import annotations

import numpy as np

from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import ExplorerModel, _adapter


def make_model(size=16, c_out=3) -> ExplorerModel:
    rng = np.random.default_rng(1)
    state = ExplorerState(rng.random((3, size, size), dtype=np.float32), LayerSpec(3, c_out))
    model = ExplorerModel(state)
    model.wait_until_idle()
    return model


def test_weight_edit_emits_its_filter_then_its_output(qtbot):
    model = make_model()
    with qtbot.waitSignal(model.weightsChanged) as weights:
        model.state.set_weight(1, 0, 0, 0, 3.0)
    assert weights.args == [[1]]
    with qtbot.waitSignal(model.outputsChanged) as outputs:
        pass
    assert outputs.args == [[1]]
    assert not model.state.stale_channels


def test_no_signal_when_a_value_is_set_to_what_it_is(qtbot):
    model = make_model()
    value = float(model.state.weight[0, 0, 0, 0])
    with (
        qtbot.assertNotEmitted(model.weightsChanged),
        qtbot.assertNotEmitted(model.outputsChanged, wait=50),
    ):
        model.state.set_weight(0, 0, 0, 0, value)


def test_a_burst_of_edits_is_computed_once(qtbot):
    model = make_model()
    emitted: list[list[int]] = []
    model.outputsChanged.connect(emitted.append)
    for k in range(20):
        model.state.set_weight(0, 0, 1, 1, float(k))
        model.state.set_weight(2, 1, 1, 1, float(k))
    qtbot.waitUntil(lambda: bool(emitted))
    assert emitted == [[0, 2]]


def test_selection_and_layer_signals(qtbot):
    model = make_model()
    with qtbot.waitSignal(model.selectionChanged) as selection:
        model.state.select(out_channel=2, position=(3, 4))
    assert selection.args == [2, 3, 4]
    with qtbot.waitSignal(model.layerChanged), qtbot.waitSignal(model.outputsChanged) as out:
        model.state.set_spec(model.state.spec.replace(out_channels=5))
    assert out.args == [[0, 1, 2, 3, 4]]


def test_large_jobs_run_off_the_ui_thread(qtbot, monkeypatch):
    monkeypatch.setattr(_adapter, "SYNC_MAC_LIMIT", 0)
    model = make_model(size=64)
    busy: list[bool] = []
    model.busyChanged.connect(busy.append)
    with qtbot.waitSignal(model.outputsChanged, timeout=5000) as out:
        model.state.set_weight(0, 0, 0, 0, 1.5)
    assert out.args == [[0]]
    qtbot.waitUntil(lambda: busy == [True, False])
    state = model.state
    from convexplorer.model import conv2d

    want = conv2d(state.image, state.weight, state.bias)[0]
    np.testing.assert_allclose(state.output(0), want, rtol=1e-5, atol=1e-5)
