"""Helpers shared by the stack file tests: stacks worth saving, their fingerprint, and the app's own
outputs of a stack (each layer an ``ExplorerState`` fed the previous one's outputs)."""

from __future__ import annotations

import numpy as np

from convexplorer.model import (
    ExplorerState,
    LayerSetup,
    LayerSpec,
    NetworkSnapshot,
    absolute_sums,
    check_chain,
    output_bound,
)
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


def stack_bound(snapshot: NetworkSnapshot, outputs: list[tuple[np.ndarray, np.ndarray]]):
    """How far another float32 computation of the whole stack may lie from ``outputs``' last.

    Derived layer by layer: the other computation's input to layer k is the app's x_k plus an
    error e_k with |e_k| ≤ b_k (b_1 = 0: both start from the same input). Layer k's outputs then
    differ by at most the two computations' rounding (``output_bound`` on the magnitudes
    Σ|w|·(|x_k| + b_k) + |bias|, the larger input bounding the other side's) plus the propagated
    Σ|w|·b_k; every activation here is 1-Lipschitz, so b_{k+1} is that sum.
    """
    bound = np.zeros(snapshot.image.shape)
    for layer, (x, _) in zip(snapshot.layers, outputs, strict=True):
        spec, weight = layer.spec, layer.weight
        upper = np.abs(x.astype(np.float64)) + bound
        rounding = output_bound(
            spec, upper, weight, absolute_sums(spec, upper, weight, layer.bias), np.float32
        )
        bound = rounding + absolute_sums(spec, bound, weight, None)
    return bound
