"""The small frictions a new user hit in the kernel editor, the status bar and the guide."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QTableView, QToolButton

from convexplorer.app._guide import STRONGEST_LABEL, guide_html
from convexplorer.app._scene import default_state
from convexplorer.app.main_window import MainWindow
from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.kernel_editor import KernelEditor
from convexplorer.widgets.kernel_editor._editor import PRESET_PLACEHOLDER
from convexplorer.widgets.layer_controls import SummaryLabel
from convexplorer.widgets.sliding_window import SlidingWindowView

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")


def build(qtbot, spec: LayerSpec, preset: str | None = None) -> tuple[KernelEditor, Document]:
    image = np.random.default_rng(0).random((spec.in_channels, 16, 16), dtype="f4")
    state = ExplorerState(image, spec)
    if preset:
        state.apply_preset(preset)
    document = Document(state)
    editor = KernelEditor(document)
    qtbot.addWidget(editor)
    editor.resize(600, 350)
    editor.show()
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    return editor, document


@pytest.fixture
def small(qtbot):
    return build(qtbot, LayerSpec(3, 2))


def view_named(editor: KernelEditor, name: str) -> QTableView:
    view = editor.findChild(QTableView, name)
    assert view is not None, name
    return view


def focus_cell(qtbot, view: QTableView, row: int, column: int) -> None:
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    view.setCurrentIndex(view.model().index(row, column))


def press(qtbot, keys: str) -> None:
    for key in keys:
        qtbot.keyClicks(QApplication.focusWidget(), key)


def key(qtbot, which: Qt.Key) -> None:
    qtbot.keyClick(QApplication.focusWidget(), which)
    QApplication.processEvents()


def hint(editor: KernelEditor) -> QLabel:
    label = editor.findChild(QLabel, "kernelHint")
    assert label is not None
    return label


def wheel(view: QTableView, row: int, column: int, notches: int) -> None:
    centre = view.visualRect(view.model().index(row, column)).center()
    event = QWheelEvent(
        QPointF(centre),
        QPointF(view.viewport().mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)


# ---- refusals -----------------------------------------------------------------------------------


def test_esc_takes_a_refusal_down_and_the_hint_never_moves_the_grid(small, qtbot):
    editor, document = small
    view = view_named(editor, "kernelSlice_0_0")
    grid_top = view.mapTo(editor, QPoint(0, 0)).y()
    hint_height = hint(editor).height()
    focus_cell(qtbot, view, 1, 1)
    press(qtbot, "1e39")
    key(qtbot, Qt.Key.Key_Return)  # refused: too large, the editor stays open
    assert "too large" in hint(editor).text() and "#b00020" in hint(editor).styleSheet()
    assert view._flash is not None
    assert hint(editor).height() == hint_height
    assert view.mapTo(editor, QPoint(0, 0)).y() == grid_top  # nothing jumped
    with qtbot.waitSignal(editor.refusalCleared) as cleared:
        key(qtbot, Qt.Key.Key_Escape)
    assert "too large" in cleared.args[0]
    assert "#b00020" not in hint(editor).styleSheet() and "too large" not in hint(editor).text()
    assert view._flash is None
    assert not document.view.weight.any() and document.undo_count == 0


def test_selecting_another_filter_takes_a_refusal_down(small, qtbot):
    editor, document = small
    focus_cell(qtbot, view_named(editor, "kernelSlice_0_0"), 0, 0)
    press(qtbot, "x")
    assert "#b00020" in hint(editor).styleSheet()
    key(qtbot, Qt.Key.Key_Escape)
    press(qtbot, "y")
    with qtbot.waitSignal(editor.refusalCleared):
        document.select(out_channel=1)
    assert "#b00020" not in hint(editor).styleSheet()


def test_a_space_is_ignored_not_refused(small, qtbot):
    editor, document = small
    view = view_named(editor, "kernelSlice_0_1")
    focus_cell(qtbot, view, 0, 0)
    with qtbot.assertNotEmitted(editor.statusMessage):
        press(qtbot, " 0.5 ")
    assert QApplication.focusWidget().text() == "0.5"  # type: ignore[union-attr]
    key(qtbot, Qt.Key.Key_Return)
    assert document.view.weight[0, 1, 0, 0] == np.float32(0.5)


def test_the_bias_editor_talks_about_the_bias(small, qtbot):
    editor, _ = small
    focus_cell(qtbot, view_named(editor, "kernelBias_0"), 0, 0)
    press(qtbot, "1e39")
    with qtbot.waitSignal(editor.statusMessage) as status:
        key(qtbot, Qt.Key.Key_Return)
    assert "float32 bias" in status.args[0] and "weight" not in status.args[0]
    key(qtbot, Qt.Key.Key_Escape)


# ---- moving on and nudging ----------------------------------------------------------------------


def test_enter_after_the_last_tap_moves_on_like_tab(small, qtbot):
    editor, document = small
    first, second = view_named(editor, "kernelSlice_0_0"), view_named(editor, "kernelSlice_0_1")
    focus_cell(qtbot, first, 2, 2)
    press(qtbot, "7")
    key(qtbot, Qt.Key.Key_Return)
    assert document.view.weight[0, 0, 2, 2] == 7
    assert QApplication.focusWidget() is second
    assert (second.currentIndex().row(), second.currentIndex().column()) == (0, 0)
    # Tab from the last tap goes to the same place.
    focus_cell(qtbot, first, 2, 2)
    key(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is second


def test_the_wheel_nudges_the_cell_under_the_pointer_without_a_click(small, qtbot):
    editor, document = small
    view = view_named(editor, "kernelSlice_1_2")
    other = view_named(editor, "kernelSlice_0_0")
    focus_cell(qtbot, other, 0, 0)  # the keyboard is elsewhere
    for _ in range(3):
        wheel(view, 1, 2, 1)
    assert document.view.weight[1, 2, 1, 2] == pytest.approx(0.3)
    assert document.undo_count == 1  # one burst, one step
    assert QApplication.focusWidget() is other
    assert "wheel over a cell" in hint(editor).text()


# ---- the preset box -----------------------------------------------------------------------------


def test_the_preset_box_names_no_preset_it_does_not_hold(qtbot):
    editor, _ = build(qtbot, LayerSpec(3, 2), preset="kaiming")
    combo = editor.findChild(QComboBox, "kernelPresetCombo")
    assert combo.currentIndex() == -1 and combo.placeholderText() == PRESET_PLACEHOLDER
    assert not editor.findChild(QToolButton, "kernelApply_filter").isEnabled()
    combo.setCurrentText("sobel y")
    assert editor.findChild(QToolButton, "kernelApply_filter").isEnabled()


def test_the_preset_box_shows_the_preset_the_filter_holds(qtbot):
    editor, document = build(qtbot, LayerSpec(3, 2), preset="diagonal ↘")
    combo = editor.findChild(QComboBox, "kernelPresetCombo")
    assert combo.currentText() == "diagonal ↘"
    document.set_weight(0, 0, 0, 0, 5.0, "edit", None)
    assert combo.currentIndex() == -1  # no longer the diagonal: no name it does not deserve


# ---- the status bar -----------------------------------------------------------------------------


@pytest.fixture
def window(qtbot, tmp_path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(default_state(), settings)
    qtbot.addWidget(win)
    win.show()
    win.document.wait_until_idle()
    win.files.sessions.maybe_save = lambda: True  # type: ignore[method-assign]
    return win


def test_the_layer_summary_leaves_room_for_messages(window):
    summary = window.findChild(SummaryLabel)
    assert summary is not None and summary.objectName() == "layerSummaryStatus"
    assert summary.accessibleName() == "Layer summary"
    assert summary.width() <= SummaryLabel.WIDTH
    assert summary.toolTip() == summary.text() and "→" in summary.text()
    message = "Strongest response of filter 0: 1.23 at (4, 5) — a message of ordinary length"
    window.show_status(message)
    room = window.width() - summary.width()
    assert summary.fontMetrics().horizontalAdvance(message) < room - 40


def test_a_dismissed_refusal_leaves_the_status_bar(window, qtbot):
    editor = window.kernel_editor
    view = view_named(editor, "kernelSlice_0_0")
    window.activateWindow()
    focus_cell(qtbot, view, 0, 0)
    press(qtbot, "q")
    assert "not a number" in window.statusBar().currentMessage()
    key(qtbot, Qt.Key.Key_Escape)
    assert window.statusBar().currentMessage() == ""
    window.show_status("someone else's news")
    editor._clear_refusal()  # nothing to take down: other messages stay
    assert window.statusBar().currentMessage() == "someone else's news"


# ---- the guide ----------------------------------------------------------------------------------


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(
    ("spec", "per_filter", "stack"),
    [
        (LayerSpec(3, 3, groups=3), 1, None),  # depthwise
        (LayerSpec(1, 1, kernel_size=1), 1, None),  # one channel, one weight
        (LayerSpec(4, 8, groups=2, bias=False), 2, "a stack of 2 kernels"),
        (LayerSpec(3, 2), 3, "a stack of 3 kernels"),
        (LayerSpec(6, 3, kernel_size=(3, 5), groups=3), 2, "a stack of 2 kernels of 3×5"),
    ],
)
def test_the_guide_is_true_for_the_layer_shown(spec, per_filter, stack):
    image = np.zeros((spec.in_channels, 9, 9), np.float32)
    text = text_of(guide_html(Document(ExplorerState(image, spec)).view))
    assert "a stack of 1 kernels" not in text and " 1 kernels" not in text
    if stack is None:
        assert "a stack of" not in text and "How one output value is made" in text
    else:
        assert stack in text and f"How {per_filter} channels become 1" in text
        assert f"the {per_filter} channel sums are added" in text
    if spec.groups > 1:
        assert f"groups={spec.groups}" in text
    assert f"How {spec.in_channels} channels become 1" not in text or spec.groups == 1
    n = spec.out_channels
    outputs = "1 filter makes 1 output channel" if n == 1 else f"{n} filters make {n} output"
    assert outputs in text
    weights = spec.weights_per_filter
    assert f"{weights} weight{'s' if weights != 1 else ''}" in text
    assert ("plus one bias" in text) == spec.bias
    assert ("RGB" in text) == (spec.in_channels == 3)
    assert "Jump to strongest response" not in text and f'"{STRONGEST_LABEL}"' in text


def test_the_guide_names_the_strongest_button_by_its_label(qtbot):
    document = Document(ExplorerState(np.zeros((3, 8, 8), np.float32), LayerSpec(3, 2)))
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    assert view.actions_by_name["strongest"].text() == STRONGEST_LABEL
