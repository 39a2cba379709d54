"""The matrix view: the selected layer as the one matrix multiply frameworks compute.

W (one row per filter, block-diagonal with groups), X (one column per output position: its window
unrolled, im2col) and Y = W · X + b (one row per output channel). X shows a window of columns
around the sliding window's position, unfolded from the input (a few dozen columns: cheap); Y is
read from the model's outputs, never computed here. The selected filter's row and the current
position's column are marked in all three and follow the shared selection; clicking selects.
"""

from __future__ import annotations

from html import escape

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollBar, QVBoxLayout, QWidget

from ...model import (
    LayerSpec,
    Unfolded,
    tap_at,
    tap_of_row,
    typed_weight,
    unfold,
    weight_column,
    weight_matrix,
)
from ...qt import Document
from ..looks import input_looks
from ..pool_words import pool_output
from ..style import (
    ABSENT_COLOR,
    MINUS,
    NOTE_TEXT,
    PADDING_COLOR,
    channel_label,
    diverging_colors,
    grouped,
    number,
    rgb_array,
    symmetric_limit,
)
from ._picture import Cell, MatrixPicture, Shape

#: Columns of X shown on each side of the current position.
HALF_WINDOW = 32
#: Rows of X (C_in·kH·kW) beyond which the matrices are not drawn (too thin to point at).
MAX_ROWS = 4096
_ABSENT_RGB = rgb_array(ABSENT_COLOR)
_PADDING_RGB = rgb_array(PADDING_COLOR).astype(np.float32)
_PADDING_TINT = 0.45  # how much amber a padded cell of X takes on


def _shapes_text(spec: LayerSpec, positions: int) -> str:
    k = spec.in_channels * spec.kernel_size[0] * spec.kernel_size[1]
    n, f = grouped(positions), spec.out_channels
    return f"W: {f} × {grouped(k)}  ·  X: {grouped(k)} × {n}  ·  Y: {f} × {n}"


def _pair(row: int, col: int) -> str:
    """A (row, col) that may lie in the padding, written with true minus signs."""
    return f"({row}, {col})".replace("-", MINUS)


def _html(text: str) -> str:
    """Plain text for a rich-text label, its runs of spaces kept."""
    return escape(text).replace("  ", "&nbsp; ")


def unsupported_reason(spec: LayerSpec) -> str | None:
    """Why this layer is not drawn as W · X (None: it is)."""
    if spec.pool == "max":
        return (
            f"MaxPool2d is no matrix multiply: each output is {pool_output(spec)} (one column "
            "of X, one channel's rows), so there is no W to draw. The Sliding window shows each "
            "window and its winner."
        )
    if spec.transposed:
        return (
            "A transposed convolution is the transpose of this multiply (its input is scattered "
            "through Wᵀ, not gathered into windows): this view draws ordinary Conv2d layers only."
        )
    kh, kw = spec.kernel_size
    k = spec.in_channels * kh * kw
    if k > MAX_ROWS:
        return (
            f"X would have {grouped(k)} rows (C_in·kH·kW = {spec.in_channels}·{kh}·{kw}): too "
            f"many to draw here (the view draws up to {grouped(MAX_ROWS)}); W is "
            f"{spec.out_channels} × {grouped(spec.weights_per_filter)}."
        )
    return None


