"""One layer's outputs for one input, kept current channel by channel.

A ``LayerOutputs`` is bound to one input and one layer's settings and tracks which of its output
channels a weight edit made stale. Jobs snapshot what they need, so they can run on another
thread; a result whose channel was edited again meanwhile is dropped. A result is adopted as it
is (each channel a view of the job's array): handing it over copies nothing on the UI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._conv import ConvEngine
from ._spec import LayerSpec


@dataclass(frozen=True)
class ComputeJob:
    """A snapshot of stale output channels to compute, possibly on another thread.

    Holds its own copies of the weights, so edits made while it runs cannot tear its result.
    """

    engine: ConvEngine
    weight: np.ndarray
    bias: np.ndarray | None
    channels: tuple[int, ...]
    versions: tuple[int, ...]

    def run(self) -> np.ndarray:
        return self.engine.run(self.weight, self.bias, self.channels)


class LayerOutputs:
    """Pre-activation outputs of ``spec`` on ``image``, with per-channel staleness."""

    def __init__(self, spec: LayerSpec, image: np.ndarray) -> None:
        self.engine = ConvEngine(spec, image)
        self._raw: list[np.ndarray | None] = [None] * spec.out_channels
        self._versions = [0] * spec.out_channels
        self._stale = set(range(spec.out_channels))

    @property
    def output_size(self) -> tuple[int, int]:
        return self.engine.output_size

    @property
    def stale(self) -> tuple[int, ...]:
        return tuple(sorted(self._stale))

    def invalidate(self, channels: Sequence[int]) -> None:
        """Weights of these filters changed: their outputs must be computed again."""
        for o in channels:
            self._versions[o] += 1
            self._stale.add(o)
            self._raw[o] = None

    def job(
        self, weight: np.ndarray, bias: np.ndarray | None, channels: Sequence[int] | None = None
    ) -> ComputeJob | None:
        """A job for the stale channels (or the stale ones among ``channels``); None if none."""
        wanted = self._stale if channels is None else self._stale & set(channels)
        if not wanted:
            return None
        ordered = tuple(sorted(wanted))
        return ComputeJob(
            engine=self.engine,
            weight=weight.copy(),
            bias=None if bias is None else bias.copy(),
            channels=ordered,
            versions=tuple(self._versions[o] for o in ordered),
        )

    def accept(self, job: ComputeJob, result: np.ndarray) -> tuple[int, ...]:
        """Store the job's channels that are still current and return them; stale ones drop."""
        if job.engine is not self.engine:
            return ()
        stored = []
        for slot, (o, version) in enumerate(zip(job.channels, job.versions, strict=True)):
            if self._versions[o] == version and o in self._stale:
                self._raw[o] = result[slot]  # a view: the job's array is not copied
                self._stale.discard(o)
                stored.append(o)
        return tuple(stored)

    def is_ready(self, out_channel: int) -> bool:
        return out_channel not in self._stale

    def raw(self, out_channel: int) -> np.ndarray | None:
        """One channel's current values, or None while it is stale."""
        return self._raw[out_channel]
