"""Pooling layers (MaxPool2d, AvgPool2d): PyTorch's rules, the engine against a loop and torch,
the fixed weights the state refuses to edit, and the window's max / mean the sliding view spells.

Max picks one of its inputs: it is compared bit for bit. Avg adds kH·kW taps in float32 and
divides once: each float32 value lies within γ_{n+1}·Σ|x|/(kH·kW) of the exact mean (n = kH·kW
additions from 0, one more rounding for the division), so against the float64 loop
``assert_sums_close`` with n + 1 terms and Σ|x| / (kH·kW) holds with room to spare.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convexplorer.model import (
    ExplorerState,
    LayerSpec,
    PoolEngine,
    absolute_sums,
    output_bound,
    pool2d,
    pool_weight,
    sum_terms,
)
from tests.reference import reference_pool2d
from tests.tolerance import assert_sums_close


def pool_spec(pool: str, channels: int = 2, kernel=2, **settings) -> LayerSpec:
    settings.setdefault("stride", kernel)
    return LayerSpec(channels, channels, kernel, groups=channels, bias=False, pool=pool, **settings)


@st.composite
def pool_layers(draw):
    """A random pool layer within PyTorch's rules and an input it runs on."""
    pool = draw(st.sampled_from(["max", "avg"]))
    channels = draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if pool == "max" else (1, 1)
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    low_h, low_w = max(1, eh - 2 * ph), max(1, ew - 2 * pw)  # the output must not be empty
    height, width = draw(st.integers(low_h, low_h + 7)), draw(st.integers(low_w, low_w + 7))
    spec = LayerSpec(
        channels,
        channels,
        (kh, kw),
        stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
        padding=(ph, pw),
        dilation=(dh, dw),
        groups=channels,
        bias=False,
        pool=pool,
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((channels, height, width)).astype(np.float32)
    if draw(st.booleans()):  # ties: a few repeated values
        x = np.round(x).astype(np.float32)
    return spec, x


def reference(spec: LayerSpec, x: np.ndarray) -> np.ndarray:
    pads, dilation = spec.padding, spec.dilation
    return reference_pool2d(x, spec.pool, spec.kernel_size, spec.stride, pads, dilation)


def assert_pool_close(spec: LayerSpec, x: np.ndarray, got: np.ndarray, expected) -> None:
    """Max: the very same float32 values. Avg: within the derived bound (module docstring)."""
    if spec.pool == "max":
        np.testing.assert_array_equal(got, np.asarray(expected, dtype=np.float32))
        return
    kh, kw = spec.kernel_size
    magnitudes = reference_pool2d(
        np.abs(x.astype(np.float64)), "avg", spec.kernel_size, spec.stride, spec.padding, (1, 1)
    )
    assert_sums_close(got, expected, magnitudes, kh * kw + 1, np.float32)


# ---- PyTorch's rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"out_channels": 4}, "out_channels and groups must equal in_channels=2"),
        ({"groups": 1}, "out_channels and groups must equal in_channels=2"),
        ({"bias": True}, "a MaxPool2d layer has no bias"),
        ({"flip_kernel": True}, "no kernel to flip"),
        ({"transposed": True}, "cannot be transposed"),
        ({"padding": "same"}, "padding='same' is not available for MaxPool2d"),
        ({"padding_mode": "reflect"}, "padding_mode='reflect' is not available for MaxPool2d"),
        ({"padding": 2}, "at most half the kernel size, 1"),
        ({"kernel_size": 3, "dilation": 2, "padding": 2}, "at most half the kernel size, 1"),
    ],
)
def test_max_pool_rules_are_pytorch_s(changes, message):
    settings = {
        "in_channels": 2,
        "out_channels": 2,
        "kernel_size": 2,
        "groups": 2,
        "bias": False,
        "pool": "max",
    } | changes
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        LayerSpec(**settings)


def test_avg_pool_has_no_dilation_and_pads_at_most_half_the_kernel():
    with pytest.raises(ValueError, match="AvgPool2d has no dilation: it must be 1, got 2"):
        pool_spec("avg", dilation=2)
    with pytest.raises(ValueError, match="at most half the kernel size, 1"):
        pool_spec("avg", kernel=3, padding=2)
    # torch bounds a dilated max pool's padding by its kernel size too, not the 5 pixels covered
    assert pool_spec("max", kernel=4, dilation=2, padding=2).padding == (2, 2)
    with pytest.raises(ValueError, match="pool='min' is unknown"):
        pool_spec("min")


def test_kind_parameters_and_describe_say_what_a_pool_is():
    spec = pool_spec("max", channels=3)
    assert spec.kind == "MaxPool2d" and pool_spec("avg").kind == "AvgPool2d"
    assert spec.parameter_count == 0
    assert spec.output_size(8, 9) == (4, 4)
    assert spec.describe() == (
        "MaxPool2d over each of the 3 channels on its own: each output is the largest value in "
        "its 2×2 window, windows side by side (PyTorch's defaults ceil_mode=False): no parameters"
    )
    assert "count_include_pad=True, ceil_mode=False" in pool_spec("avg").describe()


