"""File → Open Scene in the window: one undo step, layer 2 of "32 → 1" on screen reading the 32
maps layer 1 made, words in the title and the status bar, and Undo gives the old stack back."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu, QMessageBox

from convexplorer.app import build_window
from convexplorer.app.main_window import MainWindow
from convexplorer.model import SCENE_NAMES, activate, load_scene
from convexplorer.widgets.layer_controls import layer_summary
from tests.window_support import settings_in, shown_window


@pytest.fixture
def window(qtbot, tmp_path) -> MainWindow:
    return shown_window(qtbot, settings_in(tmp_path))


def scene_menu(window: MainWindow) -> QMenu:
    menu = window.files.scenes.menu
    assert menu is not None and menu.objectName() == "scenesMenu"
    return menu


def open_from_menu(window: MainWindow, name: str) -> None:
    action = next(a for a in scene_menu(window).actions() if a.text() == name)
    action.trigger()
    window.settle()


def stack_bits(window: MainWindow) -> tuple:
    snapshot = window.document.network_snapshot()
    return (
        snapshot.image.tobytes(),
        snapshot.selected_layer,
        tuple(
            (
                layer.spec,
                layer.weight.tobytes(),
                None if layer.bias is None else layer.bias.tobytes(),
                layer.activation,
            )
            for layer in snapshot.layers
        ),
    )


def test_the_scenes_sit_in_the_file_menu_right_after_the_samples(window):
    titles = [a.text() for a in window.file_menu.actions()]
    assert titles.index("Open Sc&ene") == titles.index("Open &Sample") + 1
    names = [a.text() for a in scene_menu(window).actions() if a.text()]
    assert names == [*SCENE_NAMES, "About This Scene…"]
    for action in scene_menu(window).actions():
        assert action.isSeparator() or action.statusTip()


def test_thirty_two_to_one_is_one_undo_step_showing_layer_2_over_layer_1_s_maps(window):
    document = window.document
    before = stack_bits(window)
    count = document.undo_count
    open_from_menu(window, "32 → 1")
    assert document.undo_count == count + 1
    assert document.undo_label == "Open scene 32 → 1"
    stack = document.stack
    assert len(stack) == 2 and stack.selected == 1
    document.wait_until_idle()
    # Layer 2's input is what layer 1 made, bit for bit, and the sliding window reads it.
    first = stack.layer(0)
    made = activate(first.outputs(), first.activation)
    assert made.shape[0] == 32
    np.testing.assert_array_equal(document.view.image, made)
    np.testing.assert_array_equal(document.view.image, first.outputs())
    dot = window.sliding_window.dot_product
    assert dot is not None and dot.input_channels == tuple(range(32))
    row, col = document.view.position
    assert (row, col) == load_scene("32 → 1").position  # on the eye's rim, not a dark corner
    assert document.view.output(0)[row, col] > 1  # a strong edge
    assert dot.patch.shape == (32, 3, 3)  # padding 1: the window centred on (row, col)
    np.testing.assert_array_equal(dot.patch, made[:, row - 1 : row + 2, col - 1 : col + 2])
    assert "reads all 32 input channels" in window.sliding_window.header.text()
    # The words: the title and the status bar's layer summary.
    assert "layer 2 of 2: 32 → 1 channels" in window.windowTitle()
    summary = layer_summary(document.view, stack)
    assert summary.startswith("layer 2 of 2 reads the 32 maps layer 1 made → 1 map · ")
    assert window.layer_controls.summary.text() == summary
    # Undo restores the previous stack exactly; Redo brings the scene back.
    document.undo()
    window.settle()
    assert stack_bits(window) == before
    document.redo()
    window.settle()
    assert document.stack.selected == 1 and len(document.stack) == 2


def test_the_layer_summary_says_where_each_layer_reads_from(window):
    open_from_menu(window, "A small CNN")
    document = window.document
    expected = [
        "layer 1 of 4 reads the 3-channel input → 8 maps",
        "layer 2 of 4 (MaxPool2d) reads the 8 maps layer 1 made → 8 maps",
        "layer 3 of 4 reads the 8 maps layer 2 made → 8 maps",
        "layer 4 of 4 reads the 8 maps layer 3 made → 1 map",
    ]
    assert document.stack.selected == 3
    for index, words in enumerate(expected):
        document.select_layer(index)
        assert window.layer_controls.summary.text().startswith(f"{words} · ")
    document.undo()
    window.settle()
    assert len(document.stack) == 1
    assert window.layer_controls.summary.text() == layer_summary(document.view)
    assert " of " not in window.layer_controls.summary.text().split(" · ")[0]


def test_the_scene_s_words_and_named_filters_are_there_to_read(window, qtbot):
    scenes = window.files.scenes
    assert not scenes.about_action.isEnabled()  # nothing opened yet
    open_from_menu(window, "32 → 1")
    assert window.statusBar().currentMessage().startswith("32 → 1: layer 1 finds 32 named")
    assert scenes.about_action.isEnabled()
    text = scenes.about_text()
    for k, name in enumerate(load_scene("32 → 1").filter_names[0]):
        assert f"filter {k}: {name}" in text
    scenes.about_action.trigger()
    box = window.findChild(QMessageBox, "aboutSceneBox")
    qtbot.waitUntil(box.isVisible)
    assert "filter 19: brightness edge ╱, brighter above-left" in box.informativeText()
    box.close()


def test_the_guide_says_where_the_layer_sits_in_a_stack(window):
    from convexplorer.app._guide import guide_html

    document = window.document
    assert "A stack of" not in guide_html(document.view, document.stack)  # one layer: no word
    open_from_menu(window, "A small CNN")
    text = guide_html(document.view, document.stack)
    assert "<b>A stack of 4 layers</b> — the window shows layer 4: it reads the 8 maps" in text
    assert "a pixel sees 12×12 of the image" in text and "nn.Sequential" in text
    document.select_layer(0)
    text = guide_html(document.view, document.stack)
    assert "it reads the 3-channel input" in text and "feed layer 2" in text
    assert "a pixel sees 3×3 of the image" in text


def test_the_command_line_can_start_with_a_scene_as_if_it_was_just_opened(qtbot, tmp_path):
    """``convexplorer --scene "32 → 1"``: the stack on screen, nothing to undo, nothing unsaved."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = build_window(settings=settings, scene="32 → 1")
    qtbot.addWidget(window)
    window.settle()
    stack = window.document.stack
    assert len(stack) == 2 and stack.selected == 1
    assert stack.layer(1).spec.in_channels == 32
    assert not window.document.can_undo and not window.document.is_modified
    assert window.document.view.position == load_scene("32 → 1").position


def test_the_command_line_refuses_an_unknown_scene_by_name(capsys):
    from convexplorer.app.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["--scene", "nope"])
    assert "32 → 1" in capsys.readouterr().err
