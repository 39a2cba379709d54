"""Selecting another layer of a stack: the views keep their widgets where the shapes allow and
show new values in them (issue 10). Each view, after a walk over the layers, must show exactly
what a view built fresh on the layer shows — numbers, colours, pictures, captions — and a switch
must draw each view once."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QSettings
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from convexplorer.app import build_window
from convexplorer.model import LayerSetup, LayerSpec, Network, NetworkSnapshot, next_layer
from convexplorer.qt import Document
from convexplorer.widgets.image_panels import ImagePanel
from convexplorer.widgets.kernel_editor import KernelEditor
from convexplorer.widgets.kernel_editor._slice_view import SliceView
from convexplorer.widgets.output_panels import OutputPanels
from convexplorer.widgets.sliding_window import SlidingWindowView
from convexplorer.widgets.sliding_window._channel_strip import ChannelStrip

SIDE = 12
#: A walk that goes back and forth between layers of the same shapes and of other shapes.
WALK = (2, 4, 3, 1, 0, 2, 4, 0, 3, 2)


def mixed_stack() -> NetworkSnapshot:
    """Five layers with shapes a stack mixes: 3→4 (numbers in the kernel editor, three rows in
    the sliding window), 4→16 (thumbnails, four rows), 16→16 3×3 twice (thumbnails, the compact
    strip) around a 16→16 5×5 (another kernel size in the detail editor)."""
    rng = np.random.default_rng(5)
    image = rng.random((3, SIDE, SIDE), dtype=np.float32)
    first = LayerSpec(3, 4, 3, padding=1)
    second = LayerSpec(4, 16, 3, padding=1)
    wide = LayerSpec(16, 16, 5, padding=2)
    layers = (
        LayerSetup(
            first,
            rng.standard_normal(first.weight_shape).astype(np.float32) / 3,
            rng.standard_normal(4).astype(np.float32) / 5,
            "relu",
        ),
        LayerSetup(
            second,
            rng.standard_normal(second.weight_shape).astype(np.float32) / 4,
            rng.standard_normal(16).astype(np.float32) / 5,
            "relu",
        ),
        next_layer(16, seed=2),
        LayerSetup(
            wide,
            rng.standard_normal(wide.weight_shape).astype(np.float32) / 9,
            rng.standard_normal(16).astype(np.float32) / 5,
            "none",
        ),
        next_layer(16, seed=4),
    )
    return NetworkSnapshot(image, layers)


@pytest.fixture
def document() -> Document:
    document = Document(Network.from_snapshot(mixed_stack()))
    document.wait_until_idle()
    return document


def select(document: Document, index: int) -> None:
    """Select layer ``index``, then a filter and position as a user would have left them:
    the same in layers 2 and 4 (a view must not take them for what it already shows)."""
    document.select_layer(index)
    document.wait_until_idle()
    document.select(out_channel=1 + index % 2, position=(index % 2, 2))


def shown(view: QWidget, qtbot, keep: bool = True) -> None:
    if keep:
        qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)


def retire_fresh(view: QWidget) -> None:
    """Away with a view built for one comparison, before the next switch reaches it."""
    view.close()
    view.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


# ---- what each view shows -----------------------------------------------------------------------


def cells(view: SliceView) -> list[tuple[str, str, str]]:
    """Every cell of a slice view as the user sees it: text, background, tooltip."""
    model = view.model()
    out = []
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            background = model.data(index, 8)  # BackgroundRole
            out.append(
                (
                    model.data(index),
                    background.color().name() if background is not None else "",
                    model.data(index, 3),  # ToolTipRole
                )
            )
    return out


def kernel_editor_shows(editor: KernelEditor) -> dict[str, object]:
    shows: dict[str, object] = {
        "thumbnails": editor.uses_thumbnails,
        "slice": editor.current_slice(),
        "hint": editor.findChild(QLabel, "kernelHint").text(),
        "legend": editor._legend.grab().toImage(),
    }
    if editor.thumbnails is not None and editor.detail is not None:
        grid = editor.thumbnails
        shows["tiles"] = grid.grab().toImage()
        shows["tile size"] = grid.size()
        shows["tile of 3, 1"] = grid.describe(3, 1)
        detail = editor.detail
        shows["detail"] = detail.shown
        shows["title"] = detail.findChild(QLabel).text()
        shows["numbers"] = [
            cells(view) for view in detail.findChildren(SliceView) if view.isVisible()
        ]
        shows["detail picture"] = detail.grab().toImage()
    else:
        views = sorted(editor.findChildren(SliceView), key=lambda v: v.objectName())
        shows["numbers"] = [(v.objectName(), cells(v)) for v in views if v.isVisibleTo(editor)]
    return shows


def sliding_window_shows(view: SlidingWindowView) -> dict[str, object]:
    strip = view.strip
    return {
        "rows": view.channel_texts(),
        "equation": view.equation_text(),
        "output": view.output_text(),
        "header": view.header.text(),
        "compact": strip.is_compact(),
        "bars": strip.bar_heights().tolist(),
        "titles": [
            t.text()
            for t in strip.findChildren(QLabel)
            if t.isVisibleTo(view) and t.objectName().endswith("Title")
        ],
        "neighbourhoods": [n._image.image.tobytes() for n in strip.neighbourhoods()],
        "strip picture": strip.grab().toImage(),
        "output map": view.output_map._image.image is None
        or view.output_map._image.image.tobytes(),
    }


def output_panels_shows(panels: OutputPanels) -> list[tuple]:
    return [
        (
            panel.title,
            None if panel.values is None else panel.values.tobytes(),
            panel.levels(),
            panel.colormap,
            panel.selected,
            panel.marker,
        )
        for panel in panels.panels
    ]


# ---- after a walk, as fresh ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "shows"),
    [
        (KernelEditor, kernel_editor_shows),
        (SlidingWindowView, sliding_window_shows),
        (OutputPanels, output_panels_shows),
    ],
    ids=["kernel editor", "sliding window", "output panels"],
)
def test_a_view_that_follows_the_switches_shows_what_a_fresh_view_shows(
    document, qtbot, make, shows
):
    view = make(document)
    shown(view, qtbot)
    for index in WALK:
        select(document, index)
        fresh = make(document)
        try:
            shown(fresh, qtbot, keep=False)
            qtbot.waitUntil(lambda v=view, f=fresh: shows(v) == shows(f))
        finally:
            retire_fresh(fresh)


def widget_ids(view: QWidget) -> set[int]:
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    return {id(w) for w in view.findChildren(QWidget)}


@pytest.mark.parametrize(
    ("make", "walk"),
    [(SlidingWindowView, WALK), (KernelEditor, (2, 4, 1, 2, 4, 1))],
    ids=["sliding window, every layer", "kernel editor, the 3×3 thumbnail layers"],
)
def test_switching_back_and_forth_builds_no_new_widgets(document, qtbot, make, walk):
    """Once the layers have been shown, a view shows any of them in widgets it already has: no
    channel rows, slice views, splitters or scroll areas built again (the old views rebuilt
    them on every switch). The kernel editor builds anew only between numbers and thumbnails,
    and its detail editor's views for another kernel size."""
    view = make(document)
    shown(view, qtbot)
    for index in walk:
        select(document, index)
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    alive = view.findChildren(QWidget)  # held: the same wrappers, and no id taken by another
    for index in walk:
        select(document, index)
    assert widget_ids(view) == {id(w) for w in alive}


