"""What the view benchmarks share: timing loops, the layers' states, the bare pyqtgraph anchor.

Imported by the scripts beside it (each runs with this folder on ``sys.path``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEventLoop, QRectF, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document

W = TypeVar("W", bound=QWidget)

HEARTBEAT_MS = 10


def frames_and_app(description: str, frames: int) -> tuple[int, QApplication]:
    """The frame count (``--quick``: 20) and the application, for a script's ``main``."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames")
    count = 20 if parser.parse_args().quick else frames
    return count, QApplication.instance() or QApplication([])


def sample_ms(run: Callable[[int], None], count: int) -> list[float]:
    """Milliseconds of ``run(k)`` for k = 0 … count − 1."""
    times = []
    for k in range(count):
        start = time.perf_counter()
        run(k)
        times.append(1000 * (time.perf_counter() - start))
    return times


def median_ms(run: Callable[[int], None], count: int) -> float:
    return statistics.median(sample_ms(run, count))


def median_p95(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))
    ]


def states(cases: list[tuple[str, np.ndarray, LayerSpec]]) -> list[tuple[str, ExplorerState]]:
    """Each case's state with PyTorch's initialisation (seed 1)."""
    made = []
    for name, image, spec in cases:
        state = ExplorerState(image, spec)
        state.apply_preset("kaiming", seed=1)
        made.append((name, state))
    return made


def open_view(
    app: QApplication, state: ExplorerState, make: Callable[[Document], W], size: tuple[int, int]
) -> tuple[Document, W]:
    """A document on ``state`` and a view of it, shown at ``size`` with every output ready."""
    document = Document(state)
    view = make(document)
    view.resize(*size)
    view.show()
    document.wait_until_idle()
    app.processEvents()
    return document, view


def close(view: QWidget, app: QApplication) -> None:
    view.close()
    view.deleteLater()
    app.processEvents()


def bare_set_image_ms(
    app: QApplication, shape: tuple[int, int], width: int, height: int, count: int
) -> float:
    """The anchor: ``setImage`` of new RGB colours of ``shape`` and a synchronous repaint, in a
    bare pyqtgraph view of width × height — the least one changed picture can cost here."""
    view = pg.GraphicsView(background=None)
    picture = pg.ImageItem(axisOrder="row-major")
    view.addItem(picture)
    picture.setRect(QRectF(0, 0, width, height))
    view.resize(width, height)
    view.show()
    app.processEvents()
    rng = np.random.default_rng(2)
    colours = [rng.integers(0, 256, (*shape, 3), dtype=np.uint8) for _ in range(8)]

    def frame(k: int) -> None:
        picture.setImage(colours[k % len(colours)], autoLevels=False, levels=(0, 255))
        view.viewport().repaint()

    result = median_ms(frame, count)
    view.close()
    return result


def worst_gap_ms(start: Callable[[], None], running: Callable[[], bool], limit_ms: int) -> float:
    """The longest gap a 10 ms heartbeat sees from ``start()`` while ``running()`` (at most
    ``limit_ms``): what a user feels as a frozen window."""
    ticks = [time.perf_counter()]
    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    loop = QEventLoop()
    watcher = QTimer()
    watcher.setInterval(20)
    watcher.timeout.connect(lambda: None if running() else loop.quit())
    QTimer.singleShot(limit_ms, loop.quit)
    heartbeat.start()
    watcher.start()
    QTimer.singleShot(0, start)
    loop.exec()
    heartbeat.stop()
    watcher.stop()
    return max(np.diff(ticks)) * 1000 if len(ticks) > 1 else float("nan")
