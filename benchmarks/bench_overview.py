"""Frame and hover cost of the sliding-window overview, next to a bare pyqtgraph baseline.

Four timings per case, each the median over many frames, in milliseconds:

* ``view``: ``document.select(position=…)`` then the event loop — the whole sliding-window view
  redrawn, the overview included (what a student waits for at each step);
* ``overview``: only the overview's part of a frame — moving the receptive field and the output
  map's marks, then painting both pictures (``repaint``: synchronous);
* ``bare``: the baseline, measured in the same run at the same size: a pyqtgraph view holding the
  same input as a cached ``ImageItem`` and one ``QGraphicsRectItem`` moved with ``setRect`` and
  painted — the least any moving outline over this picture can cost here;
* ``hover``: ``document.hover_weight`` on another tap, or an input pixel under the mouse (the
  outputs it feeds are marked), then the event loop.

Run:

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_overview.py   (--quick: fewer frames)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication, QGraphicsItem, QGraphicsRectItem
from timing import close, frames_and_app, median_ms, open_view, states

from convexplorer.model import ExplorerState, LayerSpec, load_sample
from convexplorer.widgets.sliding_window import SlidingWindowView

FRAMES = 200
SIZE = (1280, 330)  # the sliding-window dock at 1280×800


def _cases() -> list[tuple[str, ExplorerState]]:
    rng = np.random.default_rng(0)
    deep = LayerSpec(32, 1, padding=1)
    cases = [
        ("feature stack 32×85×128, 3×3 pad 1", load_sample("feature stack (32 ch)"), deep),
        ("random 32×128×128, 3×3 pad 1", rng.random((32, 128, 128), dtype=np.float32), deep),
        (
            "RGB 3×512×512, 5×5 reflect pad 2",
            rng.random((3, 512, 512), dtype=np.float32),
            LayerSpec(3, 2, kernel_size=5, padding=2, padding_mode="reflect"),
        ),
        (
            "RGB 3×512×512, 3×3 dilation 2 stride 2",
            rng.random((3, 512, 512), dtype=np.float32),
            LayerSpec(3, 1, 3, 2, 2, dilation=2),
        ),
    ]
    return states(cases)


def _bare(app: QApplication, image: np.ndarray, width: int, height: int, count: int) -> float:
    """setRect + paint of one rectangle over the same cached picture in a bare pyqtgraph view."""
    view = pg.GraphicsView(background=None)
    box = pg.ViewBox(lockAspect=True, invertY=True, enableMouse=False, enableMenu=False)
    view.setCentralItem(box)
    picture = pg.ImageItem(axisOrder="row-major")
    picture.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    picture.setImage(image, autoLevels=False, levels=(0, 1))
    box.addItem(picture)
    rect = QGraphicsRectItem()
    box.addItem(rect)
    box.setRange(rect=QRectF(0, 0, image.shape[1], image.shape[0]))
    view.resize(width, height)
    view.show()
    app.processEvents()

    def frame(k: int) -> None:
        rect.setRect(QRectF(k % image.shape[1], 5, 3, 3))
        view.viewport().repaint()

    result = median_ms(frame, count)
    view.close()
    return result


def _measure(app: QApplication, state: ExplorerState, frames: int) -> dict[str, float]:
    document, view = open_view(app, state, SlidingWindowView, SIZE)
    height, width = document.view.output_size
    rng = np.random.default_rng(1)
    rows, cols = rng.integers(0, height, frames), rng.integers(0, width, frames)
    positions = [(int(r), int(c)) for r, c in zip(rows, cols, strict=True)]
    positions += [(height // 2, c % width) for c in range(frames)]  # playback order

    def select(k: int) -> None:
        document.select(position=positions[k])
        app.processEvents()

    figures = {"view": median_ms(select, len(positions))}

    overview, output_map = view.overview, view.output_map
    frames_shown = [
        document.view.dot_product(position=p) for p in positions[: min(frames, len(positions))]
    ]

    def overview_frame(k: int) -> None:
        dot = frames_shown[k]
        overview.input_view.show_window(dot)
        output_map.set_position(dot.row, dot.col, True)
        overview.input_view.viewport().repaint()
        output_map.viewport().repaint()

    figures["overview"] = median_ms(overview_frame, len(frames_shown))
    drawn = overview.input_view
    image = document.view.image
    picture = np.moveaxis(image[:3], 0, -1) if len(image) == 3 else image[0]
    figures["bare"] = _bare(app, picture, drawn.width(), drawn.height(), len(frames_shown))

    kh, kw = document.view.spec.kernel_size
    taps = [(i, j) for i in range(kh) for j in range(kw)]

    def hover_weight(k: int) -> None:
        document.hover_weight(0, 0, *taps[k % len(taps)])
        app.processEvents()

    figures["hover weight"] = median_ms(hover_weight, frames)
    document.hover_weight(None)
    ih, iw = image.shape[1:]

    def hover_pixel(k: int) -> None:
        view.hover.hover_pixel((int(rng.integers(0, ih)), int(rng.integers(0, iw))))
        app.processEvents()

    figures["hover pixel"] = median_ms(hover_pixel, frames)
    close(view, app)
    return figures


def main() -> None:
    frames, app = frames_and_app(__doc__, FRAMES)
    names = ["view", "overview", "bare", "hover weight", "hover pixel"]
    print(f"{'case (median ms)':40}" + "".join(f"{n:>13}" for n in names))
    for name, state in _cases():
        figures = _measure(app, state, frames)
        print(f"{name:40}" + "".join(f"{figures[n]:13.2f}" for n in names))


if __name__ == "__main__":
    main()
