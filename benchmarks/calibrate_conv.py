"""Fit the convolution engine's cost model (``COST_COEFFICIENTS``) to timings on this machine.

    python benchmarks/calibrate_conv.py --save timings.jsonl   # measure (~20 min), then fit
    python benchmarks/calibrate_conv.py --part 1/8 --save t1.jsonl   # an eighth of the grid
    python benchmarks/calibrate_conv.py --quick --save quick.jsonl   # a small grid (~3 min)
    python benchmarks/calibrate_conv.py --load t1.jsonl t2.jsonl ... # refit saved timings
    python benchmarks/calibrate_conv.py --load ... --current --retime 15  # re-time mis-picks
    python benchmarks/calibrate_conv.py --fastest --load run1/*.jsonl run2/*.jsonl  # merge runs

Times every method on a grid of layers (kernel 1–15, images 32–512, dense / grouped / depthwise,
stride 1 and 2): a full run on a new engine, and a one-filter edit on a warm engine (which
computes the filter's whole product block, ``_cost.edit_filters``). Then fits, per method and job,
non-negative coefficients to ``cost_features`` minimising the relative error, and prints them
(paste into convexplorer/model/_cost.py) with how often the model's pick is slower than the
measured best: for the one-method rule the engine uses (full + EDITS_PER_FULL edits), and for
each job alone. ``--retime`` times each layer whose pick is ≥ 1.3× slower again, the pick and
the best in alternating rounds, to tell a real mis-pick from a spike of a shared machine.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rounds import rounds_ms

from convexplorer.model import LayerSpec
from convexplorer.model._blas import blas_kernel
from convexplorer.model._conv import METHODS, ConvEngine
from convexplorer.model._cost import (
    EDITS_PER_FULL,
    candidates,
    coefficients_for_kernel,
    cost_features,
    edit_filters,
)

KERNELS = (1, 3, 5, 7, 9, 11, 15)
SIZES = (32, 64, 128, 256, 512)
CHANNELS = (
    (1, 1, 1),
    (3, 4, 1),
    (3, 16, 1),
    (16, 16, 1),
    (32, 32, 1),
    (32, 32, 32),
    (16, 32, 8),
    (16, 1, 1),  # many maps into one: a stack's last layer, the "32 → 1" scene
    (32, 1, 1),
)


#: the --quick grid: the sizes and channel mixes the app meets most, stride 1
QUICK = dict(
    kernels=(1, 3, 5, 7, 11),
    sizes=(64, 256, 512),
    channels=((3, 4, 1), (3, 16, 1), (32, 32, 1), (32, 32, 32), (16, 32, 8), (32, 1, 1)),
    strides=(1,),
)


def layers(quick: bool = False) -> list[dict]:
    """The grid, without layers too slow to time often (over 1.5 G multiply-adds)."""
    grid = []
    if quick:
        axes = (QUICK["kernels"], QUICK["sizes"], QUICK["channels"], QUICK["strides"])
    else:
        axes = (KERNELS, SIZES, CHANNELS, (1, 2))
    for k, size, (c_in, c_out, groups), stride in itertools.product(*axes):
        macs = c_out * (c_in // groups) * k * k * size * size / stride**2
        if k <= size // 2 and macs <= 1.5e9 and not (size == 512 and c_in > 3):
            grid.append(dict(k=k, H=size, ci=c_in, co=c_out, g=groups, s=stride))
    return grid


def spec_of(row: dict) -> LayerSpec:
    k = row["k"]
    return LayerSpec(row["ci"], row["co"], k, stride=row["s"], padding=k // 2, groups=row["g"])


def round_robin_ms(fns: list, rounds: int) -> list[float]:
    """Median time of each callable, timed in turns so that drift hits them all alike."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            times[k].append((time.perf_counter() - start) * 1e3)
    return [statistics.median(t) for t in times]


def operands(row: dict) -> tuple[LayerSpec, np.ndarray, np.ndarray, np.ndarray]:
    """The layer, its input, weights and bias (the same every time for a row)."""
    spec = spec_of(row)
    rng = np.random.default_rng(0)
    x = rng.random((row["ci"], row["H"], row["H"]), dtype=np.float32)
    w = rng.standard_normal(spec.weight_shape).astype(np.float32)
    b = rng.standard_normal(spec.out_channels).astype(np.float32)
    return spec, x, w, b