def test_rules_agree_with_torch():
    torch = pytest.importorskip("torch")
    x = torch.rand(1, 2, 9, 9)
    for pool, kernel, padding, dilation in [
        ("max", 2, 1, 1),
        ("max", 2, 2, 1),
        ("max", 3, 2, 2),
        ("max", 4, 2, 2),
        ("max", 4, 3, 2),
        ("max", 2, 1, 3),
        ("avg", 2, 1, 1),
        ("avg", 3, 2, 1),
    ]:
        if pool == "max":
            module = torch.nn.MaxPool2d(kernel, padding=padding, dilation=dilation)
        else:
            module = torch.nn.AvgPool2d(kernel, padding=padding)
        try:
            module(x)
            torch_ok = True
        except RuntimeError:
            torch_ok = False
        try:
            pool_spec(pool, kernel=kernel, padding=padding, dilation=dilation)
            ours_ok = True
        except ValueError:
            ours_ok = False
        assert ours_ok == torch_ok, (pool, kernel, padding, dilation)


# ---- the numbers --------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(pool_layers())
def test_the_state_computes_the_loop_reference(layer):
    spec, x = layer
    got = ExplorerState(x, spec).compute()
    assert got.shape == (spec.out_channels, *spec.output_size(*x.shape[1:]))
    assert_pool_close(spec, x, got, reference(spec, x))


@settings(max_examples=80, deadline=None)
@given(pool_layers())
def test_pool2d_matches_torch(layer):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    spec, x = layer
    got = pool2d(x, spec.pool, spec.kernel_size, spec.stride, spec.padding, spec.dilation)
    t = torch.from_numpy(x)[None]
    if spec.pool == "max":
        expected = functional.max_pool2d(
            t, spec.kernel_size, spec.stride, spec.padding, spec.dilation
        )
    else:
        expected = functional.avg_pool2d(t, spec.kernel_size, spec.stride, spec.padding)
    assert_pool_close(spec, x, got, expected[0].numpy())


@settings(max_examples=40, deadline=None)
@given(pool_layers(), st.data())
def test_a_channel_s_bits_do_not_depend_on_the_run(layer, data):
    spec, x = layer
    engine = PoolEngine(spec, x)
    everything = engine.run()
    wanted = data.draw(st.lists(st.integers(0, spec.out_channels - 1), min_size=1, max_size=4))
    np.testing.assert_array_equal(engine.run(None, None, wanted), everything[wanted])


def test_the_rounding_rule_knows_pools():
    x = np.random.default_rng(1).standard_normal((2, 6, 6)).astype(np.float32)
    avg = pool_spec("avg", kernel=3, stride=1, padding=1)
    assert sum_terms(avg) == 9
    magnitudes = absolute_sums(avg, x, pool_weight(avg), None)
    np.testing.assert_allclose(magnitudes, reference(avg, np.abs(x)))
    maximum = pool_spec("max")
    bound = output_bound(maximum, x, pool_weight(maximum), np.ones((2, 3, 3)))
    assert not bound.any()  # picking a value rounds nothing


def test_avg_pool_is_the_depthwise_conv_with_its_fixed_weights():
    x = np.random.default_rng(2).standard_normal((2, 7, 7)).astype(np.float32)
    avg = pool_spec("avg", kernel=3, stride=2, padding=1)
    conv = avg.replace(pool="")
    weight = pool_weight(avg)
    assert weight.shape == (2, 1, 3, 3) and np.all(weight == np.float32(1 / 9))
    assert np.all(pool_weight(pool_spec("max")) == 1)
    got = ExplorerState(x, avg).compute()
    as_conv = ExplorerState(x, conv, weight).compute()
    magnitudes = reference(avg, np.abs(x))
    assert_sums_close(got, as_conv, magnitudes, 10, np.float32)


# ---- the state: fixed weights, refused edits ----------------------------------------------------


def _pool_state(pool: str = "max") -> ExplorerState:
    x = np.arange(2 * 6 * 6, dtype=np.float32).reshape(2, 6, 6) % 7
    return ExplorerState(x, pool_spec(pool))


def _assert_same(state: ExplorerState, before) -> None:
    after = state.snapshot()
    assert after.spec == before.spec and after.activation == before.activation
    assert after.weight.tobytes() == before.weight.tobytes() and after.bias is None


