"""Drawing rules written once: an RGB input as a photo (``looks.photo_rgb``), shown alike by the
input view's composite and the network strip's input picture, and marks' pens that keep their
screen width at any zoom (``style.cosmetic_pen``), colours as an image (``style.rgb_image``)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.input_view import InputView
from convexplorer.widgets.looks import input_looks, photo_rgb
from convexplorer.widgets.network_strip import NetworkStrip
from convexplorer.widgets.style import WINDOW_COLOR, cosmetic_pen, rgb_image


def test_a_photo_puts_the_channels_last_on_the_shared_levels():
    image = np.array([[[0.0, 0.5, 3.0]], [[-1.0, 1.0, 0.25]], [[0.1, 0.2, 0.3]]], np.float32)
    rgb = photo_rgb(image, (0.0, 1.0))
    assert rgb.shape == (1, 3, 3) and rgb.dtype == np.float32
    np.testing.assert_array_equal(rgb[0, :, 0], [0.0, 0.5, 1.0])  # red: 3 is clipped to white
    np.testing.assert_array_equal(rgb[0, :, 1], [0.0, 1.0, 0.25])  # green: −1 is clipped to 0
    last = photo_rgb(image, (0.0, 4.0))[0, 2]
    np.testing.assert_array_equal(last, np.float32([3.0, 0.25, 0.3]) / 4)


def test_the_composite_and_the_strip_show_one_photo(qtbot):
    image = 2 * np.random.default_rng(0).random((3, 6, 9), dtype=np.float32)
    document = Document(ExplorerState(image, LayerSpec(3, 2)))
    levels = input_looks(document.view.input_ranges, photo=True)[0].levels
    assert levels[1] > 1  # values past 1: the photo is scaled, not the raw values
    expected = photo_rgb(image, levels)

    view = InputView(document)
    qtbot.addWidget(view)
    np.testing.assert_array_equal(view.panels[0].image.image, expected)

    strip = NetworkStrip(document)
    qtbot.addWidget(strip)
    picture = strip._input._pictures[0].toImage().convertToFormat(QImage.Format.Format_RGB888)
    scale = picture.height() // 6  # a small photo is drawn in blocks
    pixel = picture.pixelColor
    assert scale >= 1 and picture.width() == 9 * scale
    shown = np.array(
        [[pixel(c * scale, r * scale).getRgb()[:3] for c in range(9)] for r in range(6)]
    )
    np.testing.assert_array_equal(shown, (expected * 255).astype(np.uint8))


def test_a_cosmetic_pen_keeps_its_screen_width():
    pen = cosmetic_pen(WINDOW_COLOR, 2.5, Qt.PenStyle.DashLine)
    assert pen.isCosmetic() and pen.widthF() == 2.5
    assert pen.style() == Qt.PenStyle.DashLine and pen.color() == WINDOW_COLOR
    assert cosmetic_pen(WINDOW_COLOR, 1).style() == Qt.PenStyle.SolidLine


def test_an_rgb_image_owns_its_pixels_whatever_the_arrays_layout():
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(3, 2, 3).transpose(1, 0, 2) * 10
    image = rgb_image(rgb)  # a transposed view: not contiguous
    expected = rgb.copy()
    del rgb
    assert (image.width(), image.height()) == (3, 2)
    shown = [[image.pixelColor(c, r).getRgb()[:3] for c in range(3)] for r in range(2)]
    np.testing.assert_array_equal(shown, expected)
