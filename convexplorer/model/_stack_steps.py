"""Undo steps of a stack of layers: an edit inside one layer, or a change of the whole stack.

An edit inside one layer keeps only what it changed (the layer's own step, e.g. a few weights) and
the layer's index; undoing it selects that layer first, so the user sees what came back. A change
of the stack (layers added, removed, moved, reshaped, a new input) keeps both sides whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._history import STEP_OVERHEAD, Step, WeightStep

if TYPE_CHECKING:
    from ._network import Network
    from ._stack import NetworkSnapshot


@dataclass(frozen=True)
class LayerStep:
    """One layer's own step (weights, activation), applied to that layer of the stack."""

    layer: int
    step: Step

    @property
    def nbytes(self) -> int:
        return self.step.nbytes

    def undo(self, network: Network) -> None:
        network.select_layer(self.layer)
        self.step.undo(network.current)

    def redo(self, network: Network) -> None:
        network.select_layer(self.layer)
        self.step.redo(network.current)

    def merged(self, later: object) -> LayerStep | None:
        """Two weight steps of the same layer as one (wheel nudges of one cell); None otherwise."""
        if not (
            isinstance(later, LayerStep)
            and later.layer == self.layer
            and isinstance(self.step, WeightStep)
            and isinstance(later.step, WeightStep)
        ):
            return None
        return LayerStep(self.layer, self.step.merged(later.step))


@dataclass(frozen=True)
class StackStep:
    """A change of the stack or its input: both sides kept whole."""

    before: NetworkSnapshot
    after: NetworkSnapshot

    @property
    def nbytes(self) -> int:
        total = STEP_OVERHEAD
        for snap in (self.before, self.after):
            for setup in snap.layers:
                total += setup.weight.nbytes + (0 if setup.bias is None else setup.bias.nbytes)
        total += self.after.image.nbytes
        if self.before.image is not self.after.image:  # an input both sides share counts once
            total += self.before.image.nbytes
        return total

    def undo(self, network: Network) -> None:
        network.restore(self.before)

    def redo(self, network: Network) -> None:
        network.restore(self.after)
