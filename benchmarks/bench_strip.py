"""Selecting a layer in the network strip, as a user feels it: a click on a column until every
view of that layer is painted.

The main window is built as the command line builds it (offscreen, 1280×800) and holds a stack of
three 16-channel layers at 256² (3→16, 16→16, 16→16, 3×3 'same', ReLU between: issue 11's
stack). Every output is computed before the clock starts, so what is timed is the views: the
kernel editor, the layer form, the input view, the output panels, the sliding window and the
strip itself taking the selected layer. For clicks on each column in turn (1 → 2 → 3 → 1 …, a
real mouse click through ``QTest``) it prints, as medians and 95th percentiles:

* **click handled**: until the click's handler returned (the views have taken the layer and asked
  for their repaints);
* **click → every view painted**: until the last widget has painted (an application event filter
  notes each ``Paint`` event; the window is quiet for three passes of the event loop and every
  output map on screen is rendered);

and the worst gap a 10 ms heartbeat sees around a click (``bench_stalls.longest_gap``). Anchors
measured in the same run: ``window.repaint()`` (every widget of the window painted again, nothing
new to show), a bare pyqtgraph ``ImageItem.setImage`` + paint of a 256² map, and torch's
one-filter conv of layer 2 (when torch is installed).

Run: ``python benchmarks/bench_strip.py`` (``--quick``: fewer clicks).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from bench_model import blas_description, cpu_model
from bench_stalls import longest_gap
from bench_window import anchors, on_screen, stats, until
from PySide6.QtCore import QEvent, QObject, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from convexplorer.app import application, build_window
from convexplorer.model import LayerSetup, LayerSpec, NetworkSnapshot, next_layer

SIDE = 256
CHANNELS = 16
#: Passes of the event loop without a paint that say the window has finished painting.
QUIET_PASSES = 3


class PaintClock(QObject):
    """Notes when any widget last painted (an application event filter, only while timing)."""

    def __init__(self) -> None:
        super().__init__()
        self.last = 0.0
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.last = time.perf_counter()
            self.count += 1
        return False


def stack() -> NetworkSnapshot:
    """3→16→16→16 at 256², 3×3 'same', PyTorch's initialisation, ReLU between."""
    image = np.random.default_rng(0).random((3, SIDE, SIDE), dtype=np.float32)
    spec = LayerSpec(3, CHANNELS, 3, padding=1)
    bound = 1 / np.sqrt(27)  # PyTorch's Kaiming-uniform bound for 3×3×3 filters
    weight = np.random.default_rng(1).uniform(-bound, bound, spec.weight_shape)
    layers = (
        LayerSetup(spec, weight.astype(np.float32), np.zeros(CHANNELS, np.float32), "relu"),
        next_layer(CHANNELS, seed=2),
        next_layer(CHANNELS, seed=3),
    )
    return NetworkSnapshot(image, layers)


def settle(window) -> None:
    """Every output computed, every output map on screen rendered, the window quiet."""
    window.document.wait_until_idle()
    until(lambda: not any(p.image._renderRequired for p in on_screen(window)))
    app = QApplication.instance()
    for _ in range(QUIET_PASSES):
        app.processEvents()


def click_column(window, clock: PaintClock, index: int) -> tuple[float, float]:
    """Click column ``index``; seconds until the handler returned and until the last paint."""
    app = QApplication.instance()
    column = window.network_strip.columns[index]
    start = time.perf_counter()
    QTest.mouseClick(column, Qt.MouseButton.LeftButton, pos=column.rect().center())
    handled = time.perf_counter() - start
    assert window.document.stack.selected == index
    quiet = 0
    while quiet < QUIET_PASSES:
        count = clock.count
        app.processEvents()
        rendered = not any(p.image._renderRequired for p in on_screen(window))
        quiet = quiet + 1 if clock.count == count and rendered else 0
    return handled, max(clock.last, start) - start


def run(repeats: int, folder: Path) -> tuple[dict, list[float]]:
    settings = QSettings(str(folder / "strip.ini"), QSettings.Format.IniFormat)
    window = build_window(settings=settings)
    window.resize(1280, 800)
    window.show()
    window.document.load_network(stack(), "Benchmark stack")
    settle(window)
    app = QApplication.instance()
    clock = PaintClock()
    app.installEventFilter(clock)
    handled, painted = [], []
    click_column(window, clock, 1)  # every view built once for each kind of layer
    click_column(window, clock, 0)
    for n in range(repeats):
        first, last = click_column(window, clock, (n + 1) % 3)
        handled.append(first)
        painted.append(last)
    app.removeEventFilter(clock)
    gaps = [
        longest_gap(window, lambda i=i: window.document.select_layer(i)) / 1000 for i in (1, 2, 0)
    ]
    repaints = []
    for _ in range(max(5, repeats // 4)):
        start = time.perf_counter()
        window.repaint()
        repaints.append(time.perf_counter() - start)
    window.files.dialogs.ask = lambda *question: QMessageBox.StandardButton.Discard
    window.close()
    results = {
        "click handled": (handled, gaps),
        "click → every view painted": (painted, gaps),
    }
    return results, repaints


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer clicks")
    args = parser.parse_args()
    application()
    repeats = 15 if args.quick else 60
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; python {sys.version.split()[0]}")
    print(f"BLAS: {blas_description()}")
    label = f"3→{CHANNELS}→{CHANNELS}→{CHANNELS} at {SIDE}²"
    print(f"main window 1280×800, offscreen; {label}; {repeats} clicks; times in ms")
    print(f"{'what':44} {'median':>7} {'p95':>7} {'worst gap':>9}")
    with tempfile.TemporaryDirectory() as folder:
        results, repaints = run(repeats, Path(folder))
    for what, (times, gaps) in results.items():
        print(f"{what:44} {stats(times)} {max(gaps) * 1000:9.1f}")
    print(f"{'anchor: window.repaint()':44} {stats(repaints)}")
    snapshot = stack()
    second = snapshot.layers[1].spec
    image = np.random.default_rng(2).random((CHANNELS, SIDE, SIDE), dtype=np.float32)
    for what, times in anchors(image, second, repeats).items():
        print(f"{'anchor: ' + what:44} {stats(times)}")


if __name__ == "__main__":
    main()
