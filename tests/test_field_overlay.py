"""The receptive-field overlay: its outline and fill follow the mask, and it shows on screen."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF

from convexplorer.model import LayerSpec, receptive_field
from convexplorer.widgets.image_panels import FieldOverlay, ImagePanel, mask_box, outline_path
from convexplorer.widgets.style import FIELD_FILL, rgba_array


def _segments(path) -> set[tuple[float, float, float, float]]:
    """The path's segments (each moveTo…lineTo pair), as (x0, y0, x1, y1)."""
    points = [path.elementAt(i) for i in range(path.elementCount())]
    return {(a.x, a.y, b.x, b.y) for a, b in zip(points[::2], points[1::2], strict=True)}


def _edges(mask: np.ndarray) -> set[tuple[float, float, float, float]]:
    """Unit edges between a True pixel and a False one (or the outside), by looping."""
    height, width = mask.shape

    def on(r: int, c: int) -> bool:
        return 0 <= r < height and 0 <= c < width and bool(mask[r, c])

    edges = set()
    for r in range(-1, height + 1):
        for c in range(-1, width + 1):
            if on(r, c) != on(r - 1, c):
                edges.add((c, r, c + 1, r))  # the top edge of (r, c)
            if on(r, c) != on(r, c - 1):
                edges.add((c, r, c, r + 1))  # its left edge
    return edges


def _unit_edges(segments) -> set[tuple[float, float, float, float]]:
    """Merged segments cut back into unit edges."""
    units = set()
    for x0, y0, x1, y1 in segments:
        if y0 == y1:
            units.update((x, y0, x + 1, y0) for x in range(int(x0), int(x1)))
        else:
            units.update((x0, y, x0, y + 1) for y in range(int(y0), int(y1)))
    return units


def test_the_outline_is_every_edge_between_field_and_rest_merged():
    mask = np.zeros((7, 8), bool)
    mask[1:4, 1:6] = True  # a block …
    mask[2, 3] = False  # … with a hole
    mask[5, 1:7:2] = True  # and dilated single pixels
    segments = _segments(outline_path(mask))
    assert _unit_edges(segments) == _edges(mask)
    # merged: the block's top is one segment, not five
    assert (1.0, 1.0, 6.0, 1.0) in segments


def test_an_empty_mask_has_no_box_and_no_outline():
    empty = np.zeros((4, 4), bool)
    assert mask_box(empty) is None
    assert outline_path(empty).isEmpty()


@pytest.fixture
def image_view(qtbot):
    """A bare picture: an ImageItem in a view box, at 20 screen pixels per image pixel."""
    widget = pg.GraphicsLayoutWidget()
    widget.resize(240, 240)
    box = widget.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
    image = pg.ImageItem(np.full((10, 10), 0.5), axisOrder="row-major", levels=(0, 1))
    box.addItem(image)
    box.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, box


def _colour_at(widget, box, row: float, col: float) -> tuple[int, int, int]:
    shot = widget.grab().toImage()
    point = box.mapViewToScene(QPointF(col, row))
    return shot.pixelColor(widget.mapFromScene(point)).getRgb()[:3]


def test_a_dilated_field_is_drawn_with_its_holes_on_a_bare_image(qtbot, image_view):
    widget, box = image_view
    overlay = FieldOverlay()
    box.addItem(overlay)
    field = receptive_field((1, 10, 10), [LayerSpec(1, 1, 3, dilation=2)], 0, (2, 3))
    overlay.set_mask(field.image_mask, field.boxes[0])
    assert overlay.isVisible() and overlay.box == (2, 3, 5, 5)
    fill = overlay.fill_image()
    assert fill.shape == (5, 5, 4)
    assert np.array_equal(fill[..., 3] > 0, field.image_mask[2:7, 3:8])
    assert np.array_equal(fill[0, 0], rgba_array(FIELD_FILL))
    grey = _colour_at(widget, box, 0.5, 0.5)  # far from the field
    read = _colour_at(widget, box, 2.5, 3.5)  # a pixel the field reads
    hole = _colour_at(widget, box, 3.5, 4.5)  # a hole between the dilated taps
    assert grey == hole  # the hole shows the image untouched
    assert read != grey and read[2] > read[0]  # tinted cyan
    overlay.set_mask(None)
    assert not overlay.isVisible() and overlay.box is None
    assert _colour_at(widget, box, 2.5, 3.5) == grey


def test_a_new_mask_replaces_the_old_one(qtbot, image_view):
    _, box = image_view
    overlay = FieldOverlay()
    box.addItem(overlay)
    first = np.zeros((10, 10), bool)
    first[0:3, 0:3] = True
    second = np.zeros((10, 10), bool)
    second[6:9, 5:7] = True
    overlay.set_mask(first)
    overlay.set_mask(second)
    assert overlay.box == (6, 5, 3, 2)
    assert overlay.outline().boundingRect().getRect() == (5.0, 6.0, 2.0, 3.0)
    overlay.set_mask(np.zeros((10, 10), bool))
    assert not overlay.isVisible()


def test_an_image_panel_draws_the_field_in_full_resolution_pixels(qtbot):
    panel = ImagePanel("in 0", colorbar=False)
    panel.resize(200, 200)
    data = np.zeros((64, 64), np.float32)
    panel.set_image(data, (0.0, 1.0), preview=(data[::4, ::4], 4))  # drawn from a preview
    assert panel.field is None
    mask = np.zeros((64, 64), bool)
    mask[10:17, 20:27] = True
    panel.show_field(mask)
    assert panel.field is not None and panel.field.box == (10, 20, 7, 7)
    # the outline sits on the same pixels as the image, whatever is drawn in its place
    outline = panel.field.outline().boundingRect()
    top_left = panel.field.mapToItem(panel.image, outline.topLeft())
    assert (top_left.x(), top_left.y()) == (20 / 4, 10 / 4)
    panel.show_field(None)
    assert not panel.field.isVisible()


def test_a_field_small_on_screen_gets_a_ring_to_be_found(qtbot, image_view):
    widget, box = image_view  # 20 screen px per image pixel
    overlay = FieldOverlay()
    box.addItem(overlay)
    mask = np.zeros((10, 10), bool)
    mask[4:7, 4:7] = True
    overlay.set_mask(mask)
    assert not overlay.ringed  # 60 px wide: plain to see
    box.setRange(xRange=(0, 400), yRange=(0, 400), padding=0)  # now 0.5 px per pixel
    widget.grab()  # the view box takes its new range when it paints
    overlay.set_mask(mask)
    assert overlay.ringed


def test_a_few_pixels_draw_as_their_mask_would(qtbot, image_view):
    _, box = image_view
    by_pixels, by_mask = FieldOverlay(), FieldOverlay()
    for overlay in (by_pixels, by_mask):
        box.addItem(overlay)
    pixels = np.array([[4, 7], [2, 3], [4, 7], [6, 3]])  # repeats allowed
    mask = np.zeros((10, 10), bool)
    mask[pixels[:, 0], pixels[:, 1]] = True
    by_pixels.set_pixels(pixels)
    by_mask.set_mask(mask)
    assert by_pixels.box == by_mask.box == (2, 3, 5, 5)
    assert np.array_equal(by_pixels.fill_image(), by_mask.fill_image())
    assert _segments(by_pixels.outline()) == _segments(by_mask.outline())
    by_pixels.set_pixels(np.zeros((0, 2), int))
    assert not by_pixels.isVisible()
