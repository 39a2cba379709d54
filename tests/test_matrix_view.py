"""The matrix view driven like a user: its numbers are the model's, its column follows the
sliding window, clicks select, hovering names each cell."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from convexplorer.model import ExplorerState, LayerSpec, weight_matrix
from convexplorer.qt import Document
from convexplorer.widgets.matrix_view import HALF_WINDOW, MatrixView
from convexplorer.widgets.sliding_window import SlidingWindowView
from convexplorer.widgets.style import number

from .test_unfold import loop_unfold
from .tolerance import assert_sums_close


def _document(spec: LayerSpec, shape=(3, 12, 20), seed=0) -> Document:
    rng = np.random.default_rng(seed)
    state = ExplorerState(rng.random(shape, dtype=np.float32), spec)
    document = Document(state)
    document.apply_preset("kaiming")
    document.wait_until_idle()
    return document


def _shown(qtbot, document: Document) -> MatrixView:
    view = MatrixView(document)
    qtbot.addWidget(view)
    view.resize(1100, 330)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture
def document():
    return _document(LayerSpec(3, 4, kernel_size=3, padding=1, stride=(1, 2)))


@pytest.fixture
def view(qtbot, document):
    return _shown(qtbot, document)


def _point(view: MatrixView, cell) -> QPoint:
    """Where a cell is on the picture's viewport (scene coordinates are its pixels)."""
    return view.picture.mapFromScene(view.picture.cell_centre(cell))


def test_x_is_the_unfold_and_y_the_model_s_outputs(view, document):
    state = document.view
    spec = state.spec
    columns = view.columns
    assert len(columns) == 2 * HALF_WINDOW + 1
    values, padding = loop_unfold(state.image, spec, columns.start, columns.stop)
    np.testing.assert_array_equal(view.unfolded.values, values.astype(np.float32))
    np.testing.assert_array_equal(view.unfolded.padding, padding)
    raw = np.stack([state.raw_output(o).ravel() for o in range(spec.out_channels)])
    np.testing.assert_array_equal(view.shown_y(), raw[:, columns.start : columns.stop])
    full, _ = weight_matrix(state.weight, spec)
    product = full @ view.unfolded.values + state.bias[:, None]
    abs_terms = np.abs(full) @ np.abs(view.unfolded.values) + np.abs(state.bias)[:, None]
    assert_sums_close(product, view.shown_y(), abs_terms, full.shape[1] + 1, np.float32)


def test_the_captions_give_the_real_shapes(view):
    text = view.header.text()
    assert "W: 4 × 27" in text and "X: 27 × 120" in text and "Y: 4 × 120" in text
    assert "one matrix multiply" in text


def test_the_column_follows_the_sliding_window(qtbot, view, document):
    sliding = SlidingWindowView(document)
    qtbot.addWidget(sliding)
    document.select(position=(2, 3))
    out_w = document.view.output_size[1]
    assert view.current_column() == 2 * out_w + 3 - view.columns.start
    before = view.picture.column_rect()
    sliding.actions_by_name["forward"].trigger()
    assert document.view.position == (2, 4)
    after = view.picture.column_rect()
    step = after.center().x() - before.center().x()
    assert step == pytest.approx(view.picture.cell_centre(("Y", 0, 1)).x() - _x0(view))
    assert view.picture.column_label() == "out(2, 4)"
    sliding.actions_by_name["last"].trigger()  # far away: the window moves along
    last = document.view.output_size[0] * out_w - 1
    assert view.columns.stop == last + 1 and view.current_column() == len(view.columns) - 1
    centre = view.picture.cell_centre(("Y", 0, view.current_column())).x()
    assert view.picture.column_rect().center().x() == pytest.approx(centre)


def _x0(view: MatrixView) -> float:
    return view.picture.cell_centre(("Y", 0, 0)).x()


def test_the_selected_filter_s_row_is_marked(view, document):
    document.select(out_channel=2)
    row = view.picture.row_rect()
    assert row.contains(view.picture.cell_centre(("W", 2, 0)))
    assert row.contains(view.picture.cell_centre(("Y", 2, 5)))
    assert not row.contains(view.picture.cell_centre(("Y", 1, 5)))


def test_clicking_a_column_or_a_row_selects_it(qtbot, view, document):
    out_w = document.view.output_size[1]
    start = view.columns.start
    qtbot.mouseClick(
        view.picture.viewport(), Qt.MouseButton.LeftButton, pos=_point(view, ("X", 4, 7))
    )
    assert document.view.position == divmod(start + 7, out_w)
    qtbot.mouseClick(
        view.picture.viewport(), Qt.MouseButton.LeftButton, pos=_point(view, ("W", 3, 0))
    )
    assert document.view.selected_filter == 3
    qtbot.mouseClick(
        view.picture.viewport(), Qt.MouseButton.LeftButton, pos=_point(view, ("Y", 1, 9))
    )
    assert document.view.selected_filter == 1
    assert document.view.position == divmod(start + 9, out_w)


