"""Every input channel's share of one output value: window, input values × kernel = products → Σ.

Up to ``ROWS_LIMIT`` channels get one row each. With more (a 32-channel feature stack) the strip
turns compact: a bar chart of the channel sums, plus the full row of the channel under the mouse
(or the one last clicked), so nothing is ever drawn too small to read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ...model import DotProduct
from ..elided_label import ElidedLabel
from ..pool_words import TIE_RULE, pool_padding
from ..style import (
    HINT_TEXT,
    MINUS_INFINITY,
    WINNER_COLOR,
    EquationNumbers,
    channel_label,
    diverging_colors,
    exact_text,
    number,
    product_numbers,
    symmetric_limit,
    text_css,
)
from ._equation import sum_numbers
from ._labels import SteadyLabel
from ._neighbourhood import Neighbourhood
from ._number_grid import NumberGrid, grey_rgb
from ._sum_chart import SumChart

ROWS_LIMIT = 4  # more input channels than this: bar chart + one detailed channel
_HEADERS = ("", "window", "input", "", "kernel", "", "products", "channel sum")


@dataclass(frozen=True)
class Frame:
    """What a frame shows: the model's dot product and how to draw the input around it."""

    dot: DotProduct
    image: np.ndarray  # (C_in, H, W), the whole input
    levels: np.ndarray  # (C_in, 2) grey range per input channel
    pads: tuple[int, int, int, int]
    padding_mode: str
    stage: int | None  # channel-by-channel mode: slots 0..stage are added so far; None = all
    photo: bool  # the input is the picture (``StateView.input_is_photo``): R, G, B channels

    def added(self, slot: int) -> bool:
        return self.stage is None or slot <= self.stage

    @cached_property
    def sums(self) -> EquationNumbers:
        """The channel sums as the equation writes them (a row's "Σ =" reads the same)."""
        dot = self.dot
        return sum_numbers(tuple(dot.channel_sums.tolist()), dot.bias, dot.value)


