"""The picture of ``Y = W · X + b``: one ImageItem per matrix, a few marks and labels over them.

The view hands in colours (RGB arrays) and says what is selected; this draws them where the
layout puts them and reports the cell under the mouse or clicked as ``(matrix, row, column)``
with matrix one of ``"W"``, ``"X"``, ``"Y"``, ``"b"``. A frame that only moves the selection moves
three rectangles and a label; the matrices are drawn again only when their numbers change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QFont, QHelpEvent, QPainterPath, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QToolTip,
    QWidget,
)

from ..style import (
    ABSENT_HATCH,
    GROUP_LINE,
    HOVER_COLOR,
    INK_DARK,
    LABEL_GREY,
    PADDING_COLOR,
    ROW_START_LINE,
    SELECTED_COLOR,
    SEPARATOR,
    WINDOW_COLOR,
    cosmetic_pen,
)
from ._layout import Layout, layout

Cell = tuple[str, int, int]  # (matrix, row, column)
_OUTSIDE = 2.5  # px between a marked cell and its outline, so the outline hides no colour


@dataclass(frozen=True)
class Shape:
    """What the picture holds: K rows of X (``channels`` bands of ``taps``), C_out filters, n
    columns, the groups, whether there is a bias, and the input channels' names."""

    channels: int
    taps: int
    filters: int
    columns: int
    groups: int
    bias: bool
    channel_names: tuple[str, ...]

    @property
    def rows_k(self) -> int:
        return self.channels * self.taps


