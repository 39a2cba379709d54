"""How fast the model convolves: a full recompute, a weight edit, and PyTorch's conv2d for scale.

Run from the repository root:

    python benchmarks/bench_model.py            # 15 repeats per figure
    python benchmarks/bench_model.py --quick    # 3 repeats, a smoke test
    python benchmarks/bench_model.py --methods  # also time every method the engine has

Times are medians in milliseconds. "full" is what a new input costs (a new ConvEngine, then every
filter); "edit" is what ExplorerState does after ``set_weight``: the cached engine recomputes one
filter. "torch" is ``torch.nn.functional.conv2d`` on the same layer (float32, no_grad, one thread
per core), measured in the same run when torch is installed. "cache" is the most memory the engine
keeps for edits (window matrix or input spectrum), beyond the padded input.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from convexplorer.model import LayerSpec
from convexplorer.model._conv import METHODS, ConvEngine


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


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``fn`` after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def blas_description() -> str:
    """Which BLAS numpy uses and, if threadpoolctl is installed, which kernel it picked."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{config['name']} {config['version']} (install threadpoolctl to see the kernel)"
    pools = [p for p in threadpool_info() if p["user_api"] == "blas"]
    return "; ".join(
        f"{p['internal_api']} {p['version']} kernel={p.get('architecture')} "
        f"threads={p['num_threads']}"
        for p in pools
    )


def torch_timer(case: Case, x: np.ndarray, w: np.ndarray, b: np.ndarray, repeats: int):
    """Median time of torch's conv2d on this layer, or None without torch."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    spec = case.spec
    xt = torch.from_numpy(x)[None]
    wt, bt = torch.from_numpy(w), torch.from_numpy(b)
    top, bottom, left, right = spec.pads
    mode = {"zeros": "constant", "replicate": "replicate"}.get(spec.padding_mode, spec.padding_mode)

    def run():
        inp = F.pad(xt, (left, right, top, bottom), mode=mode) if any(spec.pads) else xt
        return F.conv2d(inp, wt, bt, spec.stride, 0, spec.dilation, spec.groups)

    with torch.no_grad():
        got = run()[0].numpy()
        ours = ConvEngine(spec, x).run(w, b)
        np.testing.assert_allclose(ours, got, rtol=1e-3, atol=1e-3)
        return median_ms(run, repeats)


def time_engine(case: Case, x, w, b, repeats: int, method: str | None) -> tuple[float, float, int]:
    """(full, edit, cache bytes) for the engine, with its own method choice or a forced one."""
    spec = case.spec
    full = median_ms(lambda: ConvEngine(spec, x, method).run(w, b), repeats)
    engine = ConvEngine(spec, x, method)
    engine.run(w, b)
    edited = w.copy()
    o = spec.out_channels // 2

    def edit():
        edited[o, 0, 0, 0] += 0.25
        return engine.run(edited, b, [o])

    return full, median_ms(edit, repeats), engine.cache_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats: a smoke test")
    parser.add_argument("--repeats", type=int, default=15, help="timings per figure (default 15)")
    parser.add_argument("--methods", action="store_true", help="also time every method")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats

    blas_env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL"))}
    print(f"numpy {np.__version__}, python {platform.python_version()}, {os.cpu_count()} cores")
    print(f"BLAS: {blas_description()}")
    print(f"BLAS environment: {blas_env or 'none set'}")
    print(f"median of {repeats} runs, milliseconds; float32; ratios are ours / torch\n")
    header = (
        f"{'layer':<27}{'method':>8}{'full':>9}{'edit':>9}{'torch':>9}"
        f"{'full/t':>8}{'edit/t':>8}{'cache MB':>10}"
    )
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    for case in CASES:
        x = rng.random(case.shape, dtype=np.float32)
        w = rng.standard_normal(case.spec.weight_shape).astype(np.float32)
        b = rng.standard_normal(case.spec.out_channels).astype(np.float32)
        tt = torch_timer(case, x, w, b, repeats)
        chosen = ConvEngine(case.spec, x).method
        methods = [None, *(m for m in METHODS if m != chosen)] if args.methods else [None]
        for method in methods:
            full, edit, cache = time_engine(case, x, w, b, repeats, method)
            label = case.name if method is None else "  (alternative)"
            torch_cols = (
                f"{tt:9.2f}{full / tt:8.2f}{edit / tt:8.2f}"
                if tt is not None
                else f"{'—':>9}{'—':>8}{'—':>8}"
            )
            print(
                f"{label:<27}{method or chosen:>8}{full:9.2f}{edit:9.3f}{torch_cols}"
                f"{cache / 2**20:10.1f}"
            )


if __name__ == "__main__":
    main()
