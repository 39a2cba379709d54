"""Every method the convolution engine can pick, against the loop reference and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convexplorer.model import LayerSpec, _cost, _direct_compile, _im2col
from convexplorer.model._conv import METHODS, WINDOW_MATRIX_BUDGET, ConvEngine
from convexplorer.model._cost import choose_method, estimate_ms
from convexplorer.model._fft import fast_length
from convexplorer.model._padding import pad_image, pad_into

from .conv_cases import layer_and_input
from .reference import reference_conv2d
from .tolerance import (
    assert_conv_close,
    assert_sums_close,
    assert_within,
    conv_abs_sums,
    fft_bound,
)


@st.composite
def layers(draw):
    """A random valid layer and input: all padding modes, stride, dilation, groups incl. depthwise
    (with a channel multiplier), kernels up to 5×5, non-square, float32/float64."""
    kind = draw(st.sampled_from(["dense", "grouped", "depthwise"]))
    if kind == "depthwise":
        groups = c_in = draw(st.integers(1, 3))
        c_out = c_in * draw(st.integers(1, 2))
    else:
        groups = 1 if kind == "dense" else draw(st.integers(2, 3))
        c_in = groups * draw(st.integers(1, 2))
        c_out = groups * draw(st.integers(1, 2))
    return layer_and_input(draw, (c_in, c_out, groups), 3, 8, [np.float32, np.float64])


def _reference(spec, x, weight, bias):
    return reference_conv2d(
        x, weight, bias, spec.stride, spec.pads, spec.dilation, spec.groups, spec.padding_mode
    )


def _kwargs(spec: LayerSpec) -> dict:
    return dict(
        stride=spec.stride,
        padding=spec.padding,
        dilation=spec.dilation,
        groups=spec.groups,
        padding_mode=spec.padding_mode,
    )


@settings(max_examples=100, deadline=None)
@given(layers(), st.data())
def test_every_method_matches_the_loop_reference(case, data):
    spec, x, weight, bias = case
    want = _reference(spec, x, weight, bias)
    channels = data.draw(
        st.lists(st.integers(0, spec.out_channels - 1), min_size=1, max_size=4, unique=True)
    )
    for method in METHODS:
        engine = ConvEngine(spec, x, method)
        got = engine.run(weight, bias)
        assert engine.method == method
        assert got.dtype == x.dtype and got.shape == want.shape
        close = dict(method=method, **_kwargs(spec))
        assert_conv_close(got, want, x, weight, bias, **close)
        # a weight edit: some filters in any order, from the same engine (which may keep a cache)
        edit = engine.run(weight, bias, channels)
        assert_conv_close(edit, want[channels], x, weight, bias, channels=channels, **close)
        # and a full run again, now reading that cache
        assert_conv_close(engine.run(weight, bias), want, x, weight, bias, **close)


@settings(max_examples=40, deadline=None)
@given(layers(), st.sampled_from([64, 1000]))
def test_windows_in_small_tiles_match_the_reference(case, tile_bytes):
    """Tiles of a few rows, and tiles of part of a row (a column of windows larger than a row)."""
    spec, x, weight, bias = case
    saved, _im2col.TILE_BYTES = _im2col.TILE_BYTES, tile_bytes
    try:
        got = ConvEngine(spec, x, "windows").run(weight, bias)
    finally:
        _im2col.TILE_BYTES = saved
    want = _reference(spec, x, weight, bias)
    assert_conv_close(got, want, x, weight, bias, method="windows", **_kwargs(spec))


@settings(max_examples=100, deadline=None)
@given(layers())
def test_methods_match_torch_in_every_padding_mode(case):
    torch = pytest.importorskip("torch")
    functional = pytest.importorskip("torch.nn.functional")
    spec, x, weight, bias = case
    top, bottom, left, right = spec.pads
    mode = {"zeros": "constant"}.get(spec.padding_mode, spec.padding_mode)
    with torch.no_grad():
        inp = functional.pad(torch.from_numpy(x)[None], (left, right, top, bottom), mode=mode)
        want = functional.conv2d(
            inp,
            torch.from_numpy(weight),
            None if bias is None else torch.from_numpy(bias),
            spec.stride,
            0,
            spec.dilation,
            spec.groups,
        )[0].numpy()
    for method in METHODS:
        got = ConvEngine(spec, x, method).run(weight, bias)
        assert_conv_close(got, want, x, weight, bias, method=method, **_kwargs(spec))


def test_method_choice_follows_the_measurements():
    """Picks measured on this project's reference machine (benchmarks/README.md): one method
    per layer, for full runs and edits alike. Direct sums measured fastest on every benchmark
    layer with stride 1."""
    assert choose_method(LayerSpec(3, 16, 3, padding=1), 512, 512) == "direct"
    assert choose_method(LayerSpec(32, 32, 3, padding=1), 128, 128) == "direct"
    assert choose_method(LayerSpec(32, 32, 3, padding=1, groups=32), 128, 128) == "direct"
    assert choose_method(LayerSpec(3, 4, 11, padding=5), 256, 256) == "direct"
    assert "direct" not in _cost.candidates(LayerSpec(3, 4, 11, stride=2, padding=5))


def test_without_numba_the_numpy_methods_follow_the_measurements(numpy_only):
    assert choose_method(LayerSpec(3, 16, 3, padding=1), 512, 512) == "windows"
    assert choose_method(LayerSpec(32, 32, 3, padding=1), 128, 128) == "windows"
    assert choose_method(LayerSpec(32, 32, 3, padding=1, groups=32), 128, 128) == "shifts"
    assert choose_method(LayerSpec(3, 4, 11, padding=5), 256, 256) == "fft"
    # 7×7 on 512×512: copying 49 taps per pixel beats 7 transforms for the whole layer, but
    # every edit would re-copy them all (no room to keep them), while the transform is kept
    big = LayerSpec(3, 4, 7, padding=3)
    assert estimate_ms("windows", big, 512, 512) < estimate_ms("fft", big, 512, 512)
    assert choose_method(big, 512, 512) == "fft"
    x = np.zeros((3, 512, 512), dtype=np.float32)
    engine = ConvEngine(big, x)
    assert engine.method == engine.edit_method == "fft"
    engine.run(np.ones(big.weight_shape, dtype=np.float32), None, [1])
    assert engine.cache_bytes == engine._impl._spectrum.nbytes  # no window matrix
    forced = ConvEngine(big, x, "shifts")
    assert forced.method == forced.edit_method == "shifts" and forced.cache_bytes == 0
    with pytest.raises(ValueError, match="method='winograd' is unknown"):
        ConvEngine(big, x, "winograd")


def test_window_matrix_is_kept_for_edits_only_within_the_budget():
    rng = np.random.default_rng(0)
    spec = LayerSpec(3, 4, 3, padding=1)
    x = rng.random((3, 40, 30), dtype=np.float32)
    w = rng.standard_normal(spec.weight_shape).astype(np.float32)
    engine = ConvEngine(spec, x, "windows")
    full = engine.run(w, None)
    assert engine._impl._matrix is None  # a full run copies windows tile by tile
    assert engine.cache_bytes == engine.window_matrix_bytes == 3 * 9 * 40 * 30 * 4
    # from the kept matrix, the same products as the tiles: the same bits (tests/test_conv_bits.py)
    assert np.array_equal(engine.run(w, None, [2]), full[[2]])
    assert engine._impl._matrix is not None  # the first edit keeps the matrix
    # all filters, in order, is a full run again (and reads the kept matrix)
    assert np.array_equal(engine.run(w, None, range(4)), full)
    # depthwise: each group's windows serve one filter, so keeping them saves nothing
    depthwise = ConvEngine(spec.replace(in_channels=4, groups=4), rng.random((4, 9, 9)), "windows")
    depthwise.run(rng.standard_normal((4, 1, 3, 3)), None, [1])
    assert depthwise.cache_bytes == 0 and depthwise._impl._matrix is None


def test_large_kernel_layers_keep_no_huge_window_matrix():
    spec = LayerSpec(3, 2, kernel_size=11, padding=5)
    x = np.random.default_rng(0).random((3, 700, 700), dtype=np.float32)
    w = np.random.default_rng(1).random(spec.weight_shape, dtype=np.float32)
    # the top-left 15×15 outputs read only x[:, :20, :20]
    crop = x[:, :20, :20]
    want = reference_conv2d(crop, w[1:2], None, (1, 1), (5, 5, 5, 5), (1, 1), 1, "zeros")
    abs_sums = conv_abs_sums(spec.replace(out_channels=1), crop, w[1:2], None)
    for method in METHODS:
        engine = ConvEngine(spec, x, method)
        assert engine.window_matrix_bytes > WINDOW_MATRIX_BUDGET
        out = engine.run(w, None, [1])
        assert engine.cache_bytes <= WINDOW_MATRIX_BUDGET
        if method == "fft":  # norm-wise: the whole image's spectrum goes into every output
            assert_within(out[0, :15, :15], want[0, :15, :15], fft_bound(spec, x, w, np.float32)[1])
        else:
            assert_sums_close(out[0, :15, :15], want[0, :15, :15], abs_sums[0, :15, :15], 363)


@pytest.mark.parametrize("method", METHODS)
def test_strided_inputs_and_empty_channel_lists(method):
    rng = np.random.default_rng(3)
    spec = LayerSpec(4, 6, (3, 2), stride=(1, 2), padding=(2, 1), padding_mode="reflect", groups=2)
    x = rng.standard_normal((9, 7, 4)).transpose(2, 1, 0)[:, ::-1]  # (4, 7, 9), no unit stride
    w = rng.standard_normal(spec.weight_shape)
    want = _reference(spec, x, w, None)
    engine = ConvEngine(spec, x, method)
    assert_conv_close(engine.run(w, None), want, x, w, None, method=method, **_kwargs(spec))
    assert engine.run(w, None, []).shape == (0, *want.shape[1:])


@pytest.mark.parametrize(
    ("n", "want"), [(1, 1), (7, 8), (11, 12), (31, 32), (266, 270), (514, 540)]
)
def test_fft_lengths_are_products_of_2_3_5(n, want):
    assert fast_length(n) == want


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_pad_into_pads_as_pad_image(data):
    mode = data.draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    c, h, w = (
        data.draw(st.integers(1, 2)),
        data.draw(st.integers(1, 6)),
        data.draw(st.integers(1, 6)),
    )
    # the widest padding PyTorch allows: reflect < size, circular <= size
    limit = {"reflect": lambda n: n - 1, "circular": lambda n: n}.get(mode, lambda n: 7)
    pads = tuple(data.draw(st.integers(0, limit(n))) for n in (h, h, w, w))
    x = np.arange(c * h * w, dtype=np.float64).reshape(c, h, w)
    top, bottom, left, right = pads
    out = np.zeros((c, h + top + bottom, w + left + right))
    pad_into(out, x, pads, mode)
    np.testing.assert_array_equal(out, pad_image(x, pads, mode))


@pytest.mark.parametrize("small_matrix_kernel", [True, False])
def test_the_cost_model_follows_the_blas_kernel(monkeypatch, small_matrix_kernel):
    """AVX-512 and AVX2 OpenBLAS kernels each have their fitted coefficients; the benchmark
    layers get the same methods on both, with numba and without."""
    monkeypatch.setattr(_cost, "has_small_matrix_kernel", lambda: small_matrix_kernel)
    want = _cost.COST_COEFFICIENTS if small_matrix_kernel else _cost.AVX2_COST_COEFFICIENTS
    assert _cost.coefficients_for_kernel() is want
    choose_method.cache_clear()
    benchmark_layers = [
        (LayerSpec(3, 16, 3, padding=1), 512, "windows"),
        (LayerSpec(32, 32, 3, padding=1), 128, "windows"),
        (LayerSpec(32, 32, 3, padding=1, groups=32), 128, "shifts"),
        (LayerSpec(3, 4, 11, padding=5), 256, "fft"),
        (LayerSpec(16, 32, 9, padding=4, groups=8), 128, "fft"),
    ]
    try:
        for spec, size, _ in benchmark_layers:
            assert choose_method(spec, size, size) == "direct"
        monkeypatch.setattr(_direct_compile, "available", lambda: False)
        choose_method.cache_clear()
        for spec, size, numpy_pick in benchmark_layers:
            assert choose_method(spec, size, size) == numpy_pick
    finally:
        choose_method.cache_clear()


def test_taps_keeps_nothing_and_an_edit_reads_the_image_again():
    """ "taps" multiplies shifted views of the padded image in place: nothing is kept for edits
    (no window matrix to build), and an edit computes its filter's block only."""
    rng = np.random.default_rng(2)
    spec = LayerSpec(16, 6, 3, padding=1)
    x = rng.random((16, 40, 40), dtype=np.float32)
    w = rng.standard_normal(spec.weight_shape).astype(np.float32)
    engine = ConvEngine(spec, x, "taps")
    full = engine.run(w, None)
    assert engine.cache_bytes == 0 and engine.edit_cache_missing == 0
    assert np.array_equal(engine.run(w, None, [5])[0], full[5])
    want = _reference(spec, x.astype(np.float64), w.astype(np.float64), None)
    assert_conv_close(full, want, x, w, None, **_kwargs(spec))
