"""The activations a layer may apply to its outputs, with PyTorch's semantics, in one place.

Each is an elementwise function of the raw output (after the bias), evaluated in float32 as
PyTorch evaluates it: ``nn.ReLU``, ``nn.LeakyReLU`` with torch's default slope 0.01 (the slope
rounded to float32, as torch's float kernel rounds it), ``nn.Sigmoid`` and ``nn.Tanh``. All are
monotonic non-decreasing, so the range of the activated values is the activated range (no pass
over the values), and all are 1-Lipschitz: they move two values no further apart, so the rounding
bound of the sums still holds after them, plus the rounding of the function itself
(``evaluation_error``). What the user reads (labels, tooltips) lives in ``widgets/style.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: LeakyReLU's slope for negative inputs: ``nn.LeakyReLU()``'s default.
LEAKY_SLOPE = 0.01
#: How many units in the last place a float32 evaluation of sigmoid or tanh may be off
#: (numpy's and PyTorch's measured at up to 3 from the exact value; 4 leaves room for others).
FUNCTION_ULPS = 4


@dataclass(frozen=True)
class Activation:
    """One activation: its PyTorch module, its NumPy spelling and what bounds its output."""

    name: str
    module: str  # the PyTorch module it is, as a script writes it
    numpy: str  # the same function of an array ``y`` in NumPy (the "Copy as NumPy" script)
    never_negative: bool  # no output is ever below 0
    lipschitz: float  # its steepest slope: how much it may stretch a difference
    exact: bool  # float32 in, float32 out without rounding (max, or the identity)


_TABLE = (
    Activation("none", "", "y", False, 1.0, True),
    Activation("relu", "nn.ReLU()", "np.maximum(y, 0)", True, 1.0, True),
    Activation(
        "leaky_relu",
        f"nn.LeakyReLU({LEAKY_SLOPE})",
        f"np.where(y > 0, y, y * np.float32({LEAKY_SLOPE}))",
        False,
        1.0,
        False,
    ),
    Activation(
        "sigmoid",
        "nn.Sigmoid()",
        "np.exp(-np.logaddexp(0, -y))  # 1 / (1 + e^-y), never overflowing",
        True,
        0.25,
        False,
    ),
    Activation("tanh", "nn.Tanh()", "np.tanh(y)", False, 1.0, False),
)
ACTIVATIONS: tuple[str, ...] = tuple(a.name for a in _TABLE)
_BY_NAME = {a.name: a for a in _TABLE}


def activation_title(name: str) -> str:
    """The activation by its PyTorch class ("ReLU", "LeakyReLU", "Sigmoid", "Tanh"), or "none":
    how an undo step names it."""
    module = _BY_NAME[name].module
    return module.removeprefix("nn.").split("(")[0] if module else "none"


def activation_info(name: str) -> Activation:
    """The activation called ``name`` (one of ``ACTIVATIONS``; a KeyError names it otherwise)."""
    return _BY_NAME[name]


def activate(raw: np.ndarray, name: str) -> np.ndarray:
    """The values shown for float32 ``raw`` pre-activation values: float32, a new array unless
    'none'. Memory-bound passes without branches (``np.where`` on a random sign costs ten times
    as much); sigmoid is 1 / (1 + e^−x), as PyTorch computes it (``np.errstate`` is per thread
    and per context, so a worker's silence reaches no other code)."""
    if name == "none":
        return raw
    if name == "relu":
        return np.maximum(raw, 0)
    if name == "leaky_relu":  # max(x, 0) + slope·min(x, 0): one of them is 0, so it is exact
        out = np.minimum(raw, 0)
        out *= np.float32(LEAKY_SLOPE)
        out += np.maximum(raw, 0)
        return out
    if name == "sigmoid":
        out = np.negative(raw)
        with np.errstate(over="ignore"):  # e^−x = inf below −88.7: 1 / inf = 0, as in torch
            np.exp(out, out=out)
        out += 1
        return np.reciprocal(out, out=out)
    if name == "tanh":
        return np.tanh(raw)
    raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {name!r}")


def activated_range(raw_range: tuple[float, float], name: str) -> tuple[float, float]:
    """The range after the activation, from the range before it: f(low), f(high), since every
    activation is non-decreasing (no pass over the values)."""
    if name == "none":
        return raw_range
    ends = activate(np.array(raw_range, dtype=np.float32), name)
    return float(ends[0]), float(ends[1])


def slope(raw: np.ndarray, name: str) -> np.ndarray:
    """f′ at each raw value, in float64 (where f has a kink, the larger one-sided slope)."""
    x = np.asarray(raw, dtype=np.float64)
    if name == "none":
        return np.ones_like(x)
    if name == "relu":
        return (x >= 0).astype(np.float64)
    if name == "leaky_relu":
        return np.where(x >= 0, 1.0, LEAKY_SLOPE)
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-np.clip(x, -700, 700)))
        return s * (1 - s)
    return 1 - np.tanh(x) ** 2


def evaluation_error(raw: np.ndarray, name: str) -> np.ndarray:
    """How far one float32 evaluation of the activation at each (float32) raw value may lie from
    the exact value, in float64: ``FUNCTION_ULPS`` units in the last place of the output, plus
    the raw value's own unit times f′ (libraries reduce the argument, x·log₂e, with a rounding
    that grows with |x|), plus float32's smallest normal number (outputs below it may be
    flushed to 0). ReLU and the identity are exact; LeakyReLU rounds once (within one unit)."""
    raw = np.asarray(raw, dtype=np.float32)
    if activation_info(name).exact:
        return np.zeros(raw.shape)
    if name == "leaky_relu":  # exact for x > 0, one rounded product otherwise
        return float32_ulp(activate(raw, name))
    ulps = FUNCTION_ULPS * float32_ulp(activate(raw, name))
    return ulps + float32_ulp(raw) * slope(raw, name) + float(np.finfo(np.float32).tiny)


def float32_ulp(values: np.ndarray) -> np.ndarray:
    """The unit in the last place of each float32 value, in float64 (also at float32's largest
    values, where ``np.spacing`` overflows to inf)."""
    values = np.asarray(values, dtype=np.float64)
    _, exponent = np.frexp(values)
    ulp = np.ldexp(1.0, exponent - 24)
    return np.where(
        np.abs(values) < np.finfo(np.float32).tiny, np.finfo(np.float32).smallest_subnormal, ulp
    )


def activated_bound(raw_bound: np.ndarray, raw: np.ndarray, name: str) -> np.ndarray:
    """How far two float32 computations of the activated outputs may lie apart, when their raw
    values (``raw``: one side's) lie within ``raw_bound``: the activation stretches the raw
    difference by at most its steepest slope, and each side rounds the function once."""
    stretched = activation_info(name).lipschitz * np.asarray(raw_bound, dtype=np.float64)
    return stretched + 2 * evaluation_error(raw, name)
