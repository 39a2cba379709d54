"""Titled image panels in a scrolling grid: what the input view and the output panels are made of.

Every panel lives in ONE pyqtgraph scene (one ``GraphicsView``) and is placed by hand: a view per
panel, or a ``GraphicsLayout`` grid, costs far more to build when a layer has 32 filters. A
``ColorBarItem`` is a whole ``PlotItem`` (about 7 ms to build), so panels and their maps appear at
once and the colour bars follow in short slices once the maps are painted: 32 new panels never
freeze the window. The grid reports which panel and which pixel the mouse is over or clicked, so
the views only decide what that means.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

Pixel = tuple[int, int]
Levels = tuple[float, float]

TITLE_HEIGHT = 15  # one line of the small title font
PAD = 4  # around each panel's contents
BAR_WIDTH = 8  # the colour gradient
BAR_AXIS_WIDTH = 30  # tick labels beside it
BAR_GAP = 3  # between the image and its colour bar
MARKER_SIZE = 9  # the sliding-window marker never gets smaller than this on screen (px)
BAR_SLICE_SECONDS = 0.012  # colour bars are built in slices this long, so input keeps flowing
BAR_DELAY_MS = 10  # after a map arrives: time for the map itself to be painted first
BARS_BUILT_AT_ONCE = 4  # up to this many waiting bars are built at once (about 7 ms each)


def small_font() -> QFont:
    """The panels' font: a notch below the application's, so titles stay out of the way."""
    font = QFont(QApplication.font())
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    return font


class ImagePanel(pg.GraphicsWidget):
    """One image with a title and (optionally) a colour bar, fitted into whatever size it is given.

    The panel only draws: data and levels come from its view, which also decides what hovering or
    clicking means (``PanelGrid`` reports both). The colour bar is a passive legend for the image's
    levels and colour map; it is built by ``attach_colorbar`` (``PanelGrid`` does it when idle).
    """

    def __init__(self, title: str = "", colorbar: bool = True) -> None:
        super().__init__()
        palette = QApplication.palette()
        self._text_color = palette.color(QPalette.ColorRole.WindowText)
        self._accent = palette.color(QPalette.ColorRole.Highlight)
        self._selected = False
        self._marker_pixel: Pixel | None = None
        self._scale = 1.0
        self._colormap: pg.ColorMap | None = None
        self.wants_colorbar = colorbar
        self.bar: pg.ColorBarItem | None = None

        self._background = QGraphicsRectItem(self)
        self._background.setPen(QPen(Qt.PenStyle.NoPen))
        self._background.setVisible(False)
        self._title_text = title
        self._title = QGraphicsSimpleTextItem(title, self)
        self._title.setFont(small_font())
        self._title.setBrush(self._text_color)
        self.image = pg.ImageItem()
        self.image.setParentItem(self)
        self._frame = QGraphicsRectItem(self)
        self._markers = [QGraphicsRectItem(self.image) for _ in range(2)]
        for marker, (color, width) in zip(
            self._markers, [("black", 3.0), ("white", 1.0)], strict=True
        ):
            pen = QPen(QColor(color), width)
            pen.setCosmetic(True)
            marker.setPen(pen)
            marker.setVisible(False)
        self._update_frame()

    # ---- content --------------------------------------------------------------------------------

    @property
    def title(self) -> str:
        return self._title_text

    def set_title(self, text: str) -> None:
        self._title_text = text
        self._arrange()

    def set_image(self, data: np.ndarray | None, levels: Levels | None = None) -> None:
        """Show ``data`` ((H, W), or (H, W, 3) colour) on ``levels`` (None: RGB in [0, 1])."""
        if data is None:
            self.image.clear()
            return
        shape_changed = self.image.image is None or self.image.image.shape[:2] != data.shape[:2]
        self.image.setImage(data, autoLevels=False, levels=levels if levels else (0.0, 1.0))
        if levels is not None and self.bar is not None:
            self.bar.setLevels(levels)
        if shape_changed:
            self._arrange()

    def set_levels(self, levels: Levels) -> None:
        self.image.setLevels(levels)
        if self.bar is not None:
            self.bar.setLevels(levels)

    def levels(self) -> Levels | None:
        levels = self.image.getLevels()
        return None if levels is None else (float(levels[0]), float(levels[1]))

    def set_colormap(self, colormap: pg.ColorMap) -> None:
        if colormap is self._colormap:
            return
        self._colormap = colormap
        self.image.setColorMap(colormap)
        if self.bar is not None:
            self.bar.setColorMap(colormap)

    def attach_colorbar(self) -> None:
        """Build the colour bar now, showing the image's current colour map and levels."""
        if self.bar is not None or not self.wants_colorbar:
            return
        self.bar = _colour_bar(self._text_color)
        if self._colormap is not None:
            self.bar.setColorMap(self._colormap)
        levels = self.levels()
        if levels is not None:
            self.bar.setLevels(levels)
        self.bar.setParentItem(self)
        self._arrange()

    def value_at(self, pixel: Pixel) -> float | np.ndarray:
        """The shown value(s) at (row, col): a float, or the channel values of a colour image."""
        data = self.image.image
        assert data is not None
        value = data[pixel]
        return float(value) if np.ndim(value) == 0 else np.asarray(value)

    # ---- selection and the sliding-window marker -------------------------------------------------

    @property
    def selected(self) -> bool:
        return self._selected

    def set_selected(self, selected: bool) -> None:
        """Highlight: a tinted background, an accent frame and a bold title."""
        if selected == self._selected:
            return
        self._selected = selected
        font = self._title.font()
        font.setBold(selected)
        self._title.setFont(font)
        self._title.setBrush(self._accent if selected else self._text_color)
        self._update_frame()
        self._arrange()  # a bold title may need eliding

    def set_marker(self, pixel: Pixel | None) -> None:
        """Outline one pixel (the sliding window's output position), or hide the outline."""
        self._marker_pixel = pixel
        self._place_marker()

    @property
    def marker(self) -> Pixel | None:
        return self._marker_pixel

    # ---- geometry -------------------------------------------------------------------------------

    def pixel_at(self, scene_pos: QPointF) -> Pixel | None:
        """The (row, col) of the image under a scene position, or None off the image."""
        data = self.image.image
        if data is None:
            return None
        point = self.image.mapFromScene(scene_pos)
        row, col = math.floor(point.y()), math.floor(point.x())
        if 0 <= row < data.shape[0] and 0 <= col < data.shape[1]:
            return row, col
        return None

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        """Fit the image (aspect kept) below the title, the colour bar just right of it."""
        width, height = self.size().width(), self.size().height()
        self._background.setRect(0, 0, width, height)
        data = self.image.image
        bar_space = BAR_GAP + BAR_WIDTH + BAR_AXIS_WIDTH if self.wants_colorbar else 0
        area_w = max(1.0, width - 2 * PAD - bar_space)
        area_h = max(1.0, height - TITLE_HEIGHT - PAD)
        rows, cols = (1, 1) if data is None else data.shape[:2]
        self._scale = min(area_w / cols, area_h / rows)
        shown_w, shown_h = cols * self._scale, rows * self._scale
        left = PAD + (area_w - shown_w) / 2
        top = TITLE_HEIGHT + (area_h - shown_h) / 2
        self.image.setPos(left, top)
        self.image.setScale(self._scale)
        self._frame.setRect(left - 1, top - 1, shown_w + 2, shown_h + 2)
        self._title.setPos(left, max(0.0, top - TITLE_HEIGHT))
        metrics = QFontMetrics(self._title.font())
        self._title.setText(
            metrics.elidedText(self._title_text, Qt.TextElideMode.ElideRight, int(width - left))
        )
        if self.bar is not None:
            bar_h = max(shown_h, 40.0)
            self.bar.setGeometry(
                QRectF(
                    left + shown_w + BAR_GAP,
                    top + (shown_h - bar_h) / 2,
                    bar_space - BAR_GAP,
                    bar_h,
                )
            )
        self._place_marker()

    def _place_marker(self) -> None:
        pixel = self._marker_pixel
        for marker in self._markers:
            marker.setVisible(pixel is not None)
        if pixel is None:
            return
        half = max(0.5, MARKER_SIZE / 2 / self._scale)
        row, col = pixel
        for marker in self._markers:
            marker.setRect(col + 0.5 - half, row + 0.5 - half, 2 * half, 2 * half)

    def _update_frame(self) -> None:
        if self._selected:
            pen = QPen(self._accent, 3)
            tint = QColor(self._accent)
            tint.setAlpha(40)
            self._background.setBrush(tint)
        else:
            pen = QPen(QColor(128, 128, 128), 1)
        pen.setCosmetic(True)
        self._frame.setPen(pen)
        self._background.setVisible(self._selected)


