"""Which method a layer uses: a cost model fitted to measurements, and one pick per layer.

The methods round differently, so an engine uses one method for every run: a filter's output then
has the same bits whether a full run or an edit computed it. The pick weighs both jobs: a new input
or layer costs a full run, and is followed by weight edits, each of which the user waits for.
``EDITS_PER_FULL`` says how many; benchmarks/README.md has the measurements behind the model.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

from . import _direct_compile, _direct_source, _taps
from ._blas import has_small_matrix_kernel
from ._fft import transform_shape
from ._im2col import FILTER_BLOCK, keeps_matrix
from ._spec import LayerSpec

#: Milliseconds per unit of each cost feature (see ``cost_features``), per method and job,
#: fitted by benchmarks/calibrate_conv.py to timings of this engine (the 227 distinct layers of a
#: third of the grid and the --quick grid, an edit computing its filter's whole block, or itself
#: for direct and fft; each layer's fastest of 2 runs, ``--fastest``) on a 2-core AVX-512 Xeon
#: with numpy's OpenBLAS on one thread, SkylakeX kernel, and the direct kernels compiled by numba
#: 0.68. The estimates rank the methods, which other AVX-512 machines rank alike, and tell the
#: app's scheduler which jobs are quick (on a slower machine they run a little longer on the UI
#: thread).
COST_COEFFICIENTS: dict[tuple[str, str], tuple[float, ...]] = {
    ("windows", "full"): (0.0518, 1.01e-06, 2.51e-07, 2.86e-08, 0.0159, 5.38e-08),
    ("windows", "edit"): (0.0377, 5.32e-07, 2.08e-07, 4.95e-08, 0, 6.95e-08),
    ("shifts", "full"): (0.0369, 1.12e-06, 1.5e-07, 2.82e-08, 0.00293, 0),
    ("shifts", "edit"): (0.0141, 8.11e-07, 1.71e-07, 2.6e-08, 0.0141, 0),
    ("taps", "full"): (0.032, 9.51e-07, 0.00494, 1.42e-08, 1.96e-07, 0.0115),
    ("taps", "edit"): (0.0157, 7.01e-07, 0.00485, 1.59e-08, 2.06e-07, 0.0157),
    ("direct", "full"): (0.0412, 7.28e-07, 1.54e-08, 1.22e-08, 0.00642, 1.34e-05),
    ("direct", "edit"): (0.0158, 4.75e-07, 2.83e-08, 1.6e-08, 0.0158, 8.86e-06),
    ("fft", "full"): (0.0856, 6.52e-07, 1.97e-07, 1.02e-07, 2.59e-06, 0.0311),
    ("fft", "edit"): (0.0245, 0, 2.12e-07, 1.19e-07, 2.51e-06, 0.0245),
}

#: The same, fitted on the same machine and layers with ``OPENBLAS_CORETYPE=Haswell`` and the
#: direct kernels compiled for AVX2 alone (``NUMBA_CPU_FEATURES`` set to Haswell's): the AVX2
#: kernels (AMD and older Intel CPUs) have no small-matrix path, so the im2col products cost more
#: there relative to the transforms; the direct sums, on 8 lanes instead of 16, cost more too.
AVX2_COST_COEFFICIENTS: dict[tuple[str, str], tuple[float, ...]] = {
    ("windows", "full"): (0.0507, 9.98e-07, 2.13e-07, 4.47e-08, 0.0166, 4.8e-08),
    ("windows", "edit"): (0.0376, 5.23e-07, 1.83e-07, 6.12e-08, 0, 6.28e-08),
    ("shifts", "full"): (0.0353, 9.03e-07, 1.15e-07, 5.85e-08, 0.00408, 0),
    ("shifts", "edit"): (0.0134, 6.46e-07, 1.3e-07, 6.15e-08, 0.0134, 0),
    ("taps", "full"): (0.0318, 7.46e-07, 0.0047, 2.31e-08, 2.34e-07, 0.0125),
    ("taps", "edit"): (0.0156, 5.94e-07, 0.00456, 2.39e-08, 2.44e-07, 0.0156),
    ("direct", "full"): (0.0401, 7.05e-07, 2.02e-08, 8.27e-09, 0.00589, 1.38e-05),
    ("direct", "edit"): (0.0148, 4.55e-07, 3.12e-08, 1.85e-08, 0.0148, 1.11e-05),
    ("fft", "full"): (0.0854, 6.22e-07, 1.97e-07, 1.09e-07, 2.44e-06, 0.0246),
    ("fft", "edit"): (0.0221, 0, 2.05e-07, 1.3e-07, 2.43e-06, 0.0221),
}


def coefficients_for_kernel() -> dict[tuple[str, str], tuple[float, ...]]:
    """The coefficients for the OpenBLAS kernel numpy runs on (``_blas``)."""
    return COST_COEFFICIENTS if has_small_matrix_kernel() else AVX2_COST_COEFFICIENTS


#: Weight edits expected per full run when weighing the two: the method picked minimises
#: full + EDITS_PER_FULL × one edit.
EDITS_PER_FULL = 4


def edit_filters(method: str, spec: LayerSpec) -> int:
    """Filters an edit of one filter computes: its whole product block for the im2col methods
    (``_im2col.FILTER_BLOCK``), just itself for fft and direct (their per-filter work is
    independent)."""
    return 1 if method in ("fft", "direct") else min(FILTER_BLOCK, spec.out_per_group)


def cost_features(
    method: str, spec: LayerSpec, height: int, width: int, filters: int | None = None
) -> tuple[float, ...]:
    """What a run costs, in the units ``COST_COEFFICIENTS`` prices: all filters (a full run on
    a new engine) or ``filters`` of one group (an edit, with the method's cache already built).
    Six features for every method, so one fit and one price formula serve all:

    im2col: (1, values padded, window values copied, multiply-adds, groups, window values copied
    from strided rows). The last counts when the column stride is above 1 (never for shifts,
    which copies whole rows): numpy then copies element by element instead of in contiguous
    runs, about twice the price per value, which made windows look cheap for 11×11 stride-2
    layers. Counting it as values × stride inside the copy feature instead pushed depthwise
    stride-2 layers to fft, because fft was under-priced there; hence its groups feature:
    fft: (1, forward transforms, inverse transforms, kernel-spectrum work, spectrum products,
    groups), a transform of N values counted as N·log2(N); each group is its own pass of kernel
    transform, products and inverse, which a depthwise layer pays 32 times.
    taps: (1, values padded, product calls, multiply-adds, values summed tap by tap, groups),
    over the stride-1 grid with its junk columns; a call per tile, block and tap.
    direct: (1, values padded, multiply-adds, multiply-adds reading every other column, groups,
    passes): with a column stride of 2 the pixel loop reads its inputs with interleaved loads; a
    pass adds one input channel (kernels of up to ``_direct_source.UNROLLED_TAPS`` taps) or one
    kernel row of it (larger ones) to an output row of a few filters at once, and costs its
    set-up and the running sums' reads and writes.
    """
    full = filters is None
    n = spec.out_channels if full else filters
    groups = spec.groups if full else 1
    cg = spec.in_per_group
    (kh, kw), (sh, sw) = spec.kernel_size, spec.stride
    oh, ow = spec.output_size(height, width)
    top, bottom, left, right = spec.pads
    hp, wp = height + top + bottom, width + left + right
    taps = cg * kh * kw
    if method == "fft":
        nh, nw = transform_shape(spec, (oh, ow))
        transform = nh * nw * math.log2(nh * nw)
        half = nh * (nw // 2 + 1)
        forward = spec.in_channels * transform if full else 0.0
        return (1.0, forward, n * transform, n * cg * half * kh, n * cg * half, groups)
    if method == "taps":
        grid = ((oh - 1) * sh + 1) * wp
        step = _taps.tile_rows(spec, wp)
        blocks = groups * -(-(n // groups) // FILTER_BLOCK)
        calls = blocks * -(-oh // step) * kh * kw
        padded = groups * cg * hp * wp
        return (1.0, padded, calls, n * cg * kh * kw * grid, n * kh * kw * grid, groups)
    if method == "direct":
        passes = groups * _direct_source.passes_per_row(spec, n // groups) * oh
        padded = groups * cg * hp * wp
        macs = n * taps * oh * ow
        strided = macs if _direct_source.shape_for(spec).column_step != 1 else 0.0
        return (1.0, padded, macs, strided, groups, passes)
    if method == "shifts":
        pixels = ((oh - 1) * sh) * wp + (ow - 1) * sw + 1
        strided = False  # whole rows of the flattened image, then subsampled products
    else:
        pixels = oh * ow
        strided = sw > 1
        if not full and keeps_matrix(spec, height, width):
            return (1.0, 0.0, 0.0, n * taps * pixels, 0.0, 0.0)  # the kept window matrix
    padded = groups * cg * hp * wp
    copied = groups * taps * pixels
    return (1.0, padded, copied, n * taps * pixels, groups, copied if strided else 0.0)


def estimate_ms(
    method: str, spec: LayerSpec, height: int, width: int, filters: int | None = None
) -> float:
    """Estimated run time of ``method`` on this layer (see ``cost_features``)."""
    coefficients = coefficients_for_kernel()[method, "full" if filters is None else "edit"]
    features = cost_features(method, spec, height, width, filters)
    return sum(c * f for c, f in zip(coefficients, features, strict=True))


#: What a multiply-add costs where the fitted model does not reach (transposed layers, pools):
#: numpy's rate on the reference machine, 20 million in about 5 ms.
MS_PER_MAC = 2.5e-7


def run_ms(
    method: str, spec: LayerSpec, height: int, width: int, channels: Sequence[int] | None = None
) -> float:
    """Estimated time of a run of ``method`` computing ``channels`` (None: every filter, on a
    new engine): a partial run pays for each product block it touches (fft: each filter), at
    most what a full run costs. What the scheduler weighs to run a job at once or on a worker."""
    full = estimate_ms(method, spec, height, width)
    if channels is None:
        return full
    size, per_group = edit_filters(method, spec), spec.out_per_group
    blocks = len({(o // per_group, (o % per_group) // size) for o in channels})
    return min(full, blocks * estimate_ms(method, spec, height, width, size))


def mac_ms(
    spec: LayerSpec, height: int, width: int, channels: Sequence[int] | None = None
) -> float:
    """``run_ms`` for the kinds the fitted model does not cover (transposed layers, pools): each
    channel's share of the layer's multiply-adds at ``MS_PER_MAC``."""
    count = spec.out_channels if channels is None else len(channels)
    return spec.mac_count(height, width) * count / spec.out_channels * MS_PER_MAC


#: Input channels per group up to which direct replaces windows for 1×1 kernels: on every such
#: layer of the calibration grid (up to 32) it measured as fast or faster, where the fitted model
#: priced windows lower; from 64 channels on windows measured 1.4-1.55× faster (128 → 128 on 64²:
#: 7.9 against 11.2 ms, full run + 4 edits), and the model decides.
ONE_BY_ONE_CHANNELS = 32

#: Outputs per row from which direct is offered with a column stride of 2: on shorter rows its
#: interleaved-load loop barely runs, and the fitted model mis-picked direct for layers with
#: rows of 16-32 outputs by 1.3-1.7× (benchmarks/README.md, "direct").
MIN_STRIDED_ROW = 64


def candidates(spec: LayerSpec, size: tuple[int, int] | None = None) -> list[str]:
    """The methods worth considering: "shifts" only for stride 1 with one input channel per group
    (depthwise), the only layers where it measured faster than "windows"; "taps" for stride 1
    with several input channels and fewer filters per group than a product block (a "many → 1"
    layer), where copying windows costs far more than the thin products they feed (with more
    filters the copy is shared, and taps measured no faster; with a stride it would compute the
    whole stride-1 grid); "direct" where its column step is a constant (column dilation 1,
    column stride 1, or 2 on rows of ``MIN_STRIDED_ROW`` outputs and more when ``size``, the
    input's, is given) and numba can be used, in place of windows for small 1×1 layers with
    stride 1 (``ONE_BY_ONE_CHANNELS``)."""
    methods = ["windows", "fft"]
    step = _direct_source.shape_for(spec).column_step
    wide = step == 1 or (size is not None and spec.output_size(*size)[1] >= MIN_STRIDED_ROW)
    if step and wide and _direct_compile.available():
        methods.append("direct")
        one_by_one = spec.kernel_size == (1, 1) and spec.stride == (1, 1)
        if one_by_one and spec.in_per_group <= ONE_BY_ONE_CHANNELS:
            methods.remove("windows")
    if spec.stride == (1, 1) and spec.in_per_group == 1:
        methods.append("shifts")
    elif spec.stride == (1, 1) and spec.out_per_group < FILTER_BLOCK:
        methods.append("taps")
    return methods


def method_cost(method: str, spec: LayerSpec, height: int, width: int) -> float:
    """What the pick minimises: a full run plus ``EDITS_PER_FULL`` one-filter edits, in ms."""
    edit = estimate_ms(method, spec, height, width, edit_filters(method, spec))
    return estimate_ms(method, spec, height, width) + EDITS_PER_FULL * edit


@functools.lru_cache(maxsize=256)
def choose_method(spec: LayerSpec, height: int, width: int) -> str:
    """The method this layer uses for every run on an input of this size."""
    methods = candidates(spec, (height, width))
    return min(methods, key=lambda m: method_cost(m, spec, height, width))
