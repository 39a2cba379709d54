"""Frictions found switching layers of a stack with real input (the small CNN, 32 → 1): what a
student sees must not jump, go stale or hide its words when another layer is selected."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QWidget

from convexplorer.app import build_window
from convexplorer.app.main_window import MainWindow
from convexplorer.model import next_layer
from convexplorer.widgets.elided_label import ElidedLabel
from tests.test_scene_actions import open_from_menu
from tests.window_support import answer, edit_kernel_cell, focus, settings_in, shown_window


@pytest.fixture
def window(qtbot, tmp_path) -> MainWindow:
    return shown_window(qtbot, settings_in(tmp_path), active=True)


def select_layer(window: MainWindow, index: int) -> None:
    window.document.select_layer(index)
    window.settle()


def form_rows(window: MainWindow) -> dict[str, tuple[int, int]]:
    """Where each of the layer form's fields sits (y and height, in the form's coordinates)."""
    form = window.layer_controls
    fields: list[QWidget] = [
        form.kind,
        form.in_channels,
        form.out_channels,
        form.kernel_size,
        form.stride,
        form.padding,
        form.dilation,
        form.groups,
        form.bias,
        form.activation,
    ]
    return {
        field.objectName() or field.accessibleName(): (
            field.mapTo(form, field.rect().topLeft()).y(),
            field.height(),
        )
        for field in fields
    }


def test_the_layer_form_rows_stay_put_across_a_switch(window, qtbot):
    """The summary under the form wraps to 3–6 lines depending on the layer: its height must not
    squeeze the form's rows (they moved by 1–2 px per row on each switch)."""
    open_from_menu(window, "A small CNN")
    select_layer(window, 0)
    first = form_rows(window)
    for index in (1, 2, 3, 0, 3):
        select_layer(window, index)
        assert form_rows(window) == first, f"layer {index + 1}"
    summary = window.layer_controls.summary
    # at 1280×800 it keeps three lines: the form's answer to what the layer's kernel looks like
    assert window.height() <= 800 and summary.room_lines() >= 3
    # Whatever does not fit its lines is still there, whole, in the tooltip.
    select_layer(window, 1)
    assert "no parameters" in summary.toolTip()
    assert summary.toolTip() == summary.text()


def test_a_weight_being_typed_is_kept_by_the_next_layer_key_as_by_a_click(window, qtbot):
    """Ctrl+PgDown while a kernel cell's editor is open: the number goes to the layer it was
    typed for, one undo step, as a click on the strip's column does (it was dropped)."""
    open_from_menu(window, "A small CNN")
    select_layer(window, 0)
    editor = edit_kernel_cell(qtbot, window, 1, 2, "0.25")
    document = window.document
    steps = document.undo_count
    qtbot.keyClick(editor, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    window.settle()
    assert document.stack.selected == 1
    assert document.stack.layer(0).weight[0, 0, 1, 2] == 0.25
    assert document.undo_count == steps + 1
    assert document.undo_label == "Set weight[0, 0, 1, 2] to 0.25 (layer 1)"
    assert not isinstance(QApplication.focusWidget(), QLineEdit)  # the editor is closed


def test_a_kernel_size_being_typed_is_kept_by_the_previous_layer_key(window, qtbot):
    open_from_menu(window, "A small CNN")
    select_layer(window, 2)
    spin = window.layer_controls.kernel_size.spins[0]
    focus(qtbot, spin)
    spin.selectAll()
    qtbot.keyClicks(spin, "5")
    qtbot.keyClick(spin, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    window.settle()
    stack = window.document.stack
    assert stack.selected == 1
    assert stack.layer(2).spec.kernel_size == (5, 3)
    assert spin.value() == stack.layer(1).spec.kernel_size[0] == 2  # the form shows the pool


def test_a_hovered_weight_s_words_leave_the_status_bar_with_the_hover(window, qtbot):
    """Hover a weight of layer 4, switch to layer 3 of the same shape: the status bar said
    layer 4's value for six more seconds while the cell under the mouse held layer 3's."""
    open_from_menu(window, "A small CNN")
    select_layer(window, 2)
    window.document.insert_layer(3, next_layer(8, seed=4))  # 8 → 8 3×3, as layer 3
    window.settle()
    document, status = window.document, window.statusBar()
    document.select(out_channel=5)
    document.hover_weight(5, 4, 1, 1)
    said = status.currentMessage()
    assert said.startswith("w[5, 4, 1, 1] = ")
    select_layer(window, 2)
    assert status.currentMessage() != said
    # Another message than the hover's stays when the hover ends.
    select_layer(window, 3)
    document.hover_weight(5, 4, 1, 1)
    window.show_status("Copied filter 5")
    document.hover_weight(None)
    assert status.currentMessage() == "Copied filter 5"


def test_a_channel_sum_written_with_many_decimals_is_drawn_whole(window):
    """Layer 4 of the small CNN at the scene's position: the sums need 8 decimals to add up,
    and the row's "Σ = −0.01365328" was painted "Σ = −0.0136…" (a cut number lies)."""
    open_from_menu(window, "A small CNN")
    select_layer(window, 3)
    totals = [
        label
        for label in window.sliding_window.strip.findChildren(ElidedLabel, "channelSum")
        if label.isVisible()
    ]
    assert totals
    for total in totals:
        assert len(total.text()) > len("Σ = −0.08888")  # wider than the column's sample
        font, text = total.shown()
        assert text == total.text()
        assert font.pointSizeF() >= 0.7 * total.font().pointSizeF() and font.bold()
        assert total.fontMetrics().horizontalAdvance(text) > total.contentsRect().width()


def test_on_a_laptop_screen_the_outputs_get_the_width_they_get_on_a_taller_one(
    qtbot, tmp_path, monkeypatch
):
    """1366×768: layer and input share a column as tabs, and the outputs dock was left at
    about 250 px (maps 170 px wide) beside a kernel editor with 300 px to spare."""
    widths = []
    for screen in (QRect(0, 0, 1366, 900), QRect(0, 0, 1366, 768)):
        monkeypatch.setattr(MainWindow, "_available", lambda self, screen=screen: screen)
        settings = QSettings(str(tmp_path / f"{screen.height()}.ini"), QSettings.Format.IniFormat)
        window = build_window(settings=settings)
        qtbot.addWidget(window)
        window.show()
        window.settle()
        answer(window, QMessageBox.StandardButton.Discard)
        widths.append(window.docks["outputs"].width())
    tall, short = widths
    assert tall >= 450 and abs(short - tall) <= 10
