"""Sample inputs: small synthetic images that make one point each, real photos, and a feature stack.

Every sample is a (C, H, W) float32 array in [0, 1], the layout ``nn.Conv2d`` takes (less the
batch axis). Samples are built once and cached; callers get copies, so editing one cannot change
what the next caller sees.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib.resources import files

import numpy as np

from ._conv import ConvEngine, spec_from_arrays
from ._png import read_png
from ._presets import preset_bias, preset_weights

_SIZE = 96  # synthetic images: big enough to see structure, small enough to convolve live
_STACK_CHANNELS = 32
_STACK_SEED = 0


def _grid() -> np.ndarray:
    """Row and column indices of a synthetic image, to draw with boolean masks."""
    return np.indices((_SIZE, _SIZE))


def _diagonals_down() -> np.ndarray:
    y, x = _grid()
    return ((x - y) % 12 < 2)[None]


def _diagonals_up() -> np.ndarray:
    y, x = _grid()
    return ((x + y) % 12 < 2)[None]


def _checkerboard() -> np.ndarray:
    y, x = _grid()
    return ((y // 12 + x // 12) % 2)[None]


def _shapes() -> np.ndarray:
    y, x = _grid()
    image = np.zeros((3, _SIZE, _SIZE))

    def paint(mask: np.ndarray, rgb: tuple[float, float, float]) -> None:
        image[:, mask] = np.array(rgb)[:, None]

    paint((y >= 10) & (y < 38) & (x >= 8) & (x < 44), (1.0, 0.2, 0.2))  # filled red rectangle
    outer = (y >= 10) & (y < 42) & (x >= 54) & (x < 88)
    inner = (y >= 13) & (y < 39) & (x >= 57) & (x < 85)
    paint(outer & ~inner, (0.2, 1.0, 0.3))  # green rectangle outline
    paint((y - 70) ** 2 + (x - 26) ** 2 <= 16**2, (0.25, 0.45, 1.0))  # blue disc
    # Yellow triangle, apex up at row 52, widening by a pixel every two rows on each side.
    paint((y >= 52) & (y < 88) & (np.abs(x - 70) <= (y - 52) // 2), (1.0, 0.9, 0.1))
    return image


def _gradient() -> np.ndarray:
    y, x = _grid()
    ramp_x = x / (_SIZE - 1)
    ramp_y = y / (_SIZE - 1)
    return np.stack([ramp_x, ramp_y, 1.0 - ramp_x])


def _corner_diagonal() -> np.ndarray:
    image = np.zeros((1, 32, 32))
    idx = np.arange(24, 29)
    image[0, idx, idx] = 1.0  # a 5-pixel ↘ stroke near the bottom-right corner
    return image


def _photo(name: str) -> np.ndarray:
    data = files("convexplorer.resources").joinpath(f"{name}.png").read_bytes()
    return read_png(data).transpose(2, 0, 1) / 255.0


def _feature_stack() -> np.ndarray:
    """What a first conv layer of a CNN hands to the second: many channels, one per filter."""
    photo = _photo("chelsea")
    c, h, w = photo.shape
    # 2×2 mean pooling keeps the stack cheap to convolve live (170×256 -> 85×128).
    small = photo[:, : h // 2 * 2, : w // 2 * 2].reshape(c, h // 2, 2, w // 2, 2).mean(axis=(2, 4))
    # Standardised per channel, as a network's input is; on raw [0, 1] pixels many random filters
    # come out all-on or all-off after the ReLU, which teaches nothing.
    small = (small - small.mean(axis=(1, 2), keepdims=True)) / small.std(axis=(1, 2), keepdims=True)
    rng = np.random.default_rng(_STACK_SEED)
    fan_in = c * 3 * 3
    weight = np.stack(
        [
            preset_weights("kaiming", range(c), 3, 3, fan_in=fan_in, rng=rng)
            for _ in range(_STACK_CHANNELS)
        ]
    )
    bias = np.array(
        [preset_bias("kaiming", fan_in=fan_in, rng=rng) for _ in range(_STACK_CHANNELS)]
    )
    # a numpy method: opening a sample must not wait for a compiled kernel on the UI thread
    spec = spec_from_arrays(small, weight, bias, 1, 1, 1, 1, "zeros")
    features = np.maximum(ConvEngine(spec, small, "windows").run(weight, bias), 0.0)
    peak = features.max(axis=(1, 2), keepdims=True)
    return np.divide(features, peak, out=np.zeros_like(features), where=peak > 0)


_SAMPLES: dict[str, tuple[str, Callable[[], np.ndarray]]] = {
    "diagonals ↘": ("Thin lines running top-left to bottom-right.", _diagonals_down),
    "diagonals ↗": ("Thin lines running bottom-left to top-right.", _diagonals_up),
    "checkerboard": ("Black and white squares: edges in both directions.", _checkerboard),
    "shapes": (
        "Coloured rectangles, a disc and a triangle; each colour lights different channels.",
        _shapes,
    ),
    "gradient": (
        "Smooth ramps: red rises to the right, green downwards, blue to the left.",
        _gradient,
    ),
    "corner diagonal": (
        "A 32×32 black image with one short ↘ stroke near a corner.",
        _corner_diagonal,
    ),
    "astronaut": (
        "Photo: astronaut Eileen Collins (NASA, public domain).",
        lambda: _photo("astronaut"),
    ),
    "coffee": ("Photo: a cup of coffee (Rachel Michetti, CC0).", lambda: _photo("coffee")),
    "chelsea": ("Photo: Chelsea the cat (Stefan van der Walt, CC0).", lambda: _photo("chelsea")),
    "feature stack (32 ch)": (
        "32 feature maps from a random 3×3 layer + ReLU over the cat photo.",
        _feature_stack,
    ),
}

SAMPLE_NAMES: tuple[str, ...] = tuple(_SAMPLES)


def _check_name(name: str) -> None:
    if name not in _SAMPLES:
        raise ValueError(f"unknown sample {name!r}; known samples: {', '.join(SAMPLE_NAMES)}")


def sample_description(name: str) -> str:
    """One short sentence about the sample, for a tooltip."""
    _check_name(name)
    return _SAMPLES[name][0]


def load_sample(name: str) -> np.ndarray:
    """A fresh (C, H, W) float32 copy of the named sample, values in [0, 1]."""
    _check_name(name)
    return _build(name).copy()


@functools.cache
def _build(name: str) -> np.ndarray:
    image = _SAMPLES[name][1]().astype(np.float32)
    image.setflags(write=False)
    return image
