"""What the mouse points at in the painting view, outlined wherever it touches, in words too.

As in the Conv2d view (``_hover.HoverLinks``): a hovered weight — from the kernel editor or the
view's own kernel and scaled grids, through the document — outlines the output tap it paints for
the current pixel; a hovered input pixel outlines every output it paints (the model's reach) and
the taps that land inside; a hovered output pixel (on the map, or a cell of the before / added /
after grids) outlines the input pixels that paint it and through which taps (the model's
transposed dot product). Marks follow the frame, so a weight held under the mouse keeps pointing
at the right output while playing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from ...model import ScatterStep, reached_outputs, tap_in_use
from ...qt import Document
from ..style import number, plural
from ._picture import Cell, PaintedPicture, Picture

_LISTED = 4  # products named in an output's line; the rest are counted


def _span(values: np.ndarray) -> str:
    low, high = int(values.min()), int(values.max())
    return f"{low}" if low == high else f"{low}–{high}"


class PaintingHover(QObject):
    """Turns hovered pictures and grids of the painting view into marks and one line of text.

    ``step`` gives the frame on screen (None: no frame), ``index`` the raster number of its
    pixel, ``mark_taps`` outlines kernel taps ((kH, kW) bool in the kernel in use, None: none).
    """

    statusMessage = Signal(str)

    def __init__(
        self,
        document: Document,
        pictures: tuple[Picture, PaintedPicture],
        line: QLabel,
        step: Callable[[], ScatterStep | None],
        index: Callable[[], int],
        mark_taps: Callable[[np.ndarray | None], None],
    ) -> None:
        super().__init__(line)
        self._document = document
        self._input, self._output = pictures
        self._line = line
        self._step, self._index, self._mark_taps = step, index, mark_taps
        self._pixel: Cell | None = None  # an input pixel under the mouse
        self._cell: Cell | None = None  # an output pixel under the mouse
        self._input.cellHovered.connect(self.hover_input)
        self._output.cellHovered.connect(self.hover_output)
        document.weightHovered.connect(self.refresh)

    # ---- sources --------------------------------------------------------------------------------

    def hover_input(self, pixel: Cell | None) -> None:
        self._pixel = pixel
        self.refresh()

    def hover_output(self, cell: Cell | None) -> None:
        self._cell = cell
        self.refresh()

    def hover_tap(self, slot: int, cell: Cell | None) -> None:
        """A cell of a kernel or scaled grid (the kernel in use): that weight, as typed."""
        step = self._step()
        if cell is None or step is None:
            self._document.hover_weight(None)
            return
        typed = tap_in_use(self._document.view.spec, *cell)
        self._document.hover_weight(step.out_channel, slot, *typed)

    def hover_patch(self, cell: Cell | None) -> None:
        """A cell of the before / added / after grids: the output pixel under that tap."""
        step = self._step()
        if cell is None or step is None or not step.inside[cell]:
            self.hover_output(None)
            return
        a, b = cell
        self.hover_output((int(step.out_rows[a]), int(step.out_cols[b])))

    # ---- marks ----------------------------------------------------------------------------------

    def refresh(self, *_: object) -> None:
        """Redraw every mark for the frame: a hovered pixel, else an output, else a weight."""
        step = self._step()
        marks: tuple[list[Cell], list[Cell], np.ndarray | None, str] = ([], [], None, "")
        hovered = self._document.hovered_weight
        if step is not None and self._pixel is not None and self._fits(self._pixel, True):
            marks = self._input_marks(step, self._pixel)
        elif step is not None and self._cell is not None and self._fits(self._cell, False):
            marks = self._output_marks(step, self._cell)
        elif step is not None and hovered is not None:
            marks = self._weight_marks(step, *hovered)
        inputs, outputs, taps, text = marks
        self._input.show_hover(inputs)
        self._output.show_hover(outputs)
        self._mark_taps(taps)
        self._line.setText(text)
        if text:
            self.statusMessage.emit(text)

    def _fits(self, cell: Cell, on_input: bool) -> bool:
        view = self._document.view
        height, width = view.image.shape[1:] if on_input else view.output_size
        return 0 <= cell[0] < height and 0 <= cell[1] < width

    def _input_marks(self, step: ScatterStep, pixel: Cell):
        view = self._document.view
        spec = view.spec
        _, height, width = view.image.shape
        row, col = pixel
        rows, cols = reached_outputs(spec, height, width, row, col)
        outputs = [(r, c) for r in rows.tolist() for c in cols.tolist()]
        (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
        ph, pw = spec.padding  # type: ignore[misc]
        oh, ow = view.output_size
        tap_rows = row * sh - ph + dh * np.arange(kh)
        tap_cols = col * sw - pw + dw * np.arange(kw)
        taps = ((tap_rows >= 0) & (tap_rows < oh))[:, None] & ((tap_cols >= 0) & (tap_cols < ow))
        channel = step.input_channels[0]
        k, now = row * width + col, self._index()
        when = (
            "painting now"
            if k == now
            else "already painted"
            if k < now
            else f"painted at pixel {k + 1} of {height * width}"
        )
        where = f"rows {_span(rows)}, cols {_span(cols)}" if outputs else "nothing: all cropped"
        text = (
            f"in {channel} pixel ({row}, {col}) = {number(float(view.image[channel, row, col]))} "
            f"paints {plural(len(outputs), 'output')} of out {step.out_channel} ({where}) "
            f"through {plural(int(taps.sum()), 'tap')}; {when}"
        )
        return [pixel], outputs, taps, text

    def _output_marks(self, step: ScatterStep, cell: Cell):
        view = self._document.view
        width = view.image.shape[2]
        dot = view.dot_product(step.out_channel, cell)
        lands = ~dot.in_padding
        pairs = [
            ((int(dot.source_rows[a, b]), int(dot.source_cols[a, b])), (a, b))
            for a, b in np.argwhere(lands).tolist()
        ]
        now = self._index()
        done = sum(1 for (r, c), _ in pairs if r * width + c <= now)
        listed = ", ".join(f"pixel {p} × tap {t}" for p, t in pairs[:_LISTED])
        more = f" and {len(pairs) - _LISTED} more" if len(pairs) > _LISTED else ""
        so_far = float(step.so_far.at(np.array([cell[0]]), np.array([cell[1]]))[0, 0])
        sums = f"sums {plural(len(pairs), 'product')}: {listed}{more}" if pairs else "no pixel"
        text = (
            f"out {step.out_channel} ({cell[0]}, {cell[1]}) {sums}; {done} painted so far, "
            f"value now {number(so_far)}"
        )
        return [p for p, _ in pairs], [cell], lands, text

    def _weight_marks(self, step: ScatterStep, o: int, slot: int, i: int, j: int):
        view = self._document.view
        spec = view.spec
        kh, kw = spec.kernel_size
        if not (0 <= o < spec.out_channels and 0 <= slot < spec.in_per_group):
            return [], [], None, ""
        if not (0 <= i < kh and 0 <= j < kw):
            return [], [], None, ""
        ti, tj = tap_in_use(spec, i, j)  # where the typed weight sits in the kernel in use
        taps = np.zeros((kh, kw), dtype=bool)
        taps[ti, tj] = True
        channel = spec.filter_input_channels(o)[slot]
        weight = float(view.weight[o, slot, i, j])
        value = float(view.image[channel, step.row, step.col])
        product = number(float(np.float32(weight) * np.float32(value)))
        reads = f"× in {channel} ({step.row}, {step.col}) = {number(value)} gives {product}"
        y, x = int(step.out_rows[ti]), int(step.out_cols[tj])
        lands = f"added to out {o} ({y}, {x})" if step.inside[ti, tj] else "cropped off the output"
        text = f"w[{o}, {slot}, {i}, {j}] = {number(weight)} {reads}, {lands}"
        outputs = [(y, x)] if step.inside[ti, tj] else []
        return [(step.row, step.col)], outputs, taps, text
