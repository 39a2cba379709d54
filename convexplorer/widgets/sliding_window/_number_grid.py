"""A small grid of numbers on coloured cells, painted in one pass so a frame can refresh it cheaply.

Numbers are drawn only when they fit their cell (a tooltip always gives the exact value), so text
never overlaps however small the grid gets.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QImage, QPainter, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from ..style import (
    GRID_GREY,
    INK,
    PADDING_COLOR,
    SEQUENTIAL_LUT,
    WIDEST_NUMBERS,
    dark_ink,
    exact_text,
    map_colors,
    number,
    rgb_image,
)
from ._hover_report import HoverReport

_MIN_CELL = 10
_MIN_TEXT_SCALE = 0.7  # smaller than this and the numbers are left to the tooltips


def grey_rgb(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """(…, 3) uint8 grey levels for input values on [low, high] (the shared sequential map)."""
    return map_colors(values, low, high, SEQUENTIAL_LUT)


class NumberGrid(QWidget):
    """One kH×kW grid (an input patch, a kernel slice or the products) with its numbers.

    The cell colours are one small image scaled up; numbers are formatted only when they are
    going to be drawn (or asked for), so a 31×31 kernel costs little more than a 3×3 one.
    """

    cellHovered = Signal(object)  # (row, col) under the mouse, or None when it leaves

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._what = what
        self.setMouseTracking(True)  # a hovered cell is announced (a kernel's weight: its pixel)
        self._hover = HoverReport(self.cellHovered)
        self._values = np.zeros((0, 0))
        self._rgb = np.zeros((0, 0, 3), dtype=np.uint8)
        self._image = QImage()
        self._dark_ink = np.zeros((0, 0), dtype=bool)  # cells light enough for black text
        self._texts: list[list[str]] | None = None
        self._widths: np.ndarray | None = None  # each text's width in the grid's font
        self._outlined = np.zeros((0, 0), dtype=bool)
        self._marked: tuple[np.ndarray, QColor] | None = None  # cells a hover touches
        self._dimmed = False
        self._note: Callable[[int, int], str] | None = None
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 0.85)
        self.setFont(font)
        self._metrics = QFontMetrics(font)
        self._narrowest = self._metrics.horizontalAdvance("0.0")
        # The largest a cell grows: room for the widest number the formatter writes.
        self._max_cell = (
            max(self._metrics.horizontalAdvance(text) for text in WIDEST_NUMBERS) + 6,
            self._metrics.height() + 8,
        )

    def set_values(
        self,
        values: np.ndarray,
        rgb: np.ndarray,
        outlined: np.ndarray | None = None,
        note: Callable[[int, int], str] | None = None,
        texts: list[list[str]] | None = None,
    ) -> None:
        """Show ``values`` on cells coloured ``rgb`` (kH, kW, 3); ``outlined`` cells get a border.

        ``note(i, j)`` adds a line to a cell's tooltip (e.g. where a padded value comes from).
        ``texts`` are the numbers to print when they need more digits than ``number`` gives (the
        factors of a product, see ``style.product_numbers``).
        """
        outlined = np.zeros(values.shape, dtype=bool) if outlined is None else outlined
        self._note = note
        if (
            np.array_equal(values, self._values)
            and np.array_equal(outlined, self._outlined)
            and np.array_equal(rgb, self._rgb)
            and (texts is None or texts == self._texts)
        ):
            return  # e.g. the kernel, while the window moves: nothing to repaint
        shape_changed = values.shape != self._values.shape
        self._values, self._outlined = values.copy(), outlined
        self._rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        self._image = rgb_image(self._rgb)
        self._dark_ink = dark_ink(self._rgb)
        self._texts = texts
        self._widths = None
        if shape_changed:
            self.updateGeometry()
        self.update()

    def set_marked(self, cells: np.ndarray | None, color: QColor) -> None:
        """Outline ``cells`` ((kH, kW) bool; None: none) in ``color``: what a hover touches,
        drawn apart from the padding's outline."""
        same = (cells is None) == (self._marked is None) and (
            cells is None or np.array_equal(cells, self._marked[0])  # type: ignore[index]
        )
        if not same:
            self._marked = None if cells is None else (cells.copy(), color)
            self.update()

    def marked_cells(self) -> list[tuple[int, int]]:
        """The cells outlined by ``set_marked`` (for tests)."""
        if self._marked is None:
            return []
        return [(int(i), int(j)) for i, j in np.argwhere(self._marked[0])]

    def set_dimmed(self, dimmed: bool) -> None:
        """Fade the grid (a channel not yet added in the channel-by-channel mode)."""
        if dimmed != self._dimmed:
            self._dimmed = dimmed
            self.update()

    def texts(self) -> list[list[str]]:
        """The numbers as displayed, row by row (printed in the cells when they are big enough)."""
        return [list(row) for row in self._formatted()]

    def _formatted(self) -> list[list[str]]:
        if self._texts is None:
            self._texts = [[number(v) for v in row] for row in self._values.tolist()]
        return self._texts

    def _text_scales(self) -> np.ndarray | None:
        """How much to shrink the font so each number fits its cell (0: it cannot); None: no
        number fits, or the grid is empty. Only a long number (more digits) gets smaller."""
        if not self._values.size:
            return None
        cell_w, cell_h = self._cell_size()
        height_scale = (cell_h + 2) / self._metrics.height()
        if min(height_scale, (cell_w - 2) / self._narrowest) < _MIN_TEXT_SCALE:
            return None  # too small for any number: no need to format them
        if self._widths is None:
            advance = self._metrics.horizontalAdvance
            self._widths = np.array(
                [[max(advance(t), 1) for t in row] for row in self._formatted()], dtype=float
            )
        scales = np.minimum(np.minimum((cell_w - 2) / self._widths, height_scale), 1.0)
        return np.where(scales >= _MIN_TEXT_SCALE, scales, 0.0)

    # ---- geometry -------------------------------------------------------------------------------

    def _shape(self) -> tuple[int, int]:
        return self._values.shape if self._values.size else (3, 3)  # type: ignore[return-value]

    def sizeHint(self) -> QSize:
        rows, cols = self._shape()
        return QSize(cols * self._max_cell[0] + 1, rows * self._max_cell[1] + 1)

    def minimumSizeHint(self) -> QSize:
        rows, cols = self._shape()
        return QSize(cols * _MIN_CELL + 1, rows * _MIN_CELL + 1)

    def _cell_size(self) -> tuple[float, float]:
        rows, cols = self._shape()
        return (
            min((self.width() - 1) / cols, self._max_cell[0]),
            min((self.height() - 1) / rows, self._max_cell[1]),
        )

    def _origin(self) -> tuple[float, float]:
        rows, cols = self._shape()
        cell_w, cell_h = self._cell_size()
        return (self.width() - cols * cell_w) / 2, (self.height() - rows * cell_h) / 2

    def _cell_at(self, point: QPoint) -> tuple[int, int] | None:
        rows, cols = self._shape()
        cell_w, cell_h = self._cell_size()
        x0, y0 = self._origin()
        i, j = int((point.y() - y0) // cell_h), int((point.x() - x0) // cell_w)
        return (i, j) if 0 <= i < rows and 0 <= j < cols and self._values.size else None

    # ---- painting and tooltips ------------------------------------------------------------------

    def paintEvent(self, event: QEvent) -> None:
        if not self._values.size:
            return
        painter = QPainter(self)
        if self._dimmed:
            painter.setOpacity(0.25)
        rows, cols = self._values.shape
        cell_w, cell_h = self._cell_size()
        x0, y0 = self._origin()
        painter.drawImage(QRectF(x0, y0, cols * cell_w, rows * cell_h), self._image)
        scales = self._text_scales()
        if scales is not None:
            centre = Qt.AlignmentFlag.AlignCenter
            font, size, current = self.font(), self.font().pointSizeF(), 1.0
            for i, row in enumerate(self._formatted()):
                for j, text in enumerate(row):
                    scale = float(scales[i, j])
                    if scale == 0:
                        continue  # left to the tooltip
                    if scale != current:
                        font.setPointSizeF(size * scale)
                        painter.setFont(font)
                        current = scale
                    painter.setPen(INK[int(self._dark_ink[i, j])])
                    painter.drawText(
                        QRectF(x0 + j * cell_w, y0 + i * cell_h, cell_w, cell_h), centre, text
                    )
        painter.setPen(QPen(GRID_GREY, 1))
        for i in range(rows + 1):
            y = y0 + i * cell_h
            painter.drawLine(QPointF(x0, y), QPointF(x0 + cols * cell_w, y))
        for j in range(cols + 1):
            x = x0 + j * cell_w
            painter.drawLine(QPointF(x, y0), QPointF(x, y0 + rows * cell_h))
        if self._outlined.any():
            roomy = (
                min(cell_w, cell_h) >= 16
            )  # small cells get a thin line: dashes would swamp them
            inset = 1.5 if roomy else 0.5
            style = Qt.PenStyle.DashLine if roomy else Qt.PenStyle.SolidLine
            painter.setPen(QPen(PADDING_COLOR, 2 if roomy else 1, style))
            for i, j in zip(*np.nonzero(self._outlined), strict=True):
                cell = QRectF(x0 + j * cell_w, y0 + i * cell_h, cell_w, cell_h)
                painter.drawRect(cell.adjusted(inset, inset, -inset, -inset))
        if self._marked is not None and self._marked[0].shape == (rows, cols):
            painter.setPen(QPen(self._marked[1], 2.5))
            for i, j in np.argwhere(self._marked[0]).tolist():
                cell = QRectF(x0 + j * cell_w, y0 + i * cell_h, cell_w, cell_h)
                painter.drawRect(cell.adjusted(1.5, 1.5, -1.5, -1.5))
        painter.end()

    def mouseMoveEvent(self, event) -> None:
        self._hover.set(self._cell_at(event.position().toPoint()))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        self._hover.set(None)
        super().leaveEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            cell = self._cell_at(event.pos())
            if cell is None:
                QToolTip.hideText()
                return True
            i, j = cell
            lines = [f"{self._what}[{i}, {j}] = {exact_text(self._values[i, j])}"]
            if self._note is not None:
                lines.append(self._note(i, j))
            QToolTip.showText(event.globalPos(), "\n".join(line for line in lines if line), self)
            return True
        return super().event(event)
