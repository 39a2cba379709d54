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

import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from PySide6.QtWidgets import QApplication
from timing import bare_set_image_ms, close, frames_and_app, median_ms, open_view, states

from convexplorer.model import ExplorerState, LayerSpec
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
    return states(cases)


def _measure(app: QApplication, state: ExplorerState, frames: int) -> dict[str, float]:
    document, view = open_view(app, state, MatrixView, SIZE)
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
        "step": median_ms(select(playback), frames),
        "jump": median_ms(select(jumps), frames),
    }
    assert view.unfolded is not None
    figures["bare"] = bare_set_image_ms(
        app, view.unfolded.values.shape, view.picture.width(), view.picture.height(), frames
    )
    close(view, app)
    return figures


def main() -> None:
    frames, app = frames_and_app(__doc__, FRAMES)
    names = ["step", "jump", "bare"]
    print(f"{'layer (median ms)':34}" + "".join(f"{n:>9}" for n in names) + "   jump/bare")
    for name, state in _cases():
        figures = _measure(app, state, frames)
        ratio = figures["jump"] / figures["bare"]
        print(f"{name:34}" + "".join(f"{figures[n]:9.2f}" for n in names) + f"{ratio:12.1f}")


if __name__ == "__main__":
    main()
