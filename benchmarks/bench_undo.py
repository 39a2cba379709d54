"""Undo memory: what one typed weight, one wheel burst, a preset and a layer change keep.

The layer is the issue's worst case, 64 input channels × 64 filters 7×7 (200,704 weights, 784 KB).
For reference it prints what a snapshot-per-step history keeps (two copies of every weight).
Run: ``python benchmarks/bench_undo.py`` (``--edits N`` for the long run; default 10,000).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QCoreApplication

from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document


def fresh_document() -> Document:
    state = ExplorerState(np.zeros((64, 16, 16), np.float32), LayerSpec(64, 64, kernel_size=7))
    state.apply_preset("kaiming")
    return Document(state, sync_limit_ms=0)  # outputs go to the worker: time the command only


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=10_000)
    args = parser.parse_args()
    QCoreApplication.instance() or QCoreApplication([])
    rng = np.random.default_rng(0)

    document = fresh_document()
    weight_bytes = document.view.weight.nbytes
    print(f"layer 64 → 64 × 7×7: {weight_bytes / 1024:.0f} KB of weights")
    print(f"snapshot-per-step history: {2 * weight_bytes / 1024:.0f} KB per step (reference)\n")

    document.set_weight(10, 20, 3, 3, 1.5)
    print(f"one typed weight           {document.undo_bytes:>10,} bytes")

    document = fresh_document()
    for n in range(50):
        document.set_weight(0, 0, 3, 3, 0.1 * n, "Nudge", merge_key="nudge")
    steps = document.undo_count
    print(f"50 wheel nudges (merged)   {document.undo_bytes:>10,} bytes in {steps} step")

    document = fresh_document()
    document.apply_preset("sobel x", 3)
    print(f"preset on one filter       {document.undo_bytes:>10,} bytes")

    document = fresh_document()
    document.apply_preset("laplacian")
    print(f"preset on the whole layer  {document.undo_bytes:>10,} bytes")

    document = fresh_document()
    document.set_layer(document.view.spec.replace(kernel_size=5))
    print(f"layer change               {document.undo_bytes:>10,} bytes\n")

    document = fresh_document()
    times = []
    for n in range(args.edits):
        o, k, i, j = (int(v) for v in rng.integers(0, [64, 64, 7, 7]))
        started = time.perf_counter()
        document.set_weight(o, k, i, j, n + 0.5)
        times.append(time.perf_counter() - started)
    total = document.undo_bytes
    print(
        f"{args.edits:,} typed weights: {total / 2**20:.2f} MB of undo "
        f"({total / args.edits:.0f} bytes each), {document.undo_count:,} steps kept; "
        f"command median {statistics.median(times) * 1e6:.0f} µs"
    )


if __name__ == "__main__":
    main()
