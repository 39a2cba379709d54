"""Which method a layer uses: a cost model fitted to measurements, and one pick per layer.

The methods round differently, so an engine uses one method for every run: a filter's output then
has the same bits whether a full run or an edit computed it. The pick weighs both jobs: a new input
or layer costs a full run, and is followed by weight edits, each of which the user waits for.
``EDITS_PER_FULL`` says how many; benchmarks/README.md has the measurements behind the model.
"""

from __future__ import annotations

import functools
import math

from ._blas import has_small_matrix_kernel
from ._fft import transform_shape
from ._im2col import FILTER_BLOCK, keeps_matrix
from ._spec import LayerSpec

#: Milliseconds per unit of each cost feature (see ``cost_features``), per method and job,
#: fitted by benchmarks/calibrate_conv.py to timings of this engine (197 layers: a third of the
#: grid and the --quick grid, an edit computing its filter's whole block) on a 2-core AVX-512 Xeon
#: with numpy's OpenBLAS, SkylakeX kernel. Only the ranking of the estimates matters, so other
#: AVX-512 machines rank alike.
COST_COEFFICIENTS: dict[tuple[str, str], tuple[float, ...]] = {
    ("windows", "full"): (0.0558, 1.84e-06, 2.47e-07, 3.07e-08, 0.0136),
    ("windows", "edit"): (0.037, 1.45e-06, 1.27e-07, 7.01e-08, 0.00422),
    ("shifts", "full"): (0.0346, 1.95e-06, 1.42e-07, 3e-08, 0.00245),
    ("shifts", "edit"): (0.0142, 1.04e-06, 1.61e-07, 3.47e-08, 0.0142),
    ("fft", "full"): (0.12, 8.36e-07, 2.34e-07, 7.22e-08, 2.67e-06),
    ("fft", "edit"): (0.0497, 0, 2.26e-07, 1.58e-07, 2.61e-06),
}

#: The same, fitted on the same machine and layers with ``OPENBLAS_CORETYPE=Haswell``: the AVX2
#: kernels (AMD and older Intel CPUs) have no small-matrix path, so the im2col products cost more
#: there relative to the transforms, and runs share no tiles with helper threads (``_im2col``).
AVX2_COST_COEFFICIENTS: dict[tuple[str, str], tuple[float, ...]] = {
    ("windows", "full"): (0.0525, 1.55e-06, 2.95e-07, 4.63e-08, 0.0126),
    ("windows", "edit"): (0.0398, 1.25e-06, 2.38e-07, 5.48e-08, 0),
    ("shifts", "full"): (0.0359, 1.53e-06, 1.55e-07, 4.64e-08, 0.00296),
    ("shifts", "edit"): (0.0141, 9.56e-07, 1.61e-07, 5.93e-08, 0.0141),
    ("fft", "full"): (0.113, 7.57e-07, 2.59e-07, 1.27e-07, 2.46e-06),
    ("fft", "edit"): (0.0464, 0, 2.18e-07, 2.19e-07, 2.42e-06),
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

    im2col: (1, values padded, window values copied, multiply-adds, groups);
    fft: (1, forward transforms, inverse transforms, kernel-spectrum work, spectrum products),
    a transform of N values counted as N·log2(N).
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
        return (1.0, forward, n * transform, n * cg * half * kh, n * cg * half)
    if method == "shifts":
        pixels = ((oh - 1) * sh) * wp + (ow - 1) * sw + 1
    else:
        pixels = oh * ow
        if not full and keeps_matrix(spec, height, width):
            return (1.0, 0.0, 0.0, n * taps * pixels, 0.0)  # the kept window matrix, read once
    padded = groups * cg * hp * wp
    return (1.0, padded, groups * taps * pixels, n * taps * pixels, groups)


def estimate_ms(
    method: str, spec: LayerSpec, height: int, width: int, filters: int | None = None
) -> float:
    """Estimated run time of ``method`` on this layer (see ``cost_features``)."""
    coefficients = coefficients_for_kernel()[method, "full" if filters is None else "edit"]
    features = cost_features(method, spec, height, width, filters)
    return sum(c * f for c, f in zip(coefficients, features, strict=True))


def candidates(spec: LayerSpec) -> list[str]:
    """The methods worth considering: "shifts" only for stride 1 with one input channel per group
    (depthwise), the only layers where it measured faster than "windows"."""
    methods = ["windows", "fft"]
    if spec.stride == (1, 1) and spec.in_per_group == 1:
        methods.append("shifts")
    return methods


def method_cost(method: str, spec: LayerSpec, height: int, width: int) -> float:
    """What the pick minimises: a full run plus ``EDITS_PER_FULL`` one-filter edits, in ms."""
    edit = estimate_ms(method, spec, height, width, edit_filters(method, spec))
    return estimate_ms(method, spec, height, width) + EDITS_PER_FULL * edit


@functools.lru_cache(maxsize=256)
def choose_method(spec: LayerSpec, height: int, width: int) -> str:
    """The method this layer uses for every run on an input of this size."""
    return min(candidates(spec), key=lambda m: method_cost(m, spec, height, width))
