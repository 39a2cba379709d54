"""One titled image panel: the image, its colour bar, a selection highlight and a pixel marker.

The panel only draws: data and look come from its view, which also decides what hovering or
clicking means (``PanelGrid`` reports both).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetrics, QPalette, QPen
from PySide6.QtWidgets import QApplication, QGraphicsRectItem, QGraphicsSimpleTextItem

from ...model import PREVIEW_SIDE
from ..looks import Levels, Look
from ..style import FRAME_GREY, INK_DARK, INK_LIGHT, cosmetic_pen, small_font, with_alpha
from ._colour_bar import ColourBar
from ._field_overlay import Box, FieldOverlay
from ._geometry import BAR_GAP, BAR_SPACE, MIN_BAR_HEIGHT, TITLE_HEIGHT, place_image

Pixel = tuple[int, int]
MARKER_SIZE = 9  # the sliding-window marker never gets smaller than this on screen (px)


class ImagePanel(pg.GraphicsWidget):
    """One image with a title and (optionally) a colour bar, fitted into whatever size it is given.

    The colour bar is a passive legend for the image's look (its colour map and levels).
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
        self.bar = ColourBar(self._text_color, self) if colorbar else None

        self._background = QGraphicsRectItem(self)
        self._background.setPen(QPen(Qt.PenStyle.NoPen))
        self._background.setVisible(False)
        self._title_text = title
        self._title = QGraphicsSimpleTextItem(title, self)
        self._title.setFont(small_font())
        self._title.setBrush(self._text_color)
        # Image pixels: one unit is one pixel of the full-resolution data, whatever is drawn.
        self._canvas = QGraphicsRectItem(self)
        self._canvas.setPen(QPen(Qt.PenStyle.NoPen))
        self._values: np.ndarray | None = None  # full resolution, for reading values
        self.image = pg.ImageItem()  # what is drawn (maybe a preview)
        self.image.setParentItem(self._canvas)
        self._frame = QGraphicsRectItem(self)
        self._markers = [QGraphicsRectItem(self._canvas) for _ in range(2)]
        for marker, (color, width) in zip(
            self._markers, [(INK_DARK, 3.0), (INK_LIGHT, 1.0)], strict=True
        ):
            marker.setPen(cosmetic_pen(color, width))
            marker.setVisible(False)
        self._field: FieldOverlay | None = None  # made on first use
        self._update_frame()

    # ---- content --------------------------------------------------------------------------------

    @property
    def title(self) -> str:
        return self._title_text

    def set_title(self, text: str) -> None:
        self._title_text = text
        self._arrange()

    def set_image(
        self,
        data: np.ndarray | None,
        levels: Levels | None = None,
        preview: tuple[np.ndarray, int] | None = None,
    ) -> None:
        """Show ``data`` ((H, W), or (H, W, 3) colour) on ``levels`` (None: RGB in [0, 1]).

        ``preview``: ``data`` averaged over step×step blocks and the step, drawn in its place
        (values read on hover still come from ``data``).
        """
        if data is None:
            self._values = None
            self.image.clear()
            return
        shape_changed = self._values is None or self._values.shape[:2] != data.shape[:2]
        self._values = data
        drawn, step = preview if preview is not None else (data, 1)
        # An image larger than any preview and without one (an input) is averaged down to the
        # panel's size when painted; smaller ones are cheaper to colour-map as they are.
        self.image.setAutoDownsample(max(drawn.shape[:2]) > PREVIEW_SIDE)
        self.image.setImage(drawn, autoLevels=False, levels=levels if levels else (0.0, 1.0))
        self.image.setScale(step)
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

    @property
    def colormap(self) -> pg.ColorMap | None:
        return self._colormap

    def set_look(
        self,
        look: Look,
        data: np.ndarray | None = None,
        preview: tuple[np.ndarray, int] | None = None,
    ) -> None:
        """Take ``look`` (colour map and levels), with new ``data`` (and its preview) if given."""
        self.set_colormap(look.colormap)
        if data is not None:
            self.set_image(data, look.levels, preview)
        elif self.levels() != look.levels:
            self.set_levels(look.levels)

    @property
    def has_image(self) -> bool:
        return self._values is not None

    @property
    def values(self) -> np.ndarray | None:
        """The full-resolution data shown (the drawn image may be its preview)."""
        return self._values

    def value_at(self, pixel: Pixel) -> float | np.ndarray:
        """The shown value(s) at (row, col): a float, or the channel values of a colour image."""
        data = self._values
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

    # ---- a receptive field over the image -------------------------------------------------------

    def show_field(self, mask: np.ndarray | None, box: Box | None = None) -> None:
        """Draw a receptive field (H×W bool, ``box`` its bounding box if known); None: none."""
        if self._field is None:
            if mask is None:
                return
            self._field = FieldOverlay(self._canvas)
        self._field.set_mask(mask, box)

    @property
    def field(self) -> FieldOverlay | None:
        """The receptive-field overlay, once one has been shown."""
        return self._field

    # ---- geometry -------------------------------------------------------------------------------

    def pixel_at(self, scene_pos: QPointF) -> Pixel | None:
        """The (row, col) of the image under a scene position, or None off the image."""
        data = self._values
        if data is None:
            return None
        point = self._canvas.mapFromScene(scene_pos)
        row, col = math.floor(point.y()), math.floor(point.x())
        if 0 <= row < data.shape[0] and 0 <= col < data.shape[1]:
            return row, col
        return None

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        """Place the image, title, frame and colour bar for the panel's current size."""
        width, height = self.size().width(), self.size().height()
        self._background.setRect(0, 0, width, height)
        data = self._values
        shape = (1, 1) if data is None else data.shape[:2]
        place = place_image(width, height, shape, colorbar=self.wants_colorbar)
        self._scale = place.scale
        self._canvas.setPos(place.left, place.top)
        self._canvas.setScale(place.scale)
        self._frame.setRect(place.left - 1, place.top - 1, place.width + 2, place.height + 2)
        self._title.setPos(place.left, max(0.0, place.top - TITLE_HEIGHT))
        metrics = QFontMetrics(self._title.font())
        self._title.setText(
            metrics.elidedText(
                self._title_text, Qt.TextElideMode.ElideRight, int(width - place.left)
            )
        )
        if self.bar is not None:
            bar_h = max(place.height, MIN_BAR_HEIGHT)
            self.bar.setGeometry(
                QRectF(
                    place.left + place.width + BAR_GAP,
                    place.top + (place.height - bar_h) / 2,
                    BAR_SPACE - BAR_GAP,
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
            pen = cosmetic_pen(self._accent, 3)
            self._background.setBrush(with_alpha(self._accent, 40))
        else:
            pen = cosmetic_pen(FRAME_GREY, 1)
        self._frame.setPen(pen)
        self._background.setVisible(self._selected)
