"""Qt-free change notifications, so the model can be observed without depending on a GUI toolkit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto


class ChangeKind(Enum):
    """What part of the explorer state changed."""

    INPUT = auto()  # a new input image (outputs follow)
    LAYER = auto()  # new layer settings: shapes may differ, every filter was reshaped
    WEIGHTS = auto()  # weights or biases of some filters (``channels``)
    ACTIVATION = auto()  # none, ReLU, LeakyReLU, sigmoid or tanh
    SELECTION = auto()  # the selected filter or the sliding-window position
    STACK = auto()  # layers added, removed, reordered or replaced (a stack of layers)
    LAYER_SELECTED = auto()  # another layer of the stack is the selected one


@dataclass(frozen=True)
class Change:
    """One change; ``channels`` names the output channels it touches (None: all of them),
    ``layer`` the layer of a stack it happened in (None: a lone layer, or the whole stack)."""

    kind: ChangeKind
    channels: tuple[int, ...] | None = None
    layer: int | None = None


Listener = Callable[[Change], None]


class Observable:
    """A minimal observer list: listeners are called in order with each ``Change``."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def connect(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def emit(self, change: Change) -> None:
        for listener in list(self._listeners):
            listener(change)
