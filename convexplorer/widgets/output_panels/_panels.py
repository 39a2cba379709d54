"""Every output channel's feature map, one titled panel each, redrawn only when its filter changes.

Clicking a panel selects its filter (and, on the image, the sliding window's position): the
selection lives in the state, and the highlight follows the state's ``selectionChanged``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QLabel, QWidget

from ...qt import Document
from ..image_panels import ImagePanel, PanelGrid, PanelPool, Pixel, build_panel_page
from ..looks import Look, ValueRange, output_looks
from ..style import after_activation, number

HINT = "Hover a map to read a value; click to select that filter and position."


#: Output pixels colour-mapped per pass of the event loop (about 7 ms here): 16 maps of 1024²
#: arrive in a few passes instead of one 40 ms freeze, the selected filter's first.
PIXELS_PER_PASS = 3_000_000


class OutputPanels(QWidget):
    """One panel per output channel (``out 0``, ``out 1``, …) with a colour bar each.

    ``shared_scaling_action`` (checkable) switches between one colour scale per panel and one
    shared by all panels; ``looks.output_looks`` decides each panel's map and levels (the exports
    ask it the same question). Hover readouts go to the footer line and to ``statusMessage``.
    """

    statusMessage = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outputPanels")
        self._document = document
        self._view = document.view
        self._pool = PanelPool(lambda o: ImagePanel(f"out {o}"))
        self._shown: list[ImagePanel] = []
        self._ranges: dict[int, ValueRange] = {}  # of the channels drawn: an edit scans one map
        self._waiting: list[int] = []  # ready channels whose new images are not drawn yet
        self._drawer = QTimer(self)
        self._drawer.setSingleShot(True)
        self._drawer.setInterval(0)
        self._drawer.timeout.connect(self._draw_waiting)
        self._hover: tuple[int, Pixel | None] = (-1, None)

        self.shared_scaling_action = QAction("Shared scale", self)
        self.shared_scaling_action.setCheckable(True)
        self.shared_scaling_action.setToolTip(
            "One colour scale for every output map, to compare how strongly filters respond.\n"
            "Off: each map has its own scale, to see each one's detail."
        )
        self.shared_scaling_action.toggled.connect(self._set_shared)

        self._shape_label = QLabel()
        self._shape_label.setToolTip("output channels × rows × columns")
        scaling_box = QCheckBox(self.shared_scaling_action.text())
        scaling_box.setToolTip(self.shared_scaling_action.toolTip())
        scaling_box.setObjectName("sharedScale")
        scaling_box.setAccessibleName("Shared colour scale for every output")
        scaling_box.toggled.connect(self.shared_scaling_action.setChecked)
        self.shared_scaling_action.toggled.connect(scaling_box.setChecked)
        self._grid = PanelGrid(min_side=96)
        self._grid.view.setToolTip(
            "One map per output channel (filter). Click a map to select its filter;\n"
            "click a pixel to move the sliding window there."
        )
        self._grid.hovered.connect(self._on_hover)
        self._grid.clicked.connect(self._on_click)
        self._readout = build_panel_page(self, [self._shape_label, scaling_box], self._grid, HINT)

        document.layerChanged.connect(self._rebuild)
        document.inputChanged.connect(self._rebuild)
        document.activationChanged.connect(self._on_activation)
        document.outputsChanged.connect(self._redraw)
        document.selectionChanged.connect(self._show_selection)
        self._on_activation()
        self._rebuild()
        self._draw_waiting()  # what is ready now, at once

    # ---- for tests and the main window --------------------------------------------------------

    @property
    def panels(self) -> list[ImagePanel]:
        """The shown panels; panel ``o`` shows output channel ``o``."""
        return list(self._shown)

    @property
    def grid(self) -> PanelGrid:
        return self._grid

    @property
    def readout(self) -> str:
        return self._readout.text()

    @property
    def shared(self) -> bool:
        """Whether one colour scale is shared by all panels (the exports follow it)."""
        return self.shared_scaling_action.isChecked()

    def looks(self) -> dict[int, Look]:
        """The look of every drawn output channel, as the panels show it."""
        return output_looks(self._ranges, self._view.activation, self.shared)

    # ---- following the model -------------------------------------------------------------------

    def _rebuild(self) -> None:
        """Show one panel per output channel (reusing panels) and draw the outputs already known."""
        count = self._view.spec.out_channels
        self._shown = self._pool.take(count)
        self._ranges.clear()
        self._waiting.clear()
        self._grid.set_panels(self._shown, self._view.output_size)
        self._update_header()
        stale = set(self._view.stale_channels)
        # Queued, not drawn: another layer selected says its ready channels next
        # (``outputsChanged``), which draws them once; the timer draws them if nothing does.
        self._queue([o for o in range(count) if o not in stale])
        self._drawer.start()
        self._show_selection()

    def _on_activation(self) -> None:
        """New activation: every range is out of date (the adapter sends every channel again)."""
        self._ranges.clear()
        self._update_header()

    def _redraw(self, channels: list[int]) -> None:
        """New images for ``channels``, a slice of pixels per pass of the event loop (the
        selected filter's first); other panels change look only if a shared scale moved."""
        self._queue(channels)
        self._draw_waiting()

    def _queue(self, channels: list[int]) -> None:
        """Note ``channels``' ranges and put them in the drawing queue, the selected first."""
        for o in channels:
            shown_range = self._view.output_range(o) if o < len(self._shown) else None
            if shown_range is not None:
                self._ranges[o] = shown_range  # computed with the output
                if o not in self._waiting:
                    self._waiting.append(o)
        selected = self._view.selected_filter
        self._waiting.sort(key=lambda o: (o != selected, o))

    def _draw_waiting(self) -> None:
        """Draw waiting images until ``PIXELS_PER_PASS`` are colour-mapped, then yield."""
        images: dict[int, np.ndarray] = {}
        budget = PIXELS_PER_PASS
        while self._waiting and budget > 0:
            o = self._waiting.pop(0)
            image = self._view.output(o) if o < len(self._shown) else None
            if image is not None:
                images[o] = image
                budget -= image.size
        if self._waiting:
            self._drawer.start()
        if not images:
            return
        self._apply_looks(images)
        if self._hover[0] in images:
            self._on_hover(*self._hover)

    def _apply_looks(self, images: dict[int, np.ndarray]) -> None:
        for o, look in self.looks().items():
            image = images.get(o)
            preview = None if image is None else self._view.output_preview(o)
            self._shown[o].set_look(look, image, preview)

    def _set_shared(self, _shared: bool) -> None:
        self._apply_looks({})

    def _show_selection(self) -> None:
        selected = self._view.selected_filter
        position = self._view.position
        for o, panel in enumerate(self._shown):
            panel.set_selected(o == selected)
            panel.set_marker(position if o == selected else None)

    def _update_header(self) -> None:
        height, width = self._view.output_size
        count = self._view.spec.out_channels
        after = after_activation(self._view.activation, " · ")
        self._shape_label.setText(f"<b>Output</b> {count} × {height} × {width}{after}")

    # ---- mouse -----------------------------------------------------------------------------------

    def _on_click(self, index: int, pixel: Pixel | None) -> None:
        height, width = self._view.output_size
        if pixel is not None and pixel[0] < height and pixel[1] < width:
            self._document.select(out_channel=index, position=pixel)
        else:
            self._document.select(out_channel=index)

    def _on_hover(self, index: int, pixel: Pixel | None) -> None:
        self._hover = (index, pixel)
        panel = self._shown[index] if 0 <= index < len(self._shown) else None
        if panel is None or pixel is None or not panel.has_image:
            self._readout.setText(HINT)
            self.statusMessage.emit("")
            return
        row, col = pixel
        text = f"out {index} · row {row}, col {col} · value {number(panel.value_at(pixel))}"
        self._readout.setText(text)
        self.statusMessage.emit(text)
