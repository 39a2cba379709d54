"""Each change costs the views what it needs, once: an edit is painted in one pass, the pixels a
weight edit cannot change are not redrawn, and numbers changing every frame never move the layout.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget

from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.sliding_window import SlidingWindowView


def sliding_view(qtbot, channels: int = 3) -> tuple[Document, SlidingWindowView]:
    image = np.random.default_rng(0).random((channels, 40, 40), dtype=np.float32)
    state = ExplorerState(image, LayerSpec(channels, 4, padding=1))
    state.apply_preset("kaiming", seed=1)
    document = Document(state)
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.resize(1400, 450)
    view.show()
    qtbot.waitExposed(view)
    document.wait_until_idle()
    return document, view


class _Probe(QWidget):
    """A view like any other: it asks for a repaint when the weights or the layer change, and
    logs, in order, its paints and the document's news."""

    def __init__(self, qtbot, document: Document) -> None:
        super().__init__()
        qtbot.addWidget(self)
        self.events: list[str] = []
        self.resize(40, 40)
        self.show()
        qtbot.waitExposed(self)
        document.weightsChanged.connect(lambda _: self.update())
        document.layerChanged.connect(self.update)
        document.outputsChanged.connect(lambda _: self.events.append("outputs"))

    def paintEvent(self, event: QEvent) -> None:
        self.events.append("paint")


def test_a_cheap_edit_is_computed_before_the_window_repaints(qtbot):
    """Views that follow the weights ask for a repaint at once; the outputs must arrive before
    that repaint, or the window is painted twice per edit (once more for the new map)."""
    document, _ = sliding_view(qtbot)
    log = _Probe(qtbot, document)
    for value in (0.5, -0.25, 0.125):
        log.events.clear()
        document.set_weight(document.view.selected_filter, 0, 1, 1, value)
        qtbot.waitUntil(lambda: "paint" in log.events)
        assert log.events[0] == "outputs", log.events


def test_a_weight_edit_does_not_redraw_the_input_around_the_window(qtbot):
    document, view = sliding_view(qtbot)
    neighbourhoods = [row.neighbourhood for row in view.strip._rows]
    drawn = [n._image.image for n in neighbourhoods]
    with qtbot.waitSignal(document.outputsChanged):
        document.set_weight(document.view.selected_filter, 0, 0, 0, 0.75)
    assert all(n._image.image is d for n, d in zip(neighbourhoods, drawn, strict=True))
    view.stepper.step(1)  # a new window over other pixels: redrawn
    assert all(n._image.image is not d for n, d in zip(neighbourhoods, drawn, strict=True))


def _hints(widgets: list[QWidget]) -> list[tuple]:
    return [(w.sizeHint().toTuple(), w.minimumSizeHint().toTuple()) for w in widgets]


def test_size_hints_do_not_follow_the_numbers_of_each_frame(qtbot):
    """Otherwise every frame re-lays out the dock and asks the platform for new size hints."""
    for channels in (3, 32):  # a row per channel, and the compact mode with the sum chart
        document, view = sliding_view(qtbot, channels)
        widgets = view.findChildren(QWidget)
        before = _hints(widgets)
        rng = np.random.default_rng(2)
        for n in range(12):
            if n % 3 == 0:
                document.set_weight(0, 0, 1, 1, float(rng.uniform(-3, 3)))
                document.wait_until_idle()
            view.stepper.step(7)
            QApplication.processEvents()
        changed = [
            type(w).__name__ for w, a, b in zip(widgets, before, _hints(widgets), strict=True)
            if a != b
        ]  # fmt: skip
        assert changed == []


def test_a_job_for_the_worker_starts_after_the_repaint_it_would_slow(qtbot, monkeypatch):
    """On two cores a worker started before the window repaints a layer change competes with
    that repaint; it starts once the window has painted."""
    from convexplorer.qt import _compute

    document, _ = sliding_view(qtbot)
    log = _Probe(qtbot, document)
    started = _compute.QThreadPool.start

    def logged_start(pool, runnable, *args) -> None:
        log.events.append("worker")
        started(pool, runnable, *args)

    monkeypatch.setattr(_compute.QThreadPool, "start", logged_start)
    monkeypatch.setattr(document._scheduler, "_sync_limit_ms", 0)  # every job on the worker
    log.events.clear()
    document.set_layer(document.view.spec.replace(out_channels=5))
    qtbot.waitUntil(lambda: "worker" in log.events and "paint" in log.events)
    assert log.events.index("paint") < log.events.index("worker"), log.events
    document.wait_until_idle()
    log.events.clear()
    document.set_weight(0, 0, 0, 0, 0.5)  # an edit's repaint is small: its job starts at once
    qtbot.waitUntil(lambda: "worker" in log.events and "paint" in log.events)
    assert log.events.index("worker") < log.events.index("paint"), log.events
    document.wait_until_idle()
