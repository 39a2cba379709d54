"""The whole window as a user feels it: edits, steps and layer changes until they are painted.

The main window is built as the command line builds it (offscreen, 1280×800). For two layers it
times, as medians and 95th percentiles:

* **edit → painted**: ``document.set_weight`` on a filter until its output panel has drawn the new
  map (the panel's ImageItem holds it and has rendered it);
* **step → painted**: one sliding-window step until the frame is on screen;
* **first edit after a layer change** (the engine builds what it keeps for edits);
* **layer change → every map painted**: out-channels 16 → 32, until every panel's map and colour
  bar is drawn;
* **wheel at 60 Hz → painted**: a notch of the mouse wheel over a weight of the selected filter
  every 16.7 ms for two seconds (the editor's cell under the pointer, as a user rolls it): for each
  notch, the time until the selected filter's output panel has painted it, and how many notches
  reached the screen in a frame of their own;

and for each the worst event-loop gap a 10 ms heartbeat sees (``bench_stalls.longest_gap``).
Anchors measured in the same run: torch's one-filter conv (when torch is installed) and a bare
pyqtgraph ``ImageItem.setImage`` + paint of a map of the same size.

Run: ``python benchmarks/bench_window.py`` (``--quick``: fewer repeats).
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import pyqtgraph as pg
from bench_model import blas_description, cpu_model
from bench_stalls import longest_gap, open_window
from PySide6.QtCore import QEventLoop, QPoint, QPointF, QRect, Qt, QTimer
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QTableView

from convexplorer.app import application
from convexplorer.model import LayerSpec

LAYERS = [  # (label, C_in, side, filters, kernel)
    ("3×512² → 16 × 3×3", 3, 512, 16, 3),
    ("32×128² → 32 × 3×3", 32, 128, 32, 3),
]


def stats(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"{statistics.median(ms):7.2f} {p95:7.2f}"


def until(condition: Callable[[], bool]) -> None:
    """Process events until ``condition`` holds, sleeping in the event loop between them as an
    idle window does: spinning ``processEvents`` would hold the GIL the worker thread needs
    between its numpy calls (a 5×5 edit on the worker measured 15–21 ms spinning, 12–17
    waiting)."""
    app = QApplication.instance()
    tick = QTimer()  # an event at least every 20 ms: a condition no event announces is seen too
    tick.start(20)
    while not condition():
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    tick.stop()


def on_screen(window) -> list:
    """The output panels Qt will paint: those whose image shows in the visible region."""
    grid = window.output_panels.grid
    view, port = grid.view, grid.viewport()
    visible = QRect(0, grid.verticalScrollBar().value(), port.width(), port.height())
    panels = window.output_panels.panels
    return [
        p
        for p in panels
        if visible.intersects(view.mapFromScene(p.image.sceneBoundingRect()).boundingRect())
    ]


def settle(window) -> None:
    """Until every output is computed and every panel on screen has painted its map."""
    window.document.wait_until_idle()
    until(lambda: not any(p.image._renderRequired for p in on_screen(window)))


def painted(panel, old) -> bool:
    return panel.image.image is not old and not panel.image._renderRequired


def bench_layer(label, c_in, side, filters, k, repeats, folder):
    rng = np.random.default_rng(0)
    window = open_window(c_in, side, filters, k, folder)
    document = window.document
    spec = document.view.spec
    image = np.array(document.view.image)
    settle(window)
    results: dict[str, tuple[list[float], list[float]]] = {}

    def edit(o: int) -> float:
        panel = window.output_panels.panels[o]
        old = panel.image.image
        start = time.perf_counter()
        document.set_weight(o, 0, 1, 1, float(rng.uniform(-0.2, 0.2)))
        until(lambda: painted(panel, old))
        return time.perf_counter() - start

    shown = [window.output_panels.panels.index(p) for p in on_screen(window)]
    edit(0)  # the engine's edit cache
    times = [edit(shown[n % len(shown)]) for n in range(repeats)]
    gaps = [longest_gap(window, lambda: edit(1)) / 1000 for _ in range(3)]
    results["edit → painted"] = (times, gaps)

    stepper = window.sliding_window.stepper
    app = QApplication.instance()

    def step() -> float:
        start = time.perf_counter()
        stepper.step(1)
        app.processEvents()
        return time.perf_counter() - start

    times = [step() for _ in range(repeats)]
    gaps = [longest_gap(window, lambda: stepper.step(1)) / 1000]
    results["step → painted"] = (times, gaps)

    firsts, gaps = [], []
    for n in range(max(3, repeats // 10)):
        document.set_layer(spec.replace(kernel_size=k + 2 * (n % 2 + 1)))
        settle(window)
        firsts.append(edit(2))
    document.set_layer(spec.replace(kernel_size=k + 2))
    settle(window)
    gaps.append(longest_gap(window, lambda: edit(2)) / 1000)
    results["first edit after layer change"] = (firsts, gaps)

    changes, gaps = [], []
    for _ in range(max(3, repeats // 10)):
        document.set_layer(spec)
        settle(window)
        start = time.perf_counter()
        document.set_layer(spec.replace(out_channels=2 * filters))
        settle(window)
        changes.append(time.perf_counter() - start)
    document.set_layer(spec)
    settle(window)
    bigger = spec.replace(out_channels=2 * filters)
    gaps.append(longest_gap(window, lambda: document.set_layer(bigger)) / 1000)
    results[f"out-channels {filters} → {2 * filters} painted"] = (changes, gaps)
    document.set_layer(spec)
    settle(window)
    latencies, alone = wheel_at_60hz(window)
    gaps = [longest_gap(window, lambda: wheel_at_60hz(window)) / 1000]
    results[f"wheel at 60 Hz → painted ({alone:.0%} alone)"] = (latencies, gaps)
    window.files.dialogs.ask = lambda *question: QMessageBox.StandardButton.Discard
    window.close()
    return results, image, spec


WHEEL_HZ = 60
WHEEL_SECONDS = 2.0


def wheel_at_60hz(window) -> tuple[list[float], float]:
    """Notches of the wheel over the selected filter's weight at 60 Hz: per notch, seconds until
    the selected output panel painted it; and the share of notches painted in a frame of their own
    (the rest were painted together with the next one: the window fell behind)."""
    document = window.document
    o = document.view.selected_filter
    view = window.kernel_editor.findChild(QTableView, "kernelDetailSlice")
    if view is None:  # a small layer: the grid of every slice
        view = window.kernel_editor.findChild(QTableView, f"kernelSlice_{o}_0")
    centre = view.visualRect(view.model().index(1, 1)).center()
    panel = window.output_panels.panels[o]
    waiting: list[float] = []
    latencies: list[float] = []
    frames: list[int] = []
    paint = panel.image.paint

    def painted(*args) -> None:
        paint(*args)
        now = time.perf_counter()
        if waiting:
            frames.append(len(waiting))
            latencies.extend(now - t for t in waiting)
            waiting.clear()

    panel.image.paint = painted
    loop = QEventLoop()
    ticks = [0]

    def notch() -> None:
        if ticks[0] >= WHEEL_HZ * WHEEL_SECONDS:
            timer.stop()
            QTimer.singleShot(100, loop.quit)
            return
        ticks[0] += 1
        waiting.append(time.perf_counter())
        event = QWheelEvent(
            QPointF(centre),
            QPointF(view.viewport().mapToGlobal(centre)),
            QPoint(0, 0),
            QPoint(0, 120 if ticks[0] % 20 < 10 else -120),  # up and down: values stay sensible
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(view.viewport(), event)

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(round(1000 / WHEEL_HZ))
    timer.timeout.connect(notch)
    timer.start()
    loop.exec()
    del panel.image.paint
    alone = sum(1 for n in frames if n == 1) / max(1, sum(frames))
    return latencies, alone


def anchors(image: np.ndarray, spec: LayerSpec, repeats: int) -> dict[str, list[float]]:
    """torch's one-filter conv, and a bare pyqtgraph map update of the same size."""
    found: dict[str, list[float]] = {}
    rng = np.random.default_rng(1)
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(os.cpu_count() or 1)
        x = torch.from_numpy(image)[None]
        w = torch.from_numpy(rng.standard_normal((1, *spec.weight_shape[1:]), np.float32))
        with torch.no_grad():
            torch.nn.functional.conv2d(x, w, padding="same")
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                torch.nn.functional.conv2d(x, w, padding="same")
                times.append(time.perf_counter() - start)
        found["torch one-filter conv"] = times
    view = pg.GraphicsView()
    item = pg.ImageItem()
    view.addItem(item)
    view.resize(300, 200)
    view.show()
    maps = [rng.standard_normal(image.shape[1:]).astype(np.float32) for _ in range(2)]
    item.setImage(maps[0], levels=(-1, 1))
    until(lambda: not item._renderRequired)
    times = []
    for n in range(repeats):
        start = time.perf_counter()
        item.setImage(maps[n % 2], levels=(-1, 1))
        until(lambda: not item._renderRequired)
        times.append(time.perf_counter() - start)
    found["bare ImageItem.setImage + paint"] = times
    view.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    application()
    repeats = 20 if args.quick else 80
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; python {sys.version.split()[0]}")
    blas_env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL"))}
    print(f"BLAS: {blas_description()}; environment: {blas_env or 'no BLAS variables set'}")
    print(f"main window 1280×800, offscreen; {repeats} repeats; times in ms")
    print(f"{'layer':22} {'what':40} {'median':>7} {'p95':>7} {'worst gap':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for layer in LAYERS:
            results, image, spec = bench_layer(*layer, repeats, Path(folder))
            for what, (times, gaps) in results.items():
                print(f"{layer[0]:22} {what:40} {stats(times)} {max(gaps) * 1000:9.1f}")
            for what, times in anchors(image, spec, repeats).items():
                print(f"{layer[0]:22} {'anchor: ' + what:40} {stats(times)}")


if __name__ == "__main__":
    main()
