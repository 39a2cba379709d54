"""A stack of layers as files, scenes and undo describe it, and the rule that makes it chain.

Layer k's input is layer k−1's output, so a stack is valid when every layer's in_channels is the
channel count the layer before makes and every layer can run on the size it receives.
``check_chain`` is that rule, with the message a user reads when an edit would break it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._spec import LayerSpec

#: The most layers a stack may hold (a file cannot declare more).
MAX_LAYERS = 16

Shape = tuple[int, int, int]


@dataclass(frozen=True)
class LayerSetup:
    """One layer of a stack: settings, weights in the explorer's layout, bias, activation."""

    spec: LayerSpec
    weight: np.ndarray
    bias: np.ndarray | None
    activation: str = "none"

    def same_as(self, other: LayerSetup) -> bool:
        """Whether the two describe the same layer, weights and bias bit for bit."""
        if self.bias is None or other.bias is None:
            biases_equal = self.bias is None and other.bias is None
        else:
            biases_equal = np.array_equal(self.bias, other.bias)
        return (
            self.spec == other.spec
            and self.activation == other.activation
            and np.array_equal(self.weight, other.weight)
            and biases_equal
        )


@dataclass(frozen=True)
class NetworkSnapshot:
    """An input and the stack it runs through: what a session holds and undo restores."""

    image: np.ndarray
    layers: tuple[LayerSetup, ...]
    selected_layer: int = 0

    def same_as(self, other: NetworkSnapshot) -> bool:
        """Whether restoring ``other`` would change nothing (the inputs compared by identity)."""
        return (
            self.image is other.image
            and len(self.layers) == len(other.layers)
            and all(a.same_as(b) for a, b in zip(self.layers, other.layers, strict=True))
        )


def layer_name(index: int) -> str:
    """How the app names layer ``index`` (0-based) to the user: 'layer 1' is the first."""
    return f"layer {index + 1}"


def _channels(count: int) -> str:
    return f"{count} input channel{'s' if count != 1 else ''}"


def check_chain(input_shape: Shape, specs: Sequence[LayerSpec]) -> list[Shape]:
    """Every layer's output shape, in order; ValueError in words if the stack does not chain.

    ``input_shape`` is the input's (C, H, W).
    """
    if not specs:
        raise ValueError("a stack needs at least one layer")
    if len(specs) > MAX_LAYERS:
        raise ValueError(f"a stack of {len(specs)} layers is too deep: at most {MAX_LAYERS}")
    shapes: list[Shape] = []
    channels, height, width = input_shape
    for index, spec in enumerate(specs):
        if spec.in_channels != channels:
            expects = f"{layer_name(index)} expects {_channels(spec.in_channels)}"
            if index == 0:
                raise ValueError(f"{expects}, the input has {channels}")
            raise ValueError(
                f"{expects}, {layer_name(index - 1)} makes {channels} — change its in-channels or "
                "insert a layer"
            )
        try:
            height, width = spec.output_size(height, width)
        except ValueError as error:
            raise ValueError(
                f"{layer_name(index)} cannot run on the {height}×{width} maps it receives: {error}"
            ) from None
        channels = spec.out_channels
        shapes.append((channels, height, width))
    return shapes


def next_layer(in_channels: int, seed: int = 0) -> LayerSetup:
    """The layer "Add layer" puts after one that makes ``in_channels`` channels: as many
    filters, 3×3 with padding 1 (the maps keep their size), PyTorch's default initialisation,
    then ReLU — the usual next block of a CNN."""
    from ._preset_layer import preset_applied

    spec = LayerSpec(in_channels, in_channels, 3, padding=1)
    zeros = np.zeros(spec.weight_shape, np.float32)
    weight, bias = preset_applied(
        spec, zeros, np.zeros(spec.out_channels, np.float32), "kaiming", None, None, seed
    )
    return LayerSetup(spec, weight, bias, "relu")
