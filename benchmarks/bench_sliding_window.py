"""Frame-update time of the sliding-window view: ``document.select(position=…)`` → view redrawn.

Each sample selects a new position (which the view handles synchronously), then processes events,
which is when Qt repaints what changed. Run:

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_sliding_window.py

(``--quick`` for fewer frames.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtWidgets import QApplication

from convexplorer.model import ExplorerState, LayerSpec, load_sample
from convexplorer.qt import Document
from convexplorer.widgets.sliding_window import SlidingWindowView

FRAMES = 200


def _cases() -> list[tuple[str, ExplorerState]]:
    rng = np.random.default_rng(0)
    stack = load_sample("feature stack (32 ch)")
    stack128 = rng.random((32, 128, 128), dtype=np.float32)
    rgb512 = rng.random((3, 512, 512), dtype=np.float32)
    cases = [
        ("feature stack 32×85×128, 3×3, pad 1", stack, LayerSpec(32, 1, padding=1)),
        ("random 32×128×128, 3×3, pad 1", stack128, LayerSpec(32, 1, padding=1)),
        (
            "RGB 3×512×512, 2 filters, 5×5 reflect pad 2",
            rgb512,
            LayerSpec(3, 2, kernel_size=5, padding=2, padding_mode="reflect"),
        ),
        ("RGB 3×512×512, 3×3, dilation 2, stride 2", rgb512, LayerSpec(3, 1, 3, 2, 2, dilation=2)),
    ]
    states = []
    for name, image, spec in cases:
        state = ExplorerState(image, spec)
        state.apply_preset("kaiming", seed=1)
        states.append((name, state))
    return states


def _measure(app: QApplication, state: ExplorerState, frames: int) -> list[float]:
    document = Document(state)
    view = SlidingWindowView(document)
    view.resize(1000, 450)
    view.show()
    document.wait_until_idle()
    app.processEvents()
    height, width = document.view.output_size
    rng = np.random.default_rng(1)
    positions = list(
        zip(rng.integers(0, height, frames), rng.integers(0, width, frames), strict=True)
    )
    # Playback order too: consecutive positions along a row.
    positions += [(height // 2, c % width) for c in range(frames)]
    times = []
    for row, col in positions:
        start = time.perf_counter()
        document.select(position=(int(row), int(col)))
        app.processEvents()
        times.append(time.perf_counter() - start)
    view.close()
    view.deleteLater()
    app.processEvents()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames")
    frames = 20 if parser.parse_args().quick else FRAMES
    app = QApplication.instance() or QApplication([])
    print(f"{'case':48} {'median':>8} {'p90':>8} {'max':>8}  (ms per frame, {2 * frames} frames)")
    for name, state in _cases():
        times = sorted(t * 1000 for t in _measure(app, state, frames))
        p90 = times[int(0.9 * len(times))]
        print(f"{name:48} {statistics.median(times):8.2f} {p90:8.2f} {times[-1]:8.2f}")


if __name__ == "__main__":
    main()
