"""The cost model's picks where the measurements of benchmarks/README.md ("Method choice") set
them apart, on both kinds of OpenBLAS kernel: the pick is a pure function of the layer, so these
test the pick, not the timing."""

from __future__ import annotations

import pytest

from convexplorer.model import LayerSpec, _cost
from convexplorer.model._cost import choose_method, cost_features, edit_filters


@pytest.fixture(params=[True, False], ids=["avx512", "avx2"])
def kernel(request, monkeypatch):
    """Each kernel's coefficients in turn, with the pick's cache cleared around."""
    monkeypatch.setattr(_cost, "has_small_matrix_kernel", lambda: request.param)
    choose_method.cache_clear()
    yield request.param
    choose_method.cache_clear()


def test_every_method_prices_the_same_six_features():
    """One fit and one price formula serve every method: features and coefficients agree."""
    spec = LayerSpec(3, 4, 5, stride=2, padding=2)
    for table in (_cost.COST_COEFFICIENTS, _cost.AVX2_COST_COEFFICIENTS):
        for (method, job), coefficients in table.items():
            filters = None if job == "full" else edit_filters(method, spec)
            assert len(cost_features(method, spec, 64, 64, filters)) == len(coefficients) == 6
            assert all(c >= 0 for c in coefficients)


def test_only_a_column_stride_makes_a_strided_copy():
    """Windows read along a row with the column stride: a row stride alone still copies
    contiguous runs, and an edit reading the kept window matrix copies nothing."""
    strided = cost_features("windows", LayerSpec(3, 4, 11, stride=2, padding=5), 128, 128)
    assert strided[5] == strided[2] > 0  # every value copied comes from a strided row
    for stride in ((1, 1), (2, 1)):
        spec = LayerSpec(3, 4, 11, stride=stride, padding=5)
        assert cost_features("windows", spec, 128, 128)[5] == 0
    kept = cost_features("windows", LayerSpec(3, 16, 11, stride=2, padding=5), 128, 128, 4)
    assert kept[2] == kept[5] == 0


@pytest.mark.parametrize("size", [128, 512])
def test_an_11x11_stride_2_layer_on_one_channel_uses_fft(kernel, numpy_only, size):
    """Among the numpy methods: windows were picked here before strided copies were priced; fft
    measured 1.3–1.7× faster on both kernels (full run + 4 edits). With numba, direct sums
    (0.29× the best numpy method at 512²)."""
    assert choose_method(LayerSpec(1, 1, 11, stride=2, padding=5), size, size) == "fft"


