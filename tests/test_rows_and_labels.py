"""Rows that change with the layer: old ones leave the screen at once (scripts and
``--screenshot`` runs have no event loop to delete them), and the kernel editor names its rows
for what they are — a Conv2d row is a filter, a ConvTranspose2d row an output channel."""

from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QLabel, QWidget

from convexplorer.model import LayerSpec
from convexplorer.widgets.kernel_editor import KernelEditor
from convexplorer.widgets.sliding_window import SlidingWindowView
from convexplorer.widgets.sliding_window._channel_strip import ChannelStrip
from convexplorer.widgets.style import kernel_row_label
from tests.test_transpose_views import make_document


def visible_leftovers(old: list[QWidget]) -> list[QWidget]:
    return [w for w in old if shiboken6.isValid(w) and w.isVisible()]


# ---- rows that leave ----------------------------------------------------------------------------


def test_the_channel_strip_hides_old_rows_before_any_event_loop(qtbot):
    strip = ChannelStrip()
    qtbot.addWidget(strip)
    strip.rebuild(3)
    strip.show()
    old = strip.findChildren(QWidget)
    assert len(visible_leftovers(old)) > 6  # three rows of grids and labels on screen
    strip.rebuild(2)  # no processEvents: deleteLater has not run yet
    assert visible_leftovers(old) == []
    assert len(strip.row_texts()) == 2
    two = [w for w in strip.findChildren(QWidget) if w not in old]
    assert visible_leftovers(two)
    strip.rebuild(40)  # the compact chart replaces the rows, the same way
    assert strip.is_compact() and visible_leftovers(two) == []


def test_the_painting_view_hides_old_rows_before_any_event_loop(qtbot):
    document = make_document(LayerSpec(3, 2, 3, stride=2, transposed=True), size=(4, 4))
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.show()
    old = view.painting.rows_box.findChildren(QWidget)
    assert len(view.painting._rows) == 3 and visible_leftovers(old)
    document.set_layer(document.view.spec.replace(out_channels=3, groups=3))  # 1 channel each
    assert len(view.painting._rows) == 1
    assert visible_leftovers(old) == []


# ---- row names ----------------------------------------------------------------------------------


def test_row_labels_say_filter_for_conv_and_out_for_transposed():
    assert kernel_row_label(2, transposed=False) == "filter 2"
    assert kernel_row_label(2, transposed=False, short=True) == "f 2"
    assert kernel_row_label(2, transposed=True) == "out 2"
    assert kernel_row_label(2, transposed=True, short=True) == "o 2"


def header_texts(editor: KernelEditor, qtbot) -> list[tuple[str, str]]:
    """The two row headers' names and tooltips, once the rebuilt grid is on screen."""
    headers = [editor.findChild(QWidget, f"kernelRowHeader_{o}") for o in range(2)]
    assert all(h is not None for h in headers)
    qtbot.waitUntil(lambda: all(h.isVisible() for h in headers))
    names = [
        h.findChildren(QLabel)[0].text().replace("<b>", "").replace("</b>", "") for h in headers
    ]
    return [(name, h.toolTip()) for name, h in zip(names, headers, strict=True)]


def test_the_kernel_editor_names_its_rows_for_the_layer_kind(qtbot):
    document = make_document(LayerSpec(3, 2))
    editor = KernelEditor(document)
    qtbot.addWidget(editor)
    editor.show()
    (name0, tip0), (name1, _) = header_texts(editor, qtbot)
    assert (name0, name1) == ("filter 0", "filter 1")
    assert tip0.startswith("Filter 0 makes output channel 0")
    document.set_layer(document.view.spec.replace(transposed=True))
    (name0, tip0), (name1, tip1) = header_texts(editor, qtbot)
    assert (name0, name1) == ("out 0", "out 1")
    assert tip1.startswith("Output channel 1 of the transposed layer")
    assert "weight[i, 1]" in tip1 and "out 1 sees input channels 0–2" in tip1
    assert "filter" not in tip0.lower()
    document.undo()
    assert [name for name, _ in header_texts(editor, qtbot)] == ["filter 0", "filter 1"]


def test_thumbnail_rows_of_a_large_transposed_layer_are_output_channels(qtbot):
    from convexplorer.widgets.kernel_editor._thumbnail import BIAS, ThumbnailGrid

    document = make_document(LayerSpec(8, 3, 3, transposed=True))
    editor = KernelEditor(document)
    qtbot.addWidget(editor)
    editor.show()

    def shown(kind: type) -> list:
        return [g for g in editor.findChildren(kind) if shiboken6.isValid(g) and g.isVisible()]

    (grid,) = shown(ThumbnailGrid)
    assert grid.describe(1, 0).startswith("out 1 · in 0 (3×3)")
    assert grid.describe(1, BIAS).startswith("bias of out 1 = ")
    document.set_layer(document.view.spec.replace(transposed=False))
    qtbot.waitUntil(lambda: len(shown(ThumbnailGrid)) == 1)  # the same grid, or a new one
    (grid,) = shown(ThumbnailGrid)
    assert grid.describe(1, 0).startswith("filter 1 · in 0 (3×3)")
    assert grid.describe(1, BIAS).startswith("bias of filter 1 = ")