def test_a_switch_draws_the_frame_and_the_output_maps_once(document, qtbot, monkeypatch):
    """The Document says a switch as layerChanged, selectionChanged and outputsChanged; the
    sliding window drew its frame on the first two and the output panels their maps on the
    first and the last."""
    window, panels = SlidingWindowView(document), OutputPanels(document)
    for view in (window, panels):
        shown(view, qtbot)
    frames, images = [], []
    show_frame, set_look = ChannelStrip.show_frame, ImagePanel.set_look

    def counted_frame(strip, frame):
        frames.append(frame.dot.out_channel)
        show_frame(strip, frame)

    def counted_look(panel, look, data=None, preview=None):
        if data is not None:
            images.append(panel.title)
        set_look(panel, look, data, preview)

    monkeypatch.setattr(ChannelStrip, "show_frame", counted_frame)
    monkeypatch.setattr(ImagePanel, "set_look", counted_look)
    for index in (1, 2, 0):
        frames.clear()
        images.clear()
        document.select_layer(index)
        assert len(frames) == 1
        out_channels = document.view.spec.out_channels
        assert sorted(images) == sorted(f"out {o}" for o in range(out_channels))


# ---- laid out before painted ---------------------------------------------------------------------


class _EventOrder(QObject):
    """Notes, in order, the window's repaints and the layout requests of one widget."""

    def __init__(self, window: QWidget, watched: QWidget) -> None:
        super().__init__()
        self.window, self.watched = window, watched
        self.events: list[str] = []

    def eventFilter(self, receiver: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.UpdateRequest and receiver is self.window:
            self.events.append("paint")
        elif event.type() == QEvent.Type.LayoutRequest and receiver is self.watched:
            self.events.append("layout")
        return False


def test_a_switch_is_laid_out_before_the_window_paints_it(qtbot, tmp_path):
    """Between a 3-channel layer (one row per channel) and a 16-channel one (the compact strip)
    the sliding window swaps its rows: the window painted them before laying them out, then
    painted them again where they belong."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = build_window(settings=settings)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.files.dialogs.ask = lambda *args: None  # type: ignore[method-assign]
    assert window.document.load_network(mixed_stack(), "Open stack")
    window.settle()
    order = _EventOrder(window, window.sliding_window.strip)
    QApplication.instance().installEventFilter(order)
    try:
        for index in (2, 0, 3, 1):  # compact, rows, compact, rows
            order.events.clear()
            window.document.select_layer(index)
            qtbot.waitUntil(lambda: "paint" in order.events)
            assert order.events[0] == "layout", order.events
    finally:
        QApplication.instance().removeEventFilter(order)
