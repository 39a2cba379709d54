"""Hovering an output pixel shows, on the input view, exactly which input pixels it reads —
and, through a stack, on every earlier layer's maps in the network strip and on the image.

The sliding window shows the window of the *selected* position on its own picture; this answers
"what does this pixel see?" for any pixel under the mouse, on the input dock's panels: the holes
a dilation leaves, the rows a zero padding cuts off, the pixels reflect, replicate or circular
padding copy in from the far side — with its size in words in the input view's readout.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from ..model import ReceptiveField, receptive_field
from ..qt import Document
from ..widgets.image_panels import Pixel
from ..widgets.input_view import InputView
from ..widgets.network_strip import NetworkStrip
from ..widgets.output_panels import OutputPanels


class ReceptiveLink(QObject):
    """Follows the mouse over the output panels and draws the field on the input view."""

    def __init__(
        self,
        document: Document,
        outputs: OutputPanels,
        inputs: InputView,
        strip: NetworkStrip,
    ) -> None:
        super().__init__(inputs)
        self._document = document
        self._inputs = inputs
        self._strip = strip
        self.field: ReceptiveField | None = None
        outputs.grid.hovered.connect(self._hovered)
        # a new layer or input makes the field drawn a field of something else
        document.layerChanged.connect(self._clear)
        document.inputChanged.connect(self._clear)

    def _clear(self, *_: object) -> None:
        self.field = None
        self._inputs.show_field(None)
        self._strip.show_field(None)

    def _hovered(self, index: int, pixel: Pixel | None) -> None:
        view, stack = self._document.view, self._document.stack
        height, width = view.output_size
        if index < 0 or pixel is None or not (pixel[0] < height and pixel[1] < width):
            self._clear()  # off every map, or on a map drawn for the layer before an edit
            return
        # the field on the image and on every map before the selected layer's output
        self.field = receptive_field(stack.layer(0).image.shape, stack.specs, stack.selected, pixel)
        self._inputs.show_field(self.field, stack.selected)
        self._strip.show_field(self.field)