def test_strided_copies_do_not_push_depthwise_layers_to_fft(kernel, numpy_only):
    """Among the numpy methods: depthwise stride-2 layers copy strided rows too, but fft makes
    one pass per channel: windows stays measured 1.3–2× faster there."""
    for k, size in ((11, 32), (9, 128), (5, 32)):
        spec = LayerSpec(32, 32, k, stride=2, padding=k // 2, groups=32)
        assert choose_method(spec, size, size) == "windows", (k, size)


@pytest.mark.parametrize("size", [64, 128, 256])
def test_the_9x9_grouped_layer_uses_direct_sums(kernel, size):
    """The layer issue 10 names (16 → 32, g = 8): direct measured 0.26× fft's time at 256²
    (full run + 4 edits) on both kernels."""
    assert choose_method(LayerSpec(16, 32, 9, padding=4, groups=8), size, size) == "direct"


@pytest.mark.parametrize("size", [64, 128, 256])
def test_without_numba_the_9x9_grouped_layer_uses_fft(kernel, numpy_only, size):
    """Among the numpy methods fft measured best at every size."""
    assert choose_method(LayerSpec(16, 32, 9, padding=4, groups=8), size, size) == "fft"


def test_a_partial_run_is_priced_by_the_blocks_it_touches_at_most_a_full_run(kernel):
    """What the scheduler weighs: an edit of filters in one product block costs one block, of
    filters in two blocks two, direct and fft one per filter; never more than every filter at
    once."""
    spec = LayerSpec(16, 32, 3, padding=1)
    one_block = _cost.run_ms("windows", spec, 64, 64, [0])
    assert _cost.run_ms("windows", spec, 64, 64, [0, 1, 2, 3]) == one_block
    assert _cost.run_ms("windows", spec, 64, 64, [0, 4]) == 2 * one_block
    for method in ("windows", "direct", "fft"):
        every = _cost.run_ms(method, spec, 64, 64, list(range(32)))
        assert every <= _cost.run_ms(method, spec, 64, 64)
        one = _cost.run_ms(method, spec, 64, 64, [0])
        if method != "windows":
            assert _cost.run_ms(method, spec, 64, 64, [0, 1]) == 2 * one


def test_an_fft_edit_is_cheap_though_its_filter_has_many_multiply_adds(kernel):
    """An 11×11 filter on 3×256² is 23.8 million multiply-adds, but its edit is one inverse
    transform: priced well under a full run and a millisecond or so, so the app computes it at
    once instead of sending it to the worker."""
    spec = LayerSpec(3, 4, 11, padding=5)
    assert spec.mac_count(256, 256) // 4 > 20_000_000
    edit, full = _cost.run_ms("fft", spec, 256, 256, [2]), _cost.run_ms("fft", spec, 256, 256)
    assert edit < full / 3 and edit < 2


@pytest.mark.parametrize(("c_in", "size"), [(16, 256), (32, 128), (32, 256)])
def test_a_many_to_one_layer_is_summed_directly(kernel, c_in, size):
    """A stack's last layer (16 or 32 maps into one, 3×3): direct sums measured 0.47-0.54× the
    best numpy method's time (taps) on both kernels (benchmarks/README.md)."""
    assert choose_method(LayerSpec(c_in, 1, 3, padding=1), size, size) == "direct"


@pytest.mark.parametrize(("c_in", "size"), [(16, 256), (32, 128), (32, 256)])
def test_without_numba_a_many_to_one_layer_reads_its_taps_in_place(kernel, numpy_only, c_in, size):
    """Copying windows costs far more than the one thin product they feed, so "taps" (no copy)
    is picked — 1.4–1.9 ms against 2.7–3.4 with windows at 16×256² here; with a block's worth of
    filters, or a stride, it is not."""
    assert choose_method(LayerSpec(c_in, 1, 3, padding=1), size, size) == "taps"
    assert choose_method(LayerSpec(c_in, 4, 3, padding=1), size, size) != "taps"
    assert "taps" not in _cost.candidates(LayerSpec(c_in, 1, 3, stride=2, padding=1))


def test_direct_is_offered_for_constant_column_steps_and_replaces_windows_for_1x1():
    """Direct vectorises along a row only when the column step is a constant: stride 1, or 2 on
    rows of at least MIN_STRIDED_ROW outputs, with column dilation 1. For 1×1 kernels with
    stride 1 it measured as fast or faster than windows on every layer up to 32 channels."""
    wide, narrow = (64, 2 * _cost.MIN_STRIDED_ROW), (64, 2 * _cost.MIN_STRIDED_ROW - 2)
    assert "direct" in _cost.candidates(LayerSpec(8, 8, 3, padding=1, dilation=(2, 1)))
    assert "direct" in _cost.candidates(LayerSpec(8, 8, 3, stride=(3, 1), padding=1))
    assert "direct" not in _cost.candidates(LayerSpec(8, 8, 3, padding=1, dilation=(1, 2)))
    strided = LayerSpec(8, 8, 3, stride=2, padding=1)
    assert "direct" in _cost.candidates(strided, wide)
    assert "direct" not in _cost.candidates(strided, narrow)
    assert "direct" not in _cost.candidates(strided)  # no size: its rows are unknown
    assert "direct" not in _cost.candidates(LayerSpec(8, 8, 3, stride=3, padding=1), wide)
    assert _cost.candidates(LayerSpec(8, 8, 1)) == ["fft", "direct"]
    assert "windows" in _cost.candidates(LayerSpec(8, 8, 1, stride=2), wide)
    assert "windows" in _cost.candidates(LayerSpec(64, 8, 1))


def test_wide_stride_2_layers_use_direct_sums(kernel):
    """32 → 32 9×9 stride 2 on 256²: windows was picked on the AVX2 kernels where fft measured
    1.43× faster; direct measured 2.2× faster than fft (full run + 4 edits). Depthwise 9×9 on
    128² and 1 → 1 11×11 on 512²: 0.22× and 0.29× the best numpy method."""
    assert choose_method(LayerSpec(32, 32, 9, stride=2, padding=4), 256, 256) == "direct"
    assert choose_method(LayerSpec(32, 32, 9, stride=2, padding=4, groups=32), 128, 128) == "direct"
    assert choose_method(LayerSpec(1, 1, 11, stride=2, padding=5), 512, 512) == "direct"