class MatrixPicture(pg.GraphicsView):
    """W, X, Y (and b) laid out as a matrix multiply; hover and click report cells."""

    cellHovered = Signal(object)  # Cell or None
    cellClicked = Signal(object)  # Cell

    _shape: Shape | None = None  # (pyqtgraph resizes the view before __init__ returns)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=None)  # scene coordinates are widget pixels
        self.setObjectName("matrixPicture")
        self.setAccessibleName("The layer as one matrix multiply: W times X plus b equals Y")
        self.setFrameShape(pg.GraphicsView.Shape.NoFrame)
        self.setMouseTracking(True)
        self._layout: Layout | None = None
        self._images = {name: pg.ImageItem(axisOrder="row-major") for name in ("W", "X", "Y", "b")}
        for image in self._images.values():
            self.addItem(image)
        self._absent = QGraphicsPathItem()  # W's cells a filter has no weight for: hatched
        self._absent.setPen(QPen(Qt.PenStyle.NoPen))
        self._absent.setBrush(QBrush(ABSENT_HATCH, Qt.BrushStyle.BDiagPattern))
        self._padding = QGraphicsPathItem()  # X's cells read from the padding: hatched amber
        self._padding.setPen(QPen(Qt.PenStyle.NoPen))
        self._padding.setBrush(QBrush(PADDING_COLOR, Qt.BrushStyle.BDiagPattern))
        self._separators = QGraphicsPathItem()  # channel bands (thin) and groups (thick)
        self._separators.setPen(cosmetic_pen(SEPARATOR, 1))
        self._group_lines = QGraphicsPathItem()
        self._group_lines.setPen(cosmetic_pen(GROUP_LINE, 1.5, Qt.PenStyle.DashLine))
        self._group_rows = QGraphicsRectItem()  # X's rows the selected filter reads (groups)
        self._group_rows.setPen(cosmetic_pen(SELECTED_COLOR, 2, Qt.PenStyle.DashLine))
        self._row_shadow = QGraphicsRectItem()
        self._row_shadow.setPen(cosmetic_pen(INK_DARK, 4))
        self._row = QGraphicsRectItem()  # the selected filter: W's row, Y's row and its bias
        self._row.setPen(cosmetic_pen(SELECTED_COLOR, 2))
        self._column_shadow = QGraphicsRectItem()
        self._column_shadow.setPen(cosmetic_pen(INK_DARK, 4))
        self._column = QGraphicsRectItem()  # the current position: X's column and Y's column
        self._column.setPen(cosmetic_pen(WINDOW_COLOR, 2))
        self._product = QGraphicsRectItem()  # where they meet: the output being computed
        self._product.setPen(cosmetic_pen(INK_DARK, 2.5))
        self._row_starts = QGraphicsPathItem()  # where X's columns move on to the next output row
        self._row_starts.setPen(cosmetic_pen(ROW_START_LINE, 1, Qt.PenStyle.DotLine))
        self._hover_w = QGraphicsRectItem()  # a hovered weight and the row of X it multiplies
        self._hover_x = QGraphicsRectItem()
        self._hover_cell = QGraphicsRectItem()  # the cell under the mouse
        for item in (self._hover_w, self._hover_x, self._hover_cell):
            item.setPen(cosmetic_pen(HOVER_COLOR, 2))
            item.setVisible(False)
        self._marks: list[QGraphicsItem] = [
            self._absent,
            self._padding,
            self._separators,
            self._group_lines,
            self._row_starts,
            self._group_rows,
            self._row_shadow,
            self._row,
            self._column_shadow,
            self._column,
            self._product,
            self._hover_w,
            self._hover_x,
            self._hover_cell,
        ]
        for item in self._marks:
            self.addItem(item)
        self._labels: list[QGraphicsSimpleTextItem] = []  # rebuilt with the shape or the size
        self._column_label = self._text("", bold=True)
        self._hover_text = self._text("", grey=True)  # what the cell under the mouse is
        self._hover_full = ""
        self._starts: list[tuple[int, str]] = []  # (column, label) where an output row begins
        self._start_labels: list[QGraphicsSimpleTextItem] = []
        self._selected: tuple[int, int | None] = (0, None)  # filter, column shown (None: off)
        self._column_text = ""
        self._group_span: tuple[int, int] | None = None
        self._padding_mask: np.ndarray | None = None
        self._absent_mask: np.ndarray | None = None
        self._hovered: Cell | None = None
        self._marked: tuple[int, int] | None = None  # (filter, k) of a weight hovered anywhere
        self.scene().sigMouseMoved.connect(self._moved)
        self.scene().sigMouseClicked.connect(self._clicked)

    def sizeHint(self) -> QSize:
        return QSize(900, 300)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, 140)

    # ---- shape and layout ------------------------------------------------------------------------

    def set_shape(self, shape: Shape) -> None:
        """A new layer or input: the matrices' sizes and labels (colours follow separately)."""
        self._shape = shape
        self._report(None)  # the cell under the mouse may not exist any more
        self._arrange()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _label_width(self) -> float:
        assert self._shape is not None
        metrics = self.fontMetrics()
        widest = max((metrics.horizontalAdvance(n) for n in self._shape.channel_names), default=0)
        return max(metrics.horizontalAdvance(f"f {self._shape.filters - 1}") + 10, widest + 12)

    def _arrange(self) -> None:
        shape = self._shape
        if shape is None:
            return
        line = self.fontMetrics().height() + 4
        self._layout = geometry = layout(
            self.width(),
            self.height(),
            shape.rows_k,
            shape.filters,
            shape.columns,
            shape.bias,
            self._label_width(),
            line,
        )
        for name, rect in (("W", geometry.w), ("X", geometry.x), ("Y", geometry.y)):
            self._images[name].setRect(rect)
        self._images["b"].setVisible(geometry.bias is not None)
        if geometry.bias is not None:
            self._images["b"].setRect(geometry.bias)
        self._draw_separators()
        self._draw_labels()
        self._draw_absent()
        self._draw_padding()
        self._place_selection()
        self._place_hover_text()
        self._draw_row_starts()

    def _draw_separators(self) -> None:
        """White lines between input channels' bands (X's rows, W's columns); dashed between
        groups."""
        shape, geometry = self._shape, self._layout
        assert shape is not None and geometry is not None
        thin, thick = QPainterPath(), QPainterPath()
        x, w = geometry.x, geometry.w
        per_group = shape.channels // shape.groups
        for c in range(1, shape.channels):
            fy = x.top() + x.height() * c / shape.channels
            fx = w.left() + w.width() * c / shape.channels
            path = thick if c % per_group == 0 else thin
            if path is thin and x.height() / shape.channels < 4:
                continue  # bands thinner than a few pixels: lines would hide the colours
            path.moveTo(x.left(), fy)
            path.lineTo(x.right(), fy)
            path.moveTo(fx, w.top())
            path.lineTo(fx, w.bottom())
        for g in range(1, shape.groups):  # Y's rows between groups of filters
            fy = w.top() + w.height() * g / shape.groups
            thick.moveTo(w.left(), fy)
            thick.lineTo(geometry.y.right(), fy)
        self._separators.setPath(thin)
        self._group_lines.setPath(thick)

    def _text(self, text: str, bold: bool = False, grey: bool = False) -> QGraphicsSimpleTextItem:
        item = QGraphicsSimpleTextItem(text)
        font = QFont(self.font())
        font.setBold(bold)
        item.setFont(font)
        item.setBrush(LABEL_GREY if grey else self.palette().text().color())
        self.addItem(item)
        return item

    def _place(self, item: QGraphicsSimpleTextItem, x: float, y: float, align: str) -> None:
        """Put ``item`` at (x, y): ``align`` is two letters, horizontal (l/c/r) and vertical
        (t/c/b) — the text's point that lands there."""
        rect = item.boundingRect()
        dx = {"l": 0.0, "c": rect.width() / 2, "r": rect.width()}[align[0]]
        dy = {"t": 0.0, "c": rect.height() / 2, "b": rect.height()}[align[1]]
        item.setPos(round(x - dx), round(y - dy))

    def _every(self, count: int, room: float) -> int:
        """Label every n-th of ``count`` bands spread over ``room`` px so the labels fit."""
        every, text = 1, self.fontMetrics().height()
        while every < count and room * every / count < text:
            every *= 2
        return every

    def _draw_labels(self) -> None:
        """Names of the matrices, filters (left of W), input channels (left of X, under W)."""
        for item in self._labels:
            self.scene().removeItem(item)
        self._labels = []
        shape, geometry = self._shape, self._layout
        assert shape is not None and geometry is not None
        x, w, y = geometry.x, geometry.w, geometry.y

        def add(text: str, px: float, py: float, align: str, **style: bool) -> None:
            item = self._text(text, **style)
            self._place(item, px, py, align)
            self._labels.append(item)

        add("X", x.right() + 4, x.top(), "lt", bold=True)
        add("W", w.left(), w.top() - 2, "lb", bold=True)
        add("Y", y.right(), y.top() - 2, "rb", bold=True)
        if geometry.bias is not None:
            add("+", (y.right() + geometry.bias.left()) / 2, y.center().y(), "cc", bold=True)
            add("b", geometry.bias.center().x(), y.top() - 2, "cb", bold=True)
        band = x.height() / shape.channels
        for c in range(0, shape.channels, self._every(shape.channels, x.height())):
            add(shape.channel_names[c], x.left() - 6, x.top() + band * (c + 0.5), "rc")
        band = w.width() / shape.channels
        every = self._every(shape.channels, w.width() * self.fontMetrics().height() / 40)
        for c in range(0, shape.channels, every):
            label = shape.channel_names[c].split(" ")[1] if band < 40 else shape.channel_names[c]
            add(label, w.left() + band * (c + 0.5), w.bottom() + 1, "ct", grey=True)
        row = w.height() / shape.filters
        every = self._every(shape.filters, w.height())
        for o in range(0, shape.filters, every):
            add(f"f {o}", w.left() - 6, w.top() + row * (o + 0.5), "rc")

    def _draw_absent(self) -> None:
        """Hatch W's cells a filter has no weight for (``set_w``'s mask), in runs per group."""
        path = QPainterPath()
        if self._absent_mask is not None and self._layout is not None:
            path = _runs_path(self._absent_mask, self._layout.w)
        self._absent.setPath(path)

    def _draw_padding(self) -> None:
        path = QPainterPath()
        if self._padding_mask is not None and self._layout is not None:
            path = _runs_path(self._padding_mask, self._layout.x)
        self._padding.setPath(path)

    # ---- the matrices ----------------------------------------------------------------------------

    def set_w(self, rgb: np.ndarray, absent: np.ndarray) -> None:
        """W's colours (C_out, K, 3) and where a filter has no weight (C_out, K)."""
        self._images["W"].setImage(rgb, autoLevels=False, levels=(0, 255))
        if self._absent_mask is None or not np.array_equal(self._absent_mask, absent):
            self._absent_mask = absent.copy()
            self._draw_absent()

    def set_x(self, rgb: np.ndarray, padding: np.ndarray) -> None:
        """X's colours (K, n, 3) and where a tap reads the padding (K, n)."""
        self._images["X"].setImage(rgb, autoLevels=False, levels=(0, 255))
        self._padding_mask = padding
        self._draw_padding()

    def set_y(self, rgb: np.ndarray) -> None:
        """Y's colours (C_out, n, 3)."""
        self._images["Y"].setImage(rgb, autoLevels=False, levels=(0, 255))

    def set_bias(self, rgb: np.ndarray | None) -> None:
        """The bias column's colours (C_out, 1, 3), or None for a layer without bias."""
        if rgb is not None:
            self._images["b"].setImage(rgb, autoLevels=False, levels=(0, 255))

    def set_row_starts(self, starts: list[tuple[int, str]]) -> None:
        """Columns where the positions move on to the next output row, with their labels."""
        self._starts = starts
        self._draw_row_starts()

    def _draw_row_starts(self) -> None:
        """A dotted line down X and Y before each such column, its label above X unless the
        current column's label is there."""
        shape, geometry = self._shape, self._layout
        for item in self._start_labels:
            self.scene().removeItem(item)
        self._start_labels = []
        if shape is None or geometry is None:
            return
        path = QPainterPath()
        width = geometry.x.width() / shape.columns
        for column, text in self._starts:
            fx = geometry.x.left() + column * width
            path.moveTo(fx, geometry.x.top())
            path.lineTo(fx, geometry.y.bottom())
            label = self._text(text, grey=True)
            self._place(label, fx + 2, geometry.x.top() - 1, "lb")
            self._start_labels.append(label)
        self._row_starts.setPath(path)
        self._hide_covered_labels()

    def _hide_covered_labels(self) -> None:
        current = self._column_label.sceneBoundingRect().adjusted(-4, 0, 4, 0)
        for label in self._start_labels:
            covered = self._column_label.isVisible() and current.intersects(
                label.sceneBoundingRect()
            )
            label.setVisible(not covered)

    # ---- selection and hover ---------------------------------------------------------------------

    def set_selection(
        self,
        out_channel: int,
        column: int | None,
        column_text: str,
        group_rows: tuple[int, int] | None,
    ) -> None:
        """Mark the filter's row, the current column (None: scrolled out of the window) with its
        label, and for groups the rows of X the filter reads ([first, stop))."""
        self._selected = (out_channel, column)
        self._column_text = column_text
        self._group_span = group_rows
        self._place_selection()

    def _place_selection(self) -> None:
        shape, geometry = self._shape, self._layout
        if shape is None or geometry is None:
            return
        o, column = self._selected
        cell_y = geometry.cell(geometry.y, shape.filters, shape.columns, o, column or 0)
        right = geometry.bias.right() if geometry.bias is not None else geometry.y.right()
        row = QRectF(geometry.w.left(), cell_y.top(), right - geometry.w.left(), cell_y.height())
        row = row.adjusted(-_OUTSIDE, -_OUTSIDE, _OUTSIDE, _OUTSIDE)  # the cells stay visible
        self._row.setRect(row)
        self._row_shadow.setRect(row)
        shown = column is not None
        for item in (self._column, self._column_shadow, self._product, self._column_label):
            item.setVisible(shown)
        if shown:
            strip = QRectF(cell_y.left(), geometry.x.top(), cell_y.width(), 0)
            strip.setBottom(geometry.y.bottom())
            strip = strip.adjusted(-_OUTSIDE, -_OUTSIDE, _OUTSIDE, _OUTSIDE)
            self._column.setRect(strip)
            self._column_shadow.setRect(strip)
            self._product.setRect(cell_y.adjusted(-_OUTSIDE, -_OUTSIDE, _OUTSIDE, _OUTSIDE))
            self._column_label.setText(self._column_text)
            half = self._column_label.boundingRect().width() / 2
            centre = min(max(cell_y.center().x(), geometry.x.left() + half), self.width() - half)
            self._place(self._column_label, centre, geometry.x.top() - _OUTSIDE - 1, "cb")
        self._hide_covered_labels()
        self._group_rows.setVisible(self._group_span is not None)
        if self._group_span is not None:
            first, stop = self._group_span
            band = geometry.x.height() / shape.rows_k
            self._group_rows.setRect(
                QRectF(
                    geometry.x.left() - 3,
                    geometry.x.top() + first * band,
                    geometry.x.width() + 6,
                    (stop - first) * band,
                )
            )

    def show_hovered_weight(self, out_channel: int | None, k: int = 0) -> None:
        """Outline W's cell (out_channel, k) and X's row k: a weight and what it multiplies."""
        shape, geometry = self._shape, self._layout
        visible = out_channel is not None and shape is not None and geometry is not None
        self._hover_w.setVisible(visible)
        self._hover_x.setVisible(visible)
        self._marked = (out_channel, k) if visible else None
        if not visible:
            return
        assert shape is not None and geometry is not None and out_channel is not None
        self._hover_w.setRect(
            geometry.cell(geometry.w, shape.filters, shape.rows_k, out_channel, k)
        )
        band = geometry.x.height() / shape.rows_k
        self._hover_x.setRect(
            QRectF(geometry.x.left(), geometry.x.top() + k * band, geometry.x.width(), band)
        )

    def set_hover_text(self, text: str) -> None:
        """Say what the cell under the mouse is, in the line under Y (elided to fit)."""
        self._hover_full = text
        self._place_hover_text()

    def hover_text(self) -> str:
        return self._hover_full

    def _place_hover_text(self) -> None:
        geometry = self._layout
        if geometry is None:
            return
        left = geometry.y.left()
        text = self.fontMetrics().elidedText(
            self._hover_full, Qt.TextElideMode.ElideRight, int(self.width() - left - 4)
        )
        self._hover_text.setText(text)
        self._place(self._hover_text, left, geometry.y.bottom() + 1, "lt")

    def hit(self, point: QPointF) -> Cell | None:
        """(matrix, row, column) under a point in widget pixels."""
        shape, geometry = self._shape, self._layout
        if shape is None or geometry is None:
            return None
        boxes = [
            ("W", geometry.w, shape.filters, shape.rows_k),
            ("X", geometry.x, shape.rows_k, shape.columns),
            ("Y", geometry.y, shape.filters, shape.columns),
        ]
        if geometry.bias is not None:
            boxes.append(("b", geometry.bias, shape.filters, 1))
        for name, rect, rows, cols in boxes:
            if rect.contains(point):
                row = int((point.y() - rect.top()) / rect.height() * rows)
                col = int((point.x() - rect.left()) / rect.width() * cols)
                return (name, min(row, rows - 1), min(col, cols - 1))
        return None

    def cell_centre(self, cell: Cell) -> QPointF:
        """The centre of a cell in widget pixels (for tests and tooltips)."""
        return self._cell_rect(cell).center()

    def _cell_rect(self, cell: Cell) -> QRectF:
        shape, geometry = self._shape, self._layout
        assert shape is not None and geometry is not None
        name, row, col = cell
        rect, rows, cols = {
            "W": (geometry.w, shape.filters, shape.rows_k),
            "X": (geometry.x, shape.rows_k, shape.columns),
            "Y": (geometry.y, shape.filters, shape.columns),
            "b": (geometry.bias, shape.filters, 1),
        }[name]
        assert rect is not None
        return geometry.cell(rect, rows, cols, row, col)

    def marked_weight(self) -> tuple[int, int] | None:
        """(filter, column of W) outlined as the weight hovered anywhere, for tests."""
        return self._marked

    def absent_cells(self) -> int:
        """How many cells of W are hatched as having no weight, for tests."""
        return 0 if self._absent_mask is None else int(self._absent_mask.sum())

    def group_rows(self) -> tuple[int, int] | None:
        """The rows of X outlined as the selected filter's group, for tests."""
        return self._group_span

    def column_rect(self) -> QRectF | None:
        """The current column's strip (None when it is scrolled out), for tests."""
        return self._column.rect() if self._column.isVisible() else None

    def row_rect(self) -> QRectF:
        return self._row.rect()

    def column_label(self) -> str:
        return self._column_label.text() if self._column_label.isVisible() else ""

    def _moved(self, scene_pos: QPointF) -> None:
        self._report(self.hit(scene_pos))

    def _report(self, cell: Cell | None) -> None:
        if cell != self._hovered:
            self._hovered = cell
            self._hover_cell.setVisible(cell is not None)
            if cell is not None:
                self._hover_cell.setRect(self._cell_rect(cell))
            self.cellHovered.emit(cell)

    def _clicked(self, event) -> None:  # pyqtgraph's MouseClickEvent
        if event.button() != Qt.MouseButton.LeftButton:
            return
        cell = self.hit(event.scenePos())
        if cell is not None:
            event.accept()
            self.cellClicked.emit(cell)

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        self._report(None)

    def viewportEvent(self, event: QEvent) -> bool:
        """The legend tooltip only off the cells: over a cell the line under Y says what it is,
        and a box over the picture would hide what the mouse explores."""
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            if self.hit(self.mapToScene(event.pos())) is not None:
                QToolTip.hideText()
                return True
        return super().viewportEvent(event)


