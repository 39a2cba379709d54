"""A ConvTranspose2d layer on screen: the form offers the kind, the editor explains its layout,
and the sliding window paints the output pixel by pixel with the model's numbers."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from convexplorer.app._guide import guide_html
from convexplorer.app._scene import default_state
from convexplorer.app.main_window import MainWindow
from convexplorer.model import ExplorerState, LayerSpec, painted_so_far, reached_outputs
from convexplorer.qt import Document
from convexplorer.widgets.kernel_editor import KernelEditor
from convexplorer.widgets.layer_controls import LayerControls
from convexplorer.widgets.sliding_window import SlidingWindowView
from convexplorer.widgets.style import number

UPSAMPLING = {"kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1, "transposed": True}


def make_document(spec: LayerSpec | None = None, size=(6, 7)) -> Document:
    spec = spec or LayerSpec(3, 2, **UPSAMPLING)
    image = np.random.default_rng(0).random((spec.in_channels, *size), dtype=np.float32)
    state = ExplorerState(image, spec)
    state.apply_preset("kaiming", seed=2)
    document = Document(state)
    document.wait_until_idle()
    return document


# ---- the layer form ------------------------------------------------------------------------------


@pytest.fixture
def controls(qtbot):
    document = make_document(LayerSpec(3, 2, padding="same"))
    widget = LayerControls(document)
    qtbot.addWidget(widget)
    widget.show()
    return widget, document


def test_the_form_switches_the_kind_in_one_undo_step(controls, qtbot):
    widget, document = controls
    assert widget.kind.currentText() == "Conv2d" and not widget.output_padding.isEnabled()
    with qtbot.waitSignal(document.layerChanged):
        widget.kind.setCurrentText("ConvTranspose2d")
    spec = document.view.spec
    assert spec.transposed and spec.padding == (1, 1) and spec.padding_mode == "zeros"
    assert widget.output_padding.isEnabled() and not widget.padding_kind.isEnabled()
    assert not widget.padding_mode.isEnabled()
    assert "ConvTranspose2d" in widget.summary.text()
    document.undo()
    assert not document.view.spec.transposed and widget.kind.currentText() == "Conv2d"
    assert document.view.spec.padding == "same"


def test_the_form_shows_the_padding_mode_or_the_output_padding_row_by_kind(controls):
    widget, _ = controls
    form = widget.layout().itemAt(0).layout()
    label = form.labelForField(widget.output_padding)
    assert label.text() == "Output pad"  # not a bare "out" squeezed beside the padding mode
    height = form.sizeHint().height()
    assert widget.padding_mode.isVisible() and not widget.output_padding.isVisible()
    assert not label.isVisible()
    widget.kind.setCurrentText("ConvTranspose2d")
    assert widget.output_padding.isVisible() and label.isVisible()
    assert not widget.padding_mode.isVisible()
    # one row swapped for another (a spin box's height for a combo box's), none added
    assert abs(form.sizeHint().height() - height) <= 2
    widget.kind.setCurrentText("Conv2d")
    assert widget.padding_mode.isVisible() and not widget.output_padding.isVisible()


def test_an_impossible_output_padding_shows_the_models_message(controls):
    widget, document = controls
    widget.kind.setCurrentText("ConvTranspose2d")
    before = document.view.spec
    widget.output_padding.spins[0].setValue(1)  # stride 1: refused
    assert widget.error.isVisible()
    assert "output_padding must be smaller than either stride or dilation" in widget.error.text()
    assert document.view.spec == before
    widget.stride.spins[0].setValue(2)  # a two-step change becomes valid
    assert document.view.spec.output_padding == (1, 0) and not widget.error.isVisible()


# ---- the kernel editor ---------------------------------------------------------------------------


def test_the_kernel_editor_explains_pytorchs_layout(qtbot):
    document = make_document(LayerSpec(3, 2))
    editor = KernelEditor(document)
    qtbot.addWidget(editor)
    hint = editor.findChild(QLabel, "kernelHint")
    assert "weight[i, o]" not in hint.text()
    document.set_layer(document.view.spec.replace(transposed=True))
    assert "weight[i, o]" in hint.text()
    assert "(in, out/groups, kH, kW)" in hint.toolTip()
    document.set_weight(1, 2, 0, 0, 0.5)  # row 1, column 2: PyTorch's weight[2, 1]
    assert document.view.weight[1, 2, 0, 0] == 0.5


# ---- the sliding window --------------------------------------------------------------------------


@pytest.fixture
def sliding(qtbot):
    document = make_document()
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.resize(1500, 460)
    view.show()
    qtbot.waitExposed(view)
    return document, view


def test_a_transposed_layer_gets_the_painting_view_and_a_conv_layer_its_own(sliding):
    document, view = sliding
    assert view.painting_shown and view.pages.currentWidget() is view.painting
    document.set_layer(document.view.spec.replace(transposed=False, output_padding=0))
    assert not view.painting_shown and view.pages.currentWidget() is view.conv_page
    document.undo()
    assert view.painting_shown


def test_each_frame_shows_the_models_numbers(sliding):
    document, view = sliding
    painting = view.painting
    painting.go_to(9)  # pixel (1, 2) of a 6×7 input
    step = painting.scatter_step
    assert (step.row, step.col) == painting.pixel == (1, 2)
    model = document.view.scatter_step((1, 2))
    assert np.array_equal(step.patch, model.patch) and np.array_equal(step.painted, model.painted)
    for slot, row in enumerate(painting._rows):
        assert row.value.text() == f"x = {number(float(model.values[slot]))}"
        assert row.scaled.texts() == [[number(v) for v in r] for r in model.scaled[slot].tolist()]
    assert painting.patch.texts() == [[number(v) for v in r] for r in model.patch.tolist()]
    rows, cols = reached_outputs(document.view.spec, 6, 7, 1, 2)
    expected = sorted((r, c) for r in rows.tolist() for c in cols.tolist())
    assert sorted(painting.output_picture.outlined_cells()) == expected
    assert painting.input_picture.outlined_cells() == [(1, 2)]
    assert "Input pixel (1, 2)" in painting.header.text() and "overlap" in painting.header.text()
    assert painting.controls.position.text() == "(1, 2)  10 / 42"


def test_the_last_frame_is_the_output_and_the_keys_step_pixels(sliding, qtbot):
    document, view = sliding
    painting = view.painting
    selected_position = document.view.position
    view.actions_by_name["last"].trigger()
    assert painting.pixel == (5, 6)
    assert np.array_equal(painting.scatter_step.painted, document.view.output(0))
    view.actions_by_name["back"].trigger()
    view.actions_by_name["rowUp"].trigger()
    assert painting.pixel == (4, 5)
    view.actions_by_name["first"].trigger()
    assert painting.pixel == (0, 0)
    assert document.view.position == selected_position  # output positions are not stepped
    view.actions_by_name["play"].trigger()
    assert painting.playing
    qtbot.waitUntil(lambda: painting.pixel != (0, 0))
    view.actions_by_name["play"].trigger()
    assert not painting.playing


def test_edits_and_another_filter_redraw_the_frame(sliding):
    document, view = sliding
    painting = view.painting
    painting.go_to(3)
    document.set_weight(0, 1, 1, 1, 2.5)  # the frame follows once the edited output is ready
    document.wait_until_idle()
    assert painting.scatter_step.kernel[1, 1, 1] == np.float32(2.5)
    np.testing.assert_array_equal(
        painting.scatter_step.painted,
        document.view.scatter_step(painting.pixel).painted,
    )
    document.select(out_channel=1)
    assert painting.scatter_step.out_channel == 1
    flipped = document.view.spec.replace(flip_kernel=True)
    document.set_layer(flipped)  # the new layer's frame too follows once its output is ready
    document.wait_until_idle()
    assert "flipped in both axes" in painting.header.text()
    np.testing.assert_array_equal(
        painting.scatter_step.kernel, np.array(document.view.weight)[1, :, ::-1, ::-1]
    )


def test_deep_inputs_show_a_few_rows_and_say_the_rest_are_summed(qtbot):
    document = make_document(LayerSpec(6, 2, 2, stride=2, transposed=True), size=(4, 4))
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.show()
    assert len(view.painting._rows) == 4
    assert "2 more input channels" in view.painting.more.text()


def test_the_paintings_export_button_asks_for_the_export_and_stops_playing(sliding, qtbot):
    _, view = sliding
    view.painting.toggle()
    with qtbot.waitSignal(view.exportRequested):
        view.painting.actions_by_name["export"].trigger()
    assert not view.painting.playing


# ---- the whole window ----------------------------------------------------------------------------


def test_the_window_runs_a_transposed_layer_end_to_end(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(default_state(), settings)
    qtbot.addWidget(window)
    window.show()
    document = window.document
    discard = QMessageBox.StandardButton.Discard
    window.files.dialogs.ask = lambda *a: discard  # type: ignore[method-assign]
    window.layer_controls.kind.setCurrentText("ConvTranspose2d")
    window.layer_controls.stride.spins[0].setValue(2)
    window.layer_controls.stride.spins[1].setValue(2)
    document.wait_until_idle()
    assert document.view.spec.transposed and document.view.output_size == (341, 513)
    assert len(window.output_panels.panels) == 2
    document.apply_preset("kaiming")
    document.wait_until_idle()
    assert all(document.view.output(o) is not None for o in range(2))
    window.sliding_window.painting.go_to(100)
    assert window.sliding_window.painting.scatter_step is not None
    assert "ConvTranspose2d" in guide_html(document.view)
    window.sliding_window.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.sliding_window)
    qtbot.keyClick(window.sliding_window, Qt.Key.Key_Right)  # the window-wide keys step pixels
    assert window.sliding_window.painting.pixel == (0, 101)


def test_the_windows_weight_export_writes_pytorchs_layout(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(default_state(), settings)
    qtbot.addWidget(window)
    discard = QMessageBox.StandardButton.Discard
    window.files.dialogs.ask = lambda *a: discard  # type: ignore[method-assign]
    document = window.document
    document.set_layer(document.view.spec.replace(out_channels=4, groups=1, transposed=True))
    assert window.files.weights.export_to(tmp_path / "w.npy")
    stored = np.load(tmp_path / "w.npy")
    assert stored.shape == (3, 4, 3, 3)
    np.testing.assert_array_equal(stored[2, 1], document.view.weight[1, 2])  # weight[i, o]
    assert window.files.weights.import_from(tmp_path / "w.npy")
    assert document.view.spec.transposed and document.view.weight.shape == (4, 3, 3, 3)


def test_the_painting_view_waits_for_outputs_computed_on_the_worker(qtbot, monkeypatch):
    # a frame of a stale output would paint the whole channel on the window's thread: the view
    # keeps its last frame until the worker's output arrives, then paints from it
    spec = LayerSpec(3, 2, **UPSAMPLING)
    image = np.random.default_rng(0).random((3, 6, 7), dtype=np.float32)
    state = ExplorerState(image, spec)
    state.apply_preset("kaiming", seed=2)
    document = Document(state, sync_limit_ms=0)  # everything on the worker
    document.wait_until_idle()
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    painting = view.painting
    asked: list[tuple[int, int]] = []
    real = state.scatter_step

    def scatter_step(pixel, out_channel=None):
        asked.append(pixel)
        return real(pixel, out_channel)

    monkeypatch.setattr(state, "scatter_step", scatter_step)
    document.set_weight(0, 0, 1, 1, 1.5)  # the selected filter's output goes stale …
    painting.go_to(9)  # … and a step, a layer change and a selection wait for it
    document.set_layer(spec.replace(flip_kernel=True))
    document.select(out_channel=1)
    assert asked == []
    document.wait_until_idle()
    step = painting.scatter_step
    assert asked and step.out_channel == 1 and (step.row, step.col) == painting.pixel == (1, 2)
    np.testing.assert_array_equal(
        step.painted,
        painted_so_far(document.view.spec, image, document.view.weight, document.view.bias, 1, 10),
    )
