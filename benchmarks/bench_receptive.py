"""What a receptive-field hover costs through 5 layers: the model's walk, then the overlay drawn.

For each stack (5 layers on a 3×256² and a 3×512² input), the hover moves over a different pixel
of the last layer's output every frame; the medians, in milliseconds, of

* ``model``: ``receptive_field`` for that pixel (masks, boxes and words for every map);
* ``image``: ``FieldOverlay.set_mask`` on the input picture, then a synchronous repaint of a
  400×400 pyqtgraph view holding the input (what the input view does on hover);
* ``strip``: every map's overlay set (the input and the 4 maps between the layers, 6 pictures of
  200×200 in one view, as a network strip would show them), then one repaint;
* ``bare``: the anchor, measured in the same run: the same 400×400 view with one rectangle moved
  and repainted — the least any hover mark over this picture can cost here.

``total`` = model + strip, the issue's "overlay on hover ≤ 16 ms at 5 layers".

Run:

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_receptive.py   (--quick: fewer frames)
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import pyqtgraph as pg
from bench_model import cpu_model
from PySide6.QtCore import QRectF, qVersion
from PySide6.QtWidgets import QApplication, QGraphicsItem, QGraphicsRectItem
from timing import frames_and_app, median_ms

from convexplorer.model import LayerSpec, check_chain, receptive_field
from convexplorer.widgets.image_panels import FieldOverlay

FRAMES = 200
VIEW = 400  # px: the input picture
TILE = 200  # px: each map of the strip

STACKS = {
    "mixed (pad, reflect, stride 2, dilation 2, 5×5)": [
        LayerSpec(3, 8, 3, padding=1),
        LayerSpec(8, 8, 3, stride=2, padding=1, padding_mode="reflect"),
        LayerSpec(8, 8, 3, padding=2, dilation=2),
        LayerSpec(8, 8, 5, padding=2, padding_mode="replicate"),
        LayerSpec(8, 4, 3, stride=2, padding=1),
    ],
    "dilated lattice (5 × 3×3 dilation 4)": [LayerSpec(3, 4, 3, dilation=4, padding=4)]
    + [LayerSpec(4, 4, 3, dilation=4, padding=4, padding_mode="circular")] * 4,
    "wide (5 × 7×7 stride 2)": [LayerSpec(3, 4, 7, stride=2, padding=3)]
    + [LayerSpec(4, 4, 7, stride=2, padding=3)] * 4,
}


def machine() -> str:
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, load {load}; python "
        f"{platform.python_version()}, numpy {np.__version__}, pyqtgraph {pg.__version__}, "
        f"Qt {qVersion()}"
    )


def _picture(view: pg.GraphicsView, image: np.ndarray, rect: QRectF) -> pg.ImageItem:
    """An input-like picture (cached at screen resolution, as the app's are) in ``rect``."""
    item = pg.ImageItem(image, axisOrder="row-major", levels=(0, 1))
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    item.setAutoDownsample(True)
    view.addItem(item)
    item.setRect(rect)
    return item


def _hover_pixels(size: tuple[int, int], count: int) -> list[tuple[int, int]]:
    """A path over the output, corners and borders included, one pixel per frame."""
    rng = np.random.default_rng(0)
    rows = rng.integers(0, size[0], count)
    cols = rng.integers(0, size[1], count)
    rows[::7], cols[::11] = 0, size[1] - 1
    return list(zip(rows.tolist(), cols.tolist(), strict=True))


def bench(app: QApplication, name: str, specs: list[LayerSpec], side: int, frames: int) -> None:
    shape = (3, side, side)
    shapes = [shape, *check_chain(shape, specs)]
    pixels = _hover_pixels(shapes[-1][1:], frames)
    layer = len(specs) - 1
    model_ms = median_ms(lambda k: receptive_field(shape, specs, layer, pixels[k]), frames)
    fields = [receptive_field(shape, specs, layer, pixel) for pixel in pixels]
    rng = np.random.default_rng(1)

    # the input picture, its overlay, and the bare anchor's rectangle
    view = pg.GraphicsView(background=None)
    view.resize(VIEW, VIEW)
    scale = VIEW / side
    picture = _picture(view, rng.random((side, side), dtype=np.float32), QRectF(0, 0, side, side))
    overlay = FieldOverlay(picture)
    view.setRange(QRectF(0, 0, side, side), padding=0)
    view.show()
    app.processEvents()

    def image_frame(k: int) -> None:
        field = fields[k]
        overlay.set_mask(field.masks[0], field.boxes[0])
        view.viewport().repaint()

    image_ms = median_ms(image_frame, frames)
    overlay.clear()
    rect = QRectF()
    mark = QGraphicsRectItem()
    view.addItem(mark)

    def bare_frame(k: int) -> None:
        row, col = pixels[k]
        rect.setRect(col * scale, row * scale, 10, 10)
        mark.setRect(rect)
        view.viewport().repaint()

    bare_ms = median_ms(bare_frame, frames)
    view.close()

    # the strip: every map, one overlay each, one repaint
    strip = pg.GraphicsView(background=None)
    strip.resize(TILE * 3, TILE * 2)
    overlays, tiles = [], []  # the view does not own the pictures: keep them
    for j, (_, height, width) in enumerate(shapes[:-1]):
        x, y = (j % 3) * TILE, (j // 3) * TILE
        tile = _picture(
            strip, rng.random((height, width), dtype=np.float32), QRectF(0, 0, width, height)
        )
        tile.setPos(x, y)
        tile.setScale(TILE / max(height, width) * 0.95)
        tiles.append(tile)
        overlays.append(FieldOverlay(tile))
    strip.setRange(QRectF(0, 0, TILE * 3, TILE * 2), padding=0)
    strip.show()
    app.processEvents()

    def strip_frame(k: int) -> None:
        field = fields[k]
        for j, item in enumerate(overlays):
            item.set_mask(field.masks[j], field.boxes[j])
        strip.viewport().repaint()

    strip_ms = median_ms(strip_frame, frames)
    strip.close()
    print(
        f"{name} · 3×{side}²: model {model_ms:.2f} · image {image_ms:.2f} · strip {strip_ms:.2f}"
        f" · bare {bare_ms:.2f} · total {model_ms + strip_ms:.2f} ms"
        f" (total/bare {(model_ms + strip_ms) / bare_ms:.1f})"
    )


def main() -> None:
    frames, app = frames_and_app(__doc__, FRAMES)
    print(machine())
    for side in (256, 512):
        for name, specs in STACKS.items():
            bench(app, name, specs, side, frames)


if __name__ == "__main__":
    main()
