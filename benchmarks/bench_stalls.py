"""Event-loop stalls in the whole window: the longest gap a 10 ms heartbeat timer sees.

A stalled event loop is what a user feels as a frozen window. For each layer this builds the main
window as the command line does (offscreen, 1280×800), then for each action — a weight edit, an
activation change while every output is stale, a layer change, opening a saved session, a kernel
size whose direct kernel numba must compile (nothing kept on disk) — starts a
heartbeat, performs the action from inside the event loop, waits until every output is computed
and painted, and reports the longest gap between heartbeats (ideal: 10 ms). Target: ≤ 50 ms.

A transposed layer (``PAINTING``) is measured with the sliding dock's painting view on screen:
a weight edit of the filter it shows and of another, selecting another filter, a step and a jump
of the painting pixel, and a layer change.

Run: ``python benchmarks/bench_stalls.py`` (``--quick``: 2 repeats and the smallest layer;
``--painting``: the transposed layer only).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QMessageBox

from convexplorer import io
from convexplorer.app import application, build_window
from convexplorer.model import LayerSpec, _direct

HEARTBEAT_MS = 10
SETTLE_MS = 150  # after the outputs are ready: deferred painting and colour bars still count

LAYERS = [  # (label, C_in, side, filters, kernel)
    ("64×256² → 64 × 3×3", 64, 256, 64, 3),
    ("16×512² → 16 × 5×5", 16, 512, 16, 5),
    ("3×1024² → 16 × 5×5", 3, 1024, 16, 5),
    ("3×1024² → 64 × 7×7", 3, 1024, 64, 7),  # issue 10's largest: any edit or layer change
]


#: (label, C_in, side, filters, kernel, stride): a ConvTranspose2d upsampling ×2 (padding 1)
PAINTING = ("3×1024² → 16 T 4×4 s2", 3, 1024, 16, 4, 2)


def longest_gap(window, action: Callable[[], None]) -> float:
    """Milliseconds of the longest heartbeat gap from the action until everything has settled."""
    document = window.document
    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    loop = QEventLoop()
    settled_at: list[float] = []

    reader = window.files.sessions.reader

    def check() -> None:
        idle = not document.view.stale_channels and not reader.busy  # large sessions: a worker
        if not idle:
            settled_at.clear()
        elif not settled_at:
            settled_at.append(time.perf_counter())
        elif (time.perf_counter() - settled_at[0]) * 1000 > SETTLE_MS:
            loop.quit()

    watcher = QTimer()
    watcher.setInterval(5)
    watcher.timeout.connect(check)
    heartbeat.start()
    watcher.start()
    ticks.append(time.perf_counter())
    QTimer.singleShot(0, action)
    loop.exec()
    heartbeat.stop()
    watcher.stop()
    return max(np.diff(ticks)) * 1000 if len(ticks) > 1 else float("nan")


def open_window(c_in: int, side: int, filters: int, k: int, folder: Path):
    """The main window at 1280×800 on a random c_in×side² input, with ``filters`` k×k filters
    ('same' padding, PyTorch's initialisation) and settings kept in ``folder``."""
    image = np.random.default_rng(0).random((c_in, side, side), dtype=np.float32)
    settings = QSettings(str(folder / f"{c_in}.ini"), QSettings.Format.IniFormat)
    window = build_window(image, settings=settings)
    window.resize(1280, 800)
    window.show()
    window.document.set_layer(LayerSpec(c_in, filters, kernel_size=k, padding="same"))
    window.document.apply_preset("kaiming")
    return window


def run_layer(label: str, c_in: int, side: int, filters: int, k: int, repeats: int, folder: Path):
    rng = np.random.default_rng(0)
    window = open_window(c_in, side, filters, k, folder)
    document = window.document
    document.wait_until_idle()
    application().processEvents()
    session = folder / f"{c_in}.convx"
    io.save_session(session, document.view)
    relu = {"on": False}

    def edit() -> None:
        document.set_weight(0, 0, 0, 0, float(rng.uniform(-1, 1)))

    def activation_while_stale() -> None:
        document.apply_preset("kaiming")  # every output stale (on the worker when large) …
        relu["on"] = not relu["on"]  # … then the activation changes under it
        window.layer_controls.activation.setCurrentText("relu" if relu["on"] else "none")

    def layer_change() -> None:
        spec = document.view.spec
        document.set_layer(spec.replace(out_channels=spec.out_channels + (1 if relu["on"] else -1)))
        relu["on"] = not relu["on"]

    def open_session() -> None:
        window.files.sessions.open(session, asked=True)

    def new_kernel_shape() -> None:
        """A kernel size the session has not made, nothing kept on disk: numba compiles it (on
        the worker, as the cost model prices a kernel not yet made), then back to k×k."""
        spec = document.view.spec
        wider = spec.kernel_size[0] == k
        os.environ["CONVEXPLORER_KERNEL_CACHE"] = tempfile.mkdtemp(dir=folder)
        _direct._kernels.clear()
        document.set_layer(spec.replace(kernel_size=k + 2 if wider else k, padding="same"))

    actions = {
        "weight edit": edit,
        "activation (stale)": activation_while_stale,
        "layer change": layer_change,
        "open session": open_session,
        "new kernel shape": new_kernel_shape,
    }
    results = {}
    for name, action in actions.items():
        longest_gap(window, action)  # warm-up: first-time caches and allocations
        gaps = [longest_gap(window, action) for _ in range(repeats)]
        results[name] = (statistics.median(gaps), max(gaps))
    window.files.dialogs.ask = lambda *question: QMessageBox.StandardButton.Discard
    window.close()
    return results


def run_painting(
    label: str, c_in: int, side: int, filters: int, k: int, stride: int, repeats: int, folder: Path
):
    """The transposed layer's actions, with the painting view showing a pixel mid-image."""
    rng = np.random.default_rng(0)
    window = open_window(c_in, side, filters, k, folder)
    document = window.document
    spec = LayerSpec(c_in, filters, kernel_size=k, stride=stride, padding=1, transposed=True)
    document.set_layer(spec)
    document.wait_until_idle()
    painting = window.sliding_window.painting
    painting.go_to(side * side // 2 + side // 3)
    application().processEvents()
    shown = {"filter": 0}

    def edit(other: bool) -> None:
        o = (shown["filter"] + 1) % filters if other else shown["filter"]
        document.set_weight(o, 0, 1, 1, float(rng.uniform(-1, 1)))

    def select() -> None:
        shown["filter"] = (shown["filter"] + 1) % filters
        document.select(out_channel=shown["filter"])

    def layer_change() -> None:
        now = document.view.spec
        more = now.out_channels == filters
        document.set_layer(now.replace(out_channels=filters + 1 if more else filters))

    actions = {
        "edit shown filter": lambda: edit(False),
        "edit another filter": lambda: edit(True),
        "select filter": select,
        "painting step": lambda: painting.step(1),
        "painting jump": lambda: painting.go_to(int(rng.integers(painting.count))),
        "layer change": layer_change,
    }
    results = {}
    for name, action in actions.items():
        longest_gap(window, action)  # warm-up: first-time caches and allocations
        gaps = [longest_gap(window, action) for _ in range(repeats)]
        results[name] = (statistics.median(gaps), max(gaps))
    window.files.dialogs.ask = lambda *question: QMessageBox.StandardButton.Discard
    window.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repeats, smallest layer only")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--painting", action="store_true", help="the transposed layer only")
    args = parser.parse_args()
    application()
    layers = [] if args.painting else LAYERS[:1] if args.quick else LAYERS
    repeats = 2 if args.quick else args.repeats
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cores")
    print(f"longest event-loop gap (heartbeat every {HEARTBEAT_MS} ms), median / max of {repeats}")
    print(f"{'layer':24} {'action':20} {'median ms':>10} {'max ms':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for layer in layers:
            for name, (median, worst) in run_layer(*layer, repeats, Path(folder)).items():
                flag = "" if worst <= 50 else "  > 50 ms"
                print(f"{layer[0]:24} {name:20} {median:10.1f} {worst:8.1f}{flag}")
        if args.painting or not args.quick:
            for name, (median, worst) in run_painting(*PAINTING, repeats, Path(folder)).items():
                flag = "" if worst <= 50 else "  > 50 ms"
                print(f"{PAINTING[0]:24} {name:20} {median:10.1f} {worst:8.1f}{flag}")


if __name__ == "__main__":
    main()
