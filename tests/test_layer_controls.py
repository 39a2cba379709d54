"""Layer controls: changes reach the model, refusals show the model's message and change nothing."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.layer_controls import LayerControls


@pytest.fixture
def controls(qtbot):
    state = ExplorerState(np.random.default_rng(0).random((3, 20, 24), dtype="f4"), LayerSpec(3, 2))
    document = Document(state)
    widget = LayerControls(document)
    qtbot.addWidget(widget)
    widget.show()
    return widget, document


def test_summary_states_shapes_and_parameters(controls):
    widget, _ = controls
    assert widget.summary.text() == (
        "3×20×24 → 2×18×22 · 2 filters, each spanning all 3 input channels with a 3×3 kernel: "
        "2 × 27 weights + 2 biases = 56 parameters"
    )
    assert widget.in_channels.text().startswith("3")


def test_changing_out_channels_and_kernel_reaches_the_model(controls, qtbot):
    widget, document = controls
    with qtbot.waitSignal(document.layerChanged):
        widget.out_channels.setValue(4)
    assert document.view.spec.out_channels == 4
    widget.kernel_size.spins[1].setValue(5)
    assert document.view.spec.kernel_size == (3, 5)
    assert "4×18×20" in widget.summary.text()
    document.undo()
    assert document.view.spec.kernel_size == (3, 3)
    assert widget.kernel_size.value() == (3, 3)


def test_impossible_groups_show_the_message_and_keep_the_layer(controls):
    widget, document = controls
    before = document.view.spec
    widget.groups.setValue(2)
    assert document.view.spec == before
    assert widget.error.isVisible()
    assert widget.error.text() == "groups=2 does not divide in_channels=3"
    assert document.undo_count == 0 and not document.can_redo
    widget.revert.click()
    assert widget.groups.value() == 1 and not widget.error.isVisible()


def test_two_step_change_becomes_valid(controls):
    widget, document = controls
    widget.groups.setValue(3)  # 2 filters: not divisible yet
    assert "does not divide out_channels=2" in widget.error.text()
    widget.out_channels.setValue(6)  # now 3 groups of 1 channel → 2 filters each
    assert document.view.spec.groups == 3 and document.view.spec.out_channels == 6
    assert not widget.error.isVisible()


def test_same_padding_and_mode_and_activation(controls, qtbot):
    widget, document = controls
    widget.padding_kind.setCurrentText("same")
    assert document.view.spec.padding == "same" and not widget.padding.isEnabled()
    assert document.view.output_size == (20, 24)
    widget.padding_mode.setCurrentText("reflect")
    assert document.view.spec.padding_mode == "reflect"
    widget.padding_kind.setCurrentText("numbers")
    widget.kernel_size.spins[0].setValue(25)
    assert "the output would be empty" in widget.error.text()
    assert document.view.spec.kernel_size == (3, 3) and document.view.spec.padding == (0, 0)
    widget.activation.setCurrentText("ReLU")
    assert document.view.activation == "relu"
    qtbot.mouseClick(widget.bias, Qt.MouseButton.LeftButton)
    assert document.view.spec.bias is False and document.view.bias is None
