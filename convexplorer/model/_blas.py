"""Which OpenBLAS kernel numpy runs on, so the engine can shape its products for it.

OpenBLAS picks its kernels for the CPU at load time (``OPENBLAS_CORETYPE`` overrides it). On
AVX-512 CPUs (SkylakeX and later) small single-precision products (M·N·K ≤ 10⁶) take a
small-matrix kernel that needs no packing and no threads; the AVX2 kernels (Haswell, Zen) have
none, so there the same products are packed and split over OpenBLAS's threads on every call:
the engine then shares no tiles with its own helper threads, and prices its methods with
coefficients fitted on those kernels (benchmarks/README.md). Asking the library costs well under a
millisecond; when numpy's BLAS is not OpenBLAS the answer is "".
"""

from __future__ import annotations

import ctypes
import functools
import os

#: OpenBLAS kernels with the single-precision small-matrix path (AVX-512).
SMALL_MATRIX_KERNELS = frozenset({"SkylakeX", "Cooperlake", "SapphireRapids"})

_NAMES = (
    "scipy_openblas_get_corename64_",
    "scipy_openblas_get_corename",
    "openblas_get_corename64_",
    "openblas_get_corename",
)


@functools.cache
def blas_kernel() -> str:
    """OpenBLAS's kernel name ("SkylakeX", "Haswell", "Zen", ...), or "" if unknown."""
    import numpy  # noqa: F401  (loads the BLAS numpy uses)

    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:  # not Linux
        paths = set()
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _NAMES:
            function = getattr(library, name, None)
            if function is not None:
                function.restype = ctypes.c_char_p
                return (function() or b"").decode(errors="replace").strip()
    return os.environ.get("OPENBLAS_CORETYPE", "")


def has_small_matrix_kernel() -> bool:
    """Whether small products take OpenBLAS's unthreaded small-matrix path; True when numpy's
    BLAS is unknown (the shapes measured fastest on the reference machine)."""
    kernel = blas_kernel()
    return kernel in SMALL_MATRIX_KERNELS or not kernel
