"""A pool layer on screen: the form offers MaxPool2d / AvgPool2d, the kernel editor shows a page
instead of cells, the sliding window spells out max (with its winner) or the mean, and every other
view copes; edits of a pool's weights are refused and change nothing."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QLabel

from convexplorer.app import _explain as explain
from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.kernel_editor import KernelEditor
from convexplorer.widgets.layer_controls import LayerControls
from convexplorer.widgets.layer_controls._controls import POOL_REASONS
from convexplorer.widgets.matrix_view._view import MatrixView
from convexplorer.widgets.sliding_window import SlidingWindowView
from convexplorer.widgets.style import number

from . import test_whats_this as base
from .test_whats_this import ask, plain

window = base.window  # the default layer at 1280×800


def make_document(spec: LayerSpec, size=(8, 9)) -> Document:
    image = np.random.default_rng(0).random((spec.in_channels, *size), dtype=np.float32)
    state = ExplorerState(image, spec)
    document = Document(state)
    document.wait_until_idle()
    return document


def pool(kind: str = "max", channels: int = 3, **settings) -> LayerSpec:
    settings.setdefault("kernel_size", 2)
    settings.setdefault("stride", settings["kernel_size"])
    return LayerSpec(channels, channels, groups=channels, bias=False, pool=kind, **settings)


@pytest.fixture
def views(qtbot):
    """The form, the kernel editor and the sliding window on one document (a padded conv)."""
    document = make_document(LayerSpec(3, 2, 3, padding="same"))
    widgets = (LayerControls(document), KernelEditor(document), SlidingWindowView(document))
    for widget in widgets:
        qtbot.addWidget(widget)
        widget.show()
    return document, *widgets


# ---- the layer form -----------------------------------------------------------------------------


def test_choosing_max_pool_makes_the_state_a_pool_in_one_undo_step(views, qtbot):
    document, form, *_ = views
    with qtbot.waitSignal(document.layerChanged):
        form.kind.setCurrentText("MaxPool2d")
    spec = document.view.spec
    assert spec.kind == "MaxPool2d" and spec.pool == "max"
    assert spec.stride == spec.kernel_size == (3, 3) and spec.padding == (0, 0)  # torch's default
    assert (spec.out_channels, spec.groups, spec.bias) == (3, 3, False)
    assert document.undo_label == "Change layer"
    for name, reason in POOL_REASONS.items():
        widget = getattr(form, name)
        if name == "dilation":  # a max pool has dilation
            assert widget.isEnabled() and reason not in widget.toolTip()
        else:
            assert not widget.isEnabled() and reason in widget.toolTip(), name
    assert "MaxPool2d over each of the 3 channels" in form.summary.text()
    document.undo()
    assert document.view.spec == LayerSpec(3, 2, 3, padding="same")
    assert form.kind.currentText() == "Conv2d" and form.out_channels.isEnabled()
    assert form.out_channels.toolTip() == "Output channels = number of filters"


def test_avg_pool_greys_out_dilation_and_max_to_avg_keeps_the_windows(views, qtbot):
    document, form, *_ = views
    form.kind.setCurrentText("MaxPool2d")
    form.stride.spins[0].setValue(1)  # a pool edited like any layer: windows overlap now
    form.dilation.spins[1].setValue(2)
    assert document.view.spec.stride == (1, 3) and document.view.spec.dilation == (1, 2)
    form.kind.setCurrentText("AvgPool2d")
    spec = document.view.spec
    assert spec.pool == "avg" and spec.stride == (1, 3) and spec.dilation == (1, 1)
    assert not form.dilation.isEnabled()
    assert POOL_REASONS["dilation"] in form.dilation.spins[0].toolTip()


def test_an_impossible_pool_is_refused_in_the_form_with_torch_s_words(views, qtbot):
    document, form, *_ = views
    form.kind.setCurrentText("AvgPool2d")
    before = document.view.spec
    form.padding.spins[0].setValue(2)  # more than half the 3×3 kernel
    assert document.view.spec == before
    assert form.error.isVisibleTo(form)
    assert "PyTorch allows at most half the kernel size, 1" in form.error.text()


# ---- the kernel editor --------------------------------------------------------------------------


def test_the_kernel_editor_shows_a_page_instead_of_cells(views, qtbot):
    _, form, editor, _ = views
    form.kind.setCurrentText("MaxPool2d")
    page = editor.findChild(QLabel, "kernelPoolPage")
    qtbot.waitUntil(lambda: page.isVisibleTo(editor))  # a new body shows on the next event loop
    assert page.text().startswith(
        "MaxPool2d 3×3 has no weights: each output is the largest value of its 3×3 window of "
        "one channel"
    )
    assert not editor._preset.isEnabled()
    assert not any(button.isEnabled() for button in editor._apply_buttons.values())
    form.kind.setCurrentText("AvgPool2d")
    page = editor.findChild(QLabel, "kernelPoolPage")
    assert "the mean of its 3×3 window" in page.text()
    assert "a depthwise conv whose weights are all 1/9" in page.text()
    form.kind.setCurrentText("Conv2d")
    assert editor.findChild(QLabel, "kernelPoolPage") is None or not editor.findChild(
        QLabel, "kernelPoolPage"
    ).isVisibleTo(editor)
    assert editor._preset.isEnabled()


# ---- the sliding window -------------------------------------------------------------------------


def test_the_sliding_window_shows_max_with_its_winner(qtbot):
    image = np.zeros((1, 4, 4), dtype=np.float32)
    image[0, :2, :2] = [[1.0, 5.0], [5.0, 2.0]]  # a tie: (0, 1) comes first in row-major order
    document = Document(ExplorerState(image, pool("max", channels=1, padding=1, kernel_size=2)))
    document.wait_until_idle()
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.show()
    document.select(position=(0, 0))  # taps (−1, −1) … (0, 0): three in the padding
    (row,) = view.channel_texts()
    assert row["patch"] == [["−∞", "−∞"], ["−∞", "1"]] and row["sum"] == "max = 1"
    assert view.strip._rows[0].patch.marked_cells() == [(1, 1)]
    assert not view.strip._rows[0].kernel.isVisibleTo(view)
    assert view.equation_text() == "max(−∞, −∞, −∞, 1) = 1"
    document.select(position=(1, 1))  # taps rows 1..2, cols 1..2
    document.select(position=(0, 1))  # taps (−1, 1) (−1, 2) (0, 1) (0, 2): 5 wins
    assert view.strip._rows[0].patch.marked_cells() == [(1, 0)]
    assert view.equation_text() == "max(−∞, −∞, 5, 0) = 5"
    tie = Document(ExplorerState(image, pool("max", channels=1, kernel_size=2, stride=1)))
    tie.wait_until_idle()
    tie_view = SlidingWindowView(tie)
    qtbot.addWidget(tie_view)
    assert tie_view.strip._rows[0].patch.marked_cells() == [(0, 1)]  # the first 5
    assert "MaxPool2d: out 0 is the largest value" in view.header.text()


def test_the_sliding_window_shows_avg_as_its_dot_product(qtbot):
    document = make_document(pool("avg", kernel_size=2))
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.show()
    document.select(out_channel=1, position=(2, 3))
    (row,) = view.channel_texts()
    assert row["kernel"] == [["0.25", "0.25"], ["0.25", "0.25"]]
    dot = document.view.dot_product()
    assert row["sum"] == f"Σ = {number(dot.value)}"
    assert view.strip._rows[0].kernel.isVisibleTo(view)
    titles = {t.text() for t in view.strip.findChildren(QLabel) if t.objectName().endswith("Title")}
    assert "weights 1/4" in titles
    assert "a depthwise conv whose weights are all 1/4" in view.header.text()
    assert view.output_text() == f"out(2, 3) = {number(document.view.output(1)[2, 3])}"


def test_hovering_a_pool_s_input_marks_the_outputs_it_feeds(qtbot):
    document = make_document(pool("max", kernel_size=2))
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.show()
    document.select(position=(1, 1))
    with qtbot.waitSignal(view.hover.statusMessage) as said:
        view.hover.hover_pixel((2, 3))
    assert "lies in the window at tap (0, 1) at out(1, 1)" in said.args[0]
    assert "feeds 1 output of channel 0" in said.args[0]
    assert len(view.hover.reached_cells()) == 1  # windows side by side: one output reads it


# ---- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.set_weight(0, 0, 0, 0, 2.0),
        lambda d: d.set_kernel(1, 0, np.zeros((2, 2))),
        lambda d: d.set_bias(0, 1.0),
        lambda d: d.set_weights(np.zeros((3, 1, 2, 2)), None, "Zero"),
        lambda d: d.apply_preset("box blur"),
    ],
)
def test_a_pool_s_weights_cannot_be_edited_through_the_document(qtbot, edit):
    document = make_document(pool("avg"))
    before = (document.view.weight.tobytes(), document.view.spec, document.can_undo)
    with pytest.raises(ValueError, match="a AvgPool2d layer has no weights to edit: each output"):
        edit(document)
    assert (document.view.weight.tobytes(), document.view.spec, document.can_undo) == before
    assert not document.is_modified


# ---- the window as a whole ----------------------------------------------------------------------


def test_the_main_window_shows_a_max_pool_without_misleading(window, qtbot):
    document = window.document
    form = window.layer_controls
    form.kind.setCurrentText("MaxPool2d")
    window.settle()
    document.select(out_channel=2, position=(5, 7))
    window.settle()
    assert document.view.spec.kind == "MaxPool2d" and not document.view.stale_channels
    kind = plain(ask(window, form.kind, QPoint(3, 3)))
    assert "Kind: MaxPool2d" in kind and "no weights" in kind
    page = window.kernel_editor.findChild(QLabel, "kernelPoolPage")
    assert "has no weights to edit" in plain(ask(window, page))
    view = document.view
    assert "max(" in explain.window_part_text(view, "slidingWindowEquation")
    assert "outlined in green" in explain.sliding_text(view)
    matrix = MatrixView(document)
    qtbot.addWidget(matrix)
    matrix.resize(1100, 330)
    matrix.show()
    assert "MaxPool2d is no matrix multiply" in matrix.header.text()
    form.kind.setCurrentText("AvgPool2d")
    window.settle()
    assert "every weight 1/9" in matrix.header.text()


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_the_guide_names_the_pool_and_says_it_has_no_weights(kind):
    from convexplorer.app._guide import guide_html

    text = guide_html(make_document(pool(kind, kernel_size=2)).view)
    module = "MaxPool2d" if kind == "max" else "AvgPool2d"
    assert f"<code>torch.nn.{module}</code>" in text and "It has no weights" in text
    assert ("Matrix view" in text) == (kind == "avg")  # a max pool is no matrix multiply
    assert ("1/4" in text) == (kind == "avg")
