"""A filter's output is a function of (input, layer, weights): every run gives the same bits.

The app computes a layer's outputs in a full run, then recomputes edited filters in subset runs,
and shows them side by side; a filter must not change by a rounding step because another run
computed it. These tests compare with ``np.array_equal``, never with a tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convexplorer.model import LayerSpec, _direct, _im2col, _taps
from convexplorer.model._conv import METHODS, ConvEngine

from .conv_cases import layers


def _subsets(data, n: int, count: int) -> list[list[int]]:
    """Random non-empty subsets of range(n), in random order (permutations of all included)."""
    return [
        data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
        for _ in range(count)
    ]


def _assert_same_bits(subset: list[int], got: np.ndarray, full: np.ndarray) -> None:
    assert got.shape == (len(subset), *full.shape[1:]) and got.dtype == full.dtype
    for slot, o in enumerate(subset):
        assert np.array_equal(got[slot], full[o]), (
            f"filter {o} (slot {slot} of {subset}) differs from the full run by up to "
            f"{np.abs(got[slot] - full[o]).max():.3g}"
        )


@settings(max_examples=200, deadline=None)
@given(
    layers(),
    st.sampled_from([None, *METHODS]),
    st.sampled_from([None, 64, 1000]),
    st.booleans(),
    st.data(),
)
def test_every_subset_run_equals_the_full_run_bit_for_bit(case, method, tile_bytes, shared, data):
    """Full run, then subsets in any order (the first builds the kept window matrix), then the
    full run again (now from that matrix); and a fresh engine whose first run is a subset.
    Small tiles put several tiles, and partial tiles, in these small layers; ``shared`` makes
    every run share its tiles with the helper threads, whatever its size."""
    spec, x, weight, bias = case
    saved = _im2col.TILE_BYTES, _im2col.SHIFTS_TILE_BYTES, _im2col.PARALLEL_VALUES
    saved_taps, saved_direct = _taps.TAPS_TILE_BYTES, _direct.PARALLEL_MACS
    if tile_bytes is not None:
        _im2col.TILE_BYTES = _im2col.SHIFTS_TILE_BYTES = _taps.TAPS_TILE_BYTES = tile_bytes
    if shared:
        _im2col.PARALLEL_VALUES = _direct.PARALLEL_MACS = 0
    try:
        engine = ConvEngine(spec, x, method)
        full = engine.run(weight, bias)
        subsets = _subsets(data, spec.out_channels, 3)
        for subset in subsets:
            _assert_same_bits(subset, engine.run(weight, bias, subset), full)
        assert np.array_equal(engine.run(weight, bias), full)
        fresh = ConvEngine(spec, x, method)
        _assert_same_bits(subsets[0], fresh.run(weight, bias, subsets[0]), full)
        assert np.array_equal(fresh.run(weight, bias), full)
    finally:
        _im2col.TILE_BYTES, _im2col.SHIFTS_TILE_BYTES, _im2col.PARALLEL_VALUES = saved
        _taps.TAPS_TILE_BYTES, _direct.PARALLEL_MACS = saved_taps, saved_direct


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("spec", "shape"),
    [
        (LayerSpec(3, 16, 3, padding=1), (3, 96, 96)),  # K = 27, 16 filters
        (LayerSpec(32, 12, 3, padding=1), (32, 40, 40)),  # K = 288
        (LayerSpec(48, 10, 3, padding=1, groups=2), (48, 30, 30)),  # K = 216, partial blocks
        (LayerSpec(16, 6, 7, padding=3, padding_mode="reflect"), (16, 36, 36)),  # K = 784
        (LayerSpec(8, 16, 3, padding=1, groups=8), (8, 50, 50)),  # depthwise × 2
    ],
)
def test_larger_layers_give_the_same_bits_in_every_run(method, spec, shape):
    """Shapes where OpenBLAS takes its packed kernels and splits long sums, not only the small
    kernels the random layers reach."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape).astype(np.float32)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    bias = rng.standard_normal(spec.out_channels).astype(np.float32)
    engine = ConvEngine(spec, x, method)
    full = engine.run(weight, bias)
    n = spec.out_channels
    for subset in ([n // 2], [n - 1, 0], list(range(n - 1, -1, -2)), [1, 2, 3, 4, 5]):
        _assert_same_bits(subset, engine.run(weight, bias, subset), full)
    assert np.array_equal(engine.run(weight, bias), full)
    fresh = ConvEngine(spec, x, method)
    _assert_same_bits([n - 1], fresh.run(weight, bias, [n - 1]), full)


def test_an_edited_filter_changes_only_its_own_output():
    """Edit one weight: the subset run of the edited filter equals a full run on the new
    weights, and every other filter's full-run output is unchanged, bit for bit."""
    spec = LayerSpec(3, 8, 3, padding=1)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 64, 64)).astype(np.float32)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    bias = rng.standard_normal(8).astype(np.float32)
    engine = ConvEngine(spec, x)
    before = engine.run(weight, bias)
    edited = weight.copy()
    edited[5, 1, 2, 0] += 0.5
    after = engine.run(edited, bias)
    assert np.array_equal(engine.run(edited, bias, [5])[0], after[5])
    others = [o for o in range(8) if o != 5]
    assert np.array_equal(after[others], before[others])
    assert not np.array_equal(after[5], before[5])


def test_channels_outside_the_layer_are_refused():
    spec = LayerSpec(2, 6, 3, padding=1)
    x = np.zeros((2, 8, 8), dtype=np.float32)
    engine = ConvEngine(spec, x)
    for channels in ([6], [-1], [0, 7]):
        with pytest.raises(IndexError, match=r"outside 0\.\.5"):
            engine.run(np.zeros(spec.weight_shape), None, channels)
    # duplicates are fine: each slot gets the filter's output
    out = engine.run(np.ones(spec.weight_shape), None, [3, 3])
    assert np.array_equal(out[0], out[1])
