"""A run of a trained model's conv layers as a stack: listed from a checkpoint, chained, folded.

A checkpoint's ``state_dict`` holds each conv's weights in the order the model registered its
modules, but not how the model runs them: stride, padding and the activation between are the
user's to say (``LayerChoice``, with defaults). Groups follow from the shapes: a conv whose filters
span ``n`` channels after a layer making ``C`` has ``C / n`` groups. A BatchNorm2d right after a
conv (the next module holds ``weight``, ``bias``, ``running_mean``, ``running_var`` of length C_out)
is folded into it as ``model.eval()`` applies it: w' = w·γ/√(var+eps), b' = (b−μ)·γ/√(var+eps)+β.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from convexplorer.model import (
    ACTIVATIONS,
    MAX_LAYERS,
    MAX_MAGNITUDE,
    LayerSetup,
    LayerSpec,
    NetworkSnapshot,
    check_chain,
    layer_name,
)

from ._checkpoint import checkpoint_arrays, checkpoint_shapes
from ._errors import FileFormatError
from ._limits import weight_problem

#: BatchNorm2d's default eps. A state_dict does not store eps, so a model built with another one
#: folds slightly differently (the notes say which value was assumed).
BATCHNORM_EPS = 1e-5
Pair = tuple[int, int]
_BATCHNORM_KEYS = ("weight", "bias", "running_mean", "running_var")


@dataclass(frozen=True)
class CheckpointConv:
    """A conv weight in a checkpoint, in file order: its key, PyTorch shape, bias and BatchNorm.

    ``batchnorm`` is the module name of the BatchNorm2d that follows it (folded on import), or None.
    """

    key: str
    shape: tuple[int, int, int, int]
    bias_key: str | None
    batchnorm: str | None

    @property
    def out_channels(self) -> int:
        return self.shape[0]

    @property
    def kernel_size(self) -> Pair:
        return (self.shape[2], self.shape[3])


@dataclass(frozen=True)
class LayerChoice:
    """What a state_dict cannot say about a layer: how it slides and what follows it."""

    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    activation: str = "relu"


@dataclass(frozen=True)
class ImportedLayers:
    """The layers built from a run, and what the user should know (folds, conversions)."""

    layers: tuple[LayerSetup, ...]
    notes: tuple[str, ...]

    def snapshot(self, image: np.ndarray) -> NetworkSnapshot:
        """The stack on ``image``; ValueError in words if it does not run on it."""
        check_chain(image.shape, [layer.spec for layer in self.layers])
        return NetworkSnapshot(image, self.layers, 0)


def list_checkpoint_convs(path: str | os.PathLike[str]) -> list[CheckpointConv]:
    """The 4-D ``weight`` tensors of a checkpoint in file order, each with its module's bias and
    the BatchNorm that follows it.

    Needs torch (TorchUnavailable otherwise); any problem with the file is a FileFormatError.
    """
    shapes = checkpoint_shapes(path)
    modules: dict[str, dict[str, tuple[int, ...]]] = {}
    for key, shape in shapes.items():
        module, _, name = key.rpartition(".")
        modules.setdefault(module, {})[name] = shape
    order = list(modules)
    convs = []
    for position, (module, tensors) in enumerate(modules.items()):
        shape = tensors.get("weight", ())
        if len(shape) != 4 or min(shape) < 1:
            continue
        out_channels = shape[0]
        prefix = f"{module}." if module else ""
        bias_key = f"{prefix}bias" if tensors.get("bias") == (out_channels,) else None
        following = modules[order[position + 1]] if position + 1 < len(order) else {}
        batchnorm = (
            order[position + 1]
            if all(following.get(name) == (out_channels,) for name in _BATCHNORM_KEYS)
            else None
        )
        weight_shape = (shape[0], shape[1], shape[2], shape[3])
        convs.append(CheckpointConv(f"{prefix}weight", weight_shape, bias_key, batchnorm))
    return convs


def groups_after(channels: int, conv: CheckpointConv) -> int | None:
    """The groups ``conv`` has when it receives ``channels`` channels, or None if it cannot."""
    spanned = conv.shape[1]
    if channels % spanned:
        return None
    groups = channels // spanned
    return groups if conv.out_channels % groups == 0 else None


def chain_problem(before: CheckpointConv, after: CheckpointConv) -> str | None:
    """Why ``after`` cannot take ``before``'s output, in words, or None if it can."""
    made, spanned = before.out_channels, after.shape[1]
    if made % spanned:
        return (
            f"{after.key} cannot follow {before.key}: {before.key} makes {made} channels and "
            f"{after.key}'s filters span {spanned}, which does not divide {made}"
        )
    if groups_after(made, after) is None:
        return (
            f"{after.key} cannot follow {before.key}: its {after.out_channels} filters do not "
            f"split into the {made // spanned} groups its {spanned}-channel filters need"
        )
    return None


def run_problem(convs: Sequence[CheckpointConv]) -> str | None:
    """Why these consecutive convs are not a stack (too many, or two that do not chain), or None."""
    if not convs:
        return "choose at least one conv layer"
    if len(convs) > MAX_LAYERS:
        return f"{len(convs)} layers are too many for a stack: at most {MAX_LAYERS}"
    for before, after in pairwise(convs):
        problem = chain_problem(before, after)
        if problem:
            return problem
    return None


