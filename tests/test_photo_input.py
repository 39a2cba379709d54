"""Only the stack's input is a photo: layer 1 of a stack reading 3 channels reads R, G and B, but a
later layer's 3 inputs are the 3 maps the layer before made. Naming them "in 1 (G)" or showing
them as an "RGB image" teaches the very misconception the explorer exists to undo ("an RGB image
convolved with one filter stays RGB"). ``StateView.input_is_photo`` answers it once; every view
asks it, and follows a switch between two 3-channel layers whose widgets are reused."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QWhatsThis, QWidget

from convexplorer.app import _explain as explain
from convexplorer.app._explain_pool import pool_window_part_text
from convexplorer.app._explain_views import painting_part_text
from convexplorer.app._guide import guide_html
from convexplorer.app.main_window import MainWindow
from convexplorer.model import (
    ExplorerState,
    LayerSetup,
    LayerSpec,
    Network,
    NetworkSnapshot,
    StateView,
    pool_weight,
)
from convexplorer.qt import Document
from convexplorer.widgets.input_view._view import COMPOSITE_TITLE
from convexplorer.widgets.sliding_window import SlidingWindowView
from convexplorer.widgets.style import DIVERGING, SEQUENTIAL
from tests.test_whats_this import ask, panel_point, plain, slice_view
from tests.window_support import settings_in, shown_window

#: A colour name after a channel ("in 1 (G)", "channel 2 (B)"), or the photo itself.
COLOUR = re.compile(r"\((R|G|B)\)|RGB")


def setup(spec: LayerSpec, seed: int) -> LayerSetup:
    rng = np.random.default_rng(seed)
    weight = (rng.standard_normal(spec.weight_shape) / 4).astype(np.float32)
    return LayerSetup(
        spec, weight, rng.standard_normal(spec.out_channels).astype(np.float32), "relu"
    )


def rgb_then_maps(second_out: int) -> NetworkSnapshot:
    """Layer 1: conv 3→3 on a photo; layer 2: conv 3→``second_out`` on layer 1's 3 maps (with
    ``second_out`` 3 the two layers have the same shapes, so the views reuse their widgets)."""
    image = np.random.default_rng(0).random((3, 10, 12), dtype=np.float32)
    first = LayerSpec(3, 3, 3, padding=1)
    second = LayerSpec(3, second_out, 3, padding=1)
    return NetworkSnapshot(image, (setup(first, 1), setup(second, 2)))


# ---- the one place that decides ----------------------------------------------------------------


@pytest.mark.parametrize(("channels", "photo"), [(1, False), (2, False), (3, True), (4, False)])
def test_a_lone_layer_reads_a_photo_when_its_input_has_three_channels(channels, photo):
    image = np.zeros((channels, 5, 5), np.float32)
    assert StateView(ExplorerState(image, LayerSpec(channels, 2))).input_is_photo is photo


def test_in_a_stack_only_the_first_layer_reads_the_photo():
    network = Network.from_snapshot(rgb_then_maps(3))
    view = StateView(network)
    assert view.input_is_photo  # layer 1 selected
    network.select_layer(1)
    assert view.input_is_photo is False  # the same view follows the selection
    network.select_layer(0)
    assert view.input_is_photo
    assert [StateView(layer).input_is_photo for layer in network.layers] == [True, True]
    # a layer seen alone cannot know its place; the stack's view of it does
    layers = [StateView(layer, first=index == 0) for index, layer in enumerate(network.layers)]
    assert [layer.input_is_photo for layer in layers] == [True, False]


def test_grayscale_mixes_the_photo_s_colours_only_on_layer_1(qtbot):
    """The grayscale preset weighs R, G and B: on layer 2, whose 3 inputs are layer 1's maps,
    the document refuses it in words and changes nothing; on layer 1 it applies."""
    document = Document(Network.from_snapshot(rgb_then_maps(3)))
    document.select_layer(1)
    before = document.view.weight.copy()
    with pytest.raises(ValueError, match="layer 2 reads the maps layer 1 made, not colours"):
        document.apply_preset("grayscale", out_channel=0)
    assert np.array_equal(document.view.weight, before) and not document.can_undo
    document.select_layer(0)
    assert document.apply_preset("grayscale", out_channel=0)


def test_a_stack_on_four_channels_has_no_photo_even_where_a_layer_reads_three():
    image = np.zeros((4, 6, 6), np.float32)
    snapshot = NetworkSnapshot(
        image, (setup(LayerSpec(4, 3, 3, padding=1), 1), setup(LayerSpec(3, 2, 3), 2))
    )
    network = Network.from_snapshot(snapshot)
    view = StateView(network)
    assert view.input_is_photo is False
    network.select_layer(1)
    assert view.input_is_photo is False


def test_the_guide_says_rgb_only_for_the_layer_that_reads_the_photo():
    network = Network.from_snapshot(rgb_then_maps(3))
    view = StateView(network)
    assert "an RGB image convolved with one filter is no longer RGB" in guide_html(view)
    network.select_layer(1)
    text = guide_html(view)
    assert "RGB" not in text
    assert "a 3-channel input convolved with one filter gives one channel" in text


# ---- every view asks it ------------------------------------------------------------------------


@pytest.fixture
def window(qtbot, tmp_path) -> MainWindow:
    win = shown_window(qtbot, settings_in(tmp_path))
    yield win
    if QWhatsThis.inWhatsThisMode():
        QWhatsThis.leaveWhatsThisMode()
    QWhatsThis.hideText()


def column_labels(window: MainWindow) -> list[str]:
    """The kernel editor's column titles ("in 0", "in 1 (G)", …) on show."""
    grid = window.kernel_editor.findChild(QWidget, "kernelGrid")
    return [
        label.text()
        for label in grid.findChildren(QLabel)
        if label.isVisibleTo(grid) and label.text().startswith("in ")
    ]


