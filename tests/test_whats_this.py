"""What's This?: every panel, control and number explains itself with the numbers it shows now."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QEvent, QPoint, QSettings
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QMessageBox,
    QSpinBox,
    QWhatsThis,
    QWidget,
)

from convexplorer.app import _explain as explain
from convexplorer.app._scene import default_state
from convexplorer.app.main_window import MainWindow
from convexplorer.model import ExplorerState, LayerSpec, StateView, load_sample

from .test_main_window import answer


@pytest.fixture
def window(qtbot, tmp_path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(default_state(), settings)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    win.settle()
    answer(win, QMessageBox.StandardButton.Discard)
    yield win
    if QWhatsThis.inWhatsThisMode():
        QWhatsThis.leaveWhatsThisMode()
    QWhatsThis.hideText()


def ask(window: MainWindow, widget: QWidget, pos: QPoint | None = None) -> str:
    """Shift+F1, then a click on ``pos`` of ``widget`` (its centre by default): the text shown."""
    pos = widget.rect().center() if pos is None else pos
    window.whats_this.action.trigger()
    assert QWhatsThis.inWhatsThisMode()
    window.whats_this.last_text = ""
    query = QHelpEvent(QEvent.Type.QueryWhatsThis, pos, widget.mapToGlobal(pos))
    QApplication.sendEvent(widget, query)
    assert query.isAccepted()  # the cursor shows that help is there
    click = QHelpEvent(QEvent.Type.WhatsThis, pos, widget.mapToGlobal(pos))
    QApplication.sendEvent(widget, click)
    text = window.whats_this.last_text
    if QWhatsThis.inWhatsThisMode():
        QWhatsThis.leaveWhatsThisMode()
    QWhatsThis.hideText()
    return text


def plain(html: str) -> str:
    """The text without markup: paragraphs and line breaks become spaces."""
    text = re.sub(r"<(p|br)[^>]*>", " ", html)
    return " ".join(re.sub(r"<[^>]+>", "", text).split())


def panel_point(grid, index: int) -> QPoint:
    """The viewport point at the centre of panel ``index``'s image."""
    panel = grid.panels[index]
    scene = panel.image.mapToScene(panel.image.boundingRect().center())
    return grid.view.mapFromScene(scene)


def slice_view(window: MainWindow, name: str) -> QAbstractItemView:
    view = window.kernel_editor.findChild(QAbstractItemView, name)
    assert view is not None, name
    return view


# ---- the main widgets ---------------------------------------------------------------------------


def test_an_output_panel_says_which_filter_made_it(window):
    grid = window.output_panels.grid
    text = plain(ask(window, grid.view.viewport(), panel_point(grid, 1)))
    assert (
        "Output channel 1 = filter 1 applied to all 3 input channels; 27 weights + 1 bias" in text
    )
    oh, ow = window.document.view.output_size
    assert f"{oh}×{ow} values" in text and "At (row" in text


def test_a_kernel_cell_names_its_weight_and_the_pixel_it_multiplies(window):
    view = slice_view(window, "kernelSlice_1_0")
    cell = view.visualRect(view.model().index(2, 2)).center()
    text = plain(ask(window, view.viewport(), cell))
    assert "w[1, 0, 2, 2]" in text
    assert "filter 1's weight for input channel 0 (R) at row 2, col 2" in text
    assert "the window's bottom-right" in text
    top_left = view.visualRect(view.model().index(0, 0)).center()
    assert "the window's top-left" in plain(ask(window, view.viewport(), top_left))


def test_bias_row_header_and_editor(window):
    bias = slice_view(window, "kernelBias_0")
    assert "bias[0] =" in plain(ask(window, bias.viewport()))
    header = window.kernel_editor.findChild(QWidget, "kernelRowHeader_1")
    assert "Filter 1 makes output channel 1" in plain(ask(window, header, QPoint(2, 2)))