def _colour_bar(text_color: QColor) -> pg.ColorBarItem:
    """A narrow, non-interactive colour bar: levels come from the view, not from dragging."""
    bar = pg.ColorBarItem(width=BAR_WIDTH, interactive=False, colorMapMenu=False)
    font = small_font()
    for name in ("left", "right", "top", "bottom"):
        axis = bar.getAxis(name)
        axis.setPen(text_color)
        axis.setTextPen(text_color)
    bar.axis.setStyle(tickFont=font, tickTextOffset=2, tickLength=3)
    bar.axis.setWidth(BAR_AXIS_WIDTH)
    bar.getAxis("left").setWidth(0)
    bar.getAxis("top").setHeight(0)
    bar.getAxis("bottom").setHeight(0)
    return bar


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
    chrome_w = 2 * PAD + (BAR_GAP + BAR_WIDTH + BAR_AXIS_WIDTH if colorbar else 0)
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
        self.setMinimumSize(120, 100)
        self._bar_timer = QTimer(self)
        self._bar_timer.setSingleShot(True)
        self._bar_timer.timeout.connect(self._attach_colorbars)

    def _waiting_for_bar(self) -> list[ImagePanel]:
        return [p for p in self._panels if p.wants_colorbar and p.bar is None]

    @property
    def colorbars_pending(self) -> bool:
        """True while a shown panel with a map still waits for its colour bar."""
        return any(p.image.image is not None for p in self._waiting_for_bar())

    def schedule_colorbars(self) -> None:
        """Build the colour bars of panels that got their first map (call after drawing maps).

        A few are built at once (cheaper than a frame); more follow in idle-time slices.
        """
        waiting = [p for p in self._waiting_for_bar() if p.image.image is not None]
        if len(waiting) <= BARS_BUILT_AT_ONCE:
            for panel in waiting:
                panel.attach_colorbar()
        elif not self._bar_timer.isActive():
            self._bar_timer.start(BAR_DELAY_MS)

    def attach_colorbars_now(self) -> None:
        """Build every waiting colour bar now (before a screenshot, say)."""
        self._bar_timer.stop()
        for panel in self._waiting_for_bar():
            panel.attach_colorbar()

    def _attach_colorbars(self) -> None:
        """Build waiting colour bars for a short slice of time, then yield to the event loop."""
        deadline = time.perf_counter() + BAR_SLICE_SECONDS
        for panel in self._waiting_for_bar():
            if panel.image.image is None:
                continue
            if time.perf_counter() > deadline:
                self._bar_timer.start(0)
                return
            panel.attach_colorbar()

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
        self.schedule_colorbars()

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


def build_panel_page(owner: QWidget, header: list[QWidget], grid: PanelGrid, hint: str) -> QLabel:
    """Lay out a panel page — header row, panel grid, hover readout — and return the readout.

    The input view and the output panels share this shape, so they read the same way.
    """
    readout = QLabel(hint)
    readout.setFont(small_font())
    readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    header_row = QHBoxLayout()
    header_row.setContentsMargins(4, 0, 0, 0)
    for index, widget in enumerate(header):
        header_row.addWidget(widget, 1 if index == 0 else 0)
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addLayout(header_row)
    layout.addWidget(grid, 1)
    layout.addWidget(readout)
    return readout