#: Methods the engine offers for stride 1 only (``_cost.candidates``): not timed otherwise.
STRIDE_ONE = ("shifts", "taps")


def timed_methods(row: dict) -> list[str]:
    return [m for m in METHODS if row["s"] == 1 or m not in STRIDE_ONE]


def measure(row: dict) -> dict:
    spec, x, w, b = operands(row)
    methods = timed_methods(row)
    full = round_robin_ms([lambda m=m: ConvEngine(spec, x, m).run(w, b) for m in methods], rounds=5)
    engines = [ConvEngine(spec, x, m) for m in methods]
    for engine in engines:
        engine.run(w, b, [0])
    o = spec.out_channels // 2
    edit = round_robin_ms([lambda e=e: e.run(w, b, [o]) for e in engines], rounds=7)
    return {
        **row,
        "full": dict(zip(methods, full, strict=True)),
        "edit": dict(zip(methods, edit, strict=True)),
    }


def fastest(rows: list[dict]) -> list[dict]:
    """One row per layer, each method's and job's fastest timing over the runs: the load of a
    shared machine only ever slows a run down, so the minimum is the least disturbed one."""
    merged: dict[tuple, dict] = {}
    for r in rows:
        key = tuple(r[k] for k in ("k", "H", "ci", "co", "g", "s"))
        if key not in merged:
            merged[key] = {**r, "full": dict(r["full"]), "edit": dict(r["edit"])}
            continue
        for job in ("full", "edit"):
            for method, ms in r[job].items():
                merged[key][job][method] = min(merged[key][job][method], ms)
    return list(merged.values())


def offered(method: str, row: dict) -> bool:
    """Whether a method's timing of this layer counts in its fit: direct's only where the
    engine offers it (its short strided rows are timed, but never picked)."""
    return method != "direct" or method in candidates(spec_of(row), (row["H"], row["H"]))


def features(method: str, job: str, row: dict) -> tuple[float, ...]:
    spec = spec_of(row)
    filters = None if job == "full" else edit_filters(method, spec)
    return cost_features(method, spec, row["H"], row["H"], filters)


