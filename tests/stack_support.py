"""Helpers shared by the stack file tests: stacks worth saving, their fingerprint, and the app's own
outputs of a stack (each layer an ``ExplorerState`` fed the previous one's outputs)."""

from __future__ import annotations

import numpy as np

from convexplorer.model import ExplorerState, LayerSetup, LayerSpec, NetworkSnapshot, check_chain
from tests.io_support import AWKWARD


def make_stack(
    specs: list[LayerSpec],
    size: tuple[int, int] = (9, 11),
    activations: tuple[str, ...] | None = None,
    seed: int = 0,
    selected_layer: int = 0,
    scale: float = 1.0,
) -> NetworkSnapshot:
    """A random stack on a random input; the first weights hold awkward float32 values."""
    rng = np.random.default_rng(seed)
    image = rng.standard_normal((specs[0].in_channels, *size)).astype(np.float32)
    check_chain(image.shape, specs)
    activations = activations or ("relu",) * (len(specs) - 1) + ("none",)
    layers = []
    for index, spec in enumerate(specs):
        weight = (scale * rng.standard_normal(spec.weight_shape)).astype(np.float32)
        if index == 0:
            flat = weight.reshape(-1)
            flat[: min(6, flat.size)] = AWKWARD[: min(6, flat.size)]
        bias = rng.standard_normal(spec.out_channels).astype(np.float32) if spec.bias else None
        layers.append(LayerSetup(spec, weight, bias, activations[index]))
    return NetworkSnapshot(image, tuple(layers), selected_layer)


def fingerprint(snapshot: NetworkSnapshot) -> tuple:
    """Everything a stack session holds, bit for bit (arrays as bytes: -0.0 differs from 0.0)."""
    return (
        snapshot.image.shape,
        snapshot.image.tobytes(),
        snapshot.selected_layer,
        tuple(
            (
                layer.spec,
                layer.weight.shape,
                layer.weight.tobytes(),
                None if layer.bias is None else layer.bias.tobytes(),
                layer.activation,
            )
            for layer in snapshot.layers
        ),
    )


def stack_outputs(snapshot: NetworkSnapshot) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each layer's (input, output after its activation), computed by the app's own states."""
    x = snapshot.image
    results = []
    for layer in snapshot.layers:
        state = ExplorerState(x, layer.spec, layer.weight, layer.bias, layer.activation)
        y = state.compute()
        results.append((x, y))
        x = y
    return results