def default_choice(conv: CheckpointConv, last: bool) -> LayerChoice:
    """Stride 1, padding that keeps an odd kernel's size, ReLU between layers and none after
    the last (what most CNNs do; the user changes what their model does differently)."""
    padding = ((conv.shape[2] - 1) // 2, (conv.shape[3] - 1) // 2)
    return LayerChoice((1, 1), padding, "none" if last else "relu")


def import_layers(
    path: str | os.PathLike[str],
    convs: Sequence[CheckpointConv],
    choices: Sequence[LayerChoice],
    input_channels: int,
) -> ImportedLayers:
    """Read the run ``convs`` from the checkpoint and build its layers with ``choices``.

    The first layer's groups follow from ``input_channels`` (the input it will run on). A refused
    run or setting is a ValueError in words; a bad file is a FileFormatError.
    """
    problem = run_problem(convs)
    if problem:
        raise ValueError(problem)
    if len(choices) != len(convs):
        raise ValueError(f"{len(convs)} layers need {len(convs)} choices, got {len(choices)}")
    for conv in convs:
        problem = weight_problem(conv.shape)
        if problem:
            raise FileFormatError(path, f"{conv.key} {problem}")
    specs = run_specs(convs, choices, input_channels)
    keys = [conv.key for conv in convs]
    keys += [conv.bias_key for conv in convs if conv.bias_key]
    keys += [f"{c.batchnorm}.{name}" for c in convs if c.batchnorm for name in _BATCHNORM_KEYS]
    arrays = checkpoint_arrays(path, keys)
    layers, notes = [], []
    for index, (conv, spec, choice) in enumerate(zip(convs, specs, choices, strict=True)):
        if arrays[conv.key].dtype != np.float32:
            notes.append(f"{layer_name(index)}: {conv.key} converted from {arrays[conv.key].dtype}")
        weight = arrays[conv.key].astype(np.float64)
        bias = arrays[conv.bias_key].astype(np.float64) if conv.bias_key else None
        if conv.batchnorm:
            weight, bias = _fold(path, conv, weight, bias, arrays)
            notes.append(
                f"{layer_name(index)}: BatchNorm {conv.batchnorm} folded into {conv.key} "
                f"(eval mode, eps = {BATCHNORM_EPS:g} assumed: a state_dict does not store it)"
            )
        weight32 = _float32(path, conv.key, weight)
        bias32 = None if bias is None else _float32(path, conv.bias_key or conv.key, bias)
        layers.append(LayerSetup(spec, weight32, bias32, choice.activation))
    return ImportedLayers(tuple(layers), tuple(notes))


def run_specs(
    convs: Sequence[CheckpointConv], choices: Sequence[LayerChoice], input_channels: int
) -> list[LayerSpec]:
    """The layer settings of a run with these choices on an input of ``input_channels``
    (no tensor read: what the dialog previews); ValueError in words if one cannot be built."""
    specs, channels = [], input_channels
    for index, (conv, choice) in enumerate(zip(convs, choices, strict=True)):
        groups = groups_after(channels, conv)
        if groups is None:
            source = "the input has" if index == 0 else f"{layer_name(index - 1)} makes"
            raise ValueError(
                f"{layer_name(index)} ({conv.key}) has filters spanning {conv.shape[1]} channels; "
                f"{source} {channels}"
            )
        if choice.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {choice.activation!r}")
        try:
            spec = LayerSpec(
                channels,
                conv.out_channels,
                conv.kernel_size,
                stride=choice.stride,
                padding=choice.padding,
                groups=groups,
                bias=conv.bias_key is not None or conv.batchnorm is not None,
            )
        except ValueError as exc:
            raise ValueError(f"{layer_name(index)} ({conv.key}): {exc}") from None
        specs.append(spec)
        channels = conv.out_channels
    return specs


def _fold(
    path: str | os.PathLike[str],
    conv: CheckpointConv,
    weight: np.ndarray,
    bias: np.ndarray | None,
    arrays: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """The conv followed by its BatchNorm in eval mode as one conv, once the statistics are
    checked (a NaN or negative variance would fold into nonsense)."""
    gamma, beta, mean, var = (
        arrays[f"{conv.batchnorm}.{name}"].astype(np.float64) for name in _BATCHNORM_KEYS
    )
    if not all(np.isfinite(a).all() for a in (gamma, beta, mean, var)):
        raise FileFormatError(path, f"BatchNorm {conv.batchnorm} holds NaN or infinite values")
    if (var < 0).any():
        raise FileFormatError(path, f"BatchNorm {conv.batchnorm} has a negative running_var")
    return fold_batchnorm(weight, bias, gamma, beta, mean, var)


def fold_batchnorm(
    weight: np.ndarray,
    bias: np.ndarray | None,
    gamma: np.ndarray,
    beta: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    eps: float = BATCHNORM_EPS,
) -> tuple[np.ndarray, np.ndarray]:
    """One conv computing conv(x, w, b) followed by BatchNorm2d in eval mode, in float64:
    w' = w·γ/√(var+eps), b' = (b−μ)·γ/√(var+eps)+β (``bias`` None means b = 0)."""
    scale = np.asarray(gamma, np.float64) / np.sqrt(np.asarray(var, np.float64) + eps)
    base = np.zeros(len(scale)) if bias is None else np.asarray(bias, np.float64)
    weight = np.asarray(weight, np.float64) * scale[:, None, None, None]
    return weight, (base - mean) * scale + beta


def _float32(path: str | os.PathLike[str], key: str, values: np.ndarray) -> np.ndarray:
    """``values`` as the explorer holds them, refused if it could not hold them."""
    single = np.ascontiguousarray(values, dtype=np.float32)
    if not np.isfinite(single).all():
        raise FileFormatError(path, f"{key} holds NaN or infinite values (in float32)")
    if single.size and np.abs(single).max() > MAX_MAGNITUDE:
        raise FileFormatError(
            path, f"{key} holds values beyond ±{MAX_MAGNITUDE:g}, the largest the explorer accepts"
        )
    return single
