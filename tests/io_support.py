"""Helpers shared by the file tests: states worth saving and an exact fingerprint of a state."""

from __future__ import annotations

import numpy as np

from convexplorer.model import MAX_MAGNITUDE, ExplorerState, LayerSpec, StateView

# float32 values that a lossy path would mangle: signed zero, subnormals, 0.1, and the largest
# magnitudes the state accepts (last).
AWKWARD = np.array(
    [-0.0, 1e-45, -1.1754942e-38, 0.1, 1 / 3, 2**-24, MAX_MAGNITUDE, -MAX_MAGNITUDE], np.float32
)


def make_state(
    c_in: int = 3,
    c_out: int = 4,
    size: tuple[int, int] = (9, 11),
    seed: int = 0,
    extremes: bool = True,
    compute: bool = True,
    **spec_kw,
) -> ExplorerState:
    """A random state; ``compute``: its outputs computed, as a script would (reading never does)."""
    rng = np.random.default_rng(seed)
    image = rng.standard_normal((c_in, *size)).astype(np.float32)
    spec = LayerSpec(c_in, c_out, **spec_kw)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    flat = weight.reshape(-1)
    awkward = AWKWARD if extremes else AWKWARD[:-2]
    flat[: min(len(awkward), flat.size)] = awkward[: flat.size]
    bias = rng.standard_normal(c_out).astype(np.float32) if spec.bias else None
    state = ExplorerState(image, spec, weight, bias)
    if compute:
        state.compute()
    return state


def fingerprint(state: ExplorerState | StateView) -> tuple:
    """Everything a session holds, bit for bit (arrays as bytes, so -0.0 differs from 0.0)."""
    bias = None if state.bias is None else state.bias.tobytes()
    return (
        state.image.shape,
        state.image.tobytes(),
        state.spec,
        state.weight.tobytes(),
        bias,
        state.activation,
        state.selected_filter,
        state.position,
    )


def apply_session(state: ExplorerState, data) -> None:
    """Put a read session into a state, as the app's document does (after io checked it)."""
    state.load(data.image, data.spec, data.weight, data.bias)
    state.set_activation(data.activation)
    state.select(data.selected_filter, data.position)
