"""Frictions found driving the stack of layers by hand, each pinned by a test that failed before:
undo across a pool layer, the Layers keys from a text field, the strip's height and the layer
form's in-channels on a later layer."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QScrollArea, QWidget

from convexplorer.app.main_window import MainWindow
from convexplorer.model import LayerSetup, LayerSpec, Network, NetworkSnapshot, pool_weight
from convexplorer.qt import Document
from tests.window_support import focus, settings_in, shown_window


def conv_pool_conv(side: int = 16) -> NetworkSnapshot:
    """input → conv (ReLU) → max pool → conv: the stack a person builds first."""
    rng = np.random.default_rng(3)
    pool = LayerSpec(4, 4, 2, stride=2, groups=4, bias=False, pool="max")
    layers = [
        LayerSetup(
            conv := LayerSpec(3, 4, 3, padding=1),
            (rng.standard_normal(conv.weight_shape) / 4).astype(np.float32),
            rng.standard_normal(4).astype(np.float32),
            "relu",
        ),
        LayerSetup(pool, pool_weight(pool), None),
        LayerSetup(
            conv := LayerSpec(4, 4, 3, padding=1),
            (rng.standard_normal(conv.weight_shape) / 4).astype(np.float32),
            rng.standard_normal(4).astype(np.float32),
        ),
    ]
    image = rng.standard_normal((3, side, side)).astype(np.float32)
    return NetworkSnapshot(image, tuple(layers))


def stack_bytes(document: Document) -> tuple:
    """Every layer's settings, weights and activation as comparable values."""
    stack = document.stack
    return tuple(
        (
            view.spec,
            view.weight.tobytes(),
            None if view.bias is None else view.bias.tobytes(),
            view.activation,
        )
        for view in (stack.layer(index) for index in range(len(stack)))
    )


def test_undo_and_redo_of_a_layer_change_pass_over_a_pool_layer():
    """Undoing a change of layer 1 in conv → pool → conv put every layer's weights back, the
    pool's too, which a pool refuses: the ValueError escaped to the event loop, half undone."""
    document = Document(Network.from_snapshot(conv_pool_conv()))
    document.wait_until_idle()
    before = stack_bytes(document)
    assert document.set_layer(document.view.spec.replace(flip_kernel=True))
    document.wait_until_idle()
    after = stack_bytes(document)
    document.undo()
    assert stack_bytes(document) == before
    document.redo()
    assert stack_bytes(document) == after
    document.select_layer(2)  # a change of the layer after the pool, undone and redone
    assert document.set_layer(document.view.spec.replace(kernel_size=(1, 1), padding=0))
    changed = stack_bytes(document)
    document.undo()
    assert stack_bytes(document) == after
    document.redo()
    assert stack_bytes(document) == changed


@pytest.fixture
def window(qtbot, tmp_path) -> MainWindow:
    """The app's window at its default size, shown and active, holding conv → pool → conv."""
    window = shown_window(qtbot, settings_in(tmp_path), active=True)
    assert window.document.load_network(conv_pool_conv(), "Open stack")
    window.document.select_layer(2)
    window.settle()
    return window


def test_the_layers_keys_work_from_a_spin_box_of_the_layer_form(qtbot, window):
    """Ctrl+PgUp in the focused out-channels box stepped it by 10 (a new layer of 14 filters)
    instead of going to the layer before; Ctrl+Shift+N did nothing."""
    spin = focus(qtbot, window.layer_controls.out_channels)
    before = stack_bytes(window.document)
    qtbot.keyClick(spin, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert window.document.stack.selected == 1
    assert stack_bytes(window.document) == before
    qtbot.keyClick(
        QApplication.focusWidget(), Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier
    )
    assert window.document.stack.selected == 2
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_N, shift_ctrl)
    assert len(window.document.stack) == 4
    spin = focus(qtbot, window.layer_controls.out_channels)  # (a pool greyed it out)
    qtbot.keyClick(spin, Qt.Key.Key_Up)  # plain keys stay the box's
    assert window.document.view.spec.out_channels == 5