def _hover(qtbot, view: MatrixView, cell) -> str:
    """Move the mouse over a cell; the line under Y then says what it is.

    pyqtgraph drops mouse moves that come within 1/60 s of the last, and Qt a move to where the
    mouse already is: move to and fro by a pixel (inside the cell) until one arrives.
    """
    moves = iter(range(1_000_000))

    def arrived() -> bool:
        qtbot.mouseMove(view.picture.viewport(), _point(view, cell) + QPoint(next(moves) % 2, 0))
        return view.picture.hover_text() == view.describe(cell)

    qtbot.waitUntil(arrived)
    return view.picture.hover_text()


def test_hovering_says_what_a_cell_is(qtbot, view, document):
    with qtbot.waitSignal(view.statusMessage) as said:
        text = _hover(qtbot, view, ("X", 0, 0))
    # out(0, 0) with padding 1: tap (0, 0) lands on (-1, -1), in the zero padding
    assert said.args[0] == text
    assert (
        text == "X[0, 0]: tap (0, 0) of in 0 (R) at out(0, 0) lands on (−1, −1): zero padding = 0"
    )
    text = _hover(qtbot, view, ("X", 13, 0))  # in 1, tap (1, 1) of out(0, 0)
    pixel = number(document.view.image[1, 0, 0])
    assert text == f"X[13, 0]: tap (1, 1) of in 1 (G) at out(0, 0) reads pixel (0, 0) = {pixel}"
    text = _hover(qtbot, view, ("W", 2, 13))  # filter 2, in 1, tap (1, 1)
    assert document.hovered_weight == (2, 1, 1, 1)
    weight = number(document.view.weight[2, 1, 1, 1])
    assert text == f"W[2, 13] = w[2, 1, 1, 1] = {weight}: filter 2, in 1 (G) tap (1, 1)"
    text = _hover(qtbot, view, ("Y", 3, 2))  # stride 2: out(0, 2) is position 2
    assert document.hovered_weight is None
    value = number(document.view.raw_output(3)[0, 2])
    assert text == f"Y[3, 2] = output 3 at out(0, 2) = {value}: row 3 of W · column 2 of X + b"
    text = _hover(qtbot, view, ("b", 1, 0))
    assert text == f"b[1] = {number(document.view.bias[1])}, added to every column of row 1 of Y"


def test_a_weight_hovered_elsewhere_marks_its_cell_and_the_row_of_x_it_multiplies(view, document):
    document.hover_weight(1, 2, 0, 1)  # filter 1, in 2, tap (0, 1): column 2·9 + 1 of W
    assert view.picture.marked_weight() == (1, 19)
    document.hover_weight(None)
    assert view.picture.marked_weight() is None
    document.hover_weight(9, 0, 0, 0)  # no such filter (a stale hover): nothing marked, no error
    assert view.picture.marked_weight() is None


def test_a_grouped_layer_shows_w_block_diagonal(qtbot):
    document = _document(LayerSpec(4, 4, kernel_size=3, groups=2), shape=(4, 9, 9))
    view = _shown(qtbot, document)
    assert "block-diagonal" in view.header.text() and "W: 4 × 36" in view.header.text()
    assert view.describe(("W", 0, 18)) == (
        "W[0, 18] = 0: filter 0 has no weight for in 2 tap (0, 0) (groups=2: it sees in 0–1)"
    )
    assert view.picture.absent_cells() == 2 * 2 * 18  # half of every row
    document.select(out_channel=3)
    assert view.picture.group_rows() == (18, 36)  # filter 3 reads in 2–3: rows 18…35 of X


def test_layers_the_view_cannot_draw_get_a_sentence(qtbot, document):
    view = _shown(qtbot, document)
    document.set_layer(LayerSpec(3, 4, kernel_size=3, transposed=True))
    assert "transposed convolution" in view.header.text()
    assert not view.picture.isVisible()
    document.set_layer(LayerSpec(3, 2, kernel_size=3))
    assert view.picture.isVisible() and "W: 2 × 27" in view.header.text()


def test_too_many_rows_to_draw_get_a_sentence(qtbot):
    document = _document(LayerSpec(200, 1, kernel_size=5), shape=(200, 6, 6))
    view = _shown(qtbot, document)
    assert "5\u202f000 rows (C_in·kH·kW = 200·5·5): too many to draw" in view.header.text()
    assert not view.picture.isVisible()


def test_a_hidden_view_catches_up_when_shown(qtbot, view, document):
    view.hide()
    document.select(position=(11, 9))
    document.set_weight(0, 0, 1, 1, 2.5)
    document.wait_until_idle()
    view.show()
    out_w = document.view.output_size[1]
    assert view.current_column() == 11 * out_w + 9 - view.columns.start
    raw = document.view.raw_output(0).ravel()
    np.testing.assert_array_equal(view.shown_y()[0], raw[view.columns.start : view.columns.stop])


