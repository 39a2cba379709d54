"""The colour conventions every view shares, so a weight and an output read the same way.

Signed values use a diverging map centred on 0 (blue negative, white zero, red positive); images
that are never negative use a perceptual sequential map.
"""

from __future__ import annotations

import functools

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

_DIVERGING_STOPS = np.array(
    [
        [5, 48, 97],
        [67, 147, 195],
        [247, 247, 247],
        [214, 96, 77],
        [103, 0, 31],
    ],
    dtype=np.ubyte,
)


@functools.cache
def diverging_colormap() -> pg.ColorMap:
    """Blue – white – red (ColorBrewer RdBu), for values centred on 0."""
    return pg.ColorMap(np.linspace(0.0, 1.0, len(_DIVERGING_STOPS)), _DIVERGING_STOPS)


def sequential_colormap() -> pg.ColorMap:
    """Perceptual, for values that are never negative (inputs, ReLU outputs)."""
    return pg.colormap.get("viridis")


def symmetric_limit(values: np.ndarray) -> float:
    """The half-range of a diverging scale that shows every value: max |v|, never 0."""
    limit = float(np.max(np.abs(values))) if np.size(values) else 0.0
    return limit if limit > 0 else 1.0


def diverging_color(value: float, limit: float) -> QColor:
    """The diverging map's colour for ``value`` on the scale [-limit, limit]."""
    position = 0.5 + 0.5 * float(np.clip(value / limit, -1.0, 1.0)) if limit > 0 else 0.5
    return diverging_colormap().map(position, mode=pg.ColorMap.QCOLOR)


def text_color_on(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background``."""
    luma = 0.299 * background.redF() + 0.587 * background.greenF() + 0.114 * background.blueF()
    return QColor("black") if luma > 0.55 else QColor("white")
