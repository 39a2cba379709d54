"""How fast the model pools, against ``torch.nn.functional.max_pool2d`` / ``avg_pool2d``.

Run from the repository root:

    python benchmarks/bench_pool.py            # 15 repeats per figure
    python benchmarks/bench_pool.py --quick    # 3 repeats, a smoke test

Times are medians in milliseconds, ours and torch's alternated in rounds in the same run (the
machine is shared, so only the ratio means much). "full" is a new input or layer: a new
``PoolEngine``, then every channel; "torch" is the functional pool on the same layer (float32,
no_grad, one thread per core), its output checked against ours first (max: bit for bit; avg:
whether it is bit-identical is printed). The ratio divides ours by torch's.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rounds import rounds_ms

from convexplorer.model import LayerSpec, PoolEngine, output_bound, pool_weight


def _pool(pool: str, channels: int, kernel: int, **settings) -> LayerSpec:
    settings.setdefault("stride", kernel)
    return LayerSpec(channels, channels, kernel, groups=channels, bias=False, pool=pool, **settings)


CASES = [
    ("max 2×2, 3×512²", (3, 512, 512), _pool("max", 3, 2)),
    ("avg 2×2, 3×512²", (3, 512, 512), _pool("avg", 3, 2)),
    ("max 3×3 s2 p1, 32×128²", (32, 128, 128), _pool("max", 32, 3, stride=2, padding=1)),
    ("avg 3×3 s1 p1, 32×128²", (32, 128, 128), _pool("avg", 32, 3, stride=1, padding=1)),
    ("max 3×3 dil 2, 16×256²", (16, 256, 256), _pool("max", 16, 3, stride=1, dilation=2)),
    ("max 2×2, 3×2048²", (3, 2048, 2048), _pool("max", 3, 2)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats: a smoke test")
    parser.add_argument("--repeats", type=int, default=15, help="timings per figure (default 15)")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    print(f"numpy {np.__version__}, python {platform.python_version()}, {os.cpu_count()} cores")
    print(f"median of {repeats} rounds in milliseconds, float32; ratio is ours / torch's\n")
    header = f"{'layer':<26}{'output':>14}{'full':>9}{'torch':>9}{'full/t':>8}  bits"
    print(header)
    print("-" * len(header))
    for name, shape, spec in CASES:
        oh, ow = spec.output_size(*shape[1:])
        full, torch_ms, same = time_case(shape, spec, repeats)
        ratio = "—".rjust(8) if torch_ms is None else f"{full / torch_ms:8.2f}"
        theirs = "—".rjust(9) if torch_ms is None else f"{torch_ms:9.2f}"
        print(f"{name:<26}{f'{spec.out_channels}×{oh}×{ow}':>14}{full:9.2f}{theirs}{ratio}  {same}")


def time_case(
    shape: tuple[int, int, int], spec: LayerSpec, repeats: int
) -> tuple[float, float | None, str]:
    """Our milliseconds, torch's (None without torch) and whether the outputs are bit-identical."""
    x = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)

    def ours():
        return PoolEngine(spec, x).run()

    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return rounds_ms([ours], repeats)[0], None, "—"
    torch.set_num_threads(os.cpu_count() or 1)
    xt = torch.from_numpy(x[None])

    def theirs():
        with torch.no_grad():
            if spec.pool == "max":
                return F.max_pool2d(xt, spec.kernel_size, spec.stride, spec.padding, spec.dilation)
            return F.avg_pool2d(xt, spec.kernel_size, spec.stride, spec.padding)

    mine, other = ours(), theirs()[0].numpy()
    # within the rounding of the window sums (0 for max: picking rounds nothing)
    magnitudes = PoolEngine(spec, np.abs(x).astype(np.float64)).run()
    bound = output_bound(spec, x, pool_weight(spec), magnitudes)
    worst = np.abs(mine.astype(np.float64) - other).max(initial=0.0)
    if not (np.abs(mine.astype(np.float64) - other) <= bound).all():
        raise AssertionError(f"torch and ours differ by {worst:.3g}, beyond the rounding bound")
    same = "identical" if mine.tobytes() == other.tobytes() else "rounding"
    full, torch_ms = rounds_ms([ours, theirs], repeats)
    return full, torch_ms, same


if __name__ == "__main__":
    main()