def test_an_edit_reaches_y_once_computed(qtbot, view, document):
    document.set_weight(1, 0, 0, 0, -3.0)
    qtbot.waitUntil(lambda: document.view.is_ready(1))
    raw = document.view.raw_output(1).ravel()
    np.testing.assert_array_equal(view.shown_y()[1], raw[view.columns.start : view.columns.stop])


def test_scrolling_shows_other_columns_and_stepping_brings_the_current_one_back(view, document):
    view.scrollbar.setValue(50)
    assert view.columns.start == 50 and view.current_column() is None
    assert view.picture.column_rect() is None
    document.select(position=(0, 1))
    assert view.columns.start == 0 and view.current_column() == 1


def test_a_padding_tap_says_which_pixel_its_padding_mode_copies(qtbot):
    spec = LayerSpec(3, 2, kernel_size=3, padding=1, padding_mode="reflect")
    document = _document(spec)
    view = _shown(qtbot, document)
    value = number(document.view.image[0, 1, 1])  # reflect: (−1, −1) mirrors (1, 1)
    assert view.describe(("X", 0, 0)) == (
        "X[0, 0]: tap (0, 0) of in 0 (R) at out(0, 0) lands on (−1, −1) in the reflect padding, "
        f"a copy of pixel (1, 1) = {value}"
    )
    assert (
        view.unfolded.padding[0, 0] and view.unfolded.values[0, 0] == document.view.image[0, 1, 1]
    )


def test_a_flipping_layer_s_w_is_described_and_hovered_as_the_typed_weights(qtbot, document):
    view = _shown(qtbot, document)
    document.set_layer(LayerSpec(3, 4, kernel_size=3, padding=1, flip_kernel=True))
    assert "W holds each kernel flipped" in view.header.text()
    # column 14 of W: in 1, tap (1, 2) as used, which is typed weight (1, 0)
    assert view.describe(("W", 2, 14)) == (
        f"W[2, 14] = w[2, 1, 1, 0] = {number(document.view.weight[2, 1, 1, 0])}: filter 2, "
        "in 1 (G) tap (1, 2) (the typed kernel flipped)"
    )
    _hover(qtbot, view, ("W", 2, 9))  # in 1, tap (0, 0) in use: typed (2, 2)
    assert document.hovered_weight == (2, 1, 2, 2)
    document.hover_weight(2, 1, 2, 1)  # typed (2, 1) is used at tap (0, 1): column 10
    assert view.picture.marked_weight() == (2, 10)


def test_y_waits_in_grey_while_the_model_computes(qtbot):
    rng = np.random.default_rng(1)
    state = ExplorerState(rng.random((3, 12, 20), dtype=np.float32), LayerSpec(3, 2))
    document = Document(state, sync_limit_ms=0)  # every job on the worker
    document.wait_until_idle()
    view = _shown(qtbot, document)
    document.set_weight(1, 0, 0, 0, 4.0)
    assert np.isnan(view.shown_y()[1]).all() and not np.isnan(view.shown_y()[0]).any()
    assert "being computed" in view.describe(("Y", 1, 0))
    qtbot.waitUntil(lambda: document.view.is_ready(1))
    raw = document.view.raw_output(1).ravel()
    np.testing.assert_array_equal(view.shown_y()[1], raw[: len(view.columns)])


def test_a_one_pixel_output_is_one_column(qtbot):
    document = _document(LayerSpec(2, 3, kernel_size=4), shape=(2, 4, 4))
    view = _shown(qtbot, document)
    assert view.columns == range(1) and view.current_column() == 0
    assert view.scrollbar.maximum() == 0 and "X: 32 × 1" in view.header.text()


@pytest.mark.parametrize(
    ("rows_k", "filters", "columns", "size"),
    [
        (27, 2, 65, (1280, 258)),
        (288, 32, 65, (1280, 258)),
        (9, 1, 4, (400, 200)),
        (4096, 256, 65, (300, 150)),
    ],
)
def test_the_layout_fits_and_lines_rows_and_columns_up(rows_k, filters, columns, size):
    from PySide6.QtCore import QRectF

    from convexplorer.widgets.matrix_view._layout import layout

    geometry = layout(*size, rows_k, filters, columns, True, 40, 18)
    widget = QRectF(0, 0, *size)
    for rect in (geometry.w, geometry.x, geometry.y, geometry.bias):
        assert widget.contains(rect) and rect.width() > 0 and rect.height() > 0
    assert geometry.x.left() == geometry.y.left() and geometry.x.width() == geometry.y.width()
    assert geometry.x.bottom() < geometry.y.top()  # X above Y, a column of X runs into Y's
    assert geometry.w.top() == geometry.y.top() and geometry.w.height() == geometry.y.height()
    assert geometry.w.right() < geometry.y.left() and geometry.y.right() < geometry.bias.left()