def _runs_path(mask: np.ndarray, rect: QRectF) -> QPainterPath:
    """Rectangles over the True cells of a (rows, cols) mask drawn in ``rect``: one per run of
    True cells along a row, merged with the same run on the rows below."""
    path = QPainterPath()
    rows, cols = mask.shape
    if not mask.any():
        return path
    h, w = rect.height() / rows, rect.width() / cols
    edges = np.diff(np.pad(mask, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    starts_r, starts_c = np.nonzero(edges == 1)
    _, ends_c = np.nonzero(edges == -1)
    runs: dict[tuple[int, int], list[int]] = {}  # (start, end) → [first row, last row] open
    for r, c0, c1 in zip(starts_r.tolist(), starts_c.tolist(), ends_c.tolist(), strict=True):
        open_run = runs.get((c0, c1))
        if open_run is not None and open_run[1] == r - 1:
            open_run[1] = r
            continue
        if open_run is not None:
            _add(path, rect, open_run, c0, c1, h, w)
        runs[(c0, c1)] = [r, r]
    for (c0, c1), open_run in runs.items():
        _add(path, rect, open_run, c0, c1, h, w)
    return path


def _add(
    path: QPainterPath, rect: QRectF, rows: list[int], c0: int, c1: int, h: float, w: float
) -> None:
    top = rect.top() + rows[0] * h
    path.addRect(QRectF(rect.left() + c0 * w, top, (c1 - c0) * w, (rows[1] - rows[0] + 1) * h))
