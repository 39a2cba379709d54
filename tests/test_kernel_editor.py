"""Kernel editor: typing, refusals, nudges, presets, groups, thumbnails, clipboard, live updates."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QTableView, QToolButton

from convexplorer.model import ExplorerState, LayerSpec, kernel_preset
from convexplorer.qt import Document
from convexplorer.widgets.kernel_editor import KernelEditor
from convexplorer.widgets.kernel_editor._grid import AbsentSlice, RowHeader

# Refusals pop up a tooltip; the offscreen platform cannot raise its window and says so.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")


def build(qtbot, spec: LayerSpec, preset: str | None = None):
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


def slice_view(editor: KernelEditor, name: str) -> QTableView:
    view = editor.findChild(QTableView, name)
    assert view is not None, name
    return view


def press(qtbot, keys: str) -> None:
    """Type like a keyboard: each key goes to whatever has focus (the cell editor, once open)."""
    for key in keys:
        qtbot.keyClicks(QApplication.focusWidget(), key)


def enter(qtbot) -> None:
    """Press Enter; the delegate commits through a queued call, so let it run."""
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    QApplication.processEvents()


def focus_cell(qtbot, view: QTableView, row: int, column: int) -> None:
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    view.setCurrentIndex(view.model().index(row, column))


def hint(editor: KernelEditor) -> QLabel:
    label = editor.findChild(QLabel, "kernelHint")
    assert label is not None
    return label


def wheel(view: QTableView, row: int, column: int, notches: int, modifiers=Qt.NoModifier):
    centre = view.visualRect(view.model().index(row, column)).center()
    event = QWheelEvent(
        QPointF(centre),
        QPointF(view.viewport().mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)


def test_grid_shows_every_filter_channel_and_bias(small):
    editor, _ = small
    assert editor.objectName() == "kernelEditor" and not editor.uses_thumbnails
    headers = {label.text() for label in editor.findChildren(QLabel)}
    assert {"in 0 (R)", "in 1 (G)", "in 2 (B)", "27 w + 1 b"} <= headers
    for o in range(2):
        assert slice_view(editor, f"kernelBias_{o}").model().rowCount() == 1
        for c in range(3):
            view = slice_view(editor, f"kernelSlice_{o}_{c}")
            assert (view.model().rowCount(), view.model().columnCount()) == (3, 3)
    assert not editor.findChildren(AbsentSlice)


def test_typing_a_number_sets_the_weight_and_steps_on(small, qtbot):
    editor, document = small
    view = slice_view(editor, "kernelSlice_1_2")
    focus_cell(qtbot, view, 1, 0)
    press(qtbot, "-0.5")
    enter(qtbot)
    assert document.view.weight[1, 2, 1, 0] == np.float32(-0.5)
    assert view.model().index(1, 0).data() == "−0.5"
    assert document.view.selected_filter == 1
    assert (view.currentIndex().row(), view.currentIndex().column()) == (1, 1)
    # Enter on a cell opens its editor; typing replaces the value.
    enter(qtbot)
    press(qtbot, "2")
    enter(qtbot)
    assert document.view.weight[1, 2, 1, 1] == 2
    assert document.undo_count == 2
    document.undo()
    assert document.view.weight[1, 2, 1, 1] == 0 and view.model().index(1, 1).data() == "0"


def test_typing_into_the_bias(small, qtbot):
    editor, document = small
    view = slice_view(editor, "kernelBias_0")
    focus_cell(qtbot, view, 0, 0)
    press(qtbot, "0,25")  # a decimal comma is read as a dot
    enter(qtbot)
    assert document.view.bias[0] == np.float32(0.25)
    assert view.model().index(0, 0).data() == "0.25"


@pytest.mark.parametrize("keys", ["abc", "nan", "inf"])
def test_non_numbers_are_refused_with_a_hint(small, qtbot, keys):
    editor, document = small
    view = slice_view(editor, "kernelSlice_0_0")
    focus_cell(qtbot, view, 0, 0)
    with qtbot.waitSignal(editor.statusMessage) as status:
        press(qtbot, keys)
    assert "is not a number" in status.args[0]
    assert "not a number" in hint(editor).text() and "#b00020" in hint(editor).styleSheet()
    cell_editor = view.findChild(QLineEdit)
    assert cell_editor is not None and "#c62828" in cell_editor.styleSheet()
    enter(qtbot)
    assert not document.view.weight.any() and document.undo_count == 0


def test_enter_on_an_unfinished_or_too_large_number_says_why(small, qtbot):
    editor, document = small
    view = slice_view(editor, "kernelSlice_0_0")
    focus_cell(qtbot, view, 2, 2)
    press(qtbot, "1e39")
    with qtbot.waitSignal(editor.statusMessage) as status:
        enter(qtbot)
    assert "too large" in status.args[0]
    assert isinstance(QApplication.focusWidget(), QLineEdit)  # still editing
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert not document.view.weight.any() and document.undo_count == 0


def test_wheel_nudges_the_cell_under_it_and_undoes_in_one_step(small, qtbot):
    editor, document = small
    view = slice_view(editor, "kernelSlice_0_1")
    wheel(view, 0, 2, 1)  # not focused: the cell under the wheel is nudged all the same
    assert document.view.weight[0, 1, 0, 2] == pytest.approx(0.1)
    focus_cell(qtbot, view, 0, 0)
    for _ in range(2):
        wheel(view, 0, 2, 1)
    assert document.view.weight[0, 1, 0, 2] == pytest.approx(0.3)
    assert view.model().index(0, 2).data() == "0.3"
    wheel(view, 0, 2, -1, Qt.KeyboardModifier.ControlModifier)
    assert document.view.weight[0, 1, 0, 2] == pytest.approx(0.29)
    assert document.undo_count == 1 and document.undo_label == "Nudge weight[0, 1, 0, 2]"
    document.undo()
    assert document.view.weight[0, 1, 0, 2] == 0 and view.model().index(0, 2).data() == "0"


def test_presets_from_the_toolbar_for_slice_filter_and_layer(small, qtbot):
    editor, document = small
    focus_cell(qtbot, slice_view(editor, "kernelSlice_1_2"), 0, 0)
    combo = editor.findChild(QComboBox, "kernelPresetCombo")
    combo.setCurrentText("sobel x")
    assert "vertical edges" in combo.toolTip()
    sobel = kernel_preset("sobel x", 3, 3)
    with qtbot.waitSignal(editor.statusMessage) as status:
        editor.findChild(QToolButton, "kernelApply_slice").click()
    assert status.args[0] == "Apply Sobel x to filter 1 · in 2"
    assert document.undo_label == "Apply Sobel x to filter 1 · in 2"
    np.testing.assert_array_equal(document.view.weight[1, 2], sobel)
    assert not document.view.weight[1, :2].any() and not document.view.weight[0].any()
    assert slice_view(editor, "kernelSlice_1_2").model().index(0, 0).data() == "−1"
    editor.findChild(QToolButton, "kernelApply_filter").click()
    np.testing.assert_array_equal(document.view.weight[1], np.stack([sobel] * 3))
    assert not document.view.weight[0].any()
    editor.findChild(QToolButton, "kernelApply_layer").click()
    np.testing.assert_array_equal(document.view.weight[0], np.stack([sobel] * 3))
    assert document.undo_count == 3


def test_context_menu_applies_a_preset_to_a_filter(small):
    editor, document = small
    menu = editor.preset_menu(0, 1)
    titles = [action.text() for action in menu.actions()]
    assert titles[:3] == [
        "Preset for filter 0 · in 1",
        "Preset for filter 0",
        "Preset for the whole layer",
    ]
    filter_menu = menu.actions()[1].menu()
    laplacian = next(a for a in filter_menu.actions() if a.text() == "laplacian")
    assert "neighbours" in laplacian.toolTip()
    laplacian.trigger()
    np.testing.assert_array_equal(document.view.weight[0, 2], kernel_preset("laplacian", 3, 3))
    assert document.undo_label == "Apply Laplacian to filter 0"


def test_a_refused_preset_shows_the_models_reason(qtbot):
    editor, document = build(qtbot, LayerSpec(4, 2))
    with qtbot.waitSignal(editor.statusMessage) as status:
        assert not editor.apply_preset("grayscale", "slice", 0, 3)
    assert status.args[0].startswith("Apply Grayscale to filter 0 · in 3: refused — grayscale")
    assert "refused" in hint(editor).text() and "#b00020" in hint(editor).styleSheet()
    assert not document.view.weight.any() and document.undo_count == 0


def test_grouped_layer_greys_the_channels_a_filter_does_not_see(qtbot):
    editor, document = build(qtbot, LayerSpec(4, 4, groups=2), "kaiming")
    absent = editor.findChildren(AbsentSlice)
    assert len(absent) == 8
    assert "filter 2 sees input channels 2–3 (groups=2)" in {a.toolTip() for a in absent}
    for o in range(4):
        seen = range(0, 2) if o < 2 else range(2, 4)
        for c in range(4):
            assert (editor.findChild(QTableView, f"kernelSlice_{o}_{c}") is not None) == (c in seen)
    view = slice_view(editor, "kernelSlice_3_3")  # slot 1 of filter 3
    assert (
        view.model().index(0, 0).data(Qt.ItemDataRole.EditRole) == document.view.weight[3, 1, 0, 0]
    )


def test_depthwise_layer_has_one_slice_per_filter(qtbot):
    editor, _ = build(qtbot, LayerSpec(4, 4, groups=4))
    slices = [v for v in editor.findChildren(QTableView) if v.objectName().startswith("kernelS")]
    assert sorted(v.objectName() for v in slices) == [f"kernelSlice_{o}_{o}" for o in range(4)]


def test_large_layer_shows_thumbnails_and_a_click_opens_the_slice(qtbot):
    image = np.random.default_rng(0).random((32, 16, 16), dtype="f4")
    state = ExplorerState(image, LayerSpec(32, 32))
    state.apply_preset("kaiming")
    document = Document(state)
    editor = KernelEditor(document)  # its build time is measured in benchmarks/, not here
    qtbot.addWidget(editor)
    editor.resize(600, 350)
    editor.show()
    qtbot.waitUntil(editor.isActiveWindow)
    assert editor.uses_thumbnails
    assert len(editor.findChildren(QTableView)) == 2  # the detail's slice and bias only
    thumbnails = editor.thumbnails
    assert "filter 5 · in 7 (3×3)" in thumbnails.describe(5, 7)
    qtbot.mouseClick(thumbnails, Qt.MouseButton.LeftButton, pos=thumbnails.tile_rect(5, 7).center())
    assert document.view.selected_filter == 5 and editor.detail.shown == (5, 7)
    detail = slice_view(editor, "kernelDetailSlice")
    qtbot.waitUntil(detail.hasFocus)  # the new view takes focus once shown
    assert (
        detail.model().index(1, 1).data(Qt.ItemDataRole.EditRole)
        == document.view.weight[5, 7, 1, 1]
    )
    before = thumbnails.grab().toImage().pixelColor(thumbnails.tile_rect(5, 7).center())
    detail.setCurrentIndex(detail.model().index(1, 1))
    press(qtbot, "-5")
    enter(qtbot)
    assert document.view.weight[5, 7, 1, 1] == -5
    after = thumbnails.grab().toImage().pixelColor(thumbnails.tile_rect(5, 7).center())
    assert after != before and after.blue() > after.red()  # now a strong negative: blue
    # The selection made elsewhere (e.g. an output panel) moves the detail editor too.
    document.select(out_channel=9)
    assert editor.detail.shown == (9, 7)
    # A bias tile opens the filter's bias for typing; arrows scroll the grid to follow.
    thumbnails.setFocus()
    for _ in range(30):
        qtbot.keyClick(thumbnails, Qt.Key.Key_Right)
    assert editor.detail.shown == (9, 31) and document.view.selected_filter == 9
    bias_tile = thumbnails.tile_rect(9, -1).center()
    assert thumbnails.visibleRegion().contains(bias_tile)
    qtbot.mouseClick(thumbnails, Qt.MouseButton.LeftButton, pos=bias_tile)
    bias = slice_view(editor, "kernelDetailBias")
    qtbot.waitUntil(bias.hasFocus)
    press(qtbot, "0.5")
    enter(qtbot)
    assert document.view.bias[9] == np.float32(0.5)
    assert "bias of filter 9 = 0.5" in thumbnails.describe(9, -1)


def test_copy_and_paste_a_slice(small, qtbot):
    editor, document = small
    document.set_kernel(0, 0, np.arange(9.0).reshape(3, 3) - 4)
    source = slice_view(editor, "kernelSlice_0_0")
    focus_cell(qtbot, source, 0, 0)
    qtbot.keyClick(source, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    text = QGuiApplication.clipboard().text()
    assert text == "-4\t-3\t-2\n-1\t0\t1\n2\t3\t4\n"
    target = slice_view(editor, "kernelSlice_1_2")
    focus_cell(qtbot, target, 0, 0)
    qtbot.keyClick(target, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(document.view.weight[1, 2], document.view.weight[0, 0])
    assert document.undo_label == "Paste into filter 1 · in 2"
    assert target.model().index(2, 2).data() == "4"


@pytest.mark.parametrize(
    ("clipboard", "reason"),
    [("1\t2\n3\t4\n", "2×2 block"), ("1\t2\t3\n4\tx\t6\n7\t8\t9\n", "not a number")],
)
def test_pasting_a_wrong_block_is_refused(small, qtbot, clipboard, reason):
    editor, document = small
    QGuiApplication.clipboard().setText(clipboard)
    target = slice_view(editor, "kernelSlice_1_1")
    focus_cell(qtbot, target, 0, 0)
    with qtbot.waitSignal(editor.statusMessage) as status:
        qtbot.keyClick(target, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert reason in status.args[0] and reason in hint(editor).text()
    assert not document.view.weight.any() and document.undo_count == 0


def test_changes_from_code_update_the_cells_and_selection(small):
    editor, document = small
    view = slice_view(editor, "kernelSlice_1_0")
    document.set_weight(1, 0, 2, 1, 0.125)
    assert view.model().index(2, 1).data() == "0.125"
    document.set_bias(1, -3)
    assert slice_view(editor, "kernelBias_1").model().index(0, 0).data() == "−3"
    document.select(out_channel=1)
    names = [label.text() for label in editor.findChildren(QLabel)]
    assert "<b>filter 1</b>" in names and "filter 0" in names


def test_clicking_a_slice_or_header_selects_its_filter(small, qtbot):
    editor, document = small
    view = slice_view(editor, "kernelSlice_1_1")
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert document.view.selected_filter == 1
    qtbot.mouseClick(editor.findChild(RowHeader, "kernelRowHeader_0"), Qt.MouseButton.LeftButton)
    assert document.view.selected_filter == 0


def test_tab_moves_from_the_last_tap_to_the_next_slice(small, qtbot):
    editor, _ = small
    first = slice_view(editor, "kernelSlice_0_0")
    focus_cell(qtbot, first, 2, 2)
    qtbot.keyClick(first, Qt.Key.Key_Tab)
    second = slice_view(editor, "kernelSlice_0_1")
    assert second.hasFocus()
    assert (second.currentIndex().row(), second.currentIndex().column()) == (0, 0)


def test_layer_change_rebuilds_the_grid(small):
    editor, document = small
    document.set_layer(document.view.spec.replace(out_channels=3))
    assert editor.findChild(QTableView, "kernelSlice_2_0") is not None
    document.set_layer(document.view.spec.replace(out_channels=16))
    assert editor.uses_thumbnails and editor.findChild(QTableView, "kernelSlice_0_0") is None


def test_a_layer_without_bias_has_no_bias_cells(qtbot):
    editor, _ = build(qtbot, LayerSpec(3, 2, bias=False))
    assert editor.findChild(QTableView, "kernelBias_0") is None
    assert "27 w" in {label.text() for label in editor.findChildren(QLabel)}


def test_thumbnails_follow_the_arrow_keys_and_offer_copy_paste(qtbot):
    editor, document = build(qtbot, LayerSpec(8, 8, groups=2), "kaiming")
    assert editor.uses_thumbnails  # 8 inputs × 3 taps do not fit as numbers
    thumbnails = editor.thumbnails
    thumbnails.setFocus()
    qtbot.keyClick(thumbnails, Qt.Key.Key_Right)
    assert editor.detail.shown == (0, 1) and thumbnails.hasFocus()
    for _ in range(4):
        qtbot.keyClick(thumbnails, Qt.Key.Key_Down)
    # Filter 4 is in the second group: it sees inputs 4–7, so the column snaps to its first.
    assert document.view.selected_filter == 4 and editor.detail.shown == (4, 4)
    assert "No weights here: filter 4 sees input channels 4–7" in thumbnails.describe(4, 0)
    menu = editor.preset_menu(0, 1)
    next(a for a in menu.actions() if a.text() == "Copy slice").trigger()
    next(a for a in editor.preset_menu(4, 6).actions() if a.text() == "Paste slice").trigger()
    np.testing.assert_array_equal(document.view.weight[4, 2], document.view.weight[0, 1])
    assert document.undo_label == "Paste into filter 4 · in 6"


def test_a_layer_change_while_typing_drops_the_unfinished_edit(small, qtbot):
    editor, document = small
    focus_cell(qtbot, slice_view(editor, "kernelSlice_1_2"), 0, 0)
    press(qtbot, "5")
    assert isinstance(QApplication.focusWidget(), QLineEdit)
    document.set_layer(document.view.spec.replace(out_channels=1))
    QApplication.processEvents()
    assert editor.findChild(QTableView, "kernelSlice_1_2") is None
    assert not document.view.weight.any()
    # the layer change is the one step: the unfinished "5" was never committed
    assert document.undo_count == 1 and document.undo_label == "Change layer"
    assert "#666" in hint(editor).styleSheet()  # no refusal to report either


def test_thumbnail_tiles_show_each_weight_seen_channels_and_biases(qtbot):
    """Every tile against a plain per-tile reading of the weights (the fill is vectorised)."""
    from convexplorer.widgets.kernel_editor import _thumbnail as thumbnail

    image = np.random.default_rng(0).random((8, 12, 12), dtype="f4")
    state = ExplorerState(image, LayerSpec(8, 6, kernel_size=(3, 2), groups=2))
    state.apply_preset("kaiming", seed=4)
    document = Document(state)
    editor = KernelEditor(document)
    qtbot.addWidget(editor)
    assert editor.uses_thumbnails
    grid = editor.thumbnails
    document.set_weight(4, 1, 2, 1, 0.01)  # one filter refilled on its own
    limit, view = grid._context.limit, document.view
    tap, pixels = grid._tap, grid._rgba
    for o in range(6):
        seen = view.spec.filter_input_channels(o)
        for c in range(8):
            rect = grid.tile_rect(o, c).translated(-grid._left, -grid._top)
            tile = pixels[rect.top() : rect.bottom() + 1, rect.left() : rect.right() + 1]
            if c not in seen:
                assert (tile == thumbnail._ABSENT).all()
                continue
            assert (tile[0] == thumbnail._BORDER).all() and (tile[:, -1] == thumbnail._BORDER).all()
            expected = thumbnail._colors(view.weight[o, c - seen.start], limit)
            assert (tile[1 + tap // 2 :: tap, 1 + tap // 2 :: tap][:3, :2] == expected).all()
        rect = grid.tile_rect(o, thumbnail.BIAS).translated(-grid._left, -grid._top)
        centre = pixels[rect.center().y(), rect.center().x()]
        assert (centre == thumbnail._colors(view.bias[o : o + 1], limit)[0]).all()
