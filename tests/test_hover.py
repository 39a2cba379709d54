"""Hovering a weight or an input pixel: shared through the document, shown by every view."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF
from PySide6.QtWidgets import QTableView

from convexplorer.model import ExplorerState, LayerSpec, reached_outputs, taps_reading
from convexplorer.qt import Document


def make_document(spec: LayerSpec | None = None, size: int = 12) -> Document:
    spec = spec or LayerSpec(3, 2)
    image = np.random.default_rng(0).random((spec.in_channels, size, size), dtype=np.float32)
    state = ExplorerState(image, spec)
    state.apply_preset("kaiming", seed=2)
    document = Document(state)
    document.wait_until_idle()
    return document


# ---- the document -------------------------------------------------------------------------------


def test_hovering_a_weight_is_announced_once_and_changes_nothing(qtbot):
    document = make_document()
    heard: list[object] = []
    document.weightHovered.connect(heard.append)
    document.hover_weight(1, 2, 0, 1)
    document.hover_weight(1, 2, 0, 1)  # the same weight again: no news
    document.hover_weight(None)
    assert heard == [(1, 2, 0, 1), None]
    assert document.hovered_weight is None
    assert not document.is_modified and not document.can_undo


def test_a_new_layer_forgets_the_hovered_weight(qtbot):
    document = make_document()
    document.hover_weight(1, 2, 2, 2)
    heard: list[object] = []
    document.weightHovered.connect(heard.append)
    document.set_layer(LayerSpec(3, 1, kernel_size=1))
    assert heard == [None] and document.hovered_weight is None


# ---- the sliding-window view --------------------------------------------------------------------


def make_view(qtbot, spec: LayerSpec, size: int = 12):
    from convexplorer.widgets.sliding_window import SlidingWindowView

    document = make_document(spec, size)
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.resize(1400, 420)
    view.show()
    qtbot.waitExposed(view)
    return document, view


def cell(row: int, col: int) -> QRectF:
    return QRectF(col, row, 1, 1)


def test_the_overview_draws_the_receptive_field_with_spaced_taps_and_the_padding(qtbot):
    spec = LayerSpec(3, 1, 3, stride=2, padding=(1, 2), dilation=2)
    document, view = make_view(qtbot, spec)
    overview = view.overview.input_view
    assert overview.padded_rect() == QRectF(-2, -1, 16, 14)  # 12×12 inside (1, 2) padding
    document.select(position=(2, 3))
    dot = document.view.dot_product()
    assert overview.window_rect() == QRectF(4, 3, 5, 5)  # 3 taps spaced 2 apart from (3, 4)
    drawn = sorted((round(r.top()), round(r.left())) for r in overview.tap_cells())
    taps = sorted(zip(dot.tap_rows.ravel().tolist(), dot.tap_cols.ravel().tolist(), strict=True))
    assert drawn == taps and len(drawn) == 9
    assert view.overview.input_title.text().startswith("input RGB")


def test_the_overview_shows_the_detailed_channel_of_a_deep_input(qtbot):
    document, view = make_view(qtbot, LayerSpec(8, 1, padding=1))
    view.strip.pin_slot(5)
    document.select(position=(1, 1))
    assert view.overview.input_title.text().startswith("input in 5")


def test_a_hovered_weight_outlines_the_pixel_it_multiplies_and_follows_the_window(qtbot):
    document, view = make_view(qtbot, LayerSpec(3, 2, padding=1, padding_mode="reflect"))
    document.select(position=(4, 6))
    document.hover_weight(1, 2, 0, 2)  # another filter: the same position, so the same pixel
    assert view.overview.input_view.hovered_cells() == [cell(3, 7)]
    neighbourhoods = [row.neighbourhood for row in view.strip._rows]
    assert [n.hovered_cells() for n in neighbourhoods] == [[cell(3, 7)]] * 3  # every channel
    assert "w[1, 2, 0, 2]" in view.overview.input_caption.text()
    document.select(position=(0, 0))  # tap (0, 2) now lands in the padding and copies (1, 1)
    assert view.overview.input_view.hovered_cells() == [cell(-1, 1), cell(1, 1)]
    document.hover_weight(None)
    assert view.overview.input_view.hovered_cells() == []


def test_a_hovered_input_pixel_marks_every_output_it_feeds(qtbot):
    spec = LayerSpec(3, 1, 3, stride=2, dilation=2, padding=2)
    document, view = make_view(qtbot, spec)
    document.select(position=(1, 1))
    view.hover.hover_pixel((4, 2))
    rows, cols = reached_outputs(spec, 12, 12, 4, 2)
    expected = sorted((r, c) for r in rows.tolist() for c in cols.tolist())
    drawn = sorted((round(r.top()), round(r.left())) for r in view.hover.reached_cells())
    assert drawn == expected and len(drawn) > 1
    met = np.argwhere(taps_reading(document.view.dot_product(), 4, 2)).tolist()
    assert met == [[2, 1]]
    assert "meets kernel tap (2, 1)" in view.overview.input_caption.text()
    view.hover.hover_pixel(None)
    assert view.hover.reached_cells() == []


def test_moving_the_mouse_over_the_overview_hovers_the_pixel_under_it(qtbot):
    _, view = make_view(qtbot, LayerSpec(3, 1))
    overview = view.overview.input_view
    heard: list[object] = []
    overview.pixelHovered.connect(heard.append)
    box = overview.centralWidget
    for x in (4.5, 5.5):  # the first move may only enter the view
        point = overview.mapFromScene(box.mapViewToScene(QPointF(x, 2.5)))
        qtbot.mouseMove(overview.viewport(), point)
    qtbot.waitUntil(lambda: heard[-1:] == [(2, 5)])
    assert view.overview.input_view.hovered_cells() == [cell(2, 5)]


def test_hovering_a_kernel_cell_in_the_editor_hovers_that_weight(qtbot):
    from convexplorer.widgets.kernel_editor import KernelEditor

    document = make_document()
    editor = KernelEditor(document)
    qtbot.addWidget(editor)
    editor.resize(600, 350)
    editor.show()
    qtbot.waitExposed(editor)
    table = editor.findChild(QTableView, "kernelSlice_1_2")
    rect = table.visualRect(table.model().index(2, 0))
    with qtbot.waitSignal(document.weightHovered) as blocker:
        qtbot.mouseMove(table.viewport(), rect.center())
    assert blocker.args == [(1, 2, 2, 0)]


def test_a_thumbnail_names_the_tap_under_the_mouse(qtbot):
    from convexplorer.widgets.kernel_editor import KernelEditor

    document = make_document(LayerSpec(16, 4, groups=2), size=8)
    editor = KernelEditor(document)
    qtbot.addWidget(editor)
    editor.resize(600, 350)
    editor.show()
    qtbot.waitExposed(editor)
    thumbnails = editor.thumbnails
    tile = thumbnails.tile_rect(3, 9)  # filter 3 sees channels 8..15: slot 1
    bottom_right = tile.bottomRight() - QPoint(2, 2)
    assert thumbnails.tap_at(bottom_right) == (3, 1, 2, 2)
    assert thumbnails.tap_at(tile.topLeft() + QPoint(2, 2)) == (3, 1, 0, 0)
    assert thumbnails.tap_at(thumbnails.tile_rect(0, 9).center()) is None  # not seen
    qtbot.mouseMove(thumbnails, bottom_right)
    qtbot.waitUntil(lambda: document.hovered_weight == (3, 1, 2, 2))


# ---- the output panels ---------------------------------------------------------------------------


def test_the_output_panels_mark_the_current_pixel_at_every_step(qtbot):
    from convexplorer.widgets.output_panels import OutputPanels

    document = make_document(LayerSpec(3, 3))
    panels = OutputPanels(document)
    qtbot.addWidget(panels)
    panels.resize(600, 400)
    panels.show()
    for o, position in [(0, (0, 0)), (0, (0, 1)), (2, (5, 7)), (1, (9, 9))]:
        document.select(out_channel=o, position=position)
        markers = [panel.marker for panel in panels.panels]
        assert markers == [position if p == o else None for p in range(3)]


def test_hovering_the_sliding_view_s_kernel_grid_hovers_that_weight(qtbot):
    document, view = make_view(qtbot, LayerSpec(3, 2, padding=1))
    document.select(out_channel=1, position=(4, 6))
    grid = view.strip._rows[2].kernel  # the row of input channel 2
    centre = QPoint(grid.width() // 2, grid.height() // 2)  # the middle tap of a 3×3 kernel
    with qtbot.waitSignal(document.weightHovered) as blocker:
        qtbot.mouseMove(grid, centre)
    assert blocker.args == [(1, 2, 1, 1)]
    assert view.overview.input_view.hovered_cells() == [cell(4, 6)]  # the pixel it multiplies
    with qtbot.waitSignal(document.weightHovered) as blocker:
        grid.leaveEvent(QEvent(QEvent.Type.Leave))
    assert blocker.args == [None]
