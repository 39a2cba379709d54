"""Built-in scenes: whole stacks of layers on a shipped photo, each built to make one point.

"32 → 1" is the issue's picture of a second conv layer: layer 1 is a bank of 32 hand-made,
*named* 3×3 filters on an RGB photo (edges, colour opponents, blur, spots), and layer 2 reads the
32 maps layer 1 made and combines them into one ("every edge"). "A small CNN" is the usual
conv → ReLU → pool → conv → ReLU → conv, to follow a pixel's receptive field back through it.
Pure numpy: the app loads a scene's snapshot as one undo step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._pool import pool_weight
from ._presets import LUMA, preset_bias, preset_weights
from ._samples import load_sample
from ._spec import LayerSpec
from ._stack import LayerSetup, NetworkSnapshot

_PHOTO = "chelsea"

# ---- 3×3 kernels -----------------------------------------------------------------------------

_BLUR = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]) / 16.0  # binomial: a small Gaussian
_CENTRE_SURROUND = np.array([[-1.0, -1.0, -1.0], [-1.0, 8.0, -1.0], [-1.0, -1.0, -1.0]]) / 8.0
_LINE = np.array([[-1.0, -1.0, -1.0], [2.0, 2.0, 2.0], [-1.0, -1.0, -1.0]]) / 3.0

#: Sobel kernels, each lit by one polarity of an edge (ReLU keeps only that one):
#: the name says which way the edge runs and which side is brighter.
_EDGES: tuple[tuple[str, np.ndarray], ...] = (
    ("edge —, brighter below", np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]) / 4.0),
    ("edge |, brighter right", np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]) / 4.0),
    ("edge ╲, brighter above-right", np.array([[0, 1, 2], [-1, 0, 1], [-2, -1, 0]]) / 4.0),
    ("edge ╱, brighter below-right", np.array([[-2, -1, 0], [-1, 0, 1], [0, 1, 2]]) / 4.0),
)
_OPPOSITE = {
    "brighter below": "brighter above",
    "brighter right": "brighter left",
    "brighter above-right": "brighter below-left",
    "brighter below-right": "brighter above-left",
}

_RED, _GREEN, _BLUE = np.eye(3)
_LUMA = np.array(LUMA)
_YELLOW = (_RED + _GREEN) / 2.0


@dataclass(frozen=True)
class NamedFilter:
    """A filter of a hand-made bank: what it finds, and its weights on each input channel."""

    name: str
    mix: np.ndarray  # (C_in,) how much of each input channel the kernel reads
    kernel: np.ndarray  # (3, 3)
    bias: float = 0.0

    @property
    def weight(self) -> np.ndarray:
        return (self.mix[:, None, None] * self.kernel[None]).astype(np.float32)


def edge_and_colour_bank() -> tuple[NamedFilter, ...]:
    """The 32 named filters of "32 → 1"'s layer 1: 20 edges (4 orientations on red, green and
    blue, both polarities on brightness), 4 colour opponents, then blur, spots, lines, colours."""
    bank = [
        NamedFilter(f"{colour} {name}", mix, kernel)
        for colour, mix in (("red", _RED), ("green", _GREEN), ("blue", _BLUE))
        for name, kernel in _EDGES
    ]
    for name, kernel in _EDGES:
        bank.append(NamedFilter(f"brightness {name}", _LUMA, kernel))
        opposite = name.split(", ")[0] + ", " + _OPPOSITE[name.split(", ")[1]]
        bank.append(NamedFilter(f"brightness {opposite}", _LUMA, -kernel))
    bank += [
        NamedFilter("red − green (reddish)", _RED - _GREEN, _BLUR),
        NamedFilter("green − red (greenish)", _GREEN - _RED, _BLUR),
        NamedFilter("blue − yellow (bluish)", _BLUE - _YELLOW, _BLUR),
        NamedFilter("yellow − blue (yellowish)", _YELLOW - _BLUE, _BLUR),
        NamedFilter("brightness, blurred", _LUMA, _BLUR),
        NamedFilter("darkness (1 − brightness), blurred", -_LUMA, _BLUR, bias=1.0),
        NamedFilter("bright spot (centre − surround)", _LUMA, _CENTRE_SURROUND),
        NamedFilter("dark spot (surround − centre)", _LUMA, -_CENTRE_SURROUND),
        NamedFilter("bright line —", _LUMA, _LINE),
        NamedFilter("red, blurred", _RED, _BLUR),
        NamedFilter("green, blurred", _GREEN, _BLUR),
        NamedFilter("blue, blurred", _BLUE, _BLUR),
    ]
    return tuple(bank)


#: How many of the bank's filters are edges: layer 2 of "32 → 1" adds those up.
EDGE_FILTERS = 20
#: Layer 2's bias: edges weaker than this (summed over the 20 maps, blurred) stay dark after ReLU.
EDGE_THRESHOLD = 0.5


def _bank_layer(bank: tuple[NamedFilter, ...], in_channels: int) -> LayerSetup:
    spec = LayerSpec(in_channels, len(bank), 3, padding=1, padding_mode="replicate")
    weight = np.stack([f.weight for f in bank])
    bias = np.array([f.bias for f in bank], np.float32)
    return LayerSetup(spec, weight, bias, "relu")


def _all_edges_layer(in_channels: int) -> LayerSetup:
    """32 → 1: a little blur of each edge map, summed; every other map weighs 0."""
    spec = LayerSpec(in_channels, 1, 3, padding=1)
    weight = np.zeros(spec.weight_shape, np.float32)
    weight[0, :EDGE_FILTERS] = _BLUR
    bias = np.array([-EDGE_THRESHOLD], np.float32)
    return LayerSetup(spec, weight, bias, "relu")


@dataclass(frozen=True)
class BuiltScene:
    """A scene ready to load: the stack, the layer to show, and words for the user."""

    name: str
    summary: str  # one line, for a status bar or a tooltip
    snapshot: NetworkSnapshot
    #: per layer, each filter's name ("" where a filter has none)
    filter_names: tuple[tuple[str, ...], ...]
    #: where the sliding window starts on the shown layer's output: somewhere worth a look
    position: tuple[int, int] = (0, 0)

    def describe(self) -> str:
        """The scene in words: what it shows, then every named filter, layer by layer."""
        lines = [self.summary, ""]
        for index, names in enumerate(self.filter_names):
            if not any(names):
                continue
            lines.append(f"Layer {index + 1}'s filters:")
            lines += [f"  filter {k}: {name}" for k, name in enumerate(names)]
            lines.append("")
        return "\n".join(lines).rstrip()


def thirty_two_to_one() -> BuiltScene:
    """RGB photo → conv 3→32 (named edge/colour bank) → ReLU → conv 32→1 → ReLU, layer 2 shown."""
    image = load_sample(_PHOTO)
    bank = edge_and_colour_bank()
    layers = (_bank_layer(bank, image.shape[0]), _all_edges_layer(len(bank)))
    summary = (
        "32 → 1: layer 1 finds 32 named things in the cat photo (filters 0–19 edges, 20–23 "
        "colour opponents, 24–31 blur, spots, a line and the colours), ReLU; layer 2 reads the "
        f"32 maps layer 1 made and adds up the {EDGE_FILTERS} edge maps (each blurred a little, "
        f"bias −{EDGE_THRESHOLD:g}, ReLU): one map of every edge."
    )
    names = (tuple(f.name for f in bank), ("every edge (the 20 edge maps summed)",))
    snapshot = NetworkSnapshot(image, layers, selected_layer=1)
    return BuiltScene("32 → 1", summary, snapshot, names, position=(65, 119))  # the eye's rim


def small_cnn() -> BuiltScene:
    """conv 3→8 → ReLU → MaxPool2d 2×2 → conv 8→8 → ReLU → conv 8→1: a pixel of the last layer
    sees a 12×12 patch of the photo (3, then +1, then +2·2 twice)."""
    image = load_sample(_PHOTO)
    bank = edge_and_colour_bank()
    chosen = (12, 13, 14, 15, 20, 23, 24, 26)  # brightness edges —/| both ways, colours, …
    first = tuple(bank[k] for k in chosen)
    pool_spec = LayerSpec(8, 8, 2, stride=2, groups=8, bias=False, pool="max")
    pool = LayerSetup(pool_spec, pool_weight(pool_spec), None)
    layers = (
        _bank_layer(first, image.shape[0]),
        pool,
        _kaiming(LayerSpec(8, 8, 3, padding=1), "relu", seed=1),
        _kaiming(LayerSpec(8, 1, 3, padding=1), "none", seed=2),
    )
    summary = (
        "A small CNN: conv 3→8 (8 named filters) → ReLU → MaxPool2d 2×2 → conv 8→8 → ReLU → "
        "conv 8→1, the last two with PyTorch's default (untrained) initialisation. Hover a pixel "
        "of layer 4's output: it sees a 12×12 patch of the photo."
    )
    names = (tuple(f.name for f in first), (), ("",) * 8, ("",))
    snapshot = NetworkSnapshot(image, layers, selected_layer=len(layers) - 1)
    return BuiltScene("A small CNN", summary, snapshot, names, position=(42, 64))  # the centre


def _kaiming(spec: LayerSpec, activation: str, seed: int) -> LayerSetup:
    """PyTorch's default initialisation, drawn the way "Apply to layer → kaiming" draws it."""
    rng = np.random.default_rng(seed)
    fan_in = spec.init_fan_in
    kh, kw = spec.kernel_size
    weight = np.stack(
        [
            preset_weights("kaiming", range(spec.in_channels), kh, kw, fan_in=fan_in, rng=rng)
            for _ in range(spec.out_channels)
        ]
    ).astype(np.float32)
    bias = np.array(
        [preset_bias("kaiming", fan_in=fan_in, rng=rng) for _ in range(spec.out_channels)],
        np.float32,
    )
    return LayerSetup(spec, weight, bias, activation)


#: Every built-in scene by name, in menu order.
SCENES: dict[str, Callable[[], BuiltScene]] = {
    "32 → 1": thirty_two_to_one,
    "A small CNN": small_cnn,
}
SCENE_NAMES: tuple[str, ...] = tuple(SCENES)


def load_scene(name: str) -> BuiltScene:
    """A fresh copy of the named scene; ValueError naming the known ones otherwise."""
    if name not in SCENES:
        raise ValueError(f"unknown scene {name!r}; known scenes: {', '.join(SCENE_NAMES)}")
    return SCENES[name]()
