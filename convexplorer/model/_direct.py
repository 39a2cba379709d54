"""The "direct" kernel: each output value summed straight from the padded image, compiled (numba).

Every output value is ``fl(fl(…fl(fl(0 + w₀·x₀) + w₁·x₁)…) + b)`` over the filter's taps in one
fixed order — input channel, then kernel row, then kernel column — with each product rounded
before it is added (no fused multiply-add, no reassociation: numba compiles without fastmath). So
a filter's bits depend on nothing but its weights and the input: not on the run, the other
filters, the threads, the CPU or a BLAS library; ``tests/test_direct.py`` checks them against the
same sum written in numpy. An edit computes just the edited filter, reading the padded image
once, with nothing kept between runs.

Speed comes from the loop shapes, compiled once per kernel shape (``_direct_source``): the
pixels of an output row are the innermost loop (LLVM vectorises it), each pass adds all taps of
one input channel (small kernels) or one kernel row (larger ones) to a few filters' rows at once,
and the weights of a pass are held in registers. numba is imported on first use, never at start-up.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import numpy as np

from . import _direct_compile, _direct_source, _parallel
from ._cost import candidates
from ._im2col import Blocks, Im2col, blocks_by_group, even_ranges, piece_count
from ._parallel import share
from ._spec import LayerSpec

#: The compiled kernels, by their source's shape (``_direct_source.KernelShape``) and the dtype
#: they were compiled for (numba compiles a variant per argument type).
_kernels: dict[tuple[_direct_source.KernelShape, np.dtype], Callable[..., None]] = {}
_kernels_lock = threading.Lock()


#: Multiply-adds from which a run shares its rows with the helper threads: handing pieces over
#: costs 0.1-0.2 ms, which the direct sums of smaller runs would not win back (measured with
#: calibrate_conv.py: a 3 → 4 3×3 layer on 64² took 0.27 ms shared).
PARALLEL_MACS = 2**22

#: What making a kernel costs the first run that needs it in a session, in ms: numba's import
#: and a load from its disk cache (20-60 ms measured) or a compile (0.5-1.5 s). Either way more
#: than a quick job may take, so the app's scheduler gives that run to its worker.
PREPARE_MS = 1000.0


def prepare_ms(spec: LayerSpec, dtype: np.dtype) -> float:
    """What the next run of this layer pays before it computes: ``PREPARE_MS`` until its
    kernel is made for this dtype in this session, then 0."""
    return 0.0 if (_direct_source.shape_for(spec), dtype) in _kernels else PREPARE_MS


def compiled(shape: _direct_source.KernelShape, dtype: np.dtype | type) -> Callable[..., None]:
    """The kernel for ``shape`` and ``dtype``, made on first use (``_direct_compile.load``; it
    raises ``_direct_compile.Unusable`` when numba cannot be used). A kernel already made is
    returned without the lock: a run on the UI thread never waits for the worker making
    another."""
    key = (shape, np.dtype(dtype))
    kernel = _kernels.get(key)
    if kernel is None:
        with _kernels_lock:
            kernel = _kernels.get(key)
            if kernel is None:
                kernel = _kernels[key] = _direct_compile.load(shape, key[1])
    return kernel


def import_compiler() -> None:
    """Import numba now, on this thread, if the engine may use it (``_direct_compile.
    imported_numba`` says why an app does this on its main thread first)."""
    if _direct_compile.available():
        with contextlib.suppress(_direct_compile.Unusable):
            _direct_compile.imported_numba()


def prepare_kernel(spec: LayerSpec, dtype: type = np.float32) -> None:
    """Make the direct kernel ``spec`` would run on, if the engine could pick direct for it
    and numba can be used: for a background thread at start-up, so the first run finds it made
    (numba's import and the load take about 0.25 s, a first compile about a second). When numba
    cannot be used, the engine finds out too and picks among its numpy methods."""
    if "direct" in candidates(spec):
        with contextlib.suppress(_direct_compile.Unusable):
            compiled(_direct_source.shape_for(spec), dtype)


class Direct(Im2col):
    """Direct sums on the padded image, a few rows of outputs at a time, nothing kept."""

    #: each filter is summed alone (its bits never depend on its neighbours), so an edit
    #: computes one filter; a run hands the kernel every filter of a group at once
    block = 1

    def __init__(self, spec: LayerSpec, x: np.ndarray, output_size: tuple[int, int]) -> None:
        """Made on an engine's first run, with its kernel (which may raise
        ``_direct_compile.Unusable``: the engine then picks another method)."""
        super().__init__(spec, x, output_size)
        self._kernel = compiled(_direct_source.shape_for(spec), self._dtype)

    def run(
        self, weight: np.ndarray, bias: np.ndarray | None, blocks: Blocks, dest: np.ndarray
    ) -> None:
        """Fill dest (n, H_out, W_out) with filters ``weight`` (n, C_in/g, kH, kW) plus ``bias``
        (n,). Large runs share their rows with the helper threads (``_parallel``): a row's values
        are the same whoever computes them."""
        spec, dtype, kernel = self._spec, self._dtype, self._kernel
        # (C_in/g, kH, kW, n): a pass's weights for consecutive filters lie side by side. Copies,
        # writable: numba compiles another variant (on this thread) for a read-only array
        taps = weight.transpose(1, 2, 3, 0).copy()
        bias = np.zeros(0, dtype) if bias is None else bias.copy()
        cg, (oh, ow), (kh, kw) = spec.in_per_group, self.output_size, spec.kernel_size
        (sh, sw), (dh, dw) = spec.stride, spec.dilation
        padded = self._buffer(spec.in_channels)
        grouped = blocks_by_group(blocks)
        for g, _ in grouped:  # only the groups this run reads
            self._padder(padded[g * cg : (g + 1) * cg])(g)
        # (first filter, stop, first channel, first row, stop row): a few per thread in all
        macs = sum(p.stop - p.start for _, products in grouped for p in products)
        macs *= cg * kh * kw * oh * ow
        parts = piece_count(macs, PARALLEL_MACS, _parallel.HELPERS)
        items = [
            (products[0].start, products[-1].stop, g * cg, y0, y1)  # a group's filters adjoin
            for g, products in grouped
            for y0, y1 in even_ranges(oh, -(-parts // len(grouped)))
        ]
        pieces = even_ranges(len(items), parts)

        def work(k: int) -> None:
            lo, hi = pieces[k]
            for first, stop, c0, y0, y1 in items[lo:hi]:
                kernel(padded, c0, taps, bias, dest, first, stop, y0, y1, sh, sw, dh, dw)

        share(len(pieces), work, _parallel.HELPERS)
