"""Small pictures of feature maps for the network strip, coloured like their panels."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtGui import QPixmap

from ..looks import Look, photo_rgb
from ..style import rgb_image

#: A thumbnail's longer side, in pixels.
THUMB_SIDE = 26


def _pixmap(rgb: np.ndarray) -> QPixmap:
    """(h, w, 3) uint8 as a pixmap that owns its pixels."""
    return QPixmap.fromImage(rgb_image(rgb))


def photo(image: np.ndarray, levels: tuple[float, float], height: int, width: int) -> QPixmap:
    """A (3, H, W) input as the colour photo it is, within ``height`` × ``width`` pixels
    (sampled down, or drawn in blocks when small), on the input's ``levels``."""
    _, rows, cols = image.shape
    step = max(1, math.ceil(max(rows / height, cols / width)))
    rgb = (photo_rgb(image[:, ::step, ::step], levels) * 255).astype(np.uint8)
    pixmap = _pixmap(rgb)
    scale = max(1, min(height // rgb.shape[0], width // rgb.shape[1]))
    return pixmap.scaled(rgb.shape[1] * scale, rgb.shape[0] * scale) if scale > 1 else pixmap


def thumbnail(values: np.ndarray, look: Look, side: int = THUMB_SIDE) -> QPixmap:
    """``values`` (H, W) sampled down to at most ``side`` pixels a side and coloured by ``look``."""
    height, width = values.shape
    step = max(1, math.ceil(max(height, width) / side))
    small = np.ascontiguousarray(values[::step, ::step])
    pixmap = _pixmap(look.colors(small))
    h, w = small.shape
    scale = max(1, side // max(h, w))
    if scale > 1:  # a tiny map is drawn in blocks, not blurred
        pixmap = pixmap.scaled(w * scale, h * scale)
    return pixmap
