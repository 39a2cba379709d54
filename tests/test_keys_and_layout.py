"""Keys that follow the user (window-wide, not in text fields); a layout that keeps its room."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QScrollArea,
)

from convexplorer.app import build_window
from convexplorer.app.main_window import SLIDING_MIN_HEIGHT, MainWindow
from tests.window_support import edit_kernel_cell, focus


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def open_window(qtbot, settings: QSettings) -> MainWindow:
    window = build_window(settings=settings)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.settle()
    window.files.dialogs.ask = lambda *args: None  # type: ignore[method-assign]
    return window


@pytest.fixture
def window(qtbot, settings) -> MainWindow:
    return open_window(qtbot, settings)


def test_the_transport_keys_are_window_shortcuts(window):
    keyed = [a for a in window.sliding_window.actions_by_name.values() if a.shortcut()]
    assert {a.objectName() for a in keyed} >= {"play", "forward", "rowDown", "pageDown", "last"}
    for action in keyed:
        assert action in window.actions()
        assert action.shortcutContext() == Qt.ShortcutContext.WindowShortcut


def test_at_launch_the_focus_is_neutral_and_space_plays(qtbot, window):
    focused = QApplication.focusWidget()
    assert window.sliding_window.isAncestorOf(focused) or focused is window.sliding_window
    qtbot.keyClick(focused, Qt.Key.Key_Space)
    assert window.sliding_window.stepper.playing


def test_after_clicking_an_output_pixel_the_arrows_and_space_work(qtbot, window):
    output_map = window.sliding_window.output_map
    point = output_map.mapFromScene(output_map._box.mapViewToScene(QPointF(40.5, 30.5)))
    focus(qtbot, window.kernel_editor.findChild(QComboBox, "kernelPresetCombo"))
    qtbot.mouseClick(output_map.viewport(), Qt.MouseButton.LeftButton, pos=point)
    row, col = window.document.view.position  # about (30, 40): a map pixel is < 1 screen pixel
    assert (abs(row - 30), abs(col - 40)) <= (1, 1)
    focused = QApplication.focusWidget()
    qtbot.keyClick(focused, Qt.Key.Key_Right)
    qtbot.keyClick(focused, Qt.Key.Key_Down)
    assert window.document.view.position == (row + 1, col + 1)
    qtbot.keyClick(focused, Qt.Key.Key_Space)
    assert window.sliding_window.stepper.playing


@pytest.mark.parametrize("name", ["kernelPresetCombo", "paddingKind", "activation"])
def test_a_focused_combo_box_does_not_take_space_or_the_arrows(qtbot, window, name):
    combo = focus(qtbot, window.findChild(QComboBox, name))
    before = combo.currentIndex()
    qtbot.keyClick(combo, Qt.Key.Key_Right)
    qtbot.keyClick(combo, Qt.Key.Key_PageDown)
    assert window.document.view.position == (10, 1)
    qtbot.keyClick(combo, Qt.Key.Key_Space)
    assert window.sliding_window.stepper.playing
    assert not combo.view().isVisible() and combo.currentIndex() == before


def test_a_line_edit_keeps_its_keys(qtbot, window):
    field = QLineEdit(window)
    window.statusBar().addWidget(field)
    field.show()
    focus(qtbot, field)
    qtbot.keyClicks(field, "a b")
    qtbot.keyClick(field, Qt.Key.Key_Left)
    qtbot.keyClick(field, Qt.Key.Key_Home)
    qtbot.keyClick(field, Qt.Key.Key_End)
    qtbot.keyClick(field, Qt.Key.Key_Space)
    assert field.text() == "a b "
    assert window.document.view.position == (0, 0)
    assert not window.sliding_window.stepper.playing


def test_a_spin_box_keeps_up_and_down(qtbot, window):
    spin = focus(qtbot, window.layer_controls.out_channels)
    before = spin.value()
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert spin.value() == before + 1
    assert window.document.view.position == (0, 0)


def test_a_kernel_cell_being_edited_gets_the_digits_and_the_caret_keys(qtbot, window):
    window.document.select(position=(5, 5))
    editor = edit_kernel_cell(qtbot, window, 0, 0, "0.5")
    qtbot.keyClick(editor, Qt.Key.Key_Left)
    qtbot.keyClick(editor, Qt.Key.Key_Space)
    qtbot.keyClick(editor, Qt.Key.Key_Up)
    qtbot.keyClick(editor, Qt.Key.Key_PageDown)
    assert "0.5" in editor.text()
    assert window.document.view.position == (5, 5)
    assert not window.sliding_window.stepper.playing


def test_the_kernel_editor_keeps_the_arrows_for_its_cells_but_space_plays(qtbot, window):
    cell_view = window.kernel_editor.findChild(QAbstractItemView, "kernelSlice_0_0")
    cell_view.setCurrentIndex(cell_view.model().index(0, 0))
    focus(qtbot, cell_view)
    qtbot.keyClick(cell_view, Qt.Key.Key_Right)
    assert cell_view.currentIndex().column() == 1
    assert window.document.view.position == (0, 0)
    qtbot.keyClick(cell_view, Qt.Key.Key_Space)
    assert window.sliding_window.stepper.playing


def test_esc_plays_the_whole_map_again_only_when_a_region_plays(qtbot, window):
    from convexplorer.widgets.sliding_window._pace import Track

    stepper = window.sliding_window.stepper
    stepper.set_region(Track(3, 4, 5, 6))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert stepper.region is None
    assert not window.sliding_window.actions_by_name["wholeMap"].isEnabled()


# ---- layout -------------------------------------------------------------------------------------


def three_rows_shown_whole(window: MainWindow) -> bool:
    rows = window.sliding_window.strip.findChild(QScrollArea)
    return (
        len(window.sliding_window.channel_texts()) == 3 and rows.verticalScrollBar().maximum() == 0
    )


def test_the_default_layout_gives_the_sliding_window_room_for_three_channel_rows(window):
    assert window.sliding_room() >= SLIDING_MIN_HEIGHT
    assert three_rows_shown_whole(window)


def kernel_scroll_bars(window: MainWindow) -> list[bool]:
    """Whether each shown grid of the editor shows its horizontal scrollbar (a grid replaced on a
    layer change is hidden, then deleted)."""
    areas = [a for a in window.kernel_editor.findChildren(QScrollArea) if a.isVisible()]
    return [a.horizontalScrollBar().isVisible() for a in areas]


def test_the_default_layers_kernel_slices_fit_without_a_horizontal_scrollbar(window):
    assert not window.kernel_editor.uses_thumbnails
    assert kernel_scroll_bars(window) == [False]


def test_a_kernel_grid_wider_than_the_editor_still_scrolls_sideways(qtbot, window):
    assert window.document.set_layer(window.document.view.spec.replace(kernel_size=(3, 4)))
    assert not window.kernel_editor.uses_thumbnails  # 3 inputs × 4 columns: still numbers
    qtbot.waitUntil(lambda: kernel_scroll_bars(window) == [True])


def test_reset_layout_restores_the_docks_and_forgets_the_remembered_one(qtbot, window, settings):
    settings.setValue("window/state", window.saveState())
    window.docks["sliding"].hide()
    window.docks["outputs"].setFloating(True)
    window.docks["input"].hide()
    window.reset_layout_action.trigger()
    qtbot.waitUntil(lambda: window.sliding_room() >= SLIDING_MIN_HEIGHT)
    assert all(dock.isVisible() and not dock.isFloating() for dock in window.docks.values())
    assert window.dockWidgetArea(window.docks["outputs"]) == Qt.DockWidgetArea.RightDockWidgetArea
    assert settings.value("window/state") is None
    assert "Reset &Layout" in [a.text() for a in window.view_menu.actions()]


def squeeze_and_close(window: MainWindow, height: int) -> int:
    """Resize the sliding window dock towards ``height``, close; the height it got."""
    window.resizeDocks([window.docks["sliding"]], [height], Qt.Orientation.Vertical)
    window.layout().activate()
    room = window.sliding_room()
    window.close()
    return room


def test_a_remembered_layout_that_clips_the_sliding_window_is_not_restored(qtbot, settings):
    first = open_window(qtbot, settings)
    assert squeeze_and_close(first, 120) < SLIDING_MIN_HEIGHT
    second = open_window(qtbot, settings)
    assert second.sliding_room() >= SLIDING_MIN_HEIGHT
    assert three_rows_shown_whole(second)


def test_a_remembered_layout_with_room_enough_is_restored_as_is(qtbot, settings):
    first = open_window(qtbot, settings)
    first.docks["input"].hide()  # the left column gives the sliding window more room
    assert abs(squeeze_and_close(first, 450) - 450) <= 10
    second = open_window(qtbot, settings)
    assert abs(second.sliding_room() - 450) <= 10 and second.docks["input"].isHidden()


def test_the_first_window_fits_a_small_screen(qtbot, settings, monkeypatch):
    laptop = QRect(0, 0, 1366, 768)
    monkeypatch.setattr(MainWindow, "_available", lambda self: laptop)
    window = build_window(settings=settings)
    qtbot.addWidget(window)
    window.show()
    assert laptop.contains(window.frameGeometry())
    assert window.docks["input"] in window.tabifiedDockWidgets(window.docks["layer"])


def test_a_remembered_window_larger_than_the_screen_is_brought_back_on_it(
    qtbot, settings, monkeypatch
):
    first = build_window(settings=settings)
    qtbot.addWidget(first)
    first.setGeometry(400, 300, 1500, 1000)
    first.files.dialogs.ask = lambda *args: None  # type: ignore[method-assign]
    first.close()
    small = QRect(0, 0, 1280, 720)
    monkeypatch.setattr(MainWindow, "_available", lambda self: small)
    second = build_window(settings=settings)
    qtbot.addWidget(second)
    assert small.contains(second.frameGeometry())
    assert second.frameGeometry().topLeft() != QPoint(400, 300)
