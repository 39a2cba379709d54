"""The activations: each against its definition (a math loop) and against PyTorch's module, the
range rule against a pass over the values, and the rounding rule they are judged by."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from convexplorer.model import (
    ACTIVATIONS,
    LEAKY_SLOPE,
    ExplorerState,
    LayerSpec,
    activate,
    activated_range,
    activation_info,
    evaluation_error,
)

from .reference import reference_activation
from .tolerance import assert_activation_close

F32 = np.finfo(np.float32)
#: Every kind of float32 an output can be: signed zeros, subnormals, the edges where exp
#: overflows or sigmoid/tanh saturate, and the largest finite values.
EDGES = np.array(
    [0.0, -0.0, 1e-45, -1e-45, 1e-39, -1e-39, F32.tiny, 1e-8, 0.5, 1, 2, 9, 17, 30, 88.7, 89,
     104, 1e4, 3e38, F32.max],
    dtype=np.float32,
)  # fmt: skip
EDGES = np.concatenate([EDGES, -EDGES])


def wide_values(seed: int, count: int = 20_000) -> np.ndarray:
    """Random float32 values of every magnitude from 1e−4 to 100, both signs, and the edges."""
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(count) * np.exp(rng.uniform(-9, 4.6, count))
    return np.concatenate([values.astype(np.float32), EDGES])


def test_the_names_are_the_issues_five_in_order():
    assert ACTIVATIONS == ("none", "relu", "leaky_relu", "sigmoid", "tanh")
    assert LEAKY_SLOPE == 0.01  # torch.nn.LeakyReLU's default


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_each_activation_is_its_definition(name):
    x = wide_values(1)
    y = activate(x, name)
    assert y.dtype == np.float32 and y.shape == x.shape
    assert_activation_close(y, reference_activation(x, name), x, name)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activating_never_writes_into_the_raw_values(name):
    raw = wide_values(2, 100)
    before = raw.copy()
    shown = activate(raw, name)
    np.testing.assert_array_equal(raw, before)
    assert (shown is raw) == (name == "none")
    assert name == "none" or not np.shares_memory(shown, raw)


def test_known_values():
    x = np.array([-2.0, 0.0, 3.0], dtype=np.float32)
    np.testing.assert_array_equal(activate(x, "relu"), [0, 0, 3])
    np.testing.assert_array_equal(
        activate(x, "leaky_relu"), np.float32([-2 * np.float32(0.01), 0, 3])
    )
    assert activate(np.float32([0.0]), "sigmoid")[0] == 0.5
    assert activate(np.float32([0.0]), "tanh")[0] == 0.0
    assert activate(np.float32([-1e4]), "sigmoid")[0] == 0.0  # no overflow warning either
    assert activate(np.float32([1e4]), "sigmoid")[0] == 1.0


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "leaky_relu"])
def test_the_rounding_rule_is_tight_where_values_are_moderate(name):
    """A bound that allowed anything would prove nothing: on [−1, 1] it is a few units."""
    x = np.linspace(-1, 1, 2001, dtype=np.float32)
    x = x[x != 0]
    units = evaluation_error(x, name) / np.spacing(np.abs(activate(x, name)))
    assert units.max() <= 6
    zero = np.float32([0.0])
    at_zero = np.spacing(activate(zero, name)[0]) if name == "sigmoid" else F32.tiny
    assert evaluation_error(zero, name)[0] <= 6 * at_zero  # f(0) = 0 is held to ~0, too


@given(
    hnp.arrays(
        np.float32,
        hnp.array_shapes(min_dims=1, max_dims=2, max_side=12),
        elements=st.floats(width=32, allow_nan=False, allow_infinity=False),
    ),
    st.sampled_from(ACTIVATIONS),
)
def test_the_activated_range_is_the_range_of_the_activated_values(raw, name):
    shown = activate(raw, name)
    expected = (float(shown.min()), float(shown.max()))
    assert activated_range((float(raw.min()), float(raw.max())), name) == expected


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_the_states_outputs_and_ranges_follow_the_activation(name):
    rng = np.random.default_rng(3)
    image = rng.standard_normal((2, 9, 8)).astype(np.float32) * 3
    state = ExplorerState(image, LayerSpec(2, 3, kernel_size=3, padding=1))
    state.set_activation(name)
    state.compute()
    for o in range(3):
        raw = state.raw_output(o)
        shown = state.output(o)
        assert_activation_close(shown, reference_activation(raw, name), raw, name)
        assert state.output_range(o) == (float(shown.min()), float(shown.max()))


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_the_numpy_spelling_computes_the_same_function(name):
    """'Copy as NumPy' writes ``activation_info(name).numpy``: it must be the same function."""
    y = wide_values(5)
    written = eval(activation_info(name).numpy, {"np": np, "y": y})  # our own text
    assert_activation_close(written, activate(y, name), y, name, evaluations=2)


# ---- against PyTorch ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_each_activation_matches_its_pytorch_module(name):
    torch = pytest.importorskip("torch")
    text = activation_info(name).module or "nn.Identity()"
    module = eval(text, {"nn": torch.nn})  # the text the snippets write
    x = wide_values(4)
    theirs = module(torch.from_numpy(x)).numpy()
    assert theirs.dtype == np.float32
    assert_activation_close(activate(x, name), theirs, x, name, evaluations=2)
