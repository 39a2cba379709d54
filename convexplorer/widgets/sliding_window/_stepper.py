"""Moving the window: raster order (columns fastest), playback timer, channel-by-channel stages.

The position itself lives in the explorer state; the stepper only decides where to go next and
asks the state to select it. Its own state is presentational: whether it plays, how fast, and — in
the channel-by-channel mode — how many of the current position's channels have been added so far.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from ...qt import Document


class Stepper(QObject):
    """Steps the shared window position through the output in raster order."""

    playingChanged = Signal(bool)
    stageChanged = Signal()  # the channel stage moved while the position stayed

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._fps = 10
        self._timer.setInterval(round(1000 / self._fps))
        self._channel_mode = False
        # (position, stage): the stage belongs to the position it was reached at, so any other
        # move of the shared position (a click on the output) shows the whole sum again
        self._staged: tuple[tuple[int, int], int] | None = None

    # ---- positions as raster indices ------------------------------------------------------------

    @property
    def count(self) -> int:
        """How many output positions there are."""
        height, width = self._document.view.output_size
        return height * width

    def index(self) -> int:
        row, col = self._document.view.position
        return row * self._document.view.output_size[1] + col

    def position_of(self, index: int) -> tuple[int, int]:
        return divmod(index, self._document.view.output_size[1])

    # ---- channel-by-channel mode ----------------------------------------------------------------

    @property
    def stage(self) -> int | None:
        """Channels 0..stage of the filter are added so far; None when the value is complete."""
        if self._staged is None or self._staged[0] != self._document.view.position:
            return None
        return self._staged[1]

    @property
    def channel_mode(self) -> bool:
        return self._channel_mode

    def set_channel_mode(self, on: bool) -> None:
        """Step through each position channel by channel, building the sum over input channels."""
        self._channel_mode = on
        if self.stage is not None:
            self._staged = None
            self.stageChanged.emit()

    def layer_changed(self) -> None:
        """Channel counts may differ now: start the current position over as complete."""
        self._staged = None

    # ---- moving ---------------------------------------------------------------------------------

    def go_to(self, index: int) -> None:
        """Select the position with raster index ``index`` (clamped), its value complete."""
        index = min(max(index, 0), self.count - 1)
        self._move(self.position_of(index), None)

    def step(self, delta: int) -> bool:
        """One step forward (+1) or back (-1): a position, or a channel in channel mode.

        Returns False when there is nowhere to go.
        """
        index, stage = self.index(), self.stage
        if self._channel_mode:
            channels = self._document.view.spec.in_per_group
            # Stages of one position: 0..channels-1 (partial sums), then None (complete).
            order = (channels if stage is None else stage) + delta
            index += order // (channels + 1)
            order %= channels + 1
            stage = None if order == channels else order
        else:
            index += delta
        if not 0 <= index < self.count:
            return False
        self._move(self.position_of(index), stage)
        return True

    def _move(self, position: tuple[int, int], stage: int | None) -> None:
        """Go to ``position`` showing ``stage``; the stage is set first, so the frame drawn for
        the new position already shows it."""
        moved = position != self._document.view.position
        changed = stage != self.stage
        self._staged = None if stage is None else (position, stage)
        if moved:
            self._document.select(position=position)
        elif changed:
            self.stageChanged.emit()

    def at_end(self) -> bool:
        return self.index() == self.count - 1 and self.stage is None

    # ---- playback -------------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def fps(self) -> int:
        return self._fps

    def set_fps(self, fps: int) -> None:
        """Playback speed in steps per second."""
        self._fps = max(1, int(fps))
        self._timer.setInterval(round(1000 / self._fps))

    def play(self) -> None:
        if self.playing:
            return
        if self.at_end():  # play again from the start
            self._move(self.position_of(0), 0 if self._channel_mode else None)
        self._timer.start()
        self.playingChanged.emit(True)

    def pause(self) -> None:
        if self.playing:
            self._timer.stop()
            self.playingChanged.emit(False)

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def _tick(self) -> None:
        if not self.step(+1) or self.at_end():
            self.pause()
