"""The layout maths of image panels: where an image sits in its panel, and how panels tile a grid.

Pure arithmetic (no Qt), so it is cheap to test and the painting code only places items.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TITLE_HEIGHT = 15  # one line of the small title font
PAD = 4  # around each panel's contents
BAR_WIDTH = 8  # the colour gradient
BAR_AXIS_WIDTH = 36  # level labels beside it (most fit; the widest reach a little further)
BAR_GAP = 3  # between the image and its colour bar
BAR_SPACE = BAR_GAP + BAR_WIDTH + BAR_AXIS_WIDTH
MIN_BAR_HEIGHT = 40.0  # a colour bar beside a flat image still shows its ticks


@dataclass(frozen=True)
class ImagePlace:
    """Where a panel draws its image: top-left corner, pixels per image pixel, shown size."""

    left: float
    top: float
    scale: float
    width: float
    height: float


def place_image(
    width: float, height: float, image_shape: tuple[int, int], *, colorbar: bool
) -> ImagePlace:
    """Fit an image (aspect kept) below the title, leaving room for a colour bar on its right."""
    area_w = max(1.0, width - 2 * PAD - (BAR_SPACE if colorbar else 0))
    area_h = max(1.0, height - TITLE_HEIGHT - PAD)
    rows, cols = max(1, image_shape[0]), max(1, image_shape[1])
    scale = min(area_w / cols, area_h / rows)
    shown_w, shown_h = cols * scale, rows * scale
    return ImagePlace(
        PAD + (area_w - shown_w) / 2, TITLE_HEIGHT + (area_h - shown_h) / 2, scale, shown_w, shown_h
    )


@dataclass(frozen=True)
class GridShape:
    """Where the panels go: ``columns`` cells of ``cell_width`` × ``cell_height`` pixels."""

    columns: int
    cell_width: float
    cell_height: float
    scrolls: bool


def grid_shape(
    count: int,
    width: float,
    height: float,
    image_shape: tuple[int, int],
    *,
    colorbar: bool,
    min_side: float,
    scrollbar: float = 0.0,
) -> GridShape:
    """Columns that make the images largest when all panels fit; else scroll at a readable size.

    ``min_side`` is the smallest readable image (its longer side on screen, px). When every panel
    fits at least that large, they fill the area; otherwise cells keep that size and the grid
    scrolls (leaving ``scrollbar`` pixels for the scroll bar).
    """
    rows_px, cols_px = max(1, image_shape[0]), max(1, image_shape[1])
    chrome_w = 2 * PAD + (BAR_SPACE if colorbar else 0)
    chrome_h = TITLE_HEIGHT + PAD
    count = max(1, count)
    best = (0.0, 1)
    for columns in range(1, count + 1):
        rows = math.ceil(count / columns)
        scale = min((width / columns - chrome_w) / cols_px, (height / rows - chrome_h) / rows_px)
        if scale > best[0]:
            best = (scale, columns)
    scale, columns = best
    if scale * max(rows_px, cols_px) >= min_side:
        rows = math.ceil(count / columns)
        return GridShape(columns, width / columns, height / rows, scrolls=False)
    width = max(1.0, width - scrollbar)
    min_scale = min_side / max(rows_px, cols_px)
    columns = max(1, min(count, int(width // (chrome_w + cols_px * min_scale))))
    cell_width = width / columns
    scale = min((cell_width - chrome_w) / cols_px, max(min_scale, (height - chrome_h) / rows_px))
    return GridShape(columns, cell_width, chrome_h + rows_px * scale, scrolls=True)
