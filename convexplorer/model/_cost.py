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

from . import _taps
from ._blas import has_small_matrix_kernel
from ._fft import transform_shape
from ._im2col import FILTER_BLOCK, keeps_matrix
from ._spec import LayerSpec

#: Milliseconds per unit of each cost feature (see ``cost_features``), per method and job,
#: fitted by benchmarks/calibrate_conv.py to timings of this engine (the 179 distinct layers of a
#: third of the grid and the --quick grid, an edit computing its filter's whole block; each
#: layer's fastest of 4 runs, ``--fastest``) on a 2-core AVX-512 Xeon with numpy's OpenBLAS,
#: SkylakeX kernel; the taps rows on 305 layers (the grid with its "many → 1" layers, fastest of
#: 3 runs, OpenBLAS on one thread). The estimates rank the methods, which other AVX-512 machines
#: rank alike, and tell the app's scheduler which jobs are quick (on a slower machine they run a
#: little longer on the UI thread).
COST_COEFFICIENTS: dict[tuple[str, str], tuple[float, ...]] = {
    ("windows", "full"): (0.0493, 1.27e-06, 1.95e-07, 2.86e-08, 0.0129, 1.72e-07),
    ("windows", "edit"): (0.0355, 1.01e-06, 1.17e-07, 5.59e-08, 0.00139, 2.25e-07),
    ("shifts", "full"): (0.0319, 1.6e-06, 1.26e-07, 2.72e-08, 0.00248, 0),
    ("shifts", "edit"): (0.0127, 9.02e-07, 1.45e-07, 3.04e-08, 0.0127, 0),
    ("taps", "full"): (0.0306, 8.03e-07, 0.00532, 1.57e-08, 2.06e-07, 0.0128),
    ("taps", "edit"): (0.0158, 6.52e-07, 0.00527, 1.73e-08, 2.18e-07, 0.0158),
    ("fft", "full"): (0.0814, 5.85e-07, 2.31e-07, 6.49e-08, 2.58e-06, 0.027),
    ("fft", "edit"): (0.023, 0, 1.93e-07, 1.3e-07, 2.35e-06, 0.023),
}

#: The same, fitted on the same machine and layers (fastest of 5 runs) with
#: ``OPENBLAS_CORETYPE=Haswell``: the AVX2 kernels (AMD and older Intel CPUs) have no
#: small-matrix path, so the im2col products cost more there relative to the transforms, and
#: runs share no tiles with helper threads (``_im2col``).
AVX2_COST_COEFFICIENTS: dict[tuple[str, str], tuple[float, ...]] = {
    ("windows", "full"): (0.0484, 1.3e-06, 1.71e-07, 4.76e-08, 0.0134, 1.64e-07),
    ("windows", "edit"): (0.0343, 1.02e-06, 1.09e-07, 8.3e-08, 0.00108, 1.92e-07),
    ("shifts", "full"): (0.0308, 1.35e-06, 1.19e-07, 4.93e-08, 0.00314, 0),
    ("shifts", "edit"): (0.0131, 6.44e-07, 6.08e-08, 1.09e-07, 0.0131, 0),
    ("taps", "full"): (0.0317, 8.26e-07, 0.005, 2.66e-08, 2.69e-07, 0.0128),
    ("taps", "edit"): (0.0156, 6.76e-07, 0.0048, 2.86e-08, 2.8e-07, 0.0156),
    ("fft", "full"): (0.077, 5.9e-07, 2.24e-07, 8.31e-08, 2.56e-06, 0.0242),
    ("fft", "edit"): (0.0214, 0, 1.87e-07, 1.33e-07, 2.41e-06, 0.0214),
}


def coefficients_for_kernel() -> dict[tuple[str, str], tuple[float, ...]]:
    """The coefficients for the OpenBLAS kernel numpy runs on (``_blas``)."""
    return COST_COEFFICIENTS if has_small_matrix_kernel() else AVX2_COST_COEFFICIENTS


#: Weight edits expected per full run when weighing the two: the method picked minimises
#: full + EDITS_PER_FULL × one edit.
EDITS_PER_FULL = 4


def edit_filters(method: str, spec: LayerSpec) -> int:
    """Filters an edit of one filter computes: its whole product block for the im2col methods
    (``_im2col.FILTER_BLOCK``), just itself for fft (its per-filter work is independent)."""
    return 1 if method == "fft" else min(FILTER_BLOCK, spec.out_per_group)


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


def candidates(spec: LayerSpec) -> list[str]:
    """The methods worth considering: "shifts" only for stride 1 with one input channel per group
    (depthwise), the only layers where it measured faster than "windows"; "taps" for stride 1
    with several input channels and fewer filters per group than a product block (a "many → 1"
    layer), where copying windows costs far more than the thin products they feed (with more
    filters the copy is shared, and taps measured no faster; with a stride it would compute the
    whole stride-1 grid)."""
    methods = ["windows", "fft"]
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
    return min(candidates(spec), key=lambda m: method_cost(m, spec, height, width))