def test_the_input_view_names_each_channel_and_the_composite(window):
    grid = window.input_view.grid
    assert "colour image" in plain(ask(window, grid.view.viewport(), panel_point(grid, 0)))
    text = plain(ask(window, grid.view.viewport(), panel_point(grid, 2)))
    assert "Input channel 1 (G)" in text and "Read by all 2 filters" in text


def test_the_colour_bar_gives_its_range(window):
    grid = window.output_panels.grid
    panel = grid.panels[0]
    scene = panel.bar.mapToScene(panel.bar.boundingRect().center())
    text = plain(ask(window, grid.view.viewport(), grid.view.mapFromScene(scene)))
    low, high = panel.levels()
    assert "Colour bar of output channel 0" in text
    assert f"from {explain.number(low)} to {explain.number(high)}" in text


def test_the_sliding_window_parts(window):
    sliding = window.sliding_window
    dot = window.document.view.dot_product()
    equation = plain(ask(window, sliding.equation))
    assert f"out({dot.row}, {dot.col}) of filter 0" in equation and "Σ in 2 (B)" in equation
    for name, words in (
        ("windowInput", "Input under the window"),
        ("kernelGrid", "Kernel slice, filter 0"),
        ("windowProducts", "Products"),
        ("channelSum", "Σ in 0 (R)"),
        ("windowNeighbourhood", "The window on in 0 (R)"),
    ):
        part = sliding.findChild(QWidget, name)
        assert words in plain(ask(window, part)), name
    assert "Output map of filter 0" in plain(ask(window, sliding.output_map))
    assert "The whole input" in plain(
        ask(window, sliding.findChild(QWidget, "slidingWindowOverview"))
    )


def test_the_transport(window):
    controls = window.sliding_window.controls
    oh, ow = window.document.view.output_size
    assert f"all {oh * ow} positions" in plain(
        ask(window, controls.findChild(QWidget, "playButton"))
    )
    assert f"1 of {oh * ow}" in plain(ask(window, controls.scrubber))
    assert "positions per second" in plain(ask(window, controls.speed))
    assert "(row 0, col 0)" in plain(ask(window, controls.position))


def test_the_status_bar_and_every_dock(window):
    assert "Status bar" in plain(ask(window, window.statusBar(), QPoint(3, 3)))
    window.matrix.toggle.trigger()  # the matrix view's dock, shown (a tab of the sliding dock's)
    assert window.matrix.dock.isVisible()
    docks = {**window.docks, "matrix": window.matrix.dock}
    for name, dock in docks.items():
        title = plain(ask(window, dock, QPoint(20, 5)))  # the title bar
        assert title.strip(), name
    assert "Matrix view: Y = W · X + b" in plain(ask(window, window.matrix.dock, QPoint(20, 5)))
    assert "Kernel editor" in plain(ask(window, window.kernel_editor, QPoint(2, 2)))
    spec = window.document.view.spec
    window.document.set_layer(spec.replace(transposed=True, stride=2, output_padding=1))
    window.settle()
    sliding = plain(ask(window, window.docks["sliding"], QPoint(20, 5)))
    assert "Painting (ConvTranspose2d)" in sliding and "Sliding window" not in sliding
    matrix = plain(ask(window, window.matrix.dock, QPoint(20, 5)))
    assert "transposed convolution" in matrix


def test_every_layer_control_has_a_text_of_its_own(window):
    controls = window.layer_controls
    fields = [controls.in_channels]
    fields += [
        w for w in controls.findChildren(QWidget) if isinstance(w, (QSpinBox, QComboBox, QCheckBox))
    ]
    generic = explain.dock_text(window.document.view, "layerControls")
    for field in fields:
        text = ask(window, field, QPoint(3, 3))
        name = field.objectName() or "inChannels"
        assert text and text != generic, f"{name} has no What's This? text of its own"


# ---- always current -----------------------------------------------------------------------------


