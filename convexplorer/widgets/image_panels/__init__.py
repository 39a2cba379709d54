"""Titled image panels in a scrolling grid: what the input view and the output panels are made of.

``ImagePanel`` draws one image (title, colour bar, selection, marker); ``PanelGrid`` lays panels
out in one scene and reports the mouse; ``PanelPool`` reuses panels across rebuilds;
``build_panel_page`` gives both views the same header / grid / readout shape; ``FieldOverlay``
draws a receptive field over any image in pixel coordinates.
"""

from ._field_overlay import FieldOverlay, mask_box, outline_path
from ._geometry import GridShape, ImagePlace, grid_shape, place_image
from ._grid import PanelGrid
from ._page import build_panel_page
from ._panel import ImagePanel, Pixel
from ._pool import PanelPool

__all__ = [
    "FieldOverlay",
    "GridShape",
    "ImagePanel",
    "ImagePlace",
    "PanelGrid",
    "PanelPool",
    "Pixel",
    "build_panel_page",
    "grid_shape",
    "mask_box",
    "outline_path",
    "place_image",
]
