"""Frame cost of the transposed layer's painting view, next to a bare pyqtgraph anchor.

For each layer, in milliseconds over many frames (median and 95th percentile):

* ``step``: the painting view moves one input pixel on (playback order along a middle row), then
  the event loop paints it — what a student waits for at each step;
* ``jump``: the same to a random pixel (the band being painted moves anywhere);
* ``first``: a weight edit of the filter shown until its frame is painted again (the output is
  recomputed by the app's scheduler — on a worker when large — then the frame's band from the
  product blocks of the few input rows it reaches);
* ``old model``: what each frame cost the model before frames were painted by band (two
  ``painted_so_far`` runs: the layer's channel on a masked input, twice), for comparison;
* ``bare``: the anchor, measured in the same run: ``setImage`` of new colours of the output's size
  and a repaint in a bare pyqtgraph view of the output picture's size;
* ``worst gap``: the longest gap a 10 ms heartbeat sees while the view plays at its top speed for
  three seconds (ideal: 10 ms).

Run (from the repository):

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python benchmarks/bench_painting.py   (--quick)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from PySide6.QtWidgets import QApplication
from timing import (
    bare_set_image_ms,
    close,
    frames_and_app,
    median_p95,
    open_view,
    sample_ms,
    states,
    worst_gap_ms,
)

from convexplorer.model import ExplorerState, LayerSpec, painted_so_far
from convexplorer.widgets.sliding_window import SlidingWindowView
from convexplorer.widgets.sliding_window._pace import SPEEDS

FRAMES = 200
SIZE = (1280, 330)  # the sliding-window dock at 1280×800
PLAY_MS = 3000


def _cases() -> list[tuple[str, ExplorerState]]:
    rng = np.random.default_rng(0)
    up = {"stride": 2, "padding": 1, "transposed": True}
    return states(
        [
            (
                "3×256² → 16, 3×3 stride 2",
                rng.random((3, 256, 256), dtype=np.float32),
                LayerSpec(3, 16, 3, output_padding=1, **up),
            ),
            (
                "3×1024² → 16, 4×4 stride 2",
                rng.random((3, 1024, 1024), dtype=np.float32),
                LayerSpec(3, 16, 4, **up),
            ),
        ]
    )


def _measure(app: QApplication, state: ExplorerState, frames: int) -> dict[str, tuple]:
    document, view = open_view(app, state, SlidingWindowView, SIZE)
    painting = view.painting
    _, height, width = document.view.image.shape
    middle = (height // 2) * width
    rng = np.random.default_rng(1)
    jumps = rng.integers(0, height * width, frames).tolist()

    def step(k: int) -> None:
        painting.go_to(middle + k)
        app.processEvents()

    def jump(k: int) -> None:
        painting.go_to(jumps[k])
        app.processEvents()

    step(0)  # the painter for this filter is built once
    figures = {
        "step": median_p95(sample_ms(step, frames)),
        "jump": median_p95(sample_ms(jump, frames)),
    }

    def first(k: int) -> None:
        document.set_weight(0, 0, 0, 0, 0.01 * (k + 1))
        document.wait_until_idle()  # the output, computed by the scheduler, then the frame
        app.processEvents()

    figures["first"] = median_p95(sample_ms(first, max(3, frames // 20)))
    document.wait_until_idle()
    view_state = document.view

    def old(k: int) -> None:
        count = middle + k
        for done in (count, count + 1):
            painted_so_far(
                view_state.spec, view_state.image, view_state.weight, view_state.bias, 0, done
            )

    figures["old model"] = median_p95(sample_ms(old, max(3, frames // 20)))
    picture = painting.output_picture
    bare = bare_set_image_ms(
        app, document.view.output_size, picture.width(), picture.height(), max(5, frames // 4)
    )
    figures["bare"] = (bare, bare)
    painting.go_to(middle)
    painting.controls.speed.setCurrentIndex(len(SPEEDS) - 1)  # the top speed
    gap = worst_gap_ms(painting.toggle, lambda: painting.playing, PLAY_MS)
    painting.pause()
    figures["worst gap"] = (gap, gap)
    close(view, app)
    return figures


def main() -> None:
    frames, app = frames_and_app(__doc__, FRAMES)
    names = ["step", "jump", "first", "old model", "bare"]
    print(f"{'layer (median / p95 ms)':28}" + "".join(f"{n:>16}" for n in names) + "   worst gap")
    for name, state in _cases():
        started = time.perf_counter()
        figures = _measure(app, state, frames)
        cells = "".join(f"{figures[n][0]:8.2f}{figures[n][1]:8.2f}" for n in names)
        print(f"{name:28}{cells}{figures['worst gap'][0]:12.1f}", flush=True)
        print(f"    ({time.perf_counter() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
