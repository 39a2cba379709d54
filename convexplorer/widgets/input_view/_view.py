"""The input: a colour composite when it is the photo, and every channel as its own panel.

All channel panels share one scale (one legend in the header), so channels can be compared at a
glance: a bright patch in ``in 0 (R)`` and a dark one in ``in 2 (B)`` mean what they look like. An
RGB photo's channels are tinted red, green and blue, so each panel says which channel it is. Only
the first layer's input is a photo (``StateView.input_is_photo``): a later layer's 3 inputs are
the maps the layer before made, shown like any other count of maps.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QWidget

from ...model import PREVIEW_SIDE, ReceptiveField
from ...qt import Document
from ..image_panels import ImagePanel, PanelGrid, PanelPool, Pixel, build_panel_page
from ..looks import input_looks, photo_rgb
from ..style import RGB_NAMES, SEQUENTIAL, channel_label, number
from ._legend import ScaleLegend

COMPOSITE_TITLE = "RGB image"
HINT = "Hover a channel to read its values."


class InputView(QWidget):
    """Input channels as labelled panels (plus the RGB composite), with the size in the header."""

    statusMessage = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inputView")
        self._view = document.view
        self._composite = ImagePanel(COMPOSITE_TITLE, colorbar=False)
        self._pool = PanelPool(lambda _: ImagePanel(colorbar=False))
        self._shown: list[ImagePanel] = []
        self._hover: tuple[int, Pixel | None] = (-1, None)
        self._field: ReceptiveField | None = None  # drawn over every panel

        self._shape_label = QLabel()
        self._shape_label.setToolTip("input channels × rows × columns")
        self._legend = ScaleLegend(self)
        self._grid = PanelGrid(min_side=56)
        self._grid.view.setToolTip(
            "One panel per input channel, all on the colour scale shown above.\n"
            "Hover to read a value; hover an output pixel to see here every input pixel it reads."
        )
        self._grid.hovered.connect(self._on_hover)
        self._readout = build_panel_page(self, [self._shape_label, self._legend], self._grid, HINT)

        document.inputChanged.connect(self._rebuild)
        document.layerChanged.connect(self._rebuild)
        self._drawn: tuple[int, bool] | None = None  # (``input_version``, ``input_is_photo``)
        self._rebuild()

    # ---- for tests and the main window ---------------------------------------------------------

    @property
    def panels(self) -> list[ImagePanel]:
        """The shown panels: the composite first (for the photo), then one per channel."""
        return list(self._shown)

    @property
    def grid(self) -> PanelGrid:
        return self._grid

    @property
    def legend(self) -> ScaleLegend:
        return self._legend

    @property
    def shape_text(self) -> str:
        return self._shape_label.text()

    @property
    def readout(self) -> str:
        return self._readout.text()

    @property
    def field(self) -> ReceptiveField | None:
        """The receptive field drawn over the panels, if any."""
        return self._field

    def show_field(self, field: ReceptiveField | None, map_index: int = 0) -> None:
        """Draw ``field``'s pixels of the map shown here (its ``map_index``: the selected
        layer's input in a stack) over every panel and say it in the readout (None: take it
        away). The main window calls this while an output pixel is hovered."""
        self._field = field
        mask, box = (
            (None, None) if field is None else (field.masks[map_index], field.boxes[map_index])
        )
        for panel in self._shown:
            panel.show_field(mask, box)
        if field is not None:
            self._readout.setText(field.words)
        elif self._hover[1] is None:
            self._readout.setText(HINT)

    # ---- following the model ---------------------------------------------------------------------

    def _rebuild(self) -> None:
        photo = self._view.input_is_photo
        if (self._view.input_version, photo) == self._drawn:
            return  # a layer change that kept the input: nothing here changed
        self._drawn = (self._view.input_version, photo)
        self.show_field(None)  # a field of the old input
        image = self._view.image
        channels, height, width = image.shape
        looks = input_looks(self._view.input_ranges, photo=photo)
        self._shown = self._pool.take(channels)
        # Large inputs are drawn from every step-th pixel (a free view): colour-mapping or
        # averaging a 1024² input per panel would stall opening it. Hover reads full values.
        step = max(1, math.ceil(max(height, width) / PREVIEW_SIDE))
        small = image[:, ::step, ::step]
        for c, (panel, look) in enumerate(zip(self._shown, looks, strict=True)):
            panel.set_title(channel_label(c, photo=photo))
            panel.set_look(look, image[c], None if step == 1 else (small[c], step))
        levels = looks[0].levels
        if photo:
            composite = photo_rgb(small, levels)
            if step == 1:
                self._composite.set_image(composite)
            else:  # hover reads the input's own values
                self._composite.set_image(np.moveaxis(image, 0, -1), preview=(composite, step))
            self._shown = [self._composite, *self._shown]
        else:
            self._composite.set_image(None)
        # Tinted channels share one brightness scale: the legend shows it in grey.
        signed = looks[0].signed
        self._legend.set_scale(looks[0].colormap if signed or not photo else SEQUENTIAL, levels)
        self._grid.set_panels(self._shown, (height, width))
        self._shape_label.setText(f"<b>Input</b> {channels} × {height} × {width}")

    # ---- mouse -----------------------------------------------------------------------------------

    def _on_hover(self, index: int, pixel: Pixel | None) -> None:
        self._hover = (index, pixel)
        if not (0 <= index < len(self._shown)) or pixel is None:
            self._readout.setText(HINT)
            self.statusMessage.emit("")
            return
        row, col = pixel
        image = self._view.image
        panel = self._shown[index]
        if panel is self._composite:
            values = ", ".join(
                f"{name} {number(image[c, row, col])}" for c, name in enumerate(RGB_NAMES)
            )
            text = f"{COMPOSITE_TITLE} · row {row}, col {col} · {values}"
        else:
            text = f"{panel.title} · row {row}, col {col} · value {number(panel.value_at(pixel))}"
        self._readout.setText(text)
        self.statusMessage.emit(text)
