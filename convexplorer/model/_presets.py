"""Named kernels and filter initialisations, the starting points a learner picks from a menu.

Kernel presets work at any size where they mean something; where they do not, ValueError names
the preset and the size. The rules, chosen so that 3×3 gives the textbook kernel:

* identity, box blur, gaussian, emboss, zeros: any size. For even sizes the "centre" is the
  top-left of the central taps, index (k - 1) // 2, the tap that keeps the image in place
  under PyTorch's ``padding="same"`` (which puts the extra pad on the right/bottom).
* sobel x / sobel y: at least 2 taps along the derivative axis (any size across it); the
  extended Sobel of OpenCV (binomial smoothing ⊗ binomial derivative), integer-valued.
* laplacian, sharpen: odd sizes, not 1×1, so the centre is a real tap and the kernel is
  symmetric about it; a plus-shaped centre-surround (1 on the arms, minus their count at the
  centre). sharpen = identity − laplacian.
* diagonal ↘ / anti-diagonal ↗: square, at least 2×2; n − 1 on the diagonal, −1 elsewhere.

Layer presets act on a whole filter: grayscale (luma per R, G, B input channel) and kaiming
(PyTorch's default ``nn.Conv2d`` initialisation).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import comb, sqrt

import numpy as np

LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601 weights for R, G, B


def _centre(k: int) -> int:
    return (k - 1) // 2


def _identity(kh: int, kw: int) -> np.ndarray:
    kernel = np.zeros((kh, kw))
    kernel[_centre(kh), _centre(kw)] = 1.0
    return kernel


def _box(kh: int, kw: int) -> np.ndarray:
    return np.full((kh, kw), 1.0 / (kh * kw))


def _gaussian_1d(k: int) -> np.ndarray:
    # OpenCV's rule of thumb: the kernel spans about ±3 sigma.
    sigma = 0.3 * ((k - 1) * 0.5 - 1) + 0.8
    x = np.arange(k) - (k - 1) / 2
    g = np.exp(-0.5 * (x / sigma) ** 2)
    return g / g.sum()


def _gaussian(kh: int, kw: int) -> np.ndarray:
    kernel = np.outer(_gaussian_1d(kh), _gaussian_1d(kw))
    return kernel / kernel.sum()


def _binomial(k: int) -> np.ndarray:
    return np.array([comb(k - 1, i) for i in range(k)], dtype=float)


def _derivative(k: int) -> np.ndarray:
    # Smoothed central difference: [-1, 1] for k=2, [-1, 0, 1] for k=3, [-1, -2, 0, 2, 1] for 5.
    return np.convolve(_binomial(k - 1), [-1.0, 1.0])


def _sobel_x(kh: int, kw: int) -> np.ndarray:
    if kw < 2:
        raise ValueError(f"sobel x needs a kernel at least 2 wide, got {kh}×{kw}")
    return np.outer(_binomial(kh), _derivative(kw))


def _sobel_y(kh: int, kw: int) -> np.ndarray:
    if kh < 2:
        raise ValueError(f"sobel y needs a kernel at least 2 high, got {kh}×{kw}")
    return np.outer(_derivative(kh), _binomial(kw))


def _laplacian(kh: int, kw: int, name: str = "laplacian") -> np.ndarray:
    if kh % 2 == 0 or kw % 2 == 0 or kh * kw == 1:
        raise ValueError(f"{name} needs odd sizes other than 1×1, got {kh}×{kw}")
    kernel = np.zeros((kh, kw))
    kernel[kh // 2, :] = 1.0
    kernel[:, kw // 2] = 1.0
    kernel[kh // 2, kw // 2] = -(kh + kw - 2)
    return kernel


def _sharpen(kh: int, kw: int) -> np.ndarray:
    return _identity(kh, kw) - _laplacian(kh, kw, "sharpen")


def _emboss(kh: int, kw: int) -> np.ndarray:
    # A light-from-the-top-left relief: offsets from the centre scaled to ±1 at the border.
    def offsets(k: int) -> np.ndarray:
        half = (k - 1) / 2
        return (np.arange(k) - half) / half if k > 1 else np.zeros(1)

    return np.add.outer(offsets(kh), offsets(kw)) + _identity(kh, kw)


def _diagonal(kh: int, kw: int, name: str = "diagonal ↘") -> np.ndarray:
    if kh != kw or kh < 2:
        raise ValueError(f"{name} needs a square kernel at least 2×2, got {kh}×{kw}")
    return kh * np.eye(kh) - 1.0


def _anti_diagonal(kh: int, kw: int) -> np.ndarray:
    return _diagonal(kh, kw, "anti-diagonal ↗")[:, ::-1].copy()


_KERNELS: dict[str, tuple[str, Callable[[int, int], np.ndarray]]] = {
    "identity": ("Passes the input through unchanged: a single 1 at the centre.", _identity),
    "box blur": ("Averages the window: every weight equal, summing to 1.", _box),
    "gaussian": ("A soft blur weighting near pixels most; sigma grows with size.", _gaussian),
    "sharpen": ("Boosts the centre against its neighbours, so edges stand out.", _sharpen),
    "sobel x": ("Responds where brightness rises left to right (vertical edges).", _sobel_x),
    "sobel y": ("Responds where brightness rises top to bottom (horizontal edges).", _sobel_y),
    "laplacian": ("Centre minus its neighbours: spots and thin lines, zero on flat.", _laplacian),
    "emboss": ("Shades the image as a relief lit from the top left.", _emboss),
    "diagonal ↘": ("Finds lines running top-left to bottom-right; sums to 0.", _diagonal),
    "anti-diagonal ↗": ("Finds lines running bottom-left to top-right; sums to 0.", _anti_diagonal),
}
_LAYER_DESCRIPTIONS = {
    "grayscale": "Turns R, G, B into brightness with the luma weights 0.299, 0.587, 0.114.",
    "kaiming": "PyTorch's default start: uniform random weights in ±1/√fan_in.",
    "zeros": "All weights and the bias 0: the filter outputs nothing.",
}

PRESET_NAMES: tuple[str, ...] = (*_KERNELS, *_LAYER_DESCRIPTIONS)


def _plain(name: str) -> str:
    """A name as a person types it: no arrows, case, dashes or underscores, single spaces."""
    cleaned = name.replace("↘", " ").replace("↗", " ").replace("-", " ").replace("_", " ")
    return " ".join(cleaned.lower().split())


_ALIASES = {_plain(name): name for name in PRESET_NAMES} | {
    _plain(name).replace(" ", ""): name for name in PRESET_NAMES
}


def resolve_preset(name: str) -> str:
    """The preset a typed name means: 'diagonal', 'anti-diagonal', 'sobel_x', 'Box Blur' and the
    exact names all work; ValueError lists the known ones otherwise."""
    if name in PRESET_NAMES:
        return name
    found = _ALIASES.get(_plain(name)) or _ALIASES.get(_plain(name).replace(" ", ""))
    if found is None:
        raise ValueError(f"unknown preset {name!r}; known presets: {', '.join(PRESET_NAMES)}")
    return found


def _check_name(name: str) -> None:
    if name not in PRESET_NAMES:
        raise ValueError(f"unknown preset {name!r}; known presets: {', '.join(PRESET_NAMES)}")


def _check_size(kh: int, kw: int) -> None:
    if kh < 1 or kw < 1:
        raise ValueError(f"kernel size must be at least 1×1, got {kh}×{kw}")


def preset_description(name: str) -> str:
    """One short sentence about the preset, for a tooltip."""
    _check_name(name)
    if name in _KERNELS:
        return _KERNELS[name][0]
    return _LAYER_DESCRIPTIONS[name]


def kernel_preset(name: str, kh: int, kw: int) -> np.ndarray:
    """The (kh, kw) float64 kernel of a kernel-level preset (or zeros)."""
    _check_name(name)
    _check_size(kh, kw)
    if name == "zeros":
        return np.zeros((kh, kw))
    if name not in _KERNELS:
        raise ValueError(
            f"{name!r} is a filter preset, not a single kernel: use preset_weights with channels"
        )
    return _KERNELS[name][1](kh, kw)


def preset_weights(
    name: str,
    channels: Sequence[int],
    kh: int,
    kw: int,
    *,
    fan_in: int,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """One filter's (len(channels), kh, kw) float64 weights on the given absolute input channels.

    Kernel presets repeat their kernel on every channel; grayscale scales an identity kernel by
    each channel's luma weight; kaiming draws from ``rng`` with bound 1/sqrt(fan_in).
    """
    _check_name(name)
    _check_size(kh, kw)
    channels = list(channels)
    if name == "grayscale":
        outside = [c for c in channels if not 0 <= c < len(LUMA)]
        if outside:
            raise ValueError(
                f"grayscale needs the R, G, B input channels 0, 1, 2; got channel {outside[0]}"
            )
        luma = np.array([LUMA[c] for c in channels], dtype=float)
        return luma[:, None, None] * _identity(kh, kw)
    if name == "kaiming":
        return _kaiming_uniform(fan_in, rng, (len(channels), kh, kw))
    kernel = kernel_preset(name, kh, kw)
    return np.repeat(kernel[None], len(channels), axis=0)


def preset_bias(name: str, *, fan_in: int, rng: np.random.Generator | None = None) -> float:
    """The bias a preset sets when applied to a whole filter: a kaiming draw, otherwise 0."""
    _check_name(name)
    if name == "kaiming":
        return float(_kaiming_uniform(fan_in, rng, ()))
    return 0.0


def _kaiming_uniform(
    fan_in: int, rng: np.random.Generator | None, size: tuple[int, ...]
) -> np.ndarray:
    # kaiming_uniform_(a=sqrt(5)) has bound gain*sqrt(3/fan_in) with gain sqrt(1/3), which is
    # 1/sqrt(fan_in): the same bound nn.Conv2d uses for its bias.
    if rng is None:
        raise ValueError("kaiming draws random weights: pass rng, a numpy Generator")
    if fan_in < 1:
        raise ValueError(f"kaiming needs fan_in >= 1, got {fan_in}")
    bound = 1.0 / sqrt(fan_in)
    return rng.uniform(-bound, bound, size=size)
