"""Small pictures of feature maps for the network strip, coloured like their panels."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtGui import QImage, QPixmap

from ..looks import Look

#: A thumbnail's longer side, in pixels.
THUMB_SIDE = 26


def thumbnail(values: np.ndarray, look: Look, side: int = THUMB_SIDE) -> QPixmap:
    """``values`` (H, W) sampled down to at most ``side`` pixels a side and coloured by ``look``."""
    height, width = values.shape
    step = max(1, math.ceil(max(height, width) / side))
    small = np.ascontiguousarray(values[::step, ::step])
    rgb = np.ascontiguousarray(look.colors(small))
    h, w = small.shape
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    pixmap = QPixmap.fromImage(image.copy())  # the copy owns its pixels: rgb may go
    scale = max(1, side // max(h, w))
    if scale > 1:  # a tiny map is drawn in blocks, not blurred
        pixmap = pixmap.scaled(w * scale, h * scale)
    return pixmap
