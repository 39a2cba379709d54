"""A step's scene made concrete against the layer on the screen: the arrays the document applies.

Pure: it reads a ``StateView`` and returns new arrays; the document applies them as one undo step.
An input equal to the one shown comes back as None ("keep it"), so a step that keeps the picture
does not make every view reload it. A stack scene becomes a ``NetworkSnapshot`` (``build_stack``),
which the document loads as one undo step too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import (
    LayerSetup,
    LayerSpec,
    NetworkSnapshot,
    NetworkView,
    StateView,
    check_chain,
    load_sample,
    pool_weight,
    preset_applied,
)
from ._schema import PresetUse, Scene, Solution, StackLayer


@dataclass(frozen=True)
class SceneArrays:
    image: np.ndarray | None  # None: keep the input shown
    spec: LayerSpec
    weight: np.ndarray
    bias: np.ndarray | None
    activation: str
    selected_filter: int
    position: tuple[int, int] | None


def scene_image(scene: Scene, current: np.ndarray) -> np.ndarray | None:
    """The scene's input: its sample (plus the mirror image, clipped to [0, 1]); None when
    that is the ``current`` input already (or the scene names none)."""
    if scene.sample is None:
        return None
    image = load_sample(scene.sample)
    if scene.with_mirror:
        image = np.clip(image + image[:, :, ::-1], 0.0, 1.0)
    if image.shape == current.shape and np.array_equal(image, current):
        return None
    return image


def with_presets(
    spec: LayerSpec, weight: np.ndarray, bias: np.ndarray | None, uses: tuple[PresetUse, ...]
) -> tuple[np.ndarray, np.ndarray | None]:
    for use in uses:
        weight, bias = preset_applied(
            spec, weight, bias, use.preset, use.filter, use.in_channel, use.seed
        )
    return weight, bias


def build_scene(scene: Scene, view: StateView) -> SceneArrays:
    """The arrays of ``scene`` on top of what ``view`` shows; ValueError if they do not fit."""
    image = scene_image(scene, view.image)
    channels, height, width = (view.image if image is None else image).shape
    if scene.layer is not None:
        spec = LayerSpec(channels, **scene.layer)
    elif channels != view.spec.in_channels:
        spec = view.spec.replace(in_channels=channels)
    else:
        spec = view.spec
    spec.check_image(height, width)
    if scene.presets is not None or spec != view.spec:
        weight = np.zeros(spec.weight_shape, dtype=np.float32)
        bias = np.zeros(spec.out_channels, dtype=np.float32) if spec.bias else None
        weight, bias = with_presets(spec, weight, bias, scene.presets or ())
    else:
        weight = np.array(view.weight)
        bias = None if view.bias is None else np.array(view.bias)
    if not 0 <= scene.selected_filter < spec.out_channels:
        raise ValueError(
            f"select.filter {scene.selected_filter} does not exist; the layer has "
            f"{spec.out_channels}"
        )
    return SceneArrays(
        image, spec, weight, bias, scene.activation, scene.selected_filter, scene.position
    )


def stack_layer_spec(layer: StackLayer, channels: int) -> LayerSpec:
    """The layer's settings on ``channels`` incoming channels; a pool keeps the channels (its
    out_channels and groups are theirs, it has no bias), as PyTorch's pools do."""
    arguments = dict(layer.layer)
    if arguments.get("pool"):
        arguments = {"out_channels": channels, "groups": channels, "bias": False, **arguments}
    return LayerSpec(channels, **arguments)


def build_stack(scene: Scene, stack: NetworkView) -> NetworkSnapshot:
    """The stack of a scene with ``layers``, on its sample (or the input the stack has now);
    ValueError in words if its layers do not chain."""
    assert scene.layers is not None, "not a stack scene"
    current = stack.layer(0).image
    image = scene_image(scene, current)
    image = current if image is None else image
    setups, channels = [], image.shape[0]
    for layer in scene.layers:
        spec = stack_layer_spec(layer, channels)
        if spec.pool:
            weight, bias = pool_weight(spec), None
        else:
            weight = np.zeros(spec.weight_shape, dtype=np.float32)
            bias = np.zeros(spec.out_channels, dtype=np.float32) if spec.bias else None
            weight, bias = with_presets(spec, weight, bias, layer.presets)
        setups.append(LayerSetup(spec, weight, bias, layer.activation))
        channels = spec.out_channels
    check_chain(image.shape, [setup.spec for setup in setups])
    return NetworkSnapshot(image, tuple(setups), scene.selected_layer)


def solution_layer(solution: Solution, spec: LayerSpec) -> LayerSpec:
    """The layer a "Show me" sets: the current one with the solution's settings changed."""
    return spec.replace(**dict(solution.layer or {}))
