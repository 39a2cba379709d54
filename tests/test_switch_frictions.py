"""Frictions found switching layers of a stack with real input (the small CNN, 32 → 1): what a
student sees must not jump, go stale or hide its words when another layer is selected."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox, QWidget

from convexplorer.app import build_window
from convexplorer.app.main_window import MainWindow
from tests.test_main_window import answer
from tests.test_scene_actions import open_from_menu


@pytest.fixture
def window(qtbot, tmp_path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = build_window(settings=settings)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    win.settle()
    answer(win, QMessageBox.StandardButton.Discard)  # closing at teardown must not block
    return win


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
    # Whatever does not fit its lines is still there, whole, in the tooltip.
    select_layer(window, 1)
    assert "no parameters" in summary.toolTip()
    assert summary.toolTip() == summary.text()
