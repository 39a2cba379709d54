"""A stack of layers: a full recompute against torch, and an edit until every layer is current.

The stack is issue 11's: 3 → 16 3×3, ReLU, 16 → 16 3×3, ReLU, 16 → 1 3×3 ('same' padding, so
every map is 256²), PyTorch's default initialisation (Kaiming uniform, seed 1), on a random
3×256² input. It times, as medians (and 95th percentiles):

* **full**: ``Network.set_input`` with a new input, then ``Network.compute`` (every layer,
  front to back, each fed the one before's outputs) — against **torch**: the same
  ``nn.Sequential`` (float32, ``no_grad``, ``torch.set_num_threads(os.cpu_count())``) in the
  same run, its output checked against ours first within the float32 bound carried from layer
  to layer (``tests/test_network.py`` derives it); target full/torch ≤ 3;
* **edit → every layer current**: in a ``Document`` (a QApplication, offscreen, no window),
  ``set_weight`` on a filter of layer 1 until ``layerOutputsChanged`` names the last layer
  (layer 1's filter, then layers 2 and 3 fed and computed by the scheduler, the large layer 2
  on its worker); target ≤ 50 ms; and the worst event-loop gap a 10 ms heartbeat saw during
  each edit (target ≤ 50 ms).

Run: ``python benchmarks/bench_stack.py`` (``--quick``: fewer repeats).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from bench_model import WARM_UP_SECONDS, blas_description, cpu_model, keep_freed_memory
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from convexplorer.model import (
    LayerSetup,
    LayerSpec,
    Network,
    NetworkSnapshot,
    absolute_sums,
    output_bound,
    to_torch_layout,
)
from convexplorer.qt import Document

SIDE = 256
SPECS = [LayerSpec(3, 16, padding=1), LayerSpec(16, 16, padding=1), LayerSpec(16, 1, padding=1)]
ACTIVATIONS = ["relu", "relu", "none"]
HEARTBEAT_MS = 10


def the_stack(seed: int = 1) -> NetworkSnapshot:
    """The issue's stack with PyTorch's default initialisation: weights and biases uniform in
    ±1/√fan_in."""
    rng = np.random.default_rng(seed)
    setups = []
    for spec, activation in zip(SPECS, ACTIVATIONS, strict=True):
        bound = 1 / np.sqrt(spec.init_fan_in)
        weight = rng.uniform(-bound, bound, spec.weight_shape).astype(np.float32)
        bias = rng.uniform(-bound, bound, spec.out_channels).astype(np.float32)
        setups.append(LayerSetup(spec, weight, bias, activation))
    image = rng.random((3, SIDE, SIDE), dtype=np.float32)
    return NetworkSnapshot(image, tuple(setups))


def stats(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    return statistics.median(ordered), ordered[round(0.95 * (len(ordered) - 1))]


def chained_bound(snapshot: NetworkSnapshot, outputs: list[np.ndarray]) -> np.ndarray:
    """How far two float32 runs of the stack may differ at the end: each within E of the exact
    values, E_{k+1} = (|w| ⋆ E_k) + the rounding of layer k+1's sums on |x_k| + E_k."""
    error = np.zeros(snapshot.image.shape)
    x = snapshot.image.astype(np.float64)
    for setup, made in zip(snapshot.layers, outputs, strict=True):
        spec, weight, bias = setup.spec, setup.weight, setup.bias
        carried = absolute_sums(spec, error, weight, None)
        seen = np.abs(x) + error
        rounding = output_bound(spec, seen, weight, absolute_sums(spec, seen, weight, bias))
        error = carried + rounding
        x = made.astype(np.float64)
    return 2 * error


def torch_runs(snapshot: NetworkSnapshot, ours: Network) -> dict[int, Callable[[], object]]:
    """torch's nn.Sequential of the same layers, its output checked against ours first, run
    on every core and on one (under load its threads can wait for each other); {} without
    torch."""
    try:
        import torch
    except ImportError:
        return {}
    modules: list = []
    for setup in snapshot.layers:
        spec = setup.spec
        conv = torch.nn.Conv2d(
            spec.in_channels, spec.out_channels, spec.kernel_size, padding=spec.padding
        )
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(to_torch_layout(spec, setup.weight)))
            conv.bias.copy_(torch.from_numpy(setup.bias))
        modules.append(conv)
        if setup.activation == "relu":
            modules.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*modules).eval()
    x = torch.from_numpy(snapshot.image)[None]
    with torch.no_grad():
        theirs = model(x)[0].numpy()
    made = [layer.outputs() for layer in ours.layers]
    worst = np.max(np.abs(made[-1] - theirs) / chained_bound(snapshot, made))
    if not worst <= 1:
        raise AssertionError(f"torch and ours differ by {worst:.3g}× the float32 bound")

    def on(threads: int) -> Callable[[], object]:
        def run() -> object:
            torch.set_num_threads(threads)
            with torch.no_grad():
                return model(x)

        return run

    return {threads: on(threads) for threads in sorted({os.cpu_count() or 1, 1})}


