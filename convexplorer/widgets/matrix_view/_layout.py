"""Where W, X and Y go: the textbook picture of a matrix multiply, fitted to the widget.

::

                       X  (K rows × n columns)
    W (C_out × K)      Y  (C_out × n)   b

X sits above Y so a column of X runs straight down into the column of Y it makes; W sits left of
Y so a row of W runs straight across into its row of Y. W's K columns and X's K rows need not
share a scale (one is horizontal, the other vertical), so each matrix gets the room it can use:
cells are rectangles, at most ``MAX_CELL`` px a side, and Y's rows never thinner than
``MIN_Y_ROW`` px while there is room.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF

MAX_CELL = 22.0  # px: larger cells would only spread the picture out
MIN_Y_ROW = 18.0  # px: a filter's row of Y stays easy to point at
GAP = 8.0  # px between matrices
BIAS_GAP = 10.0  # px between Y and the bias column (room for "+")


@dataclass(frozen=True)
class Layout:
    """Where each matrix is drawn, in widget pixels (``bias``: None for a layer without)."""

    w: QRectF
    x: QRectF
    y: QRectF
    bias: QRectF | None

    def cell(self, rect: QRectF, rows: int, cols: int, row: int, col: int) -> QRectF:
        """Cell (row, col) of a matrix of rows × cols drawn in ``rect``."""
        h, w = rect.height() / rows, rect.width() / cols
        return QRectF(rect.left() + col * w, rect.top() + row * h, w, h)


def _share(total: float, wanted: tuple[float, float], low: float, high: float) -> float:
    """The first part's share of ``total`` split in proportion to ``wanted``, within [low, high]."""
    return min(max(total * wanted[0] / sum(wanted), low), high)


def layout(
    width: float,
    height: float,
    rows_k: int,
    filters: int,
    columns: int,
    bias: bool,
    label: float,
    line: float,
) -> Layout:
    """Fit the picture for K = ``rows_k``, C_out = ``filters`` and ``columns`` columns of X.

    ``label`` px are kept left of W for the filter labels and ``line`` px (a text line) above X,
    between X and Y and below W and Y for the other labels.
    """
    bias_w = MAX_CELL * 0.7 + BIAS_GAP if bias else 0.0
    avail_w = max(1.0, width - label - GAP - bias_w - 4)
    avail_h = max(1.0, height - 3 * line)
    # widths: W's K columns against X's n columns; X/Y keep at least half, W at least a sliver
    w_width = _share(avail_w, (rows_k, columns), min(60.0, avail_w / 3), avail_w * 0.45)
    w_width = min(w_width, rows_k * MAX_CELL)
    xy_width = min(avail_w - w_width, columns * MAX_CELL)
    # heights: X's K rows against Y's C_out rows; Y's rows at least MIN_Y_ROW while it fits
    y_low = min(filters * MIN_Y_ROW, avail_h * 0.4)
    y_height = _share(avail_h, (filters, rows_k), y_low, avail_h * 0.6)
    y_height = min(y_height, filters * MAX_CELL)
    x_height = min(avail_h - y_height, rows_k * MAX_CELL)
    left = label
    x_left = left + w_width + GAP
    x_top = line
    y_top = x_top + x_height + line
    x_rect = QRectF(x_left, x_top, xy_width, x_height)
    y_rect = QRectF(x_left, y_top, xy_width, y_height)
    w_rect = QRectF(left, y_top, w_width, y_height)
    bias_rect = QRectF(y_rect.right() + BIAS_GAP, y_top, MAX_CELL * 0.7, y_height) if bias else None
    return Layout(w=w_rect, x=x_rect, y=y_rect, bias=bias_rect)
