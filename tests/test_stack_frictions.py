"""Frictions found driving the stack of layers by hand, each pinned by a test that failed before:
undo across a pool layer, the Layers keys from a text field, the strip's height and the layer
form's in-channels on a later layer."""

from __future__ import annotations

import numpy as np

from convexplorer.model import LayerSetup, LayerSpec, Network, NetworkSnapshot, pool_weight
from convexplorer.qt import Document


def conv_pool_conv(side: int = 16) -> NetworkSnapshot:
    """input → conv (ReLU) → max pool → conv: the stack a person builds first."""
    rng = np.random.default_rng(3)
    pool = LayerSpec(4, 4, 2, stride=2, groups=4, bias=False, pool="max")
    layers = [
        LayerSetup(
            conv := LayerSpec(3, 4, 3, padding=1),
            (rng.standard_normal(conv.weight_shape) / 4).astype(np.float32),
            rng.standard_normal(4).astype(np.float32),
            "relu",
        ),
        LayerSetup(pool, pool_weight(pool), None),
        LayerSetup(
            conv := LayerSpec(4, 4, 3, padding=1),
            (rng.standard_normal(conv.weight_shape) / 4).astype(np.float32),
            rng.standard_normal(4).astype(np.float32),
        ),
    ]
    image = rng.standard_normal((3, side, side)).astype(np.float32)
    return NetworkSnapshot(image, tuple(layers))


def stack_bytes(document: Document) -> tuple:
    """Every layer's settings, weights and activation as comparable values."""
    stack = document.stack
    return tuple(
        (
            view.spec,
            view.weight.tobytes(),
            None if view.bias is None else view.bias.tobytes(),
            view.activation,
        )
        for view in (stack.layer(index) for index in range(len(stack)))
    )


def test_undo_and_redo_of_a_layer_change_pass_over_a_pool_layer():
    """Undoing a change of layer 1 in conv → pool → conv put every layer's weights back, the
    pool's too, which a pool refuses: the ValueError escaped to the event loop, half undone."""
    document = Document(Network.from_snapshot(conv_pool_conv()))
    document.wait_until_idle()
    before = stack_bytes(document)
    assert document.set_layer(document.view.spec.replace(flip_kernel=True))
    document.wait_until_idle()
    after = stack_bytes(document)
    document.undo()
    assert stack_bytes(document) == before
    document.redo()
    assert stack_bytes(document) == after
    document.select_layer(2)  # a change of the layer after the pool, undone and redone
    assert document.set_layer(document.view.spec.replace(kernel_size=(1, 1), padding=0))
    changed = stack_bytes(document)
    document.undo()
    assert stack_bytes(document) == after
    document.redo()
    assert stack_bytes(document) == changed