def time_full(snapshot: NetworkSnapshot, repeats: int) -> dict[str, list[float]]:
    """A new input then every layer (what opening an image costs the stack), interleaved with
    torch's runs so that both meet the same load: ms per run, by who ran."""
    network = Network.from_snapshot(snapshot)
    images = [snapshot.image, snapshot.image.copy()]  # a new array each time: all recomputed

    def ours(k: int) -> None:
        network.set_input(images[k % 2])
        network.compute()

    ours(1)
    runs: dict[str, Callable[[int], object]] = {"ours": ours}
    for threads, run in torch_runs(snapshot, network).items():
        runs[f"torch {threads}"] = lambda _k, run=run: run()
    times: dict[str, list[float]] = {who: [] for who in runs}
    for k in range(repeats):
        for who, run in runs.items():
            time.sleep(0.3)  # the one before's threads stop spinning (OpenMP spins 200 ms)
            warm_until = time.perf_counter() + WARM_UP_SECONDS
            run(k + 1)  # and this one's wake up, its cores back to speed
            while time.perf_counter() < warm_until:
                run(k + 1)
            start = time.perf_counter()
            run(k)
            times[who].append((time.perf_counter() - start) * 1000)
    return times


def time_edits(snapshot: NetworkSnapshot, repeats: int) -> tuple[list[list[float]], list[float]]:
    """Per edit of layer 1: ms until each layer's outputs are current (the first
    ``layerOutputsChanged`` naming it), and the worst heartbeat gap until the last one."""
    app = QApplication.instance() or QApplication([])
    document = Document(Network.from_snapshot(snapshot))
    document.wait_until_idle()
    last = len(SPECS) - 1
    loop = QEventLoop()
    ticks: list[float] = []
    done: dict[int, float] = {}

    def published(layer: int, _channels: list) -> None:
        done.setdefault(layer, time.perf_counter())
        if layer == last:
            loop.quit()

    document.layerOutputsChanged.connect(published)
    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    latencies: list[list[float]] = [[] for _ in SPECS]
    gaps = []
    rng = np.random.default_rng(2)
    for k in range(repeats + 2):  # the first two warm up
        o, value = k % SPECS[0].out_channels, float(rng.uniform(-0.3, 0.3))
        started: list[float] = []

        def edit(o: int = o, value: float = value, started: list[float] = started) -> None:
            started.append(time.perf_counter())
            document.set_weight(o, 0, 1, 1, value)

        done.clear()
        ticks[:] = [time.perf_counter()]
        heartbeat.start()
        QTimer.singleShot(0, edit)
        loop.exec()
        heartbeat.stop()
        ticks.append(done[last])
        if k >= 2:
            for layer, times in enumerate(latencies):
                times.append((done[layer] - started[0]) * 1000)
            gaps.append(float(np.max(np.diff(ticks))) * 1000)
        document.wait_until_idle()  # the warm-up of what the next edit keeps
        app.processEvents()
    if not document.stack.is_current:
        raise AssertionError("the stack is not current after the edits")
    return latencies, gaps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats: a smoke test")
    args = parser.parse_args()
    full_repeats, edit_repeats = (5, 10) if args.quick else (21, 40)
    snapshot = the_stack()
    blas_env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL"))}
    print(
        f"CPU: {cpu_model()}, {os.cpu_count()} cores; numpy {np.__version__}, python "
        f"{platform.python_version()}"
    )
    print(f"BLAS: {blas_description()}; environment: {blas_env or 'no BLAS variables set'}")
    print(
        f"stack: 3×{SIDE}² → 16 3×3, ReLU → 16 3×3, ReLU → 1 3×3 ('same' padding); "
        f"times in ms (median, p95)\n"
    )
    edits, gaps = time_edits(snapshot, edit_repeats)
    kept = keep_freed_memory()  # torch at its best (bench_model.py); ours does not fault anyway
    full = time_full(snapshot, full_repeats)
    ours_ms, ours_p95 = stats(full.pop("ours"))
    print(f"{'full recompute (set_input + compute)':46} {ours_ms:8.1f} {ours_p95:8.1f}")
    if not full:
        print(f"{'torch nn.Sequential':46} {'— (torch not installed)':>17}")
    else:
        import torch

        for who, times in full.items():
            what = f"torch {torch.__version__}, {who[6:]} thread(s)"
            print(f"{what:46} {stats(times)[0]:8.1f} {stats(times)[1]:8.1f}")
        best = min(stats(times)[0] for times in full.values())
        print(
            f"{'full / torch (its faster; target ≤ 3)':46} {ours_ms / best:8.2f}"
            f"   (torch's freed memory {'kept' if kept else 'returned to the OS'})"
        )
    for layer, times in enumerate(edits):
        what = f"edit in layer 1 → layer {layer + 1} current" + (" (≤ 50)" if layer == 2 else "")
        print(f"{what:46} {stats(times)[0]:8.1f} {stats(times)[1]:8.1f}")
    gap_ms, gap_p95 = stats(gaps)
    print(
        f"{'worst heartbeat gap per edit (≤ 50)':46} {gap_ms:8.1f} {gap_p95:8.1f}"
        f"   (worst of all {max(gaps):.1f}; {len(gaps)} edits)"
    )


if __name__ == "__main__":
    main()