def fit(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Non-negative least squares on relative error, by dropping negative terms and refitting."""
    a = a / t[:, None]
    scale = np.abs(a).max(axis=0)
    scale[scale == 0] = 1
    a = a / scale
    active = np.ones(a.shape[1], dtype=bool)
    coefficients = np.zeros(a.shape[1])
    for _ in range(a.shape[1]):
        coefficients[:] = 0
        coefficients[active] = np.linalg.lstsq(a[:, active], np.ones(len(t)), rcond=None)[0]
        if (coefficients >= 0).all():
            break
        active &= coefficients > 0
    return coefficients / scale


def layer_name(row: dict) -> str:
    k = row["k"]
    return f"{row['ci']}→{row['co']} g={row['g']} {k}×{k} on {row['H']}², stride {row['s']}"


def report(rows: list[dict], models: dict) -> list[tuple[dict, str, str]]:
    """How much slower than the measured best the model's picks are, per job and combined, and
    every layer whose pick is at least 1.3× slower than the best (full run + EDITS_PER_FULL
    edits, what the pick minimises); returns those as (row, pick, best)."""
    regret: dict[str, list[float]] = {"full": [], "edit": [], "combined": []}
    slow = []
    for r in rows:
        methods = candidates(spec_of(r), (r["H"], r["H"]))
        estimate = {
            m: features(m, "full", r) @ models[m, "full"]
            + EDITS_PER_FULL * (features(m, "edit", r) @ models[m, "edit"])
            for m in methods
        }
        pick = min(estimate, key=estimate.__getitem__)
        combined = {m: r["full"][m] + EDITS_PER_FULL * r["edit"][m] for m in methods}
        regret["combined"].append(combined[pick] / min(combined.values()))
        best = min(combined, key=combined.__getitem__)
        if combined[pick] >= 1.3 * combined[best]:
            slow.append((r, pick, best))
            print(
                f"mis-pick: {layer_name(r)}: {pick} {combined[pick]:.2f} ms, "
                f"{best} {combined[best]:.2f} ms ({combined[pick] / combined[best]:.2f}×)"
            )
        for job in ("full", "edit"):
            regret[job].append(r[job][pick] / min(r[job][m] for m in methods))
    for job, values in regret.items():
        a = np.array(values)
        print(
            f"{job}: the one method per layer is the measured best or within 10% for "
            f"{np.mean(a <= 1.1):.0%} of {len(rows)} layers; worst {a.max():.2f}× the best, "
            f"total {sum(values) / len(values):.2f}× on average"
        )
    return slow


def retime(row: dict, pick: str, best: str, repeats: int) -> tuple[float, float]:
    """The pick's and the best's full run + EDITS_PER_FULL edits, timed again with full runs
    and edits of both in alternating rounds (``rounds.rounds_ms``): a spike in the first
    timing does not survive this."""
    spec, x, w, b = operands(row)
    engines = [ConvEngine(spec, x, m) for m in (pick, best)]
    for engine in engines:
        engine.run(w, b, [0])
    o = spec.out_channels // 2
    fns = [lambda m=m: ConvEngine(spec, x, m).run(w, b) for m in (pick, best)]
    fns += [lambda e=e: e.run(w, b, [o]) for e in engines]
    full_pick, full_best, edit_pick, edit_best = rounds_ms(fns, repeats)
    return full_pick + EDITS_PER_FULL * edit_pick, full_best + EDITS_PER_FULL * edit_best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", type=Path, help="write the timings here (JSON lines)")
    parser.add_argument("--load", type=Path, nargs="+", help="refit timings saved earlier")
    parser.add_argument("--quick", action="store_true", help="a small grid (about 3 minutes)")
    parser.add_argument("--part", help="i/n: time only the i-th of n interleaved parts")
    parser.add_argument(
        "--fastest",
        action="store_true",
        help="merge repeated timings of a layer (--load of several runs), keeping the fastest",
    )
    parser.add_argument(
        "--retime",
        type=int,
        metavar="ROUNDS",
        help="time the layers whose current pick is >= 1.3x slower again, in this many rounds",
    )
    parser.add_argument(
        "--current",
        action="store_true",
        help="also report the picks of the coefficients _cost.py uses for this BLAS kernel",
    )
    args = parser.parse_args()
    if args.load:
        rows = [json.loads(line) for path in args.load for line in path.read_text().splitlines()]
        if args.fastest:
            rows = fastest(rows)
    else:
        rows = []
        grid = layers(args.quick)
        if args.part:
            i, n = (int(v) for v in args.part.split("/"))
            grid = grid[i - 1 :: n]
        for i, row in enumerate(grid):
            rows.append(measure(row))
            print(f"\r{i + 1}/{len(grid)} layers timed", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        if args.save:
            args.save.write_text("".join(json.dumps(r) + "\n" for r in rows))
    models = {}
    print("COST_COEFFICIENTS = {")
    for method, job in itertools.product(METHODS, ("full", "edit")):
        used = [r for r in rows if method in r[job] and offered(method, r)]
        a = np.array([features(method, job, r) for r in used])
        t = np.array([r[job][method] for r in used])
        models[method, job] = coefficients = fit(a, t)
        error = np.abs(a @ coefficients / t - 1)
        print(
            f'    ("{method}", "{job}"): ({", ".join(f"{c:.3g}" for c in coefficients)}),'
            f"  # error median {np.median(error):.0%}, 90th percentile "
            f"{np.percentile(error, 90):.0%}"
        )
    print("}")
    report(rows, models)
    if args.current:
        print(f"\nthe coefficients in _cost.py for this kernel ({blas_kernel() or 'unknown'}):")
        slow = report(rows, {key: np.array(c) for key, c in coefficients_for_kernel().items()})
        if args.retime:
            print(f"\nthose again, {args.retime} alternating rounds each:")
            for row, pick, best in slow:
                ms = retime(row, pick, best, args.retime)
                print(
                    f"re-timed: {layer_name(row)}: {pick} {ms[0]:.2f} ms, {best} {ms[1]:.2f} ms"
                    f" ({ms[0] / ms[1]:.2f}×: {'still' if ms[0] >= 1.3 * ms[1] else 'not'} ≥ 1.3×)"
                )


if __name__ == "__main__":
    main()
