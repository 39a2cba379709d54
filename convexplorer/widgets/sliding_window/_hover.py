"""What the mouse points at, shown everywhere it matters in the sliding-window view.

A hovered weight (from any view, through the document) outlines the input pixel it multiplies at
the current position, on the overview and on every channel's neighbourhood. A hovered input pixel
(on the overview or a neighbourhood) outlines itself there, names the weights it meets at this
position and marks, on the output map, every output of the filter whose receptive field reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem

from ...model import DotProduct, reached_outputs, tap_in_use, taps_reading
from ...qt import Document
from ..style import HOVER_COLOR, HOVER_FILL, cosmetic_pen, number, plural
from ._channel_strip import ChannelStrip
from ._neighbourhood import Neighbourhood
from ._number_grid import NumberGrid
from ._overview import Overview

Pixel = tuple[int, int]


def _pixels_of_tap(dot: DotProduct, i: int, j: int) -> list[Pixel]:
    """Where tap (i, j) lands, and the image pixel it copies when that is in the padding."""
    tap = (int(dot.tap_rows[i, j]), int(dot.tap_cols[i, j]))
    source = (int(dot.source_rows[i, j]), int(dot.source_cols[i, j]))
    return [tap, source] if dot.in_padding[i, j] and source[0] >= 0 else [tap]


class HoverLinks(QObject):
    """Connects hover sources (the document's hovered weight, the input pictures) to the marks.

    ``dot`` returns the dot product on screen; ``refresh`` redraws the marks after the window
    moved, so a weight held under the mouse keeps pointing at the right pixel while playing.
    """

    statusMessage = Signal(str)
    #: The words a hover put on the status bar no longer hold (the hover ended, or another
    #: layer is on show): the window takes them down if they are still there.
    statusWithdrawn = Signal(str)

    def __init__(
        self,
        document: Document,
        strip: ChannelStrip,
        overview: Overview,
        output_map: pg.GraphicsView,
        dot: Callable[[], DotProduct | None],
    ) -> None:
        super().__init__(overview)
        self._document = document
        self._strip = strip
        self._overview = overview
        self._dot = dot
        self._pixel: Pixel | None = None
        self._said = ""  # the last words sent to the status bar
        # The outputs a hovered pixel feeds, drawn over the output map (public pyqtgraph API).
        self._reached = QGraphicsPathItem()
        self._reached.setPen(cosmetic_pen(HOVER_COLOR, 2))
        self._reached.setBrush(HOVER_FILL)
        self._reached.setZValue(10)
        output_map.centralWidget.addItem(self._reached)
        document.weightHovered.connect(self.refresh)
        overview.input_view.pixelHovered.connect(self.hover_pixel)

    def connect_neighbourhoods(self) -> None:
        """Listen to the strip's neighbourhoods and kernel grids (after it rebuilt its rows)."""
        for neighbourhood in self._strip.findChildren(Neighbourhood):
            if not neighbourhood.property("hoverLinked"):  # the strip kept its rows: already heard
                neighbourhood.setProperty("hoverLinked", True)
                neighbourhood.pixelHovered.connect(self.hover_pixel)
        for grid in self._strip.findChildren(NumberGrid, "kernelGrid"):
            if not grid.property("hoverLinked"):
                grid.setProperty("hoverLinked", True)
                grid.cellHovered.connect(partial(self._kernel_cell_hovered, grid))

    def _kernel_cell_hovered(self, grid: NumberGrid, cell: tuple[int, int] | None) -> None:
        """A weight of the view's own kernel grid is hovered: the same as in the editor."""
        dot, slot = self._dot(), grid.property("slot")
        if cell is None or dot is None or slot is None:
            self._document.hover_weight(None)
            return
        typed = tap_in_use(self._document.view.spec, *cell)  # the grid shows the kernel in use
        self._document.hover_weight(dot.out_channel, int(slot), *typed)

    def hover_pixel(self, pixel: Pixel | None) -> None:
        """An input pixel under the mouse (None: it left)."""
        self._pixel = pixel
        self.refresh()

    def reached_cells(self) -> list[QRectF]:
        """The output cells marked as fed by the hovered pixel (for tests)."""
        return [polygon.boundingRect() for polygon in self._reached.path().toSubpathPolygons()]

    def refresh(self, *_: object) -> None:
        """Redraw every mark from the hovered pixel, else the hovered weight, for the frame."""
        dot = self._dot()
        pixels: list[Pixel] = []
        reached = QPainterPath()
        text = ""
        if dot is not None and self._pixel is not None:
            pixels, reached, text = self._pixel_marks(dot, self._pixel)
        elif dot is not None and self._document.hovered_weight is not None:
            pixels, text = self._weight_marks(dot, *self._document.hovered_weight)
        self._reached.setPath(reached)
        self._overview.input_view.show_hover(pixels)
        for neighbourhood in self._strip.neighbourhoods():  # the rows on show
            neighbourhood.show_hover(pixels)
        self._overview.input_caption.setText(text)
        if text:
            self.statusMessage.emit(text)
        elif self._said:
            self.statusWithdrawn.emit(self._said)
        self._said = text

    def _weight_marks(
        self, dot: DotProduct, o: int, slot: int, i: int, j: int
    ) -> tuple[list[Pixel], str]:
        kh, kw = dot.tap_rows.shape
        spec = self._document.view.spec
        if not (0 <= o < spec.out_channels and 0 <= slot < spec.in_per_group):
            return [], ""
        if not (0 <= i < kh and 0 <= j < kw):
            return [], ""
        ti, tj = tap_in_use(spec, i, j)  # the typed weight's place in the kernel in use
        pixels = _pixels_of_tap(dot, ti, tj)
        channel = spec.filter_input_channels(o)[slot]
        row, col = pixels[-1]
        weight = number(self._document.view.weight[o, slot, i, j])
        read = (
            "zero padding" if dot.in_padding[ti, tj] and row < 0 else f"in {channel} ({row}, {col})"
        )
        return pixels, f"w[{o}, {slot}, {i}, {j}] = {weight} multiplies {read}"

    def _pixel_marks(self, dot: DotProduct, pixel: Pixel) -> tuple[list[Pixel], QPainterPath, str]:
        view = self._document.view
        _, height, width = view.image.shape
        row, col = pixel
        rows, cols = reached_outputs(view.spec, height, width, row, col)
        reached = QPainterPath()
        for r in rows.tolist():
            for c in cols.tolist():
                reached.addRect(QRectF(c, r, 1, 1))
        met = np.argwhere(taps_reading(dot, row, col))
        pixels = [pixel] + [
            (int(dot.tap_rows[i, j]), int(dot.tap_cols[i, j]))
            for i, j in met
            if dot.in_padding[i, j]
        ]
        count = len(rows) * len(cols)
        pooled = bool(view.spec.pool)  # a pool has no kernel: the pixel is in a window
        if len(met):
            taps = ", ".join(f"({i}, {j})" for i, j in met.tolist())
            what = "lies in the window at tap" if pooled else "meets kernel tap"
            meets = f"{what} {taps} at out({dot.row}, {dot.col})"
        else:
            meets = f"is outside the window of out({dot.row}, {dot.col})"
        owner = "channel" if pooled else "filter"
        feeds = f"feeds {plural(count, 'output')} of {owner} {dot.out_channel}"
        return pixels, reached, f"pixel ({row}, {col}) {meets}; {feeds}"
