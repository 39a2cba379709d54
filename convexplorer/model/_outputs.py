"""One layer's outputs for one input, kept current channel by channel.

A ``LayerOutputs`` is bound to one input and one layer's settings. For each output channel it
keeps the raw values (before the activation), the values shown (after it) and their range, and
knows which channels an edit made stale. All of that is computed by jobs that snapshot what they
need, so they can run on another thread: the convolution of stale filters, the activation of
channels whose activation changed, and the ranges views colour by. A result whose channel was
edited again meanwhile is dropped; one computed for an activation that changed since keeps its
raw values only. Results are adopted as they are (views of the job's arrays): handing them over
copies nothing on the UI thread.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._activations import ACTIVATIONS as ACTIVATIONS  # re-exported: the state validates with it
from ._activations import activate, activated_range
from ._flip import kernel_in_use
from ._kinds import Engine, make_engine
from ._spec import LayerSpec

ValueRange = tuple[float, float]
#: Longest side of an output's preview (see ``preview``): sharp in a panel up to that size.
PREVIEW_SIDE = 512
#: Milliseconds to activate one output value and measure its range (memory bound: a pass to
#: activate, two for the range, a fresh array; measured 2.2 ns a value here). Copying a value
#: into a freshly allocated cache (the first edit's window matrix) is priced alike.
VALUE_MS = 2.2e-6


def preview(values: np.ndarray) -> tuple[np.ndarray, int]:
    """``values`` averaged over step×step blocks so the longer side is at most ``PREVIEW_SIDE``,
    and the step (1: the values themselves). Ragged edges average the blocks they have.

    A panel shows a 1024² map in a few hundred pixels: colour-mapping the preview costs a
    quarter, and averaging keeps thin responses visible where skipping pixels would drop them.
    """
    height, width = values.shape
    step = math.ceil(max(height, width) / PREVIEW_SIDE)
    if step <= 1:
        return values, 1
    rows, cols = math.ceil(height / step), math.ceil(width / step)
    padded = np.pad(values, ((0, rows * step - height), (0, cols * step - width)), mode="edge")
    blocks = padded.reshape(rows, step, cols, step)
    return blocks.mean(axis=(1, 3), dtype=np.float32), step


@dataclass(frozen=True)
class ChannelResult:
    raw: np.ndarray
    shown: np.ndarray  # after the activation
    raw_range: ValueRange
    preview: tuple[np.ndarray, int]  # of ``shown``, with its step


@dataclass(frozen=True)
class ComputeJob:
    """A snapshot of work on output channels, possibly run on another thread.

    ``channels`` are convolved (with the job's own copy of the weights, so edits made while it
    runs cannot tear its result); ``reactivate`` maps channels whose raw values are current to
    those values, which only need the activation applied. ``cost`` is its estimated time in
    milliseconds (the engine's cost model): what decides whether it runs at once.
    """

    engine: Engine
    weight: np.ndarray
    bias: np.ndarray | None
    channels: tuple[int, ...]
    reactivate: dict[int, np.ndarray]
    versions: dict[int, int]
    activation: str
    epoch: int
    cost: float
    prepare_edits: bool = False  # build what edits keep (no outputs)

    def run(self) -> dict[int, ChannelResult]:
        if self.prepare_edits:
            self.engine.prepare_edits()
        results = {}
        if self.channels:
            # ranges and activation over the whole block: one pass each, not one per channel,
            # and the shown channels stay slices of one array (``LayerOutputs.shown_block``)
            computed = self.engine.run(self.weight, self.bias, self.channels)
            lows, highs = computed.min(axis=(1, 2)), computed.max(axis=(1, 2))
            shown = activate(computed, self.activation)
            computed.flags.writeable = shown.flags.writeable = False  # handed on, never changed
            for slot, o in enumerate(self.channels):
                results[o] = self._result(computed[slot], shown[slot], lows[slot], highs[slot])
        for o, raw in self.reactivate.items():
            shown = activate(raw, self.activation)
            results[o] = self._result(raw, shown, raw.min(), raw.max())
        return results

    @staticmethod
    def _result(
        raw: np.ndarray, shown: np.ndarray, low: np.floating, high: np.floating
    ) -> ChannelResult:
        return ChannelResult(raw, shown, (float(low), float(high)), preview(shown))


class LayerOutputs:
    """Outputs of ``spec`` on ``image`` before and after ``activation``, with staleness."""

    def __init__(self, spec: LayerSpec, image: np.ndarray, activation: str = "none") -> None:
        self.engine = make_engine(spec, image)
        self.activation = activation
        count = spec.out_channels
        self._raw: list[ChannelResult | None] = [None] * count  # raw values and their range
        self._shown: list[np.ndarray | None] = [None] * count
        self._previews: list[tuple[np.ndarray, int] | None] = [None] * count
        self._versions = [0] * count
        self._epoch = 0  # counts activation changes
        oh, ow = self.engine.output_size
        self._values_per_channel = oh * ow

    @property
    def output_size(self) -> tuple[int, int]:
        return self.engine.output_size

    @property
    def stale(self) -> tuple[int, ...]:
        """Channels whose shown values are not current."""
        return tuple(o for o, shown in enumerate(self._shown) if shown is None)

    def is_ready(self, out_channel: int) -> bool:
        return self._shown[out_channel] is not None

    def raw(self, out_channel: int) -> np.ndarray | None:
        """One channel's current values before the activation, or None while it is stale."""
        entry = self._raw[out_channel]
        return None if entry is None else entry.raw

    def shown(self, out_channel: int) -> np.ndarray | None:
        """One channel's current values after the activation, or None while they are computed."""
        return self._shown[out_channel]

    def shown_preview(self, out_channel: int) -> tuple[np.ndarray, int] | None:
        """The shown values' preview and its step, or None while they are computed."""
        return self._previews[out_channel]

    def shown_block(self) -> np.ndarray | None:
        """Every channel's shown values as one (C, H, W) array when they are, in order, the
        slices of one (a full run's), so a stack feeds them on without stacking a copy; None
        otherwise (or while any is computed)."""
        shown = self._shown
        block = shown[0].base if shown and shown[0] is not None else None
        if not isinstance(block, np.ndarray) or block.shape != (len(shown), *shown[0].shape):
            return None
        start, step = block.ctypes.data, block.strides[0]
        for o, values in enumerate(shown):
            if (
                values is None
                or values.base is not block
                or values.ctypes.data != start + o * step
                or values.strides != block.strides[1:]
            ):
                return None
        return block

    def shown_range(self, out_channel: int) -> ValueRange | None:
        """(min, max) of the shown values, or None while they are computed."""
        entry = self._raw[out_channel]
        if entry is None or self._shown[out_channel] is None:
            return None
        return activated_range(entry.raw_range, self.activation)

    def invalidate(self, channels: Sequence[int]) -> None:
        """Weights of these filters changed: their outputs must be computed again."""
        for o in channels:
            self._versions[o] += 1
            self._raw[o] = None
            self._shown[o] = None
            self._previews[o] = None

    def set_activation(self, activation: str) -> None:
        """Show outputs after ``activation``: every channel's shown values (and their preview)
        must be made again from its raw values, by a job like any other."""
        self.activation = activation
        self._epoch += 1
        for o in range(len(self._shown)):
            self._shown[o] = None
            self._previews[o] = None

    def job(
        self, weight: np.ndarray, bias: np.ndarray | None, channels: Sequence[int] | None = None
    ) -> ComputeJob | None:
        """A job for the stale channels (or the stale ones among ``channels``); None if none."""
        wanted = self.stale if channels is None else [o for o in self.stale if o in channels]
        if not wanted:
            return None
        convolve = tuple(o for o in wanted if self._raw[o] is None)
        reactivate = {}
        for o in wanted:
            entry = self._raw[o]
            if entry is not None:
                reactivate[o] = entry.raw
        cost = len(wanted) * self._values_per_channel * VALUE_MS
        if len(convolve) == len(self._shown):
            cost += self.engine.estimate_ms()
        elif convolve:  # an edit: it may first build the edit cache
            cost += self.engine.estimate_ms(convolve)
            cost += self.engine.edit_cache_missing // self.engine.dtype.itemsize * VALUE_MS
        return ComputeJob(
            engine=self.engine,
            weight=kernel_in_use(self.engine.spec, weight),
            bias=None if bias is None else bias.copy(),
            channels=convolve,
            reactivate=reactivate,
            versions={o: self._versions[o] for o in wanted},
            activation=self.activation,
            epoch=self._epoch,
            cost=cost,
        )

    def warm_up_job(self) -> ComputeJob | None:
        """When every output is current but the first edit would still have to build what
        edits keep: a job that builds it (no outputs). None when there is nothing to build."""
        missing = self.engine.edit_cache_missing
        if self.stale or not missing:
            return None
        nothing = np.empty(0, dtype=np.float32)
        return ComputeJob(
            engine=self.engine,
            weight=nothing,
            bias=None,
            channels=(),
            reactivate={},
            versions={},
            activation=self.activation,
            epoch=self._epoch,
            cost=missing // self.engine.dtype.itemsize * VALUE_MS,
            prepare_edits=True,
        )

    def accept(self, job: ComputeJob, results: dict[int, ChannelResult]) -> tuple[int, ...]:
        """Store what is still current and return the channels now ready; stale results drop.

        Raw values computed before an activation change are kept; their shown values are not.
        """
        if job.engine is not self.engine:
            return ()
        ready = []
        for o, result in results.items():
            if self._versions[o] != job.versions[o] or self._shown[o] is not None:
                continue
            if self._raw[o] is None:
                self._raw[o] = result
            if job.epoch == self._epoch:
                self._shown[o] = result.shown
                self._previews[o] = result.preview
                ready.append(o)
        return tuple(sorted(ready))
