"""The transposed layer's sliding view: each input pixel paints the scaled kernel into the output.

A ``ConvTranspose2d`` is easiest to see the other way round from a ``Conv2d``: step through the
input pixels in raster order; each one's values (one per input channel the output channel reads)
multiply the kernel slices, the scaled slices add up to one patch, and the patch is added into the
output at ``stride``-spaced spots, overlapping what earlier pixels painted. Every number is the
model's (``StateView.scatter_step``); after the last pixel the map is the layer's output.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ...model import ScatterStep
from ...qt import Document
from ..looks import input_looks, output_looks
from ..retire import retire
from ..style import (
    ACTIVATION_NAMES,
    BLANK_COLOR,
    HINT_TEXT,
    HOVER_COLOR,
    channel_label,
    diverging_colors,
    number,
    plural,
    rgb_array,
    symmetric_limit,
    text_css,
)
from ._controls import TransportBar
from ._number_grid import NumberGrid
from ._pace import tick_interval_ms
from ._painting_hover import PaintingHover
from ._picture import PaintedPicture, Picture

ROWS_LIMIT = 4  # more input channels than this: the first ones shown, the patch sums them all
_OFF_OUTPUT = rgb_array(BLANK_COLOR)  # a tap cropped off by the padding

FLIPPED_NOTE = (
    "Textbook convolution: the kernel shown is the one you typed flipped in both axes "
    "(PyTorch's ConvTranspose2d would use it unflipped)"
)


def _grid_texts(values: np.ndarray) -> list[list[str]]:
    return [["off" if np.isnan(v) else number(v) for v in row] for row in values.tolist()]


def _grid_colors(values: np.ndarray, limit: float) -> np.ndarray:
    rgb = diverging_colors(np.nan_to_num(values), limit)
    rgb[np.isnan(values)] = _OFF_OUTPUT
    return rgb


class _ChannelRow:
    """One input channel's share: its pixel value × its kernel slice = the scaled slice.

    Its widgets carry their row as the ``slot`` property and object names, so What's This? can
    say which channel a part belongs to.
    """

    def __init__(self, parent: QWidget, slot: int) -> None:
        self.caption = QLabel(parent)
        font = self.caption.font()
        font.setBold(True)
        self.caption.setFont(font)
        self.value = QLabel(parent)
        self.value.setToolTip("The input pixel's value on this channel")
        self.kernel = NumberGrid("kernel", parent)
        self.kernel.setToolTip("This output channel's kernel slice for this input channel")
        self.scaled = NumberGrid("scaled kernel", parent)
        self.scaled.setToolTip("The pixel's value × the kernel slice, tap by tap")
        self.signs = [QLabel(sign, parent) for sign in ("×", "=")]
        for widget, name in (
            (self.caption, "paintingChannel"),
            (self.value, "paintingValue"),
            (self.kernel, "paintingKernel"),
            (self.scaled, "paintingScaled"),
        ):
            widget.setObjectName(name)
            widget.setProperty("slot", slot)

    def place(self, grid: QGridLayout, row: int) -> None:
        widgets = (self.caption, self.value, self.signs[0], self.kernel, self.signs[1], self.scaled)
        for column, widget in enumerate(widgets):
            grid.addWidget(widget, row, column)

    def show(self, step: ScatterStep, slot: int, limit: float, photo: bool) -> None:
        channel = step.input_channels[slot]
        self.caption.setText(channel_label(channel, photo=photo))
        self.value.setText(f"x = {number(float(step.values[slot]))}")
        kernel, scaled = step.kernel[slot], step.scaled[slot]
        self.kernel.set_values(kernel, diverging_colors(kernel, symmetric_limit(step.kernel)))
        self.scaled.set_values(scaled, diverging_colors(scaled, limit))


class PaintingView(QWidget):
    """Steps through the input pixels of a transposed layer, painting the selected output channel.

    The pixel is the view's own cursor (the document's selection names output positions, which a
    transposed layer's frames do not step through). ``statusMessage`` carries what is shown.
    """

    statusMessage = Signal(str)
    exportRequested = Signal()

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paintingView")
        self._document = document
        self._index = 0
        self._step: ScatterStep | None = None
        self._rows: list[_ChannelRow] = []
        self._input_shown: tuple[int, int, bool] | None = None
        self._range_of: tuple[np.ndarray, tuple[float, float]] | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self.actions_by_name = self._make_actions()
        a = self.actions_by_name
        self.controls = TransportBar(
            [a["first"], a["back"], a["play"], a["forward"], a["last"], None, a["export"]],
            self,
            "input pixel",
        )
        self.controls.scrubber.setAccessibleName("Input pixel")
        self.controls.scrubber.setToolTip(
            "Every input pixel in raster order (columns fastest, then rows): click to jump "
            "there, drag to scrub"
        )
        self.controls.position.setToolTip("Input pixel (row, col) and its number in raster order")
        self.header = QLabel(self)
        self.header.setObjectName("paintingHeader")
        self.header.setWordWrap(True)
        self.rows_box = QWidget(self)
        self._grid = QGridLayout(self.rows_box)
        self._grid.setContentsMargins(2, 0, 2, 0)
        self._grid.setColumnStretch(6, 1)  # the numbers keep their size; spare width goes right
        self.more = QLabel(self)
        self.more.setStyleSheet(text_css(HINT_TEXT))
        self.before = NumberGrid("output before", self)
        self.before.setToolTip("The output under the taps before this pixel (off: cropped)")
        self.patch = NumberGrid("added", self)
        self.patch.setToolTip("The scaled kernel slices summed over the input channels")
        self.after = NumberGrid("output after", self)
        self.after.setToolTip("The output under the taps once this pixel is added")
        self.input_picture = Picture("The input; the outlined pixel is the one painting", self)
        self.output_picture = PaintedPicture(
            "The output so far: every pixel up to this one painted (plus the bias); the "
            "outlined cells are the ones this pixel adds to",
            self,
        )
        self.hover_line = QLabel(self)
        self.hover_line.setWordWrap(True)
        self.hover_line.setStyleSheet(text_css(HINT_TEXT))
        self.hover_line.setToolTip(
            "What the mouse points at: hover the input, the output, a kernel or scaled weight, "
            "or a cell of the output grids"
        )
        self.input_caption = QLabel(self)
        self.output_caption = QLabel(self)
        self.output_caption.setObjectName("paintingOutputCaption")
        for widget, name in (
            (self.more, "paintingMore"),
            (self.before, "paintingBefore"),
            (self.patch, "paintingAdded"),
            (self.after, "paintingAfter"),
            (self.input_picture, "paintingInput"),
            (self.output_picture, "paintingOutput"),
            (self.input_caption, "paintingInputCaption"),
            (self.hover_line, "paintingHover"),
        ):
            widget.setObjectName(name)
        for label in (self.input_caption, self.output_caption):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._lay_out()
        self.hover = PaintingHover(
            document,
            (self.input_picture, self.output_picture),
            self.hover_line,
            lambda: self._step,
            lambda: self._index,
            self._mark_taps,
        )
        self.hover.statusMessage.connect(self.statusMessage)
        for grid in (self.before, self.patch, self.after):
            grid.cellHovered.connect(self.hover.hover_patch)
        self.controls.speed.currentIndexChanged.connect(self._speed_changed)
        self.controls.scrubber.valueChanged.connect(self.go_to)
        document.layerChanged.connect(self.reset)
        document.inputChanged.connect(self.reset)
        document.weightsChanged.connect(self._weights_changed)
        document.selectionChanged.connect(self._selection_changed)
        document.outputsChanged.connect(self._outputs_changed)
        self._filter = document.view.selected_filter
        self.reset()

    def _lay_out(self) -> None:
        sums = QHBoxLayout()
        sums.setSpacing(6)
        for widget in (
            QLabel("output before", self),
            self.before,
            QLabel("+ added", self),
            self.patch,
            QLabel("=", self),
            self.after,
        ):
            sums.addWidget(widget)
        sums.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.rows_box)
        left.addWidget(self.more)
        left.addLayout(sums)
        left.addWidget(self.hover_line)
        left.addStretch(1)
        pictures = QGridLayout()
        pictures.addWidget(self.input_picture, 0, 0)
        pictures.addWidget(self.output_picture, 0, 1)
        pictures.addWidget(self.input_caption, 1, 0)
        pictures.addWidget(self.output_caption, 1, 1)
        pictures.setColumnStretch(0, 2)  # the output, larger than its input, gets more room
        pictures.setColumnStretch(1, 3)
        middle = QHBoxLayout()
        middle.addLayout(left)
        middle.addLayout(pictures, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.controls)
        layout.addWidget(self.header)
        layout.addLayout(middle, 1)

    # ---- actions --------------------------------------------------------------------------------

    def _make_actions(self) -> dict[str, QAction]:
        pixmap = QStyle.StandardPixmap
        specs = [
            ("first", "First pixel", "Home", pixmap.SP_MediaSkipBackward, self.first),
            ("back", "Step back", "←", pixmap.SP_MediaSeekBackward, lambda: self.step(-1)),
            ("play", "Play", "Space", pixmap.SP_MediaPlay, self.toggle),
            ("forward", "Step forward", "→", pixmap.SP_MediaSeekForward, lambda: self.step(1)),
            ("last", "Last pixel", "End", pixmap.SP_MediaSkipForward, self.last),
        ]
        actions = {}
        for name, text, key, standard, slot in specs:
            action = QAction(self.style().standardIcon(standard), text, self)
            action.setObjectName(f"paint{name[:1].upper()}{name[1:]}")
            action.setToolTip(f"{text} ({key}; ↑/↓: a row of input pixels)")
            action.triggered.connect(slot)
            actions[name] = action
        export = QAction("Export…", self)
        export.setObjectName("paintExport")
        export.setToolTip("Save the painting over a range of input pixels as a GIF or PNG frames")
        export.triggered.connect(self._export)
        actions["export"] = export
        return actions

    def _export(self) -> None:
        self.pause()
        self.exportRequested.emit()

    @property
    def count(self) -> int:
        """How many input pixels there are to step through."""
        _, height, width = self._document.view.image.shape
        return height * width

    @property
    def index(self) -> int:
        """The painting pixel's number in raster order."""
        return self._index

    @property
    def pixel(self) -> tuple[int, int]:
        """The input pixel painting now (row, col)."""
        width = self._document.view.image.shape[2]
        return divmod(self._index, width)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def go_to(self, index: int) -> None:
        self._index = min(max(int(index), 0), self.count - 1)
        self._show()

    def step(self, delta: int) -> None:
        self.pause()
        self.go_to(self._index + delta)

    def row_step(self, rows: int) -> None:
        self.pause()
        self.go_to(self._index + rows * self._document.view.image.shape[2])

    def first(self) -> None:
        self.pause()
        self.go_to(0)

    def last(self) -> None:
        self.pause()
        self.go_to(self.count - 1)

    def toggle(self) -> None:
        if self.playing:
            self.pause()
            return
        if self._index >= self.count - 1:
            self.go_to(0)
        self._speed_changed()
        self._timer.start()
        self._playing_changed(True)

    def pause(self) -> None:
        if self.playing:
            self._timer.stop()
            self._playing_changed(False)

    def _playing_changed(self, playing: bool) -> None:
        play = self.actions_by_name["play"]
        play.setText("Pause" if playing else "Play")
        standard = (
            QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        )
        play.setIcon(self.style().standardIcon(standard))

    def _speed_changed(self) -> None:
        self._timer.setInterval(tick_interval_ms(self.controls.chosen_speed()))

    def _tick(self) -> None:
        """One frame: as many pixels as the speed is worth at this frame rate."""
        speed = self.controls.chosen_speed()
        moves = max(1, round(speed * self._timer.interval() / 1000))
        self.go_to(self._index + moves)
        if self._index >= self.count - 1:
            self.pause()

    # ---- the document ---------------------------------------------------------------------------

    def reset(self) -> None:
        """A new layer or input: back to the first pixel, rows for the channels one filter reads."""
        self.pause()
        view = self._document.view
        self._filter = view.selected_filter
        if not view.spec.transposed:
            self._step = None
            return
        self._build_rows(min(view.spec.in_per_group, ROWS_LIMIT))
        self._index = min(self._index, self.count - 1)
        self._step = None  # the old layer's frame: nothing to hover until the new one is shown
        self._show()

    def _build_rows(self, count: int) -> None:
        if count == len(self._rows):
            return
        while self._grid.count():
            item = self._grid.takeAt(0)
            if item.widget() is not None:
                retire(item.widget())  # hidden at once, not at the next idle moment
        self._rows = []
        for row in range(count):
            channel_row = _ChannelRow(self.rows_box, row)
            channel_row.place(self._grid, row)
            for grid in (channel_row.kernel, channel_row.scaled):
                grid.cellHovered.connect(partial(self.hover.hover_tap, row))
            self._rows.append(channel_row)

    def _weights_changed(self, channels: list[int]) -> None:
        if self._document.view.selected_filter in channels:
            self._show()

    def _selection_changed(self, out_channel: int, _row: int, _col: int) -> None:
        if out_channel != self._filter:
            self._filter = out_channel
            self._show()

    def _outputs_changed(self, channels: list[int]) -> None:
        if self._document.view.selected_filter in channels:
            self._show()  # the colour scale is the finished output's

    # ---- drawing --------------------------------------------------------------------------------

    def _show(self) -> None:
        view = self._document.view
        if not view.spec.transposed:
            return
        if not view.is_ready(view.selected_filter):
            # while the output is computed elsewhere, the frame waits for it (outputsChanged)
            # rather than painting the whole channel here, on the window's thread, a second time
            return
        step = view.scatter_step(self.pixel)
        self._step = step
        spec = view.spec
        limit = symmetric_limit(np.concatenate([step.scaled.ravel(), step.patch.ravel()]))
        for slot, row in enumerate(self._rows):
            row.show(step, slot, limit, view.input_is_photo)
        hidden = spec.in_per_group - len(self._rows)
        self.more.setText(
            f"… and {plural(hidden, 'more input channel')}: the patch added sums all of them"
            if hidden > 0
            else ""
        )
        self.more.setVisible(hidden > 0)
        self.patch.set_values(step.patch, diverging_colors(step.patch, limit))
        around = symmetric_limit(np.nan_to_num(np.concatenate([step.before, step.after])))
        self.before.set_values(
            step.before, _grid_colors(step.before, around), texts=_grid_texts(step.before)
        )
        self.after.set_values(
            step.after, _grid_colors(step.after, around), texts=_grid_texts(step.after)
        )
        self._show_pictures(step)
        self.header.setText(self._header_text(step))
        with QSignalBlocker(self.controls.scrubber):
            self.controls.show_position(self._index, self.count, *self.pixel)
        self.hover.refresh()  # what the mouse points at, for this frame

    def _mark_taps(self, taps: np.ndarray | None) -> None:
        """Outline these kernel taps in every channel's kernel and scaled grid (None: none)."""
        for row in self._rows:
            for grid in (row.kernel, row.scaled):
                grid.set_marked(taps, HOVER_COLOR)

    def _show_pictures(self, step: ScatterStep) -> None:
        view = self._document.view
        channel, photo = step.input_channels[0], view.input_is_photo
        shown = (view.input_version, channel, photo)
        if self._input_shown != shown:  # drawn once per input and group
            self._input_shown = shown
            look = input_looks(view.input_ranges, photo=photo)[channel]
            self.input_picture.show_values(view.image[channel], look.colormap, look.levels)
        self.input_picture.outline([self.pixel])
        self.input_caption.setText(f"input {channel_label(channel, photo=photo)}")
        # on the finished output's scale before the activation (steady while painting; the
        # state's range is that one without an activation), diverging: partial sums go negative
        # even when a ReLU later clips them
        known = view.output_range(step.out_channel) if view.activation == "none" else None
        low, high = known or self._final_range(step.so_far.final)
        peak = max(-low, high) or 1.0
        out_look = output_looks({0: (-peak, peak)}, "none", shared=False)[0]
        self.output_picture.show_painted(step.so_far, out_look.colormap, out_look.levels)
        cells = [
            (int(step.out_rows[a]), int(step.out_cols[b])) for a, b in np.argwhere(step.inside)
        ]
        self.output_picture.outline(cells)
        painted = self._index + 1
        before = (
            "" if view.activation == "none" else f" (before {ACTIVATION_NAMES[view.activation]})"
        )
        self.output_caption.setText(
            f"out {step.out_channel}{before}: {painted} / {self.count} pixels painted"
        )

    def _final_range(self, final: np.ndarray) -> tuple[float, float]:
        """The finished output's range while the state's is being computed (once per output)."""
        if self._range_of is None or self._range_of[0] is not final:
            self._range_of = (final, (float(final.min()), float(final.max())))
        return self._range_of[1]

    def _header_text(self, step: ScatterStep) -> str:
        spec = self._document.view.spec
        (sh, sw), (ph, pw) = spec.stride, spec.padding  # type: ignore[misc]
        (eh, ew) = spec.effective_kernel_size
        first, last = step.input_channels[0], step.input_channels[-1]
        reads = f"in {first}" if first == last else f"in {first}–{last}"
        if eh > sh or ew > sw:
            meet = "so neighbouring patches overlap and sum up"
        elif (eh, ew) == (sh, sw):
            meet = "so the patches tile the output side by side"
        else:
            meet = "so the patches leave gaps between them"
        step_text = f"{sh}" if sh == sw else f"{sh} down, {sw} across"
        text = (
            f"Input pixel ({step.row}, {step.col}) of {reads} scales output channel "
            f"{step.out_channel}'s kernel and adds it into the output from "
            f"({step.row * sh - ph}, {step.col * sw - pw}); the next pixel's patch lands "
            f"{step_text} further on (the stride), {meet}"
        )
        return f"{text}. {FLIPPED_NOTE}" if spec.flip_kernel else text

    # ---- what is displayed (for tests) ----------------------------------------------------------

    @property
    def scatter_step(self) -> ScatterStep | None:
        """The model's step the view is showing."""
        return self._step
