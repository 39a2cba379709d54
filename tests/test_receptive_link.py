"""Hovering an output pixel draws its exact receptive field on the input view, in words too."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QSettings
from PySide6.QtWidgets import QMessageBox

from convexplorer.app._scene import default_state
from convexplorer.app.main_window import MainWindow
from convexplorer.model import LayerSpec, load_sample, receptive_field
from tests.window_support import answer


@pytest.fixture
def window(qtbot, tmp_path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(default_state(load_sample("corner diagonal").repeat(3, axis=0)), settings)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    win.activateWindow()  # hover reaches the views of the active window (tests before it had one)
    qtbot.waitUntil(win.isActiveWindow)
    win.document.wait_until_idle()
    answer(win, QMessageBox.StandardButton.Discard)  # closing at teardown must not block
    return win


def _hover_output(qtbot, window: MainWindow, pixel: tuple[int, int] | None) -> None:
    """Move the mouse over output panel 0's pixel (None: over its title, off the image)."""
    panel = window.output_panels.panels[0]
    if pixel is None:
        scene = panel.mapToScene(QPointF(panel.size().width() - 5, 5))
    else:
        scene = panel.image.mapToScene(QPointF(pixel[1] + 0.5, pixel[0] + 0.5))
    grid = window.output_panels.grid
    qtbot.mouseMove(grid.view.viewport(), grid.view.mapFromScene(scene))


def test_hovering_an_output_pixel_draws_its_reflected_dilated_field_on_every_input_panel(
    qtbot, window
):
    document, inputs = window.document, window.input_view
    spec = LayerSpec(3, 2, 3, padding=2, dilation=2, padding_mode="reflect")
    assert document.set_layer(spec)
    document.wait_until_idle()
    qtbot.waitUntil(lambda: window.output_panels.panels[0].has_image)
    _hover_output(qtbot, window, (0, 1))
    qtbot.waitUntil(lambda: inputs.field is not None)
    expected = receptive_field(document.view.image.shape, [spec], 0, (0, 1))
    assert np.array_equal(inputs.field.image_mask, expected.image_mask)
    assert inputs.readout == expected.words
    assert "which repeats image pixels (reflect)" in inputs.readout
    for panel in inputs.panels:  # the RGB composite and each channel
        assert panel.field is not None and panel.field.isVisible()
        assert panel.field.box == expected.boxes[0]

    _hover_output(qtbot, window, None)
    qtbot.waitUntil(lambda: inputs.field is None)
    assert not any(panel.field.isVisible() for panel in inputs.panels)
    assert inputs.readout.startswith("Hover a channel")


def test_a_layer_change_takes_the_field_away(qtbot, window):
    document, inputs = window.document, window.input_view
    _hover_output(qtbot, window, (2, 2))
    qtbot.waitUntil(lambda: inputs.field is not None)
    assert inputs.readout.startswith("This pixel sees a 3×3 patch of the image")
    assert document.set_layer(document.view.spec.replace(kernel_size=5))
    assert inputs.field is None
    assert not any(panel.field.isVisible() for panel in inputs.panels)
