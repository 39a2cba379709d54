"""Output panel timings: a weight edit until its panel shows it, and building 32 panels.

Run: ``python benchmarks/bench_panels.py`` (``--quick`` for fewer repeats). Prints medians.

* edit → redraw: ``document.set_weight`` (the edit and its undo step) on a 3×512×512 input with
  16 filters 3×3, through the document's scheduled compute (its 0-ms timer, run by the event loop)
  until the panel's ImageItem holds the new map, and until that map is painted.
* build: a 32-in × 32-out layer on 128×128 applied to a window showing 2 panels: until the panels
  exist (``document.set_layer`` returns) and until every map and its colour bar is painted — with
  the longest single event-loop slice.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication

from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.output_panels import OutputPanels


def _shown(document: Document, size=(600, 400)) -> OutputPanels:
    widget = OutputPanels(document)
    widget.resize(*size)
    widget.show()
    document.wait_until_idle()
    _settle(widget, document)
    return widget


def _on_screen(widget: OutputPanels) -> list:
    """The panels not scrolled away."""
    grid = widget.grid
    seen = QRectF(
        0, grid.verticalScrollBar().value(), grid.viewport().width(), grid.viewport().height()
    )
    return [p for p in widget.panels if p.geometry().intersects(seen)]


def _unpainted(widget: OutputPanels) -> bool:
    """True while a panel on screen has a map it has not painted yet."""
    return any(p.image._renderRequired for p in _on_screen(widget))


def _settle(widget: OutputPanels, document: Document) -> float:
    """Run the event loop until outputs, paints and colour bars are done; the longest slice (s)."""
    app = QApplication.instance()
    longest = 0.0
    while True:
        start = time.perf_counter()
        app.processEvents()
        longest = max(longest, time.perf_counter() - start)
        if not _unpainted(widget) and not document.view.stale_channels:
            return longest


def bench_edit(repeats: int, shared: bool) -> tuple[float, list[float], list[float]]:
    """The first edit (until painted), then later edits until new data and until painted.

    The first edit after a layer change also builds the model's cached window matrix, so it is
    reported apart from the median.
    """
    rng = np.random.default_rng(0)
    state = ExplorerState(rng.random((3, 512, 512), dtype=np.float32), LayerSpec(3, 16))
    state.apply_preset("kaiming")
    document = Document(state)
    widget = _shown(document)
    widget.shared_scaling_action.setChecked(shared)
    app = QApplication.instance()
    to_data, to_paint = [], []
    for n in range(repeats + 1):
        o = n % 16
        panel = widget.panels[o]
        old = panel.image.image
        value = float(rng.uniform(-0.3, 0.3))
        start = time.perf_counter()
        document.set_weight(o, n % 3, 1, 1, value)
        while panel.image.image is old:
            app.processEvents()
        to_data.append(time.perf_counter() - start)
        while _unpainted(widget):
            app.processEvents()
        to_paint.append(time.perf_counter() - start)
    widget.close()
    return to_paint[0], to_data[1:], to_paint[1:]


def bench_build(repeats: int) -> dict[str, list[float]]:
    rng = np.random.default_rng(1)
    image = rng.random((32, 128, 128), dtype=np.float32)
    times: dict[str, list[float]] = {
        "panels exist": [],
        "maps and colour bars painted": [],
        "longest slice": [],
        "rebuild 32 -> 2 -> 32 (reused)": [],
    }
    app = QApplication.instance()
    for _ in range(repeats):
        document = Document(ExplorerState(image, LayerSpec(32, 2)))
        widget = _shown(document)
        start = time.perf_counter()
        document.set_layer(LayerSpec(32, 32))
        times["panels exist"].append(time.perf_counter() - start)
        document.wait_until_idle()
        while _unpainted(widget):
            app.processEvents()
        times["maps and colour bars painted"].append(time.perf_counter() - start)
        times["longest slice"].append(_settle(widget, document))

        document.set_layer(LayerSpec(32, 2))
        _settle(widget, document)
        start = time.perf_counter()
        document.set_layer(LayerSpec(32, 32))
        document.wait_until_idle()
        _settle(widget, document)
        times["rebuild 32 -> 2 -> 32 (reused)"].append(time.perf_counter() - start)
        widget.close()
    return times


def _report(label: str, values: list[float]) -> None:
    print(
        f"  {label:<34} median {statistics.median(values) * 1e3:7.1f} ms"
        f"   (min {min(values) * 1e3:.1f}, max {max(values) * 1e3:.1f}, n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    QApplication([])
    edits, builds = (16, 2) if args.quick else (64, 5)

    print("weight edit -> panel redrawn (3x512x512 input, 16 filters 3x3, 600x400 widget)")
    for shared in (False, True):
        first, to_data, to_paint = bench_edit(edits, shared)
        mode = "shared scale" if shared else "per-panel scale"
        print(f"  {mode + ': first edit, painted':<34} once   {first * 1e3:7.1f} ms")
        _report(f"{mode}: new data in ImageItem", to_data)
        _report(f"{mode}: painted", to_paint)
    print("applying a 32-in x 32-out layer on 128x128 (from 2 panels)")
    for label, values in bench_build(builds).items():
        _report(label, values)


if __name__ == "__main__":
    main()
