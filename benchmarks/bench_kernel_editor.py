"""Kernel editor timings: building it for small and large layers, and one weight edit's refresh.

Run: ``python benchmarks/bench_kernel_editor.py`` (``--quick`` for fewer repeats). Prints medians.

* build: ``KernelEditor(document)`` returns, then until its first paint is done (shown at
  600×350, the size of its dock), for the default 3→2 layer, the largest layer still shown as
  numbers (4 inputs → 8 filters, 3×3) and a 32×32 layer of 3×3 kernels (thumbnails).
* rebuild: ``document.set_layer`` from 32 → 2 filters to 32 → 32 with the editor shown (its
  ``layerChanged`` handler), until repainted.
* edit: ``document.set_weight`` (the edit and its undo step) until the editor has refreshed that
  filter, plus a synchronous repaint of the whole editor (an upper bound: the event loop repaints
  only the changed cells). The outputs' recompute, which the document schedules for later, is not
  counted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtWidgets import QApplication

from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.kernel_editor import KernelEditor

LAYERS = {
    "3→2 3×3 (numbers)": LayerSpec(3, 2),
    "4→8 3×3 (numbers)": LayerSpec(4, 8),
    "32→32 3×3 (thumbnails)": LayerSpec(32, 32),
}


def _state(spec: LayerSpec) -> ExplorerState:
    rng = np.random.default_rng(0)
    state = ExplorerState(rng.random((spec.in_channels, 64, 64), dtype=np.float32), spec)
    state.apply_preset("kaiming")
    return state


def _paint(widget: KernelEditor) -> None:
    widget.repaint()
    QApplication.processEvents()


def bench_build(spec: LayerSpec, repeats: int) -> tuple[list[float], list[float]]:
    built, painted = [], []
    for _ in range(repeats):
        document = Document(_state(spec))
        document.wait_until_idle()  # the outputs are not the editor's cost
        start = time.perf_counter()
        editor = KernelEditor(document)
        built.append(time.perf_counter() - start)
        editor.resize(600, 350)
        editor.show()
        _paint(editor)
        painted.append(time.perf_counter() - start)
        editor.close()
        editor.deleteLater()
        QApplication.processEvents()
    return built, painted


def bench_rebuild(repeats: int) -> list[float]:
    document = Document(_state(LayerSpec(32, 2)))
    editor = KernelEditor(document)
    editor.resize(600, 350)
    editor.show()
    _paint(editor)
    times = []
    for n in range(repeats):
        start = time.perf_counter()
        document.set_layer(document.view.spec.replace(out_channels=32 if n % 2 == 0 else 2))
        _paint(editor)
        if n % 2 == 0:
            times.append(time.perf_counter() - start)
    editor.close()
    return times


def bench_edit(spec: LayerSpec, repeats: int) -> list[float]:
    document = Document(_state(spec))
    editor = KernelEditor(document)
    editor.resize(600, 350)
    editor.show()
    _paint(editor)
    document.wait_until_idle()
    rng = np.random.default_rng(1)
    limit = float(np.abs(document.view.weight).max())
    times = []
    for n in range(repeats):
        start = time.perf_counter()
        # Inside the colour scale, so only the edited filter refreshes.
        document.set_weight(n % spec.out_channels, 0, 1, 1, float(rng.uniform(-limit, limit)))
        editor.repaint()
        times.append(time.perf_counter() - start)
        document.wait_until_idle()
    editor.close()
    return times


def _ms(values: list[float]) -> str:
    return f"{1000 * statistics.median(values):7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    repeats = 3 if parser.parse_args().quick else 15
    app = QApplication.instance() or QApplication([])
    for name, spec in LAYERS.items():
        built, painted = bench_build(spec, repeats)
        print(f"build {name:24s} constructor {_ms(built)}   to first paint {_ms(painted)}")
    print(f"rebuild 32→2 to 32→32 on layerChanged, repainted   {_ms(bench_rebuild(2 * repeats))}")
    for name, spec in LAYERS.items():
        print(f"edit  {name:24s} set_weight to repainted {_ms(bench_edit(spec, 4 * repeats))}")
    del app


if __name__ == "__main__":
    main()