def channel_names(window: MainWindow) -> dict[str, object]:
    """Everywhere the selected layer's input channels are named or shown: texts as drawn."""
    sliding = window.sliding_window
    grid = window.input_view.grid
    return {
        "editor": column_labels(window),
        "rows": [row["channel"] for row in sliding.channel_texts()],
        "overview": sliding.overview.input_title.text(),
        "panels": [panel.title for panel in window.input_view.panels],
        "weight": plain(ask(window, *_cell(window))),
        "equation": plain(ask(window, sliding.equation)),
        "sum": plain(ask(window, sliding.findChild(QWidget, "channelSum"))),
        "input": plain(ask(window, grid.view.viewport(), panel_point(grid, 0))),
    }


def _cell(window: MainWindow):
    view = slice_view(window, "kernelSlice_0_1")
    return view.viewport(), view.visualRect(view.model().index(1, 1)).center()


def assert_reads_maps(window: MainWindow, layer: int) -> None:
    """Layer ``layer`` (from 0) reads the 3 maps the layer before made: plain names, grey maps,
    no composite."""
    names = channel_names(window)
    coloured = {where: text for where, text in names.items() if COLOUR.search(str(text))}
    assert coloured == {}, f"layer {layer + 1} names its maps as colours"
    assert names["editor"] == ["in 0", "in 1", "in 2"]
    assert names["rows"] == ["in 0", "in 1", "in 2"]
    assert names["panels"] == ["in 0", "in 1", "in 2"]  # like 2 or 4 maps: no composite first
    assert "Input channel 0" in str(names["input"])  # What's This of panel 0: a channel
    assert "filter 0's weight for input channel 1 at row 1" in str(names["weight"])
    assert names["overview"].startswith("input in 0 ·")  # one map, not a photo
    assert window.sliding_window.overview.input_view._image.image.ndim == 2
    # one map for all three (grey, or diverging for signed maps) as for any other count of
    # maps: not tinted red, green and blue
    first, *others = [panel.colormap for panel in window.input_view.panels]
    assert first in (SEQUENTIAL, DIVERGING) and all(look is first for look in others)


def assert_reads_photo(window: MainWindow) -> None:
    names = channel_names(window)
    assert names["editor"] == ["in 0 (R)", "in 1 (G)", "in 2 (B)"]
    assert names["rows"] == ["in 0 (R)", "in 1 (G)", "in 2 (B)"]
    assert names["panels"] == [COMPOSITE_TITLE, "in 0 (R)", "in 1 (G)", "in 2 (B)"]
    assert "filter 0's weight for input channel 1 (G) at row 1" in str(names["weight"])
    assert "Σ in 2 (B)" in str(names["equation"]) and "Σ in 0 (R)" in str(names["sum"])
    assert "colour image" in str(names["input"])  # panel 0: the composite
    assert names["overview"].startswith("input RGB ·")
    assert window.sliding_window.overview.input_view._image.image.ndim == 3


@pytest.mark.parametrize("second_out", [3, 4])
def test_layer_2_reads_maps_and_layer_1_the_photo_back_and_forth(qtbot, window, second_out):
    document = window.document
    assert document.load_network(rgb_then_maps(second_out), "Open the stack")
    window.settle()
    for index in (1, 0, 1, 0):
        with qtbot.waitSignal(document.layerSelected):
            document.select_layer(index)
        window.settle()
        if index:
            assert_reads_maps(window, index)
        else:
            assert_reads_photo(window)


