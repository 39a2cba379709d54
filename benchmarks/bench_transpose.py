"""How fast the model computes a transposed layer, against ``torch.nn.functional.conv_transpose2d``.

Run from the repository root:

    python benchmarks/bench_transpose.py            # 15 repeats per figure
    python benchmarks/bench_transpose.py --quick    # 3 repeats, a smoke test

Times are medians in milliseconds, ours and torch's alternated in rounds in the same run (the
machine is shared, so only the ratio means much). "full" is a new input or layer: a new
``TransposeEngine``, then every output channel; "edit" is one output channel again (what a weight
edit costs); "torch" is conv_transpose2d on the same layer (float32, no_grad, one thread per
core), its output checked against ours first. Ratios divide ours by torch's.
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

from convexplorer.model import LayerSpec, to_torch_layout
from convexplorer.model._transpose import TransposeEngine

CASES = [
    ("3×256×256 → 16 3×3 stride 2", (3, 256, 256), LayerSpec(3, 16, 3, stride=2, transposed=True)),
    (
        "3×256×256 → 16 4×4 s2 p1 (2×)",
        (3, 256, 256),
        LayerSpec(3, 16, 4, stride=2, padding=1, transposed=True),
    ),
    (
        "32×64×64 → 16 3×3 s2 p1 op1",
        (32, 64, 64),
        LayerSpec(32, 16, 3, stride=2, padding=1, output_padding=1, transposed=True),
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats: a smoke test")
    parser.add_argument("--repeats", type=int, default=15, help="timings per figure (default 15)")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    print(f"numpy {np.__version__}, python {platform.python_version()}, {os.cpu_count()} cores")
    print(f"median of {repeats} rounds in milliseconds, float32; ratios are ours / torch's\n")
    header = f"{'layer':<32}{'output':>14}{'full':>8}{'edit':>8}{'torch':>8}{'full/t':>8}"
    print(header)
    print("-" * len(header))
    for name, shape, spec in CASES:
        oh, ow = spec.output_size(*shape[1:])
        figures = "".join(
            "—".rjust(8) if t is None else f"{t:8.2f}" for t in time_case(shape, spec, repeats)
        )
        print(f"{name:<32}{f'{spec.out_channels}×{oh}×{ow}':>14}{figures}")


def time_case(shape: tuple[int, int, int], spec: LayerSpec, repeats: int) -> list[float | None]:
    """Full, edit and torch's milliseconds and the full/torch ratio (None without torch)."""
    rng = np.random.default_rng(0)
    x = rng.random(shape, dtype=np.float32)
    w = rng.standard_normal(spec.weight_shape).astype(np.float32)
    b = rng.standard_normal(spec.out_channels).astype(np.float32)
    engine = TransposeEngine(spec, x)
    fns = [lambda: TransposeEngine(spec, x).run(w, b), lambda: engine.run(w, b, [0])]
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return [*rounds_ms(fns, repeats), None, None]
    torch.set_num_threads(os.cpu_count() or 1)
    xt, wt, bt = (torch.from_numpy(a) for a in (x[None], to_torch_layout(spec, w), b))

    def theirs():
        with torch.no_grad():
            return F.conv_transpose2d(
                xt,
                wt,
                bt,
                spec.stride,
                spec.padding,
                spec.output_padding,
                spec.groups,
                spec.dilation,
            )

    np.testing.assert_allclose(engine.run(w, b), theirs()[0].numpy(), rtol=1e-4, atol=1e-4)
    full, edit, torch_ms = rounds_ms([*fns, theirs], repeats)
    return [full, edit, torch_ms, full / torch_ms]


if __name__ == "__main__":
    main()