class _ChannelRow:
    """The widgets spelling out one channel's part of the sum; they sit in a grid-layout row."""

    def __init__(self, parent: QWidget) -> None:
        self.caption = SteadyLabel("in 0 (R)", parent, bold=True)
        self.caption.setToolTip("The absolute input channel this row shows")
        self.neighbourhood = Neighbourhood(parent)
        self.patch = NumberGrid("input", parent)
        self.patch.setToolTip("The input values under the kernel taps (amber: from the padding)")
        self.kernel = NumberGrid("kernel", parent)
        self.kernel.setObjectName("kernelGrid")
        self.kernel.setToolTip("This filter's kernel slice for this input channel")
        self.products = NumberGrid("product", parent)
        self.products.setToolTip("Input value × kernel weight, tap by tap")
        # The sum's precision is the equation's (up to 8 decimals so the terms add up): a long
        # one is drawn smaller in the steady width, never cut to "−0.0136…".
        self.total = SteadyLabel("Σ = −0.08888", parent, bold=True, smallest=0.7)
        self.total.setToolTip("The sum of this channel's products: its share of the output value")
        self.signs = [QLabel(sign, parent) for sign in ("×", "=")]
        # Names (and, in ``show``, the row's slot) say what each part is, for What's This?.
        for widget, name in (
            (self.caption, "windowChannel"),
            (self.neighbourhood, "windowNeighbourhood"),
            (self.patch, "windowInput"),
            (self.products, "windowProducts"),
            (self.total, "channelSum"),
        ):
            widget.setObjectName(name)

    def place(self, grid: QGridLayout, row: int) -> None:
        widgets = (
            self.caption,
            self.neighbourhood,
            self.patch,
            self.signs[0],
            self.kernel,
            self.signs[1],
            self.products,
            self.total,
        )
        for column, widget in enumerate(widgets):
            grid.addWidget(widget, row, column)

    def show(self, frame: Frame, slot: int) -> None:
        dot = frame.dot
        channel = dot.input_channels[slot]
        levels = (float(frame.levels[channel, 0]), float(frame.levels[channel, 1]))
        self.caption.setText(channel_label(channel, photo=frame.photo))
        self.neighbourhood.show_window(frame.image[channel], levels, dot, slot, frame.pads)
        patch, kernel, products = dot.patch[slot], dot.kernel[slot], dot.products[slot]
        parts = (self.caption, self.neighbourhood, self.patch, self.kernel, self.products)
        for widget in (*parts, self.total):
            widget.setProperty("slot", slot)  # which channel (a hovered weight: which weights)
        maximum = dot.reduction == "max"
        for widget in (*self.signs, self.kernel, self.products):
            widget.setVisible(not maximum)  # a max pool multiplies nothing
        if maximum:
            self._show_max(frame, slot, levels)
            return
        self.patch.set_marked(None, WINNER_COLOR)
        texts = product_numbers(patch, kernel, products)  # factors that multiply as shown
        self.patch.set_values(
            patch,
            grey_rgb(patch, *levels),
            dot.in_padding,
            _tap_note(dot, frame.padding_mode),
            texts[0],
        )
        self.kernel.set_values(
            kernel, diverging_colors(kernel, symmetric_limit(dot.kernel)), texts=texts[1]
        )
        self.products.set_values(
            products, diverging_colors(products, symmetric_limit(dot.products)), texts=texts[2]
        )
        self.total.setText(f"Σ = {frame.sums.terms[slot]}")
        self.total.setToolTip(
            f"The sum of this channel's products, its share of the output value: exactly "
            f"{exact_text(dot.channel_sums[slot])}"
        )
        dimmed = not frame.added(slot)
        for grid in (self.patch, self.kernel, self.products):
            grid.set_dimmed(dimmed)
        self.total.setEnabled(not dimmed)

    def _show_max(self, frame: Frame, slot: int, levels: tuple[float, float]) -> None:
        """A max pool's row: the window's values (padding as ``MINUS_INFINITY``), the winner
        outlined in green, and "max = v" where a conv's sum stands."""
        dot = frame.dot
        patch = dot.patch[slot]
        texts = [
            [MINUS_INFINITY if pad else number(v) for v, pad in zip(row, pads, strict=True)]
            for row, pads in zip(patch.tolist(), dot.in_padding.tolist(), strict=True)
        ]
        shades = grey_rgb(np.where(dot.in_padding, levels[0], patch), *levels)
        self.patch.set_values(
            patch, shades, dot.in_padding, _tap_note(dot, frame.padding_mode, maximum=True), texts
        )
        winner = np.zeros(patch.shape, dtype=bool)
        if dot.winner is not None:
            winner[dot.winner] = True
        self.patch.set_marked(winner, WINNER_COLOR)
        self.total.setText(f"max = {number(dot.channel_sums[slot])}")
        self.total.setToolTip(
            f"The largest value in the window, exactly {exact_text(dot.channel_sums[slot])}: "
            f"tap {dot.winner} (outlined in green; {TIE_RULE})"
        )
        self.patch.set_dimmed(not frame.added(slot))
        self.total.setEnabled(frame.added(slot))

    def texts(self) -> dict[str, object]:
        return {
            "channel": self.caption.text(),
            "patch": self.patch.texts(),
            "kernel": self.kernel.texts(),
            "products": self.products.texts(),
            "sum": self.total.text(),
        }


def _tap_note(dot: DotProduct, mode: str, maximum: bool = False) -> Callable[[int, int], str]:
    """Tooltip line for a patch cell: which pixel it reads, or what the padding put there."""

    def note(i: int, j: int) -> str:
        row, col = int(dot.tap_rows[i, j]), int(dot.tap_cols[i, j])
        won = " — the largest: the output" if maximum and dot.winner == (i, j) else ""
        if not dot.in_padding[i, j]:
            return f"input pixel (row {row}, col {col}){won}"
        source = int(dot.source_rows[i, j]), int(dot.source_cols[i, j])
        if maximum:
            return f"padding at (row {row}, col {col}): {pool_padding('max')}"
        if source[0] < 0:
            return f"padding at (row {row}, col {col}): zero"
        return (
            f"padding at (row {row}, col {col}) ({mode}): copies (row {source[0]}, col {source[1]})"
        )

    return note


