"""Moving the window: raster order (columns fastest), playback timer, channel-by-channel stages.

The position itself lives in the explorer state; the stepper only decides where to go next and
asks the state to select it. Its own state is presentational: whether it plays, how fast, which
rectangle of the map it plays (the region), and — in the channel-by-channel mode — how many of
the current position's channels have been added so far. The arithmetic is in ``_pace``.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

from ...qt import Document
from ._pace import DEFAULT_SPEED, Position, Track, advance, positions_for_tick, tick_interval_ms


class Stepper(QObject):
    """Steps the shared window position through the output (or a region of it) in raster order."""

    playingChanged = Signal(bool)
    stageChanged = Signal()  # the channel stage moved while the position stayed
    regionChanged = Signal()

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._clock = QElapsedTimer()
        self._carry = 0.0  # the fraction of a position the last tick was owed
        self._speed = DEFAULT_SPEED
        self._timer.setInterval(tick_interval_ms(self._speed))
        self._channel_mode = False
        self._region: Track | None = None
        # (position, stage): the stage belongs to the position it was reached at, so any other
        # move of the shared position (a click on the output) shows the whole sum again
        self._staged: tuple[Position, int] | None = None

    # ---- positions as raster indices over the whole map -----------------------------------------

    @property
    def count(self) -> int:
        """How many output positions there are."""
        height, width = self._document.view.output_size
        return height * width

    def index(self) -> int:
        return Track.whole(self._document.view.output_size).index(self._document.view.position)

    def position_of(self, index: int) -> Position:
        return Track.whole(self._document.view.output_size).position(index)

    # ---- the region: a rectangle played on its own ----------------------------------------------

    @property
    def region(self) -> Track | None:
        return self._region

    @property
    def track(self) -> Track:
        """What stepping and playing walk: the region if there is one, else the whole map."""
        return self._region or Track.whole(self._document.view.output_size)

    def set_region(self, region: Track | None) -> None:
        """Play only inside ``region`` (looping), or the whole map again (None)."""
        if region == self._region:
            return
        self._region = region
        self.regionChanged.emit()
        if region is not None and not region.contains(self._document.view.position):
            self._move(region.position(0), None)

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
        """Channel counts may differ now: start the current position over as complete; a region
        that no longer fits the output goes."""
        self._staged = None
        if self._region is not None and not self._region.fits(self._document.view.output_size):
            self.set_region(None)

    # ---- moving ---------------------------------------------------------------------------------

    def go_to(self, index: int) -> None:
        """Select the position with raster index ``index`` (clamped), its value complete."""
        self._move(self.position_of(index), None)

    def first(self) -> None:
        """The track's first position (the region's, if there is one)."""
        self._move(self.track.position(0), None)

    def last(self) -> None:
        self._move(self.track.position(self.track.count - 1), None)

    def row_step(self, rows: int) -> None:
        """Same column, ``rows`` rows further (negative: back), within the track."""
        self._move(self.track.row_step(self._document.view.position, rows), None)

    def _stages(self) -> int:
        """Units per position: 1, or each partial channel sum plus the whole in channel mode."""
        return self._document.view.spec.in_per_group + 1 if self._channel_mode else 1

    def step(self, delta: int, loop: bool = False) -> bool:
        """``delta`` steps forward (negative: back) on the track: positions, or channels in the
        channel mode; stops at the track's ends unless ``loop``.

        Returns False when there is nowhere to go.
        """
        track, position = self.track, self._document.view.position
        before = (track.index(position), self.stage)
        index, stage = advance(*before, delta, self._stages(), track.count, loop)
        if (index, stage) == before and track.contains(position):
            return False
        self._move(track.position(index), stage)
        return True

    def _move(self, position: Position, stage: int | None) -> None:
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
        track = self.track
        position = self._document.view.position
        return position == track.position(track.count - 1) and self.stage is None

    # ---- playback -------------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def speed(self) -> int:
        """Playback speed in output positions (channel stages in channel mode) per second."""
        return self._speed

    @property
    def fps(self) -> int:
        """Frames shown per second while playing: the speed, up to one frame per timer tick."""
        return round(1000 / tick_interval_ms(self._speed))

    def set_speed(self, speed: int) -> None:
        self._speed = max(1, int(speed))
        self._timer.setInterval(tick_interval_ms(self._speed))
        self._clock.restart()
        self._carry = 0.0

    def play(self) -> None:
        if self.playing:
            return
        track, position = self.track, self._document.view.position
        if self.at_end() or not track.contains(position):  # play again from the start
            self._move(track.position(0), 0 if self._channel_mode else None)
        self._clock.start()
        self._carry = 0.0
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
        """Move what the elapsed time is worth: a region loops, the whole map stops at its end."""
        moves, self._carry = positions_for_tick(self._speed, self._clock.restart(), self._carry)
        if moves == 0:
            return
        looping = self._region is not None
        if not self.step(moves, loop=looping) or (not looping and self.at_end()):
            self.pause()
