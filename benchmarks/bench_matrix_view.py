"""Frame cost of the matrix view (Y = W · X + b), next to a bare pyqtgraph baseline.

Three timings per layer, each the median over many frames, in milliseconds:

* ``step``: ``document.select`` moves the sliding window one position on (playback order), then
  the event loop and a synchronous repaint of the picture — what a student waits for at each step
  (mostly the marks move; every 65th step the window of columns moves on and X is unfolded again);
* ``jump``: the same for a random position, so every frame unfolds a new window of X, colours it,
  reads Y and sets both images — the worst frame;
* ``bare``: the baseline, measured in the same run at the same size: a pyqtgraph view holding one
  ``ImageItem`` of X's size, ``setImage`` with new colours and a synchronous repaint — the least
  one changed matrix can cost here.

Run:

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_matrix_view.py   (--quick: fewer frames)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication

from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.matrix_view import MatrixView

FRAMES = 300
SIZE = (1280, 300)  # the matrix view's dock at 1280×800


def _cases() -> list[tuple[str, ExplorerState]]:
    rng = np.random.default_rng(0)
    cases = [
        (
            "32×128×128 → 32, 3×3 pad 1",
            rng.random((32, 128, 128), dtype=np.float32),
            LayerSpec(32, 32, padding=1),
        ),
        ("RGB 3×512×512 → 16, 3×3", rng.random((3, 512, 512), dtype=np.float32), LayerSpec(3, 16)),
    ]
    states = []
    for name, image, spec in cases:
        state = ExplorerState(image, spec)
        state.apply_preset("kaiming", seed=1)
        states.append((name, state))
    return states


def _median_ms(run: Callable[[int], None], count: int) -> float:
    times = []
    for k in range(count):
        start = time.perf_counter()
        run(k)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _bare(app: QApplication, shape: tuple[int, int], width: int, height: int, count: int) -> float:
    """setImage of new RGB colours (X's size) and a repaint, in a bare pyqtgraph view."""
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

    result = _median_ms(frame, count)
    view.close()
    return result


def _measure(app: QApplication, state: ExplorerState, frames: int) -> dict[str, float]:
    document = Document(state)
    view = MatrixView(document)
    view.resize(*SIZE)
    view.show()
    document.wait_until_idle()
    app.processEvents()
    height, width = document.view.output_size
    row = height // 2
    playback = [(row, c % width) for c in range(frames)]
    rng = np.random.default_rng(1)
    jumps = [(int(rng.integers(0, height)), int(rng.integers(0, width))) for _ in range(frames)]

    def select(positions: list[tuple[int, int]]) -> Callable[[int], None]:
        def frame(k: int) -> None:
            document.select(position=positions[k])
            app.processEvents()
            view.picture.viewport().repaint()

        return frame

    figures = {
        "step": _median_ms(select(playback), frames),
        "jump": _median_ms(select(jumps), frames),
    }
    assert view.unfolded is not None
    figures["bare"] = _bare(
        app, view.unfolded.values.shape, view.picture.width(), view.picture.height(), frames
    )
    view.close()
    view.deleteLater()
    app.processEvents()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames")
    frames = 20 if parser.parse_args().quick else FRAMES
    app = QApplication.instance() or QApplication([])
    names = ["step", "jump", "bare"]
    print(f"{'layer (median ms)':34}" + "".join(f"{n:>9}" for n in names) + "   jump/bare")
    for name, state in _cases():
        figures = _measure(app, state, frames)
        ratio = figures["jump"] / figures["bare"]
        print(f"{name:34}" + "".join(f"{figures[n]:9.2f}" for n in names) + f"{ratio:12.1f}")


if __name__ == "__main__":
    main()