def test_the_layers_keys_work_from_the_kernel_editor_s_cells(qtbot, window):
    """The kernel editor keeps the plain arrows and PgUp/PgDn for its cells, not Ctrl+PgUp."""
    cells = window.kernel_editor.findChild(QAbstractItemView, "kernelSlice_0_0")
    focus(qtbot, cells)
    qtbot.keyClick(cells, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert window.document.stack.selected == 1


def wide_stack(layers: int = 3, channels: int = 16, side: int = 24) -> NetworkSnapshot:
    """``layers`` 3×3 'same' convolutions of ``channels`` filters on an RGB input."""
    rng = np.random.default_rng(5)
    setups = []
    for index in range(layers):
        spec = LayerSpec(3 if index == 0 else channels, channels, 3, padding=1)
        weight = (rng.standard_normal(spec.weight_shape) / 4).astype(np.float32)
        setups.append(LayerSetup(spec, weight, np.zeros(channels, np.float32), "relu"))
    image = rng.standard_normal((3, side, side)).astype(np.float32)
    return NetworkSnapshot(image, tuple(setups))


def shown_whole(strip: QWidget, widget: QWidget) -> bool:
    """Whether ``widget`` lies inside the strip's scroll area's viewport, top to bottom."""
    viewport = strip.findChild(QScrollArea, "networkStripScroll").viewport()
    top = widget.mapTo(viewport, QPoint(0, 0)).y()
    return top >= 0 and top + widget.height() <= viewport.height()


def test_the_strip_shows_both_rows_of_a_16_channel_layer(qtbot, window):
    """The strip kept the height of its first one-row layer: the second row of 16 maps was cut
    off behind a vertical scroll bar, and selecting a layer scrolled the titles out of sight."""
    assert window.document.load_network(wide_stack(), "Open stack")
    window.settle()
    strip = window.network_strip
    for index in (0, 2, 1):
        window.document.select_layer(index)
        for column in strip.columns:
            thumbs = [label for label in column.findChildren(QLabel) if label.pixmap().width()]
            assert len(thumbs) == 16
            assert all(shown_whole(strip, label) for label in thumbs)
            assert shown_whole(strip, column.title)


def hover_output(qtbot, window: MainWindow, pixel: tuple[int, int]) -> None:
    """Move the mouse over output panel 0's ``pixel``."""
    panel = window.output_panels.panels[0]
    scene = panel.image.mapToScene(QPointF(pixel[1] + 0.5, pixel[0] + 0.5))
    grid = window.output_panels.grid
    qtbot.mouseMove(grid.view.viewport(), grid.view.mapFromScene(scene))


def test_hovering_a_deep_pixel_does_not_widen_the_left_column(qtbot, window):
    """The field's words through a stack ('… (1 layer of 3×3, then 1 of 2×2 max pool stride 2,
    then 1 of 3×3).') set the input readout's minimum width: the left column grew under the
    mouse and pushed the strip and the outputs aside. The readout elides; its tooltip says all."""
    widths = {name: window.docks[name].width() for name in ("input", "layer", "outputs")}
    qtbot.waitUntil(lambda: window.output_panels.panels[0].has_image)
    hover_output(qtbot, window, (3, 4))
    inputs = window.input_view
    qtbot.waitUntil(lambda: inputs.field is not None)
    assert "max pool" in inputs.readout
    assert inputs.minimumSizeHint().width() <= widths["input"]
    for _ in range(4):  # a layout request climbs one parent per round of events
        QApplication.processEvents()
    assert {name: window.docks[name].width() for name in widths} == widths
    readout = inputs.findChild(QLabel, "panelReadout")
    assert readout.text() == readout.toolTip() == inputs.field.words


def shown_across(strip: QWidget, widget: QWidget) -> bool:
    """Whether ``widget`` lies inside the strip's viewport, left to right."""
    viewport = strip.findChild(QScrollArea, "networkStripScroll").viewport()
    left = widget.mapTo(viewport, QPoint(0, 0)).x()
    return left >= 0 and left + widget.width() <= viewport.width()


def test_a_layer_added_at_the_end_of_a_long_stack_is_scrolled_into_view(qtbot, window):
    """The strip scrolled to the selected column before a new column was laid out, so a layer
    duplicated (or redone) past the strip's right edge stayed out of sight."""
    assert window.document.load_network(wide_stack(layers=6, side=12), "Open stack")
    window.settle()
    strip = window.network_strip
    window.document.select_layer(5)
    qtbot.waitUntil(lambda: shown_across(strip, strip.columns[5]))
    strip.actions_by_name["duplicate"].trigger()
    assert window.document.stack.selected == 6
    window.settle()  # laid out: a column not yet placed sits at the left edge
    qtbot.waitUntil(lambda: shown_across(strip, strip.columns[6]))
    window.document.select_layer(0)
    qtbot.waitUntil(lambda: shown_across(strip, strip.columns[0]))
    window.document.undo()  # the copy goes: the layer it copied is selected and shown
    qtbot.waitUntil(lambda: shown_across(strip, strip.columns[5]))
    window.document.select_layer(0)
    window.document.redo()
    window.settle()
    qtbot.waitUntil(lambda: shown_across(strip, strip.columns[6]))


def test_a_later_layer_s_in_channels_say_which_layer_fixes_them(window):
    """The form's in-channels on layer 3 said 'input' and its tooltip 'the input image', though
    layer 2's out channels set them; they say which layer makes them and how to change that."""
    label = window.layer_controls.in_channels
    assert window.document.stack.selected == 2
    assert label.text() == "4  (layer 2: 4 × 8 × 8)"
    assert label.toolTip() == (
        "Layer 3 reads the 4 maps layer 2 makes: change layer 2's out channels "
        "(or put a layer between them) to change this"
    )
    window.document.select_layer(0)
    assert label.text() == "3  (input 3 × 16 × 16)"
    assert label.toolTip() == "Input channels come from the input image (or array stack)"
