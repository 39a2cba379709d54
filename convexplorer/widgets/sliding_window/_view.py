"""The sliding-window view: one output pixel computed in front of the student, frame by frame.

Every number comes from the model (``state.dot_product`` and ``state.output``); the view lays them
out — per input channel the window, the input values, the kernel slice, the products and their sum,
then the equation that adds the channel sums and the bias, and the output map filling in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterable

import numpy as np
from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ...model import DotProduct, LayerSpec
from ...qt import Document
from ..pool_words import pool_output, pool_padding
from ..style import number
from ._channel_strip import ChannelStrip, Frame
from ._controls import TransportBar
from ._equation import Equation, EquationLabel
from ._frames import FrameTrack
from ._hover import HoverLinks
from ._labels import SteadyLabel
from ._output_map import OutputMap
from ._overview import Overview
from ._pace import PAGE_ROWS, Track
from ._painting import PaintingView
from ._stepper import Stepper

#: Why the kernel column differs from the kernel editor (textbook convolution), in one sentence.
FLIPPED_NOTE = (
    "Textbook convolution: the kernel shown is the one you typed flipped in both axes "
    "(PyTorch's Conv2d would slide it unflipped)"
)
# How the keys read in tooltips and help.
KEY_NAMES = {"Left": "←", "Right": "→", "Up": "↑", "Down": "↓", "PgDown": "PgDn"}


class SlidingWindowView(QWidget):
    """Steps the selected filter across the input and spells out each dot product.

    ``exportRequested`` asks the app to export the animation (files are the app's business); the
    app draws the frames with ``render_frames``.
    """

    statusMessage = Signal(str)
    statusWithdrawn = Signal(str)  # a hover's words that no longer hold
    exportRequested = Signal()

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("slidingWindowView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a neutral place for the keyboard focus
        self._document = document
        self.stepper = Stepper(document, self)
        self._levels = np.zeros((0, 2))
        self._frame: Frame | None = None  # the live frame shown (exports draw others)
        self._map_filter = -1  # whose output the map draws (what is shown, not the selection)

        self.actions_by_name = self._make_actions()
        a = self.actions_by_name
        self.controls = TransportBar(
            [
                a["first"],
                a["back"],
                a["play"],
                a["forward"],
                a["last"],
                None,  # speed, scrubber, position
                a["wholeMap"],
                a["strongest"],
                a["byChannel"],
                a["export"],
            ],
            self,
        )
        self.header = QLabel(self)
        self.header.setWordWrap(True)
        self.header.setToolTip("Which filter, which output position, which input channels it reads")
        self.strip = ChannelStrip(self)
        self.output_map = OutputMap(self)
        self.output_caption = SteadyLabel("out(8888, 8888) = −0.08888", self)
        self.output_caption.setToolTip("The selected filter's output at the window position")
        self.output_title = QLabel(self)
        self.output_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.equation = EquationLabel(self)
        self.equation.setObjectName("slidingWindowEquation")

        # The whole input with the receptive field, beside the output map at the same scale.
        self.overview = Overview(self.output_map, self.output_title, self.output_caption, self)
        middle = QHBoxLayout()
        middle.addWidget(self.strip)
        middle.addWidget(self.overview, 1)  # the strip keeps its natural width; pictures the rest
        self.conv_page = QWidget(self)
        layout = QVBoxLayout(self.conv_page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.controls)
        layout.addWidget(self.header)
        layout.addLayout(middle, 1)
        layout.addWidget(self.equation)
        # A transposed layer is shown the other way round: input pixels painting the output.
        self.painting = PaintingView(document, self)
        self.painting.statusMessage.connect(self.statusMessage)
        self.painting.exportRequested.connect(self.export_animation)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.conv_page)
        self.pages.addWidget(self.painting)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(self.pages)

        self.controls.speed.currentIndexChanged.connect(
            lambda: self.stepper.set_speed(self.controls.chosen_speed())
        )
        self.stepper.regionChanged.connect(self._region_changed)
        self.output_map.regionDragged.connect(self._region_dragged)
        self.controls.scrubber.valueChanged.connect(self._scrubbed)
        self.stepper.playingChanged.connect(self._playing_changed)
        self.stepper.stageChanged.connect(self._show_frame)
        self.output_map.positionClicked.connect(self._clicked_output)
        self.output_map.hovered.connect(self.statusMessage)
        document.selectionChanged.connect(self._selection_changed)
        document.weightsChanged.connect(self._weights_changed)
        document.outputsChanged.connect(self._outputs_changed)
        document.layerChanged.connect(self._layer_changed)
        document.inputChanged.connect(self._layer_changed)
        document.activationChanged.connect(self._show_frame)
        self.hover = HoverLinks(
            document,
            self.strip,
            self.overview,
            self.output_map,
            lambda: None if self.painting_shown else self.dot_product,  # no marks while hidden
        )
        self.hover.statusMessage.connect(self.statusMessage)
        self.hover.statusWithdrawn.connect(self.statusWithdrawn)
        self._layer_changed()

    # ---- actions --------------------------------------------------------------------------------

    def _make_actions(self) -> dict[str, QAction]:
        icon = self.style().standardIcon
        pixmap = QStyle.StandardPixmap
        page = PAGE_ROWS
        specs = [
            ("first", "First position", "Home", pixmap.SP_MediaSkipBackward, self._first),
            ("back", "Step back", "Left", pixmap.SP_MediaSeekBackward, lambda: self._step(-1)),
            ("play", "Play", "Space", pixmap.SP_MediaPlay, self._toggle),
            ("forward", "Step forward", "Right", pixmap.SP_MediaSeekForward, lambda: self._step(1)),
            ("last", "Last position", "End", pixmap.SP_MediaSkipForward, self._last),
            ("rowUp", "Previous row", "Up", None, lambda: self._row_step(-1)),
            ("rowDown", "Next row", "Down", None, lambda: self._row_step(1)),
            ("pageUp", f"{page} rows up", "PgUp", None, lambda: self._row_step(-page)),
            ("pageDown", f"{page} rows down", "PgDown", None, lambda: self._row_step(page)),
            ("wholeMap", "Whole map", "Esc", None, lambda: self.stepper.set_region(None)),
            ("strongest", "Strongest", "", None, self.jump_to_strongest),
            ("byChannel", "By channel", "", None, self.stepper.set_channel_mode),
            ("export", "Export…", "", None, self.export_animation),
        ]
        tips = {
            "back": f"↑ / ↓: a row up / down, PgUp / PgDn: {page} rows",
            "forward": f"↑ / ↓: a row up / down, PgUp / PgDn: {page} rows",
            "wholeMap": "Play the whole map again, not only the rectangle dragged on it",
            "strongest": "Jump to the strongest response: the largest value of this output map",
            "byChannel": "Step channel by channel inside each position, building the sum",
            "export": "Save the animation over a range of positions as a GIF or PNG frames",
        }
        actions: dict[str, QAction] = {}
        for name, text, key, standard, slot in specs:
            action = QAction(text, self)
            action.setObjectName(name)
            if standard is not None:
                action.setIcon(icon(standard))
            if key:
                # Window-wide: the keys follow the user whatever has the focus (the main window
                # adds these actions too; its key guard leaves text fields their keys).
                action.setShortcut(QKeySequence(key))
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
                more = f". {tips[name]}" if name in tips else ""
                action.setToolTip(f"{text} ({KEY_NAMES.get(key, key)}){more}")
            else:
                action.setToolTip(tips[name])
            action.setCheckable(name == "byChannel")
            action.triggered.connect(slot)
            self.addAction(action)
            actions[name] = action
        actions["wholeMap"].setEnabled(False)  # until a region is dragged on the map
        return actions

    @property
    def painting_shown(self) -> bool:
        """Whether the layer is transposed: the keys then step the painting view's pixels."""
        return self.pages.currentWidget() is self.painting

    def _toggle(self) -> None:
        (self.painting.toggle if self.painting_shown else self.stepper.toggle)()

    def _first(self) -> None:
        if self.painting_shown:
            self.painting.first()
            return
        self.stepper.pause()
        self.stepper.first()

    def _last(self) -> None:
        if self.painting_shown:
            self.painting.last()
            return
        self.stepper.pause()
        self.stepper.last()

    def _row_step(self, rows: int) -> None:
        if self.painting_shown:
            self.painting.row_step(rows)
            return
        self.stepper.pause()
        self.stepper.row_step(rows)

    def _region_dragged(self, top: int, left: int, bottom: int, right: int) -> None:
        """A rectangle dragged on the map: play it alone, looping, from its first position."""
        region = Track.spanning((top, left), (bottom, right), self._document.view.output_size)
        self.stepper.set_region(region)
        self.stepper.first()
        self.stepper.play()
        self.statusMessage.emit(
            f"Playing rows {top}–{bottom}, columns {left}–{right} only ({region.count} positions), "
            "looping; Esc or Whole map plays the whole map again"
        )

    def _region_changed(self) -> None:
        region = self.stepper.region
        self.actions_by_name["wholeMap"].setEnabled(region is not None)
        self.output_map.set_region(region)
        self._show_frame()

    def _step(self, delta: int) -> None:
        if self.painting_shown:
            self.painting.step(delta)
            return
        self.stepper.pause()
        self.stepper.step(delta)

    def _scrubbed(self, index: int) -> None:
        self.stepper.pause()
        self.stepper.go_to(index)

    def _clicked_output(self, row: int, col: int) -> None:
        self.stepper.pause()
        self._document.select(position=(row, col))

    def jump_to_strongest(self) -> None:
        """Move the window where the selected filter responds most (its output's maximum)."""
        state = self._document.view
        o = state.selected_filter
        if o in state.stale_channels:
            self.statusMessage.emit("The output is still being computed; try again in a moment")
            return
        output = state.output(o)
        row, col = np.unravel_index(int(np.argmax(output)), output.shape)
        self.stepper.pause()
        self._document.select(position=(int(row), int(col)))
        self.statusMessage.emit(
            f"Strongest response of filter {o}: {number(output[row, col])} at ({row}, {col})"
        )

    def export_animation(self) -> None:
        """Stop playing and ask the app for the export dialog."""
        self.pause()
        self.exportRequested.emit()

    def pause(self) -> None:
        """Stop playing, whichever page is on show."""
        self.stepper.pause()
        self.painting.pause()

    def frame_track(self) -> FrameTrack:
        """The positions an export can draw: output positions, or the painting's input pixels."""
        if self.painting_shown:
            width = self._document.view.image.shape[2]
            return FrameTrack(self.painting.count, width, self.painting.index, "input pixel")
        width = self._document.view.output_size[1]
        return FrameTrack(self.stepper.count, width, self.stepper.index(), "position")

    # ---- frames for exports ---------------------------------------------------------------------

    def full_size(self) -> QSize:
        """The smallest size at least as large as the view that shows every channel row whole."""
        return self.size().expandedTo(self.sizeHint())

    def render_frames(
        self, positions: Iterable[tuple[int, int]], size: QSize
    ) -> Generator[QImage, None, None]:
        """Each complete frame at ``positions``, drawn at ``size`` whatever the dock's size:
        output positions, or for a transposed layer the input pixels painting (``frame_track``).

        A hidden twin of this view draws them, so neither this view nor the shared selection
        moves; the twin goes when the iteration ends (or is closed).
        """
        twin = SlidingWindowView(self._document)
        twin.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        twin.strip.pin_slot(self.strip.detail_slot())
        twin.resize(size)
        twin.show()
        try:
            for position in positions:
                if twin.painting_shown:
                    row, col = position
                    twin.painting.go_to(row * self._document.view.image.shape[2] + col)
                else:
                    twin._show_frame(position)
                yield twin.grab().toImage()
        finally:
            twin.close()
            twin.deleteLater()

    def render_frame(self, position: tuple[int, int], size: QSize) -> QImage:
        """One complete frame at ``position``, drawn at ``size`` (see ``render_frames``)."""
        with contextlib.closing(self.render_frames([position], size)) as frames:
            return next(frames)

    def _playing_changed(self, playing: bool) -> None:
        play = self.actions_by_name["play"]
        standard = (
            QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        )
        play.setIcon(self.style().standardIcon(standard))
        play.setText("Pause" if playing else "Play")
        play.setToolTip(f"{play.text()} (Space)")

    # ---- following the model --------------------------------------------------------------------

    def _selection_changed(self, out_channel: int, row: int, col: int) -> None:
        if out_channel != self._map_filter:
            self._map_filter = out_channel
            self.strip.reset_scale()
            self._show_output()
        elif self._frame_shows(out_channel, row, col):
            return  # drawn already: a layer switch draws the frame before saying the selection
        self._show_frame()

    def _frame_shows(self, out_channel: int, row: int, col: int) -> bool:
        """Whether the live frame is the one at this selection and stage. Every change that
        alters a frame's numbers (weights, input, layer, activation) redraws it at once, so a
        frame at the same place and stage is the state's own."""
        frame = self._frame
        return (
            frame is not None
            and (frame.dot.out_channel, frame.dot.row, frame.dot.col) == (out_channel, row, col)
            and frame.stage == self.stepper.stage
        )

    def _weights_changed(self, channels: list[int]) -> None:
        if self._document.view.selected_filter in channels:
            self.strip.reset_scale()
            self.output_map.mark_stale()
            self.actions_by_name["strongest"].setEnabled(False)
            self._show_frame()

    def _outputs_changed(self, channels: list[int]) -> None:
        """The map arrived: the frame (the dot product) is unchanged, only the value it wrote."""
        if self._document.view.selected_filter in channels:
            self._show_output()
            if self._frame is not None:
                self._show_value(self._frame)

    def _layer_changed(self) -> None:
        """New input or layer: shapes may differ; the state has already clamped the position."""
        state = self._document.view
        self._levels = state.input_ranges
        if state.spec.transposed:
            self.stepper.pause()
        self.pages.setCurrentWidget(self.painting if state.spec.transposed else self.conv_page)
        self.stepper.layer_changed()
        self.strip.rebuild(state.spec.in_per_group)
        self.strip.set_flipped(state.spec.flip_kernel)
        self.strip.set_pool(state.spec.pool, state.spec.kernel_size[0] * state.spec.kernel_size[1])
        self.hover.connect_neighbourhoods()
        self.strip.reset_scale()
        self.output_map.set_size(*state.output_size)
        self._map_filter = state.selected_filter
        self._show_output()
        self._show_frame()

    def _show_output(self) -> None:
        state = self._document.view
        o = state.selected_filter
        fresh = o not in state.stale_channels
        values = state.output(o) if fresh else None
        preview = state.output_preview(o) if fresh else None
        self.output_map.set_values(values, state.output_range(o), state.activation, preview)
        self.actions_by_name["strongest"].setEnabled(fresh)
        self.output_title.setText(f"output channel {o}")
        self.header.setText(self._header_text(o))

    # ---- drawing a frame ------------------------------------------------------------------------

    def _show_frame(self, position: tuple[int, int] | None = None) -> None:
        """Draw the state's position — or ``position`` (export renders frames without selecting)."""
        state = self._document.view
        spec = state.spec
        row, col = state.position if position is None else position
        stage = self.stepper.stage if position is None else None
        dot = state.dot_product(position=(row, col))
        image, levels, photo = state.image, self._levels, state.input_is_photo
        frame = Frame(dot, image, levels, spec.pads, spec.padding_mode, stage, photo)
        if position is None:
            self._frame = frame
        self.strip.show_frame(frame)
        self.overview.show_frame(
            frame, state.input_version, self.strip.detail_slot(), state.output_size
        )
        if position is None:
            self.hover.refresh()  # a hovered weight points at its pixel in the new window
        self.output_map.set_position(row, col, stage is None, self.stepper.region)
        self._show_value(frame)
        width = state.output_size[1]
        with QSignalBlocker(self.controls.scrubber):
            self.controls.show_position(row * width + col, self.stepper.count, row, col)

    def _show_value(self, frame: Frame) -> None:
        """The output value the frame wrote (once the map has it): caption and equation."""
        row, col = frame.dot.row, frame.dot.col
        shown = self.output_map.value_at(row, col) if frame.stage is None else None
        self.output_caption.setText(
            f"out({row}, {col}) = {number(shown)}" if shown is not None else f"out({row}, {col})"
        )
        dot, view = frame.dot, self._document.view
        self.equation.set_equation(
            Equation(
                channels=dot.input_channels,
                sums=tuple(dot.channel_sums.tolist()),
                bias=None if view.bias is None else dot.bias,
                value=dot.value,
                activation=view.activation,
                output=shown,
                stage=frame.stage,
                taps=tuple(dot.patch[0].ravel().tolist()) if dot.reduction == "max" else None,
            )
        )

    @property
    def dot_product(self) -> DotProduct | None:
        """The dot product the view is showing (its numbers are the model's), if any."""
        return None if self._frame is None else self._frame.dot

    def _header_text(self, o: int) -> str:
        spec = self._document.view.spec
        if spec.flip_kernel:
            return f"{self._reads_text(o, spec)}. {FLIPPED_NOTE}"
        return self._reads_text(o, spec)

    @staticmethod
    def _reads_text(o: int, spec: LayerSpec) -> str:
        if spec.pool:
            return _pool_reads_text(o, spec)
        channels = spec.filter_input_channels(o)
        first, last = channels.start, channels.stop - 1
        if spec.groups > 1:
            reads = f"in {first}" if first == last else f"in {first}–{last}"
            return (
                f"Filter {o} reads {reads} only: group {first // spec.in_per_group + 1} of "
                f"{spec.groups}; the other input channels feed other filters"
            )
        if spec.in_channels == 1:
            return f"Filter {o} reads the one input channel: window × kernel, summed, plus the bias"
        return (
            f"Filter {o} reads all {spec.in_channels} input channels: each window × its kernel "
            "slice, summed, then the channel sums plus the bias"
        )

    # ---- what is displayed (for tests, scripts and screenshots) ---------------------------------

    def equation_text(self) -> str:
        """The equation line exactly as shown."""
        return self.equation.text()

    def channel_texts(self) -> list[dict[str, object]]:
        """Per shown channel row: caption, patch / kernel / product numbers, and the channel sum."""
        return self.strip.row_texts()

    def output_text(self) -> str:
        """The caption under the output map."""
        return self.output_caption.text()


def _pool_reads_text(o: int, spec: LayerSpec) -> str:
    """The header for a pool layer: what output channel ``o`` is made of."""
    winner = " (green: the winner)" if spec.pool == "max" else ""
    return (
        f"{spec.kind}: out {o} is {pool_output(spec, f'in {o}')}{winner}; padding "
        f"{pool_padding(spec.pool)}"
    )
