"""Timing two or more callables fairly: alternating rounds after a warm-up (no Qt needed)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def rounds_ms(fns: list[Callable[[], object]], repeats: int) -> list[float]:
    """Median milliseconds of each callable, timed in alternating rounds after a warm-up."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for slot, fn in enumerate(fns):
            time.sleep(0.05)  # let the other library's thread pool settle
            start = time.perf_counter()
            fn()
            times[slot].append((time.perf_counter() - start) * 1e3)
    return [statistics.median(t) for t in times]
