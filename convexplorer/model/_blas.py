"""Which OpenBLAS kernel numpy runs on, so the engine can shape its products for it.

OpenBLAS picks its kernels for the CPU at load time (``OPENBLAS_CORETYPE`` overrides it). On
AVX-512 CPUs (SkylakeX and later) small single-precision products (M·N·K ≤ 10⁶) take a
small-matrix kernel that needs no packing and no threads; the AVX2 kernels (Haswell, Zen) have
none, so there the same products are packed and split over OpenBLAS's threads on every call. The
engine's tiles are far too small for that to pay: on two cores a 3×512² → 16 layer took 9.0 ms
with OpenBLAS's two threads and 6.0 ms with one thread plus the engine's own helper thread
sharing the tiles (an edit 2.5 → 1.6 ms). On every kernel, the products beyond the small-matrix
path (the fft method's kernel transforms) wait for a busy core: with another program busy on
the second core, an 11×11 layer at 3×256² took 155 ms instead of 10–14 ms. So the engine sets
OpenBLAS to one thread (``products_on_calling_thread``) and shares its own work in small pieces
(``_parallel``), and prices its methods with coefficients fitted per kernel
(benchmarks/README.md). Asking the library costs well under a millisecond; when numpy's BLAS is
not OpenBLAS the kernel is "".
"""

from __future__ import annotations

import ctypes
import functools
import os
from collections.abc import Callable
from typing import Any

#: OpenBLAS kernels with the single-precision small-matrix path (AVX-512).
SMALL_MATRIX_KERNELS = frozenset({"SkylakeX", "Cooperlake", "SapphireRapids"})

_NAMES = (
    "scipy_openblas_get_corename64_",
    "scipy_openblas_get_corename",
    "openblas_get_corename64_",
    "openblas_get_corename",
)


_THREAD_SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)


@functools.cache
def _openblas() -> ctypes.CDLL | None:
    """The OpenBLAS library numpy loaded (one that answers its kernel name, numpy's own first
    where scipy or torch map another), or None."""
    import numpy  # noqa: F401  (loads the BLAS numpy uses)

    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:  # not Linux
        paths = set()
    for path in sorted(paths, key=lambda p: ("numpy" not in p, p)):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        if any(hasattr(library, name) for name in _NAMES):
            return library
    return None


def _function(names: tuple[str, ...]) -> Callable[..., Any] | None:
    """The first of ``names`` that numpy's OpenBLAS exports, or None."""
    library = _openblas()
    if library is None:
        return None
    return next((getattr(library, n) for n in names if hasattr(library, n)), None)


@functools.cache
def blas_kernel() -> str:
    """OpenBLAS's kernel name ("SkylakeX", "Haswell", "Zen", ...), or "" if unknown."""
    function = _function(_NAMES)
    if function is None:
        return os.environ.get("OPENBLAS_CORETYPE", "")
    function.restype = ctypes.c_char_p
    return (function() or b"").decode(errors="replace").strip()


def has_small_matrix_kernel() -> bool:
    """Whether small products take OpenBLAS's unthreaded small-matrix path; True when numpy's
    BLAS is unknown (the shapes measured fastest on the reference machine)."""
    kernel = blas_kernel()
    return kernel in SMALL_MATRIX_KERNELS or not kernel


@functools.cache
def products_on_calling_thread() -> bool:
    """Make every product of the engine run on the thread that calls it, so the engine's own
    helper threads can share a run's tiles (``_parallel``); False if that cannot be arranged.

    With OpenBLAS this sets it to one thread for the whole process, once: every product numpy
    makes is then unthreaded, which the engine's tiles, kernel transforms and scatters are sized
    for (see the module docstring). With another BLAS: True where its small products are known
    not to be threaded (unknown BLAS: as measured fastest on the reference machine)."""
    setter = _function(_THREAD_SETTERS)
    if setter is None:
        return has_small_matrix_kernel()
    setter.argtypes = [ctypes.c_int]
    setter.restype = None
    setter(1)
    return True
