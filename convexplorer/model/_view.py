"""A read-only face of the explorer state: what views and the app may know, and nothing to change.

Views hold a ``StateView``, never the state: it has no setters, its arrays are read-only, and its
outputs are whatever is ready (None while a channel waits), so a view can neither skip the undo
history nor make the UI thread compute. Over a stack of layers it reads the selected layer, so
every view of one layer shows whichever layer the user selected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._dot import DotProduct
from ._scatter import ScatterStep
from ._spec import LayerSpec
from ._state import ExplorerState

if TYPE_CHECKING:
    from ._network import Network


class StateView:
    """Reads of one ``ExplorerState`` (or a stack's selected layer); see the state's docstrings
    for what each value means."""

    __slots__ = ("__first", "__source")

    def __init__(self, source: ExplorerState | Network, *, first: bool = True) -> None:
        """``first``: whether a lone ``ExplorerState`` is the first layer of its stack (its
        input is then the picture); a ``Network`` knows which of its layers is selected."""
        self.__source = source
        self.__first = first

    @property
    def __state(self) -> ExplorerState:
        source = self.__source
        return source if isinstance(source, ExplorerState) else source.current

    @property
    def image(self) -> np.ndarray:
        return self.__state.image

    @property
    def input_version(self) -> int:
        return self.__state.input_version

    @property
    def input_ranges(self) -> np.ndarray:
        return self.__state.input_ranges

    @property
    def input_is_photo(self) -> bool:
        """Whether this layer reads the picture itself as a colour photo: the first layer of its
        stack with 3 input channels. The one answer every view asks before it names a channel
        'R', 'G' or 'B' or shows the input as a photo: a later layer's 3 inputs are the 3 maps
        the layer before made, and presenting them as colours is the very misconception the
        explorer exists to undo ('an RGB image convolved with one filter stays RGB')."""
        source = self.__source
        first = self.__first if isinstance(source, ExplorerState) else source.selected == 0
        return first and self.__state.image.shape[0] == 3

    @property
    def spec(self) -> LayerSpec:
        return self.__state.spec

    @property
    def weight(self) -> np.ndarray:
        return self.__state.weight

    @property
    def bias(self) -> np.ndarray | None:
        return self.__state.bias

    @property
    def activation(self) -> str:
        return self.__state.activation

    @property
    def selected_filter(self) -> int:
        return self.__state.selected_filter

    @property
    def position(self) -> tuple[int, int]:
        return self.__state.position

    @property
    def output_size(self) -> tuple[int, int]:
        return self.__state.output_size

    @property
    def stale_channels(self) -> tuple[int, ...]:
        return self.__state.stale_channels

    def is_ready(self, out_channel: int) -> bool:
        return self.__state.is_ready(out_channel)

    def output(self, out_channel: int) -> np.ndarray | None:
        return self.__state.output(out_channel)

    def raw_output(self, out_channel: int) -> np.ndarray | None:
        return self.__state.raw_output(out_channel)

    def output_preview(self, out_channel: int) -> tuple[np.ndarray, int] | None:
        return self.__state.output_preview(out_channel)

    def output_range(self, out_channel: int) -> tuple[float, float] | None:
        return self.__state.output_range(out_channel)

    def outputs(self) -> np.ndarray:
        return self.__state.outputs()

    def dot_product(
        self, out_channel: int | None = None, position: tuple[int, int] | None = None
    ) -> DotProduct:
        return self.__state.dot_product(out_channel, position)

    def scatter_step(self, pixel: tuple[int, int], out_channel: int | None = None) -> ScatterStep:
        return self.__state.scatter_step(pixel, out_channel)


class NetworkView:
    """Reads of a stack of layers: what the network strip and the receptive field may know."""

    __slots__ = ("__network",)

    def __init__(self, network: Network) -> None:
        self.__network = network

    def __len__(self) -> int:
        return len(self.__network)

    @property
    def selected(self) -> int:
        return self.__network.selected

    def layer(self, index: int) -> StateView:
        """Layer ``index`` read-only (a fresh view: layers are replaced when the stack changes)."""
        return StateView(self.__network.layers[index], first=index == 0)

    @property
    def specs(self) -> tuple[LayerSpec, ...]:
        return tuple(layer.spec for layer in self.__network.layers)

    def is_waiting(self, index: int) -> bool:
        """True while layer ``index`` still shows what it made of its previous input."""
        return self.__network.is_waiting(index)

    def problem(self, index: int) -> str:
        return self.__network.problem(index)

    @property
    def is_current(self) -> bool:
        return self.__network.is_current