def test_qa_s_steps_out_channels_3_then_add_layer_after(qtbot, window):
    """What QA did: the default app, Out channels 3, then Ctrl+Shift+N (Layers → Add Layer
    After): layer 2 reads layer 1's three maps."""
    window.settle()
    controls = window.layer_controls
    with qtbot.waitSignal(window.document.layerChanged):
        controls.out_channels.setValue(3)
    window.settle()
    (add,) = [
        action
        for action in window.findChildren(QAction)
        if action.shortcut() == QKeySequence("Ctrl+Shift+N")
    ]
    with qtbot.waitSignal(window.document.layerSelected):
        add.trigger()
    window.settle()
    assert (len(window.document.stack), window.document.stack.selected) == (2, 1)
    assert window.document.view.spec.in_channels == 3
    assert_reads_maps(window, 1)
    with qtbot.waitSignal(window.document.layerSelected):
        window.document.select_layer(0)
    window.settle()
    assert_reads_photo(window)


def matrix_names(window: MainWindow) -> list[str]:
    """The matrix view's channel bands as drawn, and what a weight and an input cell say."""
    view = window.matrix.view
    taps = 9  # 3×3 kernels: W's columns and X's rows 9..17 belong to input channel 1
    return [
        *view.picture._shape.channel_names,
        view.describe(("W", 0, taps)),
        view.describe(("X", taps, 0)),
    ]


def test_the_matrix_view_names_colours_only_on_layer_1(qtbot, window):
    document = window.document
    assert document.load_network(rgb_then_maps(3), "Open the stack")
    window.matrix.toggle.trigger()
    qtbot.waitUntil(window.matrix.view.isVisible)
    window.settle()
    names = matrix_names(window)
    assert names[:3] == ["in 0 (R)", "in 1 (G)", "in 2 (B)"]
    assert "in 1 (G)" in names[3] and "in 1 (G)" in names[4]
    for index in (1, 0, 1):
        document.select_layer(index)
        window.settle()
        names = matrix_names(window)
        assert (not any(COLOUR.search(name) for name in names)) is bool(index), names
    assert names[:3] == ["in 0", "in 1", "in 2"]


def painting_names(view: SlidingWindowView, document: Document) -> list[str]:
    """The painting view's channel captions, its input caption and What's This of a row."""
    painting = view.painting
    step = painting.scatter_step
    assert step is not None
    return [
        *(label.text() for label in painting.findChildren(QLabel, "paintingChannel")),
        painting.input_caption.text(),
        plain(painting_part_text(document.view, step, "paintingChannel", 1) or ""),
        plain(painting_part_text(document.view, step, "paintingInput") or ""),
    ]


def test_the_painting_view_names_colours_only_on_layer_1(qtbot):
    """Two ConvTranspose2d layers 3→3 (the same shapes: the rows are reused): the rows of
    layer 2 paint with layer 1's maps."""
    image = np.random.default_rng(0).random((3, 5, 6), dtype=np.float32)
    spec = LayerSpec(3, 3, 3, transposed=True)
    snapshot = NetworkSnapshot(image, (setup(spec, 1), setup(spec, 2)))
    document = Document(Network.from_snapshot(snapshot))
    document.wait_until_idle()
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.resize(1500, 460)
    view.show()
    qtbot.waitUntil(lambda: view.painting.scatter_step is not None)
    names = painting_names(view, document)
    assert names[:4] == ["in 0 (R)", "in 1 (G)", "in 2 (B)", "input in 0 (R)"]
    assert names[4].startswith("in 1 (G)") and "The input, in 0 (R)" in names[5]
    for index in (1, 0, 1):
        document.select_layer(index)
        document.wait_until_idle()
        qtbot.waitUntil(lambda i=index: view.painting.scatter_step is not None)
        names = painting_names(view, document)
        assert (not any(COLOUR.search(name) for name in names)) is bool(index), names
    assert names[:4] == ["in 0", "in 1", "in 2", "input in 0"]


def test_what_s_this_of_a_pool_and_of_a_filter_reading_one_channel_follows_the_layer():
    """A max pool after the photo's layer reads 3 maps; a depthwise conv (groups=3) on the photo
    reads one colour each."""
    image = np.random.default_rng(0).random((3, 6, 6), dtype=np.float32)
    depthwise = LayerSpec(3, 3, 3, padding=1, groups=3)
    pool = LayerSpec(3, 3, 2, stride=2, pool="max", groups=3, bias=False)
    weight = pool_weight(pool)
    snapshot = NetworkSnapshot(image, (setup(depthwise, 1), LayerSetup(pool, weight, None, "none")))
    network = Network.from_snapshot(snapshot)
    network.compute()
    view = StateView(network)
    assert "applied to input channel 1 (G)" in plain(explain.output_text(view, 1, None))
    network.select_layer(1)
    network.compute()
    texts = [
        plain(pool_window_part_text(view, "windowInput") or ""),
        plain(explain.output_text(view, 1, None)),
        plain(explain.input_text(view, 2, None)),
    ]
    assert "Input under the window, in 0 —" in texts[0]
    assert not any(COLOUR.search(text) for text in texts), texts
