"""Hovering the painting view: what the mouse points at is outlined where it touches and named."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint

from convexplorer.model import ExplorerState, LayerSpec, reached_outputs
from convexplorer.qt import Document
from convexplorer.widgets.sliding_window import SlidingWindowView

UPSAMPLING = {"kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1, "transposed": True}


def make_view(qtbot, spec: LayerSpec, size=(6, 7)):
    image = np.random.default_rng(0).random((spec.in_channels, *size), dtype=np.float32)
    state = ExplorerState(image, spec)
    state.apply_preset("kaiming", seed=2)
    document = Document(state)
    document.wait_until_idle()
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.resize(1500, 460)
    view.show()
    qtbot.waitExposed(view)
    return document, view.painting, view


def move_to(qtbot, picture, row: int, col: int) -> None:
    for dx in (0.3, 0.5):  # the first move may only enter the view
        point = picture.view_to_widget(row + 0.5, col + dx).toPoint()
        qtbot.mouseMove(picture.viewport(), point)


def grid_cell_centre(grid, i: int, j: int) -> QPoint:
    rows, cols = grid._shape()
    return QPoint(round(grid.width() * (j + 0.5) / cols), round(grid.height() * (i + 0.5) / rows))


@pytest.fixture
def painting(qtbot):
    return make_view(qtbot, LayerSpec(3, 2, **UPSAMPLING))


def test_an_input_pixel_under_the_mouse_outlines_every_output_it_paints(painting, qtbot):
    document, view, sliding = painting
    view.go_to(9)  # pixel (1, 2) paints; the mouse is on (2, 3), painted later
    with qtbot.waitSignal(sliding.statusMessage) as said:
        move_to(qtbot, view.input_picture, 2, 3)
    rows, cols = reached_outputs(document.view.spec, 6, 7, 2, 3)
    expected = sorted((r, c) for r in rows.tolist() for c in cols.tolist())
    assert view.input_picture.hovered_cells() == [(2, 3)]
    assert sorted(view.output_picture.hovered_cells()) == expected and len(expected) == 9
    assert "pixel (2, 3)" in said.args[0] and "paints 9 outputs of out 0" in said.args[0]
    assert "painted at pixel 18 of 42" in view.hover_line.text()
    assert len(view._rows[1].kernel.marked_cells()) == 9  # every tap lands inside
    view.input_picture.leaveEvent(QEvent(QEvent.Type.Leave))
    assert view.output_picture.hovered_cells() == [] and view.hover_line.text() == ""


def test_a_weight_under_the_mouse_outlines_the_output_it_paints_and_follows_the_pixel(
    painting, qtbot
):
    document, view, _ = painting
    view.go_to(9)  # pixel (1, 2): its patch lands from output (1, 3)
    grid = view._rows[2].kernel
    with qtbot.waitSignal(document.weightHovered) as blocker:
        qtbot.mouseMove(grid, grid_cell_centre(grid, 0, 2))
    assert blocker.args == [(0, 2, 0, 2)]
    assert view.output_picture.hovered_cells() == [(1, 5)]
    assert view.input_picture.hovered_cells() == [(1, 2)]
    assert view._rows[0].scaled.marked_cells() == [(0, 2)]
    assert "w[0, 2, 0, 2]" in view.hover_line.text() and "out 0 (1, 5)" in view.hover_line.text()
    view.step(1)  # the next pixel paints two columns further on
    assert view.output_picture.hovered_cells() == [(1, 7)]
    view.go_to(0)  # pixel (0, 0): tap (0, 2) lands on row −1, cropped by the padding
    assert view.output_picture.hovered_cells() == []
    assert "cropped off the output" in view.hover_line.text()
    grid.leaveEvent(QEvent(QEvent.Type.Leave))
    assert document.hovered_weight is None and view.hover_line.text() == ""


def test_a_flipped_kernel_names_the_weight_as_typed(qtbot):
    document, view, _ = make_view(qtbot, LayerSpec(1, 1, flip_kernel=True, **UPSAMPLING))
    view.go_to(9)
    grid = view._rows[0].scaled  # shows the kernel in use: (0, 0) is the typed (2, 2)
    with qtbot.waitSignal(document.weightHovered) as blocker:
        qtbot.mouseMove(grid, grid_cell_centre(grid, 0, 0))
    assert blocker.args == [(0, 0, 2, 2)]
    assert view.output_picture.hovered_cells() == [(1, 3)]  # where tap (0, 0) of the pixel lands


def test_an_output_pixel_under_the_mouse_outlines_the_pixels_and_taps_that_paint_it(
    painting, qtbot
):
    document, view, _ = painting
    view.go_to(9)
    move_to(qtbot, view.output_picture, 3, 4)
    qtbot.waitUntil(lambda: view.output_picture.hovered_cells() == [(3, 4)])
    dot = document.view.dot_product(0, (3, 4))
    lands = ~dot.in_padding
    rows, cols = dot.source_rows[lands].tolist(), dot.source_cols[lands].tolist()
    sources = sorted(zip(rows, cols, strict=True))
    assert sorted(view.input_picture.hovered_cells()) == sources == [(1, 2), (2, 2)]
    taps = [tuple(t) for t in np.argwhere(lands).tolist()]
    assert [row.kernel.marked_cells() for row in view._rows] == [taps] * 3  # every channel
    text = view.hover_line.text()
    assert text.startswith("out 0 (3, 4) sums 2 products") and "1 painted so far" in text


def test_a_cell_of_the_output_grids_is_the_output_pixel_under_that_tap(painting, qtbot):
    _, view, _ = painting
    view.go_to(9)  # taps land on rows 1..3, cols 3..5
    qtbot.mouseMove(view.after, grid_cell_centre(view.after, 2, 1))
    qtbot.waitUntil(lambda: view.output_picture.hovered_cells() == [(3, 4)])
    assert "out 0 (3, 4)" in view.hover_line.text()
