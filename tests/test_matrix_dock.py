"""View → Matrix view in the main window: where it opens, that it follows the keys, the layout."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence

from .test_keys_and_layout import open_window


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings):
    return open_window(qtbot, settings)


def test_the_view_menu_opens_it_as_a_tab_of_the_sliding_window_in_front(qtbot, window):
    dock, sliding = window.matrix.dock, window.docks["sliding"]
    actions = window.view_menu.actions()
    toggle = window.matrix.toggle
    assert actions.index(toggle) == actions.index(window.reset_layout_action) - 1
    assert toggle.text() == "Matrix view" and toggle.shortcut() == QKeySequence("Ctrl+Shift+M")
    assert dock.isHidden()  # the default layout keeps the sliding window's room
    toggle.trigger()
    qtbot.waitUntil(lambda: window.matrix.view.isVisible())
    assert window.tabifiedDockWidgets(sliding) == [dock]
    qtbot.waitUntil(lambda: window.matrix.view.picture.column_rect() is not None)


def test_it_follows_the_sliding_window_s_keys_and_speaks_in_the_status_bar(qtbot, window):
    window.matrix.toggle.trigger()
    view = window.matrix.view
    qtbot.waitUntil(view.isVisible)
    window.sliding_window.actions_by_name["rowDown"].trigger()
    out_w = window.document.view.output_size[1]
    assert view.current_column() == out_w - view.columns.start
    assert view.picture.column_label() == "out(1, 0)"
    view.statusMessage.emit("W[0, 0] = w[0, 0, 0, 0] = 2")
    assert window.statusBar().currentMessage() == "W[0, 0] = w[0, 0, 0, 0] = 2"


def test_behind_the_sliding_window_s_tab_it_draws_nothing_and_catches_up(qtbot, window):
    window.matrix.toggle.trigger()
    view = window.matrix.view
    qtbot.waitUntil(view.isVisible)
    window.docks["sliding"].raise_()
    qtbot.waitUntil(lambda: not view.is_drawing())
    window.document.select(position=(100, 200))
    assert view.picture.column_label() == "out(0, 0)"  # not drawn meanwhile
    window.matrix.dock.raise_()
    qtbot.waitUntil(view.is_drawing)
    out_w = window.document.view.output_size[1]
    assert view.current_column() == 100 * out_w + 200 - view.columns.start
    assert view.picture.column_label() == "out(100, 200)"


def test_reset_layout_hides_it_in_its_place_again(qtbot, window):
    window.matrix.toggle.trigger()
    window.matrix.dock.setFloating(True)
    window.reset_layout_action.trigger()
    assert window.matrix.dock.isHidden() and not window.matrix.dock.isFloating()
    window.matrix.toggle.trigger()
    qtbot.waitUntil(window.matrix.view.isVisible)
    assert window.tabifiedDockWidgets(window.docks["sliding"]) == [window.matrix.dock]


def test_an_open_matrix_view_is_remembered(qtbot, settings):
    first = open_window(qtbot, settings)
    first.matrix.toggle.trigger()
    first.close()
    second = open_window(qtbot, settings)
    assert not second.matrix.dock.isHidden()
    assert second.matrix.toggle.isChecked()


def test_the_guide_tells_of_the_matrix_view_in_the_layer_s_numbers(window):
    from convexplorer.app._guide import guide_html
    from convexplorer.model import LayerSpec

    assert "<b>Matrix view</b>" in guide_html(window.document.view)
    assert "(2 × 27)" in guide_html(window.document.view)
    window.document.set_layer(LayerSpec(3, 6, kernel_size=3, groups=3))
    text = guide_html(window.document.view)
    assert "(6 × 9, block-diagonal over all 3 input channels with groups=3)" in text
