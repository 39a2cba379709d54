"""Frame-update time of the sliding-window view: ``document.select(position=…)`` → view redrawn.

Each sample selects a new position (which the view handles synchronously), then processes events,
which is when Qt repaints what changed. Run:

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_sliding_window.py

(``--quick`` for fewer frames.)
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from PySide6.QtWidgets import QApplication
from timing import close, frames_and_app, open_view, states

from convexplorer.model import ExplorerState, LayerSpec, load_sample
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
    return states(cases)


def _measure(app: QApplication, state: ExplorerState, frames: int) -> list[float]:
    document, view = open_view(app, state, SlidingWindowView, (1000, 450))
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
    close(view, app)
    return times


def main() -> None:
    frames, app = frames_and_app(__doc__, FRAMES)
    print(f"{'case':48} {'median':>8} {'p90':>8} {'max':>8}  (ms per frame, {2 * frames} frames)")
    for name, state in _cases():
        times = sorted(t * 1000 for t in _measure(app, state, frames))
        p90 = times[int(0.9 * len(times))]
        print(f"{name:48} {statistics.median(times):8.2f} {p90:8.2f} {times[-1]:8.2f}")


if __name__ == "__main__":
    main()
