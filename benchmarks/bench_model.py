"""How fast the model convolves: a full recompute, a weight edit, and PyTorch's conv2d for scale.

Run from the repository root:

    python benchmarks/bench_model.py            # 15 repeats per figure
    python benchmarks/bench_model.py --quick    # 3 repeats, a smoke test
    python benchmarks/bench_model.py --methods  # also time every other method the engine has
    python benchmarks/bench_model.py --large    # also 3×1024², 3×2048² inputs (16 × 3×3, 64 × 7×7)
    OPENBLAS_CORETYPE=Haswell python benchmarks/bench_model.py   # the AVX2 kernels AMD CPUs get

Times are medians in milliseconds. "full" is what a new input costs (a new ConvEngine, then every
filter); "edit" is what ExplorerState does after ``set_weight``: the cached engine recomputes one
filter (with windows/shifts, its whole block of filters: the product shape a full run uses, so
the bits are the same). "torch" is ``torch.nn.functional.conv2d`` on the same layer (float32,
no_grad, one thread per core), timed in the same run after ours; "torch1" the same with only the
edited filter (``weight[o:o+1]``), what an edit is compared with. "cache" is the most memory the
engine keeps for edits (window matrix or input spectrum). "faults" are minor page faults per full
run, ours / torch's: fresh memory costs a fault per 4 KiB page, about a microsecond each on the
reference VM.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from convexplorer.model import LayerSpec
from convexplorer.model._blas import blas_kernel
from convexplorer.model._conv import METHODS, ConvEngine
from convexplorer.model._im2col import FILTER_BLOCK, TILE_BYTES


@dataclass(frozen=True)
class Case:
    name: str
    shape: tuple[int, int, int]
    spec: LayerSpec


CASES = [
    Case("3×32×32 → 8 × 3×3", (3, 32, 32), LayerSpec(3, 8, 3, padding=1)),
    Case("3×512×512 → 16 × 3×3", (3, 512, 512), LayerSpec(3, 16, 3, padding=1)),
    Case("32×128×128 → 32 × 3×3", (32, 128, 128), LayerSpec(32, 32, 3, padding=1)),
    Case("3×256×256 → 4 × 11×11", (3, 256, 256), LayerSpec(3, 4, 11, padding=5)),
    Case("depthwise 32×128×128 3×3", (32, 128, 128), LayerSpec(32, 32, 3, padding=1, groups=32)),
]

#: --large: inputs above the window matrix budget, where an edit re-copies windows
LARGE = [
    Case("3×1024×1024 → 16 × 3×3", (3, 1024, 1024), LayerSpec(3, 16, 3, padding=1)),
    Case("3×2048×2048 → 16 × 3×3", (3, 2048, 2048), LayerSpec(3, 16, 3, padding=1)),
    Case("3×1024×1024 → 64 × 7×7", (3, 1024, 1024), LayerSpec(3, 64, 7, padding=3)),
    Case("3×2048×2048 → 64 × 7×7", (3, 2048, 2048), LayerSpec(3, 64, 7, padding=3)),
]


#: Seconds of warm-up calls before timing: after the pause, an idle core of this VM took about
#: 50 ms of work to come back to speed (edits sharing their tiles measured 2.5 ms, then 1.6).
WARM_UP_SECONDS = 0.15


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    """Median milliseconds of ``fn`` after WARM_UP_SECONDS of warm-up calls (at least one).

    Starts after a pause: numpy's and torch's thread pools each spin for a while after their
    last call, and timing one right after the other would measure the two fighting for the cores.
    """
    time.sleep(0.3)
    warm_until = time.perf_counter() + WARM_UP_SECONDS
    fn()
    while time.perf_counter() < warm_until:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def faults_per_call(fn: Callable[[], object], calls: int = 5) -> float:
    fn()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def keep_freed_memory() -> bool:
    """Ask glibc to reuse freed memory rather than hand it back to the OS (Linux only).

    torch allocates its output and scratch afresh on every call; by default glibc returns big
    blocks to the OS, and each call then pays one page fault per 4 KiB page touched (on this VM
    about 1 µs each: 9000 faults, 9 ms, for the 3×512×512 layer, against 1.7 ms without). This
    times torch at its best. Our engine does not fault either way (see the faults column).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(libc.mallopt(m_mmap_threshold, 32 * 2**20)) and bool(
        libc.mallopt(m_trim_threshold, 2**30)
    )


def cpu_model() -> str:
    """The CPU's model name (Linux), else what platform knows."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_description() -> str:
    """Which BLAS numpy uses and which OpenBLAS kernel it runs (what the engine shapes its
    products for: ``convexplorer.model._blas``)."""
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    kernel = blas_kernel() or "unknown"
    return f"{config['name']} {config['version']}, kernel {kernel}"


def direct_description() -> str:
    """numba's version and the CPU it tunes the direct kernels for (``_direct_compile``)."""
    if "numba" not in sys.modules:
        return "direct kernels not used"
    import numba
    from llvmlite import binding

    target = numba.config.CPU_NAME or binding.get_host_cpu_name()
    return f"direct kernels: numba {numba.__version__}, tuned for {target}"


