"""Image panels in a scrolling grid, all in ONE pyqtgraph scene, with hit-testing for the mouse.

Every panel is placed by hand in one ``GraphicsView``: a view per panel, or a ``GraphicsLayout``
grid, costs far more to build when a layer has 32 filters. The grid reports which panel and which
pixel the mouse is over or clicked, so the views only decide what that means.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

from ._geometry import grid_shape
from ._panel import ImagePanel, Pixel


class _Canvas(pg.GraphicsView):
    """The one view every panel of a grid is drawn in; it reports the mouse in scene coordinates."""

    moved = Signal(QPointF)
    left = Signal()

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        self.moved.emit(self.mapToScene(event.position().toPoint()))

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self.left.emit()


class PanelGrid(QScrollArea):
    """Lays out image panels in as many columns as fit, scrolling when there are too many.

    ``hovered(index, pixel)`` follows the mouse (index -1 and pixel None off every panel);
    ``clicked(index, pixel)`` reports a left click on a panel (pixel None off its image).
    """

    hovered = Signal(int, object)
    clicked = Signal(int, object)

    def __init__(self, min_side: float = 96.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._min_side = min_side
        self._panels: list[ImagePanel] = []
        self._image_shape = (1, 1)
        self._colorbar = False
        self._hover: tuple[int, Pixel | None] = (-1, None)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidgetResizable(False)
        self.view = _Canvas(background=self.palette().color(QPalette.ColorRole.Window))
        self.view.moved.connect(self._mouse_moved)
        self.view.left.connect(lambda: self._set_hover(-1, None))
        self.view.scene().sigMouseClicked.connect(self._mouse_clicked)
        self.view.viewport().installEventFilter(self)
        self.setWidget(self.view)
        self.setMinimumSize(120, 72)  # a row of maps: on 1280×800 the layer summary keeps 3 lines

    # ---- panels and layout ----------------------------------------------------------------------

    @property
    def panels(self) -> list[ImagePanel]:
        return list(self._panels)

    def set_panels(self, panels: Sequence[ImagePanel], image_shape: tuple[int, int]) -> None:
        """Show exactly ``panels`` (in order), laid out for images of ``image_shape`` (H, W)."""
        scene = self.view.scene()
        for panel in self._panels:
            if panel not in panels:
                panel.setVisible(False)
        for panel in panels:
            if panel.scene() is not scene:
                scene.addItem(panel)
            panel.setVisible(True)
        self._panels = list(panels)
        self._image_shape = image_shape
        self._colorbar = any(panel.wants_colorbar for panel in panels)
        self._relayout()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout()

    def eventFilter(self, watched, event) -> bool:
        """The wheel over the panels scrolls them (nothing in a panel zooms)."""
        if watched is self.view.viewport() and event.type() == QEvent.Type.Wheel:
            self.wheelEvent(event)
            return True
        return super().eventFilter(watched, event)

    def _relayout(self) -> None:
        width, height = self.width(), self.height()
        shape = grid_shape(
            len(self._panels),
            width,
            height,
            self._image_shape,
            colorbar=self._colorbar,
            min_side=self._min_side,
            scrollbar=self.verticalScrollBar().sizeHint().width(),
        )
        rows = math.ceil(len(self._panels) / shape.columns) if self._panels else 0
        content_w = shape.columns * shape.cell_width
        self.view.resize(int(content_w), max(height, math.ceil(rows * shape.cell_height)))
        for index, panel in enumerate(self._panels):
            row, column = divmod(index, shape.columns)
            panel.setGeometry(
                QRectF(
                    column * shape.cell_width,
                    row * shape.cell_height,
                    shape.cell_width,
                    shape.cell_height,
                )
            )

    # ---- hit-testing ----------------------------------------------------------------------------

    def panel_at(self, scene_pos: QPointF) -> int:
        for index, panel in enumerate(self._panels):
            if panel.geometry().contains(scene_pos):
                return index
        return -1

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        index = self.panel_at(scene_pos)
        pixel = self._panels[index].pixel_at(scene_pos) if index >= 0 else None
        self._set_hover(index, pixel)

    def _set_hover(self, index: int, pixel: Pixel | None) -> None:
        if (index, pixel) != self._hover:
            self._hover = (index, pixel)
            self.hovered.emit(index, pixel)

    def _mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        scene_pos = event.scenePos()
        index = self.panel_at(scene_pos)
        if index >= 0:
            self.clicked.emit(index, self._panels[index].pixel_at(scene_pos))
