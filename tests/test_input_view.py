"""The input view: the composite and every channel, labelled, with the size and a hover readout."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.input_view import InputView
from convexplorer.widgets.style import DIVERGING, number


@pytest.fixture
def document() -> Document:
    image = np.random.default_rng(0).random((3, 16, 20), dtype=np.float32)
    return Document(ExplorerState(image, LayerSpec(3, 2)))


@pytest.fixture
def view(qtbot, document) -> InputView:
    widget = InputView(document)
    qtbot.addWidget(widget)
    widget.resize(300, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_rgb_input_shows_the_composite_and_three_labelled_channels(document, view):
    image = document.view.image
    assert view.objectName() == "inputView"
    assert [p.title for p in view.panels] == ["RGB image", "in 0 (R)", "in 1 (G)", "in 2 (B)"]
    assert "3 × 16 × 20" in view.shape_text
    np.testing.assert_allclose(view.panels[0].image.image, np.moveaxis(image, 0, -1))
    for c in range(3):
        np.testing.assert_array_equal(view.panels[c + 1].image.image, image[c])
        assert view.panels[c + 1].levels() == (0.0, 1.0)
    assert view.legend.levels() == (0.0, 1.0)


def test_grayscale_input_shows_one_channel(document, view):
    document.open_input(np.random.default_rng(1).random((1, 12, 12), dtype=np.float32), "Open")
    assert [p.title for p in view.panels] == ["in 0"]
    assert "1 × 12 × 12" in view.shape_text
    assert view.panels[0].image.image.shape == (12, 12)


def test_many_channels_scroll_compactly(document, view):
    document.open_input(np.random.default_rng(2).random((32, 24, 36), dtype=np.float32), "Open")
    assert [p.title for p in view.panels] == [f"in {c}" for c in range(32)]
    grid = view.grid
    assert grid.view.height() > grid.viewport().height()  # it scrolls …
    columns = {p.geometry().x() for p in view.panels}
    assert len(columns) >= 3  # … in several columns, not one long strip
    assert all(p.geometry().width() < 150 for p in view.panels)

    viewport = grid.view.viewport()
    wheel = QWheelEvent(
        QPointF(50, 50),
        QPointF(viewport.mapToGlobal(QPoint(50, 50))),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, wheel)
    assert grid.verticalScrollBar().value() > 0  # the wheel over the panels scrolls them


def test_signed_input_uses_the_diverging_map_centred_on_zero(document, view):
    image = np.random.default_rng(3).normal(size=(3, 16, 20)).astype(np.float32)
    document.open_input(image, "Open")
    limit = float(np.abs(image).max())
    assert view.panels[1].levels() == pytest.approx((-limit, limit))
    assert view.legend.bar.colorMap() is DIVERGING


def test_hover_shows_channel_row_col_and_value(qtbot, document, view):
    image = document.view.image
    viewport = view.grid.view.viewport()

    def point(index: int, row: int, col: int):
        panel = view.panels[index]
        return view.grid.view.mapFromScene(panel.image.mapToScene(QPointF(col + 0.5, row + 0.5)))

    with qtbot.waitSignal(view.statusMessage) as blocker:
        qtbot.mouseMove(viewport, point(2, 5, 7))
    expected = f"in 1 (G) · row 5, col 7 · value {number(image[1, 5, 7])}"
    assert view.readout == expected == blocker.args[0]

    qtbot.mouseMove(viewport, point(0, 3, 4))
    assert view.readout.startswith("RGB image · row 3, col 4 · R ")
    assert f"B {number(image[2, 3, 4])}" in view.readout


def test_a_layer_change_that_keeps_the_input_leaves_its_panels_alone(qtbot):
    image = np.random.default_rng(3).random((4, 10, 10), dtype=np.float32)
    document = Document(ExplorerState(image, LayerSpec(4, 2)))
    view = InputView(document)
    qtbot.addWidget(view)
    drawn = [panel.values for panel in view.panels]
    document.set_layer(document.view.spec.replace(out_channels=5, kernel_size=5))
    assert [panel.values for panel in view.panels] == drawn  # the very same arrays: not redrawn
    document.open_input(image[::-1].copy(), "Open reversed")
    np.testing.assert_array_equal(view.panels[0].values, image[3])
    np.testing.assert_array_equal(document.view.input_ranges[0], [image[3].min(), image[3].max()])