class _Title(ElidedLabel):
    """A column title, whole: its column is at least as wide as its word, so a 1×1 kernel's
    one-cell grids still read "products" (the rows scroll sideways if the window is narrower).
    Elided only as a last guard."""

    def __init__(self, text: str, parent: QWidget) -> None:
        super().__init__(text, parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet(text_css(HINT_TEXT))
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        return QSize(
            self.fontMetrics().horizontalAdvance(self.text()) + 4, super().sizeHint().height()
        )

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint()


def _header(grid: QGridLayout, parent: QWidget) -> None:
    """Column titles; spare width goes to the picture, so the number grids keep their size."""
    grid.setColumnStretch(1, 1)
    for column, text in enumerate(_HEADERS):
        title = _Title(text, parent)
        title.setObjectName(f"{text.replace(' ', '')}Title" if text else "")
        grid.addWidget(title, 0, column)


@dataclass
class _Body:
    """One layout of the strip: its rows, and for the compact one the chart and its hint."""

    widget: QWidget
    content: QWidget  # the grid of rows, whose width the strip wants
    rows: list[_ChannelRow]
    chart: SumChart | None = None
    hint: QLabel | None = None


class ChannelStrip(QWidget):
    """The per-channel breakdown: one row per channel, or a bar chart plus one detailed channel.

    Each layout, once built, is kept (hidden) for the next layer that needs it: the layers of a
    stack share a few channel counts, and building rows of grids and pictures costs a switch
    between layers far more than showing new numbers in them. At most ``ROWS_LIMIT + 1`` are
    kept (one per row count, one compact).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._bodies: dict[int, _Body] = {}  # by row count; 0: the compact layout
        self._body: _Body | None = None
        self._rows: list[_ChannelRow] = []
        self._chart: SumChart | None = None
        self._hint: QLabel | None = None
        self._pinned = 0
        self._hovered: int | None = None
        self._frame: Frame | None = None
        self._count = -1

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self._body is not None:
            scrollbar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
            hint.setWidth(self._body.content.sizeHint().width() + scrollbar)
        return hint

    # ---- building -------------------------------------------------------------------------------

    def rebuild(self, channel_count: int) -> None:
        """Lay out for ``channel_count`` channels per filter (after a layer change): the kept
        layout for that count if there is one, else a new one."""
        if channel_count == self._count:
            return
        self._count = channel_count
        key = channel_count if channel_count <= ROWS_LIMIT else 0
        if self._body is not None:
            # Hidden now, not when the layout gets to it: a script with no event loop must not
            # see old rows.
            self._body.widget.hide()
        body = self._bodies.get(key)
        if body is None:
            body = self._bodies[key] = self._build_rows(key) if key else self._build_compact()
            self._layout.addWidget(body.widget)
        self._body = body
        self._rows, self._chart, self._hint = body.rows, body.chart, body.hint
        self._frame, self._pinned, self._hovered = None, 0, None
        body.widget.show()  # at once, not when the event loop gets to the layout's queued show
        self.updateGeometry()

    def _scrolling(self, inner: QWidget) -> QScrollArea:
        """Rows scroll rather than push the view wider or taller (large kernels, many rows)."""
        scroll = QScrollArea(self)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        return scroll

    def _build_rows(self, count: int) -> _Body:
        inner = QWidget(self)
        grid = QGridLayout(inner)
        grid.setContentsMargins(2, 0, 2, 0)
        grid.setVerticalSpacing(4)
        _header(grid, inner)
        rows = []
        for row in range(count):
            channel_row = _ChannelRow(inner)
            channel_row.place(grid, row + 1)
            grid.setRowStretch(row + 1, 1)
            rows.append(channel_row)
        return _Body(self._scrolling(inner), inner, rows)

    def _build_compact(self) -> _Body:
        body = QWidget(self)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        chart = SumChart(body)
        chart.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        chart.setMinimumHeight(90)
        chart.hovered.connect(self._hover)
        chart.clicked.connect(self.pin_slot)
        column.addWidget(chart, 3)
        hint = QLabel(body)
        hint.setStyleSheet(text_css(HINT_TEXT))
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        column.addWidget(hint)
        detail = QWidget(body)
        grid = QGridLayout(detail)
        grid.setContentsMargins(2, 0, 2, 0)
        _header(grid, detail)
        row = _ChannelRow(detail)
        row.place(grid, 1)
        grid.setRowStretch(1, 1)
        column.addWidget(self._scrolling(detail), 2)
        return _Body(body, detail, [row], chart, hint)

    def neighbourhoods(self) -> list[Neighbourhood]:
        """The input pictures of the rows on show (kept layouts' rows are hidden)."""
        return [row.neighbourhood for row in self._rows]

    def set_pool(self, pool: str, taps: int) -> None:
        """Title the columns for a pool: a max pool has no kernel or products, only "max"; an
        average pool's kernel is its fixed weights, 1 over its ``taps``. Call after
        ``set_flipped``."""
        for title in self.findChildren(_Title):
            name = title.objectName()
            if name in ("kernelTitle", "productsTitle"):
                title.setVisible(pool != "max")
            if name == "kernelTitle" and pool == "avg":  # set_flipped titles it otherwise
                title.setText(f"weights 1/{taps}")
            if name == "channelsumTitle":
                title.setText("max" if pool == "max" else "channel sum")

    def set_flipped(self, flipped: bool) -> None:
        """Title the kernel column as flipped (textbook convolution) or as typed."""
        for title in self.findChildren(_Title, "kernelTitle"):
            title.setText("kernel, flipped" if flipped else "kernel")
            title.setToolTip(
                "The typed kernel flipped in both axes: textbook convolution slides it so"
                if flipped
                else ""
            )

    # ---- showing --------------------------------------------------------------------------------

    def show_frame(self, frame: Frame) -> None:
        self._frame = frame
        if self._chart is None:
            for slot, row in enumerate(self._rows):
                row.show(frame, slot)
            return
        self._show_detail()

    def _show_detail(self) -> None:
        frame = self._frame
        if frame is None or self._chart is None or self._hint is None:
            return
        slot = self.detail_slot()
        dot = frame.dot
        added = [frame.added(slot) for slot in range(len(dot.channel_sums))]
        self._chart.set_bars(dot.input_channels, dot.channel_sums, added, slot)
        self._rows[0].show(frame, slot)
        channel = frame.dot.input_channels[slot]
        if self._hovered is not None:
            self._hint.setText(f"Below: in {channel}, the bar under the mouse")
        else:
            self._hint.setText(
                f"Below: in {channel} — hover a bar to peek at a channel, click to keep it"
            )

    def reset_scale(self) -> None:
        """The bar chart's scale may shrink again: the numbers it compares have changed."""
        if self._chart is not None:
            self._chart.reset_scale()

    def _hover(self, slot: int | None) -> None:
        if slot != self._hovered:
            self._hovered = slot
            self._show_detail()

    def pin_slot(self, slot: int) -> None:
        """Keep showing the channel at ``slot`` (within the filter's channels) in compact mode."""
        self._pinned = slot
        self._show_detail()

    # ---- what is displayed (for tests and screenshots) ------------------------------------------

    def is_compact(self) -> bool:
        return self._chart is not None

    def detail_slot(self) -> int:
        """The slot whose row the compact strip shows (hovered, else pinned)."""
        return self._hovered if self._hovered is not None else self._pinned

    def row_texts(self) -> list[dict[str, object]]:
        """Per shown row: channel caption, patch/kernel/product numbers, and the channel sum."""
        return [row.texts() for row in self._rows]

    def bar_heights(self) -> np.ndarray:
        """The channel sums the bar chart draws (empty when there is no chart)."""
        return np.zeros(0) if self._chart is None else self._chart.heights()