def torch_conv(
    case: Case, x: np.ndarray, w: np.ndarray, b: np.ndarray, filters: slice = slice(None)
) -> Callable | None:
    """A callable running torch's conv2d on this layer, or its ``filters`` only (the full layer
    is checked against ours first), or None without torch."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    spec = case.spec
    xt, wt, bt = torch.from_numpy(x)[None], torch.from_numpy(w), torch.from_numpy(b)
    groups = spec.groups
    if filters != slice(None):  # the filters' own group of input channels, as one group
        g = filters.start // spec.out_per_group
        cg = spec.in_per_group
        xt = xt[:, g * cg : (g + 1) * cg].contiguous()
        wt, bt, groups = wt[filters].contiguous(), bt[filters].contiguous(), 1
    top, bottom, left, right = spec.pads
    mode = {"zeros": "constant"}.get(spec.padding_mode, spec.padding_mode)

    def run():
        with torch.no_grad():
            inp = F.pad(xt, (left, right, top, bottom), mode=mode) if any(spec.pads) else xt
            return F.conv2d(inp, wt, bt, spec.stride, 0, spec.dilation, groups)

    if filters == slice(None) and case.shape[1] <= 512:
        ours = ConvEngine(spec, x).run(w, b)
        np.testing.assert_allclose(ours, run()[0].numpy(), rtol=1e-3, atol=1e-3)
    return run


def inputs(case: Case) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random(case.shape, dtype=np.float32)
    w = rng.standard_normal(case.spec.weight_shape).astype(np.float32)
    return x, w, rng.standard_normal(case.spec.out_channels).astype(np.float32)


def time_engine(case: Case, method: str | None, repeats: int) -> dict:
    """Full and edit times, the methods used, cache size and page faults per full run."""
    spec, (x, w, b) = case.spec, inputs(case)
    engine = ConvEngine(spec, x, method)
    engine.run(w, b)
    engine.prepare_edits()  # what the app's worker does once the outputs are in
    edited, o = w.copy(), spec.out_channels // 2

    def full():
        return ConvEngine(spec, x, method).run(w, b)

    def edit():
        edited[o, 0, 0, 0] += 0.25
        return engine.run(edited, b, [o])

    return dict(
        method=engine.method,
        full=median_ms(full, repeats),
        edit=median_ms(edit, 2 * repeats),
        cache=engine.cache_bytes,
        faults=faults_per_call(full),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats: a smoke test")
    parser.add_argument("--repeats", type=int, default=15, help="timings per figure (default 15)")
    parser.add_argument("--methods", action="store_true", help="also time every other method")
    parser.add_argument("--large", action="store_true", help="also 1024² and 2048² inputs")
    parser.add_argument(
        "--default-malloc",
        action="store_true",
        help="time torch with glibc returning freed memory to the OS (it then page-faults)",
    )
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats

    # ours first, under the allocator's defaults (what the app gets) ...
    cases = CASES + LARGE if args.large else CASES

    def times(case: Case) -> int:
        """Repeats for this layer: a fifth (at least 3) for the large ones, which take seconds."""
        return repeats if case not in LARGE else max(3, repeats // 5)

    rows = []
    for case in cases:
        x = inputs(case)[0]
        chosen = ConvEngine(case.spec, x)
        others = [m for m in METHODS if m != chosen.method]
        for method in [None, *others] if args.methods else [None]:
            rows.append((case, method, time_engine(case, method, times(case))))
    # ... then torch, at its best: mallopt cannot be undone, so it comes last
    kept = not args.default_malloc and keep_freed_memory()
    torch_ms, torch_one, torch_faults = {}, {}, {}
    for case in cases:
        run = torch_conv(case, *inputs(case))
        if run is not None:
            o = case.spec.out_channels // 2
            torch_ms[case.name] = median_ms(run, times(case))
            torch_faults[case.name] = faults_per_call(run)
            one = torch_conv(case, *inputs(case), filters=slice(o, o + 1))
            torch_one[case.name] = median_ms(one, 2 * times(case))

    blas_env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL"))}
    print(
        f"{cpu_model()}, {os.cpu_count()} cores; numpy {np.__version__}, python "
        f"{platform.python_version()}"
    )
    print(f"BLAS: {blas_description()}; environment: {blas_env or 'no BLAS variables set'}")
    print(f"engine: blocks of {FILTER_BLOCK} filters, {TILE_BYTES >> 10} KiB tiles")
    print(direct_description())
    print(
        f"median of {repeats} runs in milliseconds, float32; full/t is ours / torch's full "
        f"layer, edit/t1 our edit / torch's one-filter conv; "
        f"torch timed with freed memory {'kept (mallopt)' if kept else 'returned to the OS'}\n"
    )
    header = (
        f"{'layer':<27}{'method':>9}{'full':>9}{'edit':>8}{'torch':>9}{'torch1':>8}"
        f"{'full/t':>8}{'edit/t1':>8}{'cache MB':>9}{'faults':>11}"
    )
    print(header)
    print("-" * len(header))
    for case, method, r in rows:
        label = case.name if method is None else "  (alternative)"
        t = torch_ms.get(case.name)
        if t is None:
            ratios, faults = f"{'—':>9}{'—':>8}{'—':>8}{'—':>8}", f"{r['faults']:.0f}/—"
        else:
            t1 = torch_one[case.name]
            ratios = f"{t:9.2f}{t1:8.2f}{r['full'] / t:8.2f}{r['edit'] / t1:8.2f}"
            faults = f"{r['faults']:.0f}/{torch_faults[case.name]:.0f}"
        print(
            f"{label:<27}{r['method']:>9}{r['full']:9.2f}{r['edit']:8.3f}{ratios}"
            f"{r['cache'] / 2**20:9.1f}{faults:>11}"
        )


if __name__ == "__main__":
    main()