class MatrixView(QWidget):
    """``Y = W · X + b`` for the document's layer, following its selection."""

    statusMessage = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("matrixView")
        self._document = document
        self.header = QLabel(self)
        self.header.setObjectName("matrixCaption")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.picture = MatrixPicture(self)
        self.picture.setToolTip(
            "Y = W · X + b: a row of W (a filter) times a column of X (one position's window, "
            "unrolled) plus the bias is one output. Cyan: the current position; amber: the "
            "selected filter; hatched amber: padding; hatched grey: no weight (groups); magenta: "
            "the cell under the mouse, or a hovered weight and the row of X it multiplies. Click "
            "a column or a row to select it."
        )
        self.scrollbar = QScrollBar(Qt.Orientation.Horizontal, self)
        self.scrollbar.setObjectName("matrixColumns")
        self.scrollbar.setAccessibleName("Columns of X and Y shown")
        self.scrollbar.setToolTip(
            "Scroll through the output positions; stepping the sliding window brings the "
            "current column back into view"
        )
        self.span = QLabel(self)  # which columns are shown
        self.span.setObjectName("matrixSpan")
        scroll_row = QHBoxLayout()
        scroll_row.addWidget(self.scrollbar, 1)
        scroll_row.addWidget(self.span)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        layout.addWidget(self.header)
        layout.addWidget(self.picture, 1)
        layout.addLayout(scroll_row)

        self._stale = True  # drawn only while visible; a hidden view catches up when shown
        self._shown = True  # False while another tab of the dock's group is in front
        self._reason: str | None = None
        self._start = 0
        self._count = 0
        self._unfolded: Unfolded | None = None
        self._y_peaks: dict[int, float] = {}  # max |raw output| per ready channel
        document.layerChanged.connect(self._rebuild)
        document.inputChanged.connect(self._rebuild)
        document.weightsChanged.connect(self._weights_changed)
        document.outputsChanged.connect(self._outputs_changed)
        document.selectionChanged.connect(self._selection_changed)
        document.activationChanged.connect(self._update_header)
        document.weightHovered.connect(self._weight_hovered)
        self.picture.cellHovered.connect(self._cell_hovered)
        self.picture.cellClicked.connect(self._cell_clicked)
        self.scrollbar.valueChanged.connect(self._scrolled)
        self._rebuild()

    # ---- what is shown (for tests, scripts and benchmarks) ---------------------------------------

    @property
    def columns(self) -> range:
        """The output positions (raster order) whose columns are shown."""
        return range(self._start, self._start + self._count)

    @property
    def unfolded(self) -> Unfolded | None:
        """X's shown columns, as unfolded from the input."""
        return self._unfolded

    def shown_y(self) -> np.ndarray:
        """Y's shown columns as read from the model (NaN where a channel is being computed)."""
        view = self._document.view
        rows = []
        for o in range(view.spec.out_channels):
            raw = view.raw_output(o)
            if raw is None:
                rows.append(np.full(self._count, np.nan, np.float32))
            else:
                rows.append(raw.reshape(-1)[self._start : self._start + self._count])
        return np.array(rows)

    def is_drawing(self) -> bool:
        """Whether the view follows the document now (shown, not behind another tab)."""
        return self._shown and self.isVisible()

    def current_column(self) -> int | None:
        """The current position's column among those shown (None: scrolled out)."""
        view = self._document.view
        row, col = view.position
        p = row * view.output_size[1] + col
        return p - self._start if self._start <= p < self._start + self._count else None

    # ---- following the document ------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._rebuild()

    def set_shown(self, shown: bool) -> None:
        """Whether the view can be seen, for what Qt does not say with hide/show: a dock's tab
        behind another (``QDockWidget.visibilityChanged``). Not seen, it draws nothing."""
        self._shown = shown
        if shown and self._stale and self.isVisible():
            self._rebuild()

    def _visible(self) -> bool:
        """Draw now, or leave it to the next show (a hidden view costs nothing per frame)."""
        if not self.is_drawing():
            self._stale = True
            return False
        return True

    def _rebuild(self) -> None:
        """A new layer or input: shapes, every matrix, the selection."""
        if not self._visible():
            return
        self._stale = False
        view = self._document.view
        spec = view.spec
        self._reason = unsupported_reason(spec)
        self._y_peaks = {}
        self._unfolded = None
        for widget in (self.picture, self.scrollbar, self.span):
            widget.setVisible(self._reason is None)
        self._update_header()
        if self._reason is not None:
            return
        out_h, out_w = view.output_size
        positions = out_h * out_w
        self._count = min(2 * HALF_WINDOW + 1, positions)
        kh, kw = spec.kernel_size
        self.picture.set_shape(
            Shape(
                channels=spec.in_channels,
                taps=kh * kw,
                filters=spec.out_channels,
                columns=self._count,
                groups=spec.groups,
                bias=view.bias is not None,
                channel_names=tuple(
                    channel_label(c, photo=view.input_is_photo) for c in range(spec.in_channels)
                ),
            )
        )
        with QSignalBlocker(self.scrollbar):
            self.scrollbar.setRange(0, positions - self._count)
            self.scrollbar.setPageStep(self._count)
            self.scrollbar.setSingleStep(max(1, self._count // 8))
        self._draw_w()
        row, col = view.position
        self._set_window(self._window_start(row * out_w + col))
        self._show_selection(follow=False)

    def _weights_changed(self, channels: list[int]) -> None:
        for o in channels:
            self._y_peaks.pop(o, None)
        if self._reason is None and self._visible():
            self._draw_w()
            self._draw_y()

    def _outputs_changed(self, channels: list[int]) -> None:
        if self._reason is None and self._visible():
            self._draw_y()

    def _selection_changed(self, *_: int) -> None:
        if self._reason is None and self._visible():
            self._show_selection(follow=True)

    def _scrolled(self, start: int) -> None:
        if self._reason is None and start != self._start:
            self._set_window(start)
            self._show_selection(follow=False)

    # ---- drawing ---------------------------------------------------------------------------------

    def _update_header(self) -> None:
        view = self._document.view
        spec = view.spec
        if self._reason is not None:
            self.header.setText(f"<b>Matrix view</b> — {_html(self._reason)}")
            return
        out_h, out_w = view.output_size
        sentence = (
            "Frameworks compute a conv layer as this one matrix multiply (im2col, then a GEMM): a "
            "row of W (one filter) times a column of X (one window, unrolled), plus the bias, is "
            "one output."
        )
        if spec.pool == "avg":
            kh, kw = spec.kernel_size
            sentence += (
                f" AvgPool2d is this multiply with W fixed: block-diagonal (each channel on its "
                f"own) and every weight 1/{kh * kw}, no bias: each output is its window's mean."
            )
        elif spec.groups > 1:
            sentence += (
                f" With groups={spec.groups}, W is block-diagonal: a filter has weights only for "
                f"its group's input channels (hatched), so it is {spec.groups} independent "
                "multiplies."
            )
        if spec.flip_kernel:
            sentence += (
                " Textbook convolution: W holds each kernel flipped in both axes, as it is used."
            )
        if view.activation != "none":
            sentence += f" Y is the output before the {view.activation}."
        self.header.setText(
            f"<b>Y = W · X + b</b> &nbsp; {_html(_shapes_text(spec, out_h * out_w))} &nbsp;— "
            f"<span style='color:{NOTE_TEXT}'>{sentence}</span>"
        )

    def _draw_w(self) -> None:
        view = self._document.view
        full, seen = weight_matrix(view.weight, view.spec)
        limit = symmetric_limit(view.weight)  # the kernel editor's scale: the same colours
        rgb = diverging_colors(full, limit)
        rgb[~seen] = _ABSENT_RGB
        self.picture.set_w(rgb, ~seen)
        bias = view.bias
        self.picture.set_bias(None if bias is None else diverging_colors(bias[:, None], limit))

    def _window_start(self, position: int) -> int:
        """The first column of a window that shows ``position``, centred on it where possible."""
        positions = self.scrollbar.maximum() + self._count
        return min(max(position - HALF_WINDOW, 0), positions - self._count)

    def _set_window(self, start: int) -> None:
        """Show columns start … start + n − 1: unfold X there, read Y there."""
        view = self._document.view
        self._start = start
        self._unfolded = unfold(view.image, view.spec, start, start + self._count)
        self._draw_x()
        self._draw_y()
        with QSignalBlocker(self.scrollbar):
            self.scrollbar.setValue(start)
        out_w = view.output_size[1]
        self.picture.set_row_starts(
            [
                (p - start, f"row {p // out_w} →")
                for p in range(start + 1, start + self._count)
                if p % out_w == 0
            ]
        )
        first, last = divmod(start, out_w), divmod(start + self._count - 1, out_w)
        self.span.setText(
            f"positions {grouped(start)}–{grouped(start + self._count - 1)} "
            f"({first[0]}, {first[1]})…({last[0]}, {last[1]})"
        )

    def _draw_x(self) -> None:
        view, unfolded = self._document.view, self._unfolded
        assert unfolded is not None
        looks = input_looks(view.input_ranges, photo=view.input_is_photo)
        taps = view.spec.kernel_size[0] * view.spec.kernel_size[1]
        values = unfolded.values
        if all(look == looks[0] for look in looks):
            rgb = looks[0].colors(values)
        else:  # the RGB photo: each channel's rows in its own tint
            rgb = np.empty((*values.shape, 3), np.uint8)
            for c, look in enumerate(looks):
                rows = slice(c * taps, (c + 1) * taps)
                rgb[rows] = look.colors(values[rows])
        if unfolded.padding.any():
            tinted = rgb[unfolded.padding] * (1 - _PADDING_TINT) + _PADDING_RGB * _PADDING_TINT
            rgb[unfolded.padding] = tinted.astype(np.uint8)
        self.picture.set_x(rgb, unfolded.padding)

    def _y_limit(self) -> float:
        """One diverging scale for Y: the largest |output| of the channels computed so far."""
        view = self._document.view
        for o in range(view.spec.out_channels):
            if o not in self._y_peaks:
                raw = view.raw_output(o)
                if raw is not None:
                    self._y_peaks[o] = float(np.max(np.abs(raw)))
        peak = max(self._y_peaks.values(), default=0.0)
        return peak if peak > 0 else 1.0

    def _draw_y(self) -> None:
        values = self.shown_y()
        rgb = diverging_colors(np.nan_to_num(values), self._y_limit())
        rgb[np.isnan(values)] = _ABSENT_RGB  # still being computed
        self.picture.set_y(rgb)

    def _show_selection(self, follow: bool) -> None:
        """Mark the selected filter and position; ``follow``: scroll the position into view."""
        view = self._document.view
        spec = view.spec
        o = view.selected_filter
        row, col = view.position
        p = row * view.output_size[1] + col
        if follow and not self._start <= p < self._start + self._count:
            self._set_window(self._window_start(p))
        groups = None
        if spec.groups > 1:
            block = spec.in_per_group * spec.kernel_size[0] * spec.kernel_size[1]
            group = o // spec.out_per_group
            groups = (group * block, (group + 1) * block)
        self.picture.set_selection(o, self.current_column(), f"out({row}, {col})", groups)

    # ---- hover and clicks ------------------------------------------------------------------------

    def _weight_hovered(self, hovered: tuple[int, int, int, int] | None) -> None:
        """A weight hovered anywhere: outline its cell of W and the row of X it multiplies."""
        spec = self._document.view.spec
        if hovered is None or self._reason is not None:
            self.picture.show_hovered_weight(None)
            return
        o, slot, i, j = hovered
        kh, kw = spec.kernel_size
        inside = 0 <= o < spec.out_channels and 0 <= slot < spec.in_per_group
        if not (inside and 0 <= i < kh and 0 <= j < kw):
            self.picture.show_hovered_weight(None)  # another layer's indices: nothing to mark
            return
        self.picture.show_hovered_weight(o, weight_column(spec, o, slot, i, j))

    def describe(self, cell: Cell) -> str:
        """What a cell is, in words: the hover line and the status bar say it."""
        view = self._document.view
        spec = view.spec
        name, row, col = cell
        if name == "W":
            channel, i, j = tap_of_row(spec, col)
            where = f"{channel_label(channel, photo=view.input_is_photo)} tap ({i}, {j})"
            typed = typed_weight(spec, row, col)
            if typed is None:
                seen = spec.filter_input_channels(row)
                return (
                    f"W[{row}, {col}] = 0: filter {row} has no weight for {where} (groups="
                    f"{spec.groups}: it sees in {seen.start}–{seen.stop - 1})"
                )
            slot, ti, tj = typed
            value = number(view.weight[row, slot, ti, tj])
            flipped = " (the typed kernel flipped)" if spec.flip_kernel else ""
            return (
                f"W[{row}, {col}] = w[{row}, {slot}, {ti}, {tj}] = {value}: filter {row}, "
                f"{where}{flipped}"
            )
        if name == "b":
            assert view.bias is not None
            return f"b[{row}] = {number(view.bias[row])}, added to every column of row {row} of Y"
        position = divmod(self._start + col, view.output_size[1])
        p = self._start + col
        at = f"out({position[0]}, {position[1]})"
        if name == "X":
            assert self._unfolded is not None
            _, height, width = view.image.shape
            tap = tap_at(spec, height, width, row, position)
            value = number(self._unfolded.values[row, col])
            label = channel_label(tap.channel, photo=view.input_is_photo)
            head = f"X[{row}, {grouped(p)}]: tap ({tap.i}, {tap.j}) of {label} at {at}"
            lands = f"lands on {_pair(tap.row, tap.col)}"
            if tap.source is None:
                return f"{head} {lands}: zero padding = 0"
            if tap.in_padding:
                return (
                    f"{head} {lands} in the {spec.padding_mode} padding, a copy of pixel "
                    f"{_pair(*tap.source)} = {value}"
                )
            return f"{head} reads pixel ({tap.row}, {tap.col}) = {value}"
        raw = view.raw_output(row)
        if raw is None:
            return f"Y[{row}, {grouped(p)}] = {at} of filter {row}: being computed…"
        value = number(raw[position])
        bias = " + b" if view.bias is not None else ""
        return (
            f"Y[{row}, {grouped(p)}] = output {row} at {at} = {value}: row {row} of W · column "
            f"{grouped(p)} of X{bias}"
        )

    def _cell_hovered(self, cell: Cell | None) -> None:
        document = self._document
        typed = None
        if cell is not None and cell[0] == "W":
            typed = typed_weight(document.view.spec, cell[1], cell[2])
        if typed is None:
            document.hover_weight(None)
        else:
            document.hover_weight(cell[1], *typed)
        text = "" if cell is None else self.describe(cell)
        self.picture.set_hover_text(text)
        if text:
            self.statusMessage.emit(text)

    def _cell_clicked(self, cell: Cell) -> None:
        """A row of W, Y or b selects its filter; a column of X or Y its position."""
        name, row, col = cell
        out_w = self._document.view.output_size[1]
        position = divmod(self._start + col, out_w)
        if name in ("W", "b"):
            self._document.select(out_channel=row)
        elif name == "X":
            self._document.select(position=position)
        else:
            self._document.select(out_channel=row, position=position)