def test_texts_follow_the_layer(window):
    stride = window.layer_controls.stride.spins[0]
    before = plain(ask(window, stride))
    assert "Stride 1×1" in before and "= 168" in before
    window.document.set_layer(window.document.view.spec.replace(stride=(2, 3)))
    after = plain(ask(window, stride))
    assert "Stride 2×3" in after and "/ 2⌋ + 1 = 84" in after and "/ 3⌋ + 1 = 85" in after
    window.document.set_weight(1, 0, 2, 2, 0.75)
    view = slice_view(window, "kernelSlice_1_0")
    cell = view.visualRect(view.model().index(2, 2)).center()
    assert "w[1, 0, 2, 2] = 0.75" in plain(ask(window, view.viewport(), cell))


def test_outside_the_mode_nothing_answers(window):
    ask(window, window.statusBar())
    window.whats_this.last_text = ""
    QApplication.sendEvent(window, QEvent(QEvent.Type.User))  # the filter sees the mode is over
    pos = QPoint(3, 3)
    bar = window.statusBar()
    QApplication.sendEvent(bar, QHelpEvent(QEvent.Type.WhatsThis, pos, bar.mapToGlobal(pos)))
    assert window.whats_this.last_text == ""


def test_help_menu_has_whats_this_with_shift_f1(window):
    action = window.whats_this.action
    assert action.shortcut().toString() == "Shift+F1"
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert action in help_menu.actions()


# ---- the texts' numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tap", "size", "words"),
    [
        ((0, 0), (3, 3), "the window's top-left"),
        ((1, 1), (3, 3), "the window's centre"),
        ((2, 1), (3, 3), "the window's bottom"),
        ((0, 0), (1, 1), "the window's only pixel"),
        ((0, 2), (1, 3), "the window's right"),
        ((1, 2), (4, 4), "row 1, col 2 of the window"),
    ],
)
def test_tap_places(tap, size, words):
    assert explain.tap_place(*tap, *size) == words


_FORMULA = re.compile(
    r"⌊\((\d+) \+ (\d+) \+ (\d+) − (\d+)·\((\d+) − 1\) − 1\) / (\d+)⌋ \+ 1 = (\d+)"
)


@settings(max_examples=40, deadline=None)
@given(
    k=st.integers(1, 5),
    s=st.integers(1, 3),
    p=st.integers(0, 2),
    d=st.integers(1, 2),
    h=st.integers(9, 20),
)
def test_the_size_formula_adds_up_to_the_output_size(k, s, p, d, h):
    image = load_sample("shapes")[:, :h, : h + 3]
    spec = LayerSpec(image.shape[0], 1, kernel_size=(k, k + 1), stride=(s, 1), padding=(p, 0))
    spec = spec.replace(dilation=(d, 1))
    view = StateView(ExplorerState(image, spec))
    found = _FORMULA.findall(explain.size_formula(view))
    assert len(found) == 2
    for (size, low, high, dil, kernel, stride, result), expected in zip(
        found, view.output_size, strict=True
    ):
        size, low, high, dil, kernel, stride, result = map(
            int, (size, low, high, dil, kernel, stride, result)
        )
        assert (size + low + high - dil * (kernel - 1) - 1) // stride + 1 == result == expected


def test_large_layers_thumbnails_and_the_sum_chart(window):
    image = load_sample("shapes")[:1].repeat(16, axis=0)
    window.document.open_input(image, "Open a 16-channel stack")
    window.document.set_layer(LayerSpec(16, 32, kernel_size=5))
    window.settle()
    thumbnails = window.kernel_editor.findChild(QWidget, "kernelThumbnails")
    assert thumbnails is not None and thumbnails.isVisible()
    text = plain(ask(window, thumbnails, thumbnails.tile_rect(1, 2).center()))
    assert "w[1, 2, 2, 2]" in text and "the window's centre" in text
    chart = window.sliding_window.findChild(QWidget, "channelSums")
    assert "one bar per input channel filter 0 reads: 16 sums" in plain(ask(window, chart))
    equation = plain(ask(window, window.sliding_window.equation))
    assert "… 12 more …" in equation and "Σ in 15" in equation