@pytest.mark.parametrize("pool", ["max", "avg"])
@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s.set_weight(0, 0, 0, 0, 5.0),
        lambda s: s.set_kernel(1, 0, np.ones((2, 2))),
        lambda s: s.set_bias(0, 1.0),
        lambda s: s.set_weights(np.zeros((2, 1, 2, 2))),
        lambda s: s.patch(np.array([0]), np.array([3.0]), np.array([], int), np.array([])),
        lambda s: s.apply_preset("identity"),
        lambda s: s.apply_preset("sobel_x", 0, 0),
    ],
)
def test_every_weight_edit_on_a_pool_is_refused_and_changes_nothing(pool, edit):
    state = _pool_state(pool)
    state.compute()
    before = state.snapshot()
    heard = []
    state.changes.connect(heard.append)
    kind = "MaxPool2d" if pool == "max" else "AvgPool2d"
    with pytest.raises(ValueError, match=f"a {kind} layer has no weights to edit: each output"):
        edit(state)
    _assert_same(state, before)
    assert not state.stale_channels and heard == []


def test_switching_to_a_pool_and_back_keeps_weights_sensible():
    x = np.ones((2, 6, 6), dtype=np.float32)
    state = ExplorerState(x, LayerSpec(2, 4, 3))
    state.set_spec(pool_spec("avg"))
    assert state.bias is None and np.all(state.weight == np.float32(0.25))
    assert np.all(state.compute() == 1)
    state.set_spec(pool_spec("max", kernel=3, stride=1, padding=1))
    assert state.weight.shape == (2, 1, 3, 3) and np.all(state.weight == 1)
    state.set_spec(LayerSpec(2, 2, 3, groups=2))  # back to a conv: an editable depthwise kernel
    state.set_weight(0, 0, 1, 1, 2.0)
    assert state.weight[0, 0, 1, 1] == 2


def test_undo_across_a_pool_restores_exactly():
    x = np.random.default_rng(3).standard_normal((2, 6, 6)).astype(np.float32)
    state = ExplorerState(x, LayerSpec(2, 2, 3, groups=2))
    state.set_weight(1, 0, 0, 0, 0.5)
    conv = state.snapshot()
    state.set_spec(pool_spec("max"))
    pool = state.snapshot()
    state.restore(conv)
    assert state.weight.tobytes() == conv.weight.tobytes() and state.spec == conv.spec
    state.restore(pool)
    state.restore(pool)  # the same pool again: nothing to put back, nothing refused
    assert state.spec == pool.spec


# ---- the window the sliding view spells out -----------------------------------------------------


def test_max_window_names_the_first_maximum_and_reads_padding_as_minus_infinity():
    x = np.array([[[1.0, 3.0, 0.0], [3.0, 2.0, 0.0], [0.0, 0.0, 0.0]]], dtype=np.float32)
    spec = LayerSpec(1, 1, 2, stride=2, padding=1, groups=1, bias=False, pool="max")
    state = ExplorerState(x, spec)
    dot = state.dot_product(0, (1, 1))  # taps rows 1..2, cols 1..2: all inside
    assert dot.reduction == "max" and dot.value == 2.0 and dot.winner == (0, 0)
    corner = state.dot_product(0, (0, 0))  # taps (-1,-1) (-1,0) (0,-1) (0,0)
    assert corner.winner == (1, 1) and corner.value == 1.0
    assert np.isneginf(corner.patch[0][corner.in_padding]).all()
    tie = ExplorerState(x, spec.replace(padding=0, stride=1)).dot_product(0, (0, 0))
    assert tie.winner == (0, 1)  # 3 at (0, 1) and (1, 0): the first in row-major order


def test_max_window_tie_rule_is_torch_s():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.integers(0, 3, (1, 6, 6)).astype(np.float32)  # many ties
    spec = LayerSpec(1, 1, 3, stride=1, padding=1, groups=1, bias=False, pool="max")
    _, indices = torch.nn.functional.max_pool2d(
        torch.from_numpy(x)[None], 3, 1, 1, return_indices=True
    )
    state = ExplorerState(x, spec)
    for row in range(6):
        for col in range(6):
            dot = state.dot_product(0, (row, col))
            i, j = dot.winner
            flat = int(dot.tap_rows[i, j]) * 6 + int(dot.tap_cols[i, j])
            assert flat == int(indices[0, 0, row, col])


def test_avg_window_is_the_dot_product_with_one_over_k_squared():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    spec = LayerSpec(1, 1, 2, stride=2, padding=1, groups=1, bias=False, pool="avg")
    state = ExplorerState(x, spec)
    dot = state.dot_product(0, (0, 0))
    assert dot.reduction == "sum" and dot.winner is None
    assert np.all(dot.kernel == np.float32(0.25))
    assert dot.patch[0].tolist() == [[0, 0], [0, 0]]  # three padding taps read 0, then x[0, 0]
    assert dot.value == pytest.approx(state.compute()[0, 0, 0])
    dot = state.dot_product(0, (1, 1))
    assert dot.value == pytest.approx((5 + 6 + 9 + 10) / 4)
