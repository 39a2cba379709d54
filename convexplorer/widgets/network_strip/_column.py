"""One column of the network strip: a layer (or the input) with its shapes and feature maps."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QMoveEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from ...model import FieldBox
from .. import style
from ._thumbs import THUMB_SIDE

#: Feature maps shown per column (the rest are counted): enough to see a bank of filters.
MAX_SHOWN = 16
#: Rows of maps: as tall as the input photo, so a column is as narrow as it can be.
ROWS = 2
#: The selected column's border, in pixels.
BORDER = 2


class StripColumn(QFrame):
    """Title, what the layer is, its output shape and parameter count, and small maps.

    Clicking anywhere on it emits ``clicked``; the selected column wears the selection colour.
    """

    clicked = Signal()
    placed = Signal()  # moved or resized: laid out in the strip's row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(5, 2, 5, 2)
        layout.setSpacing(1)
        self.title = QLabel(self)  # name and what it is, on one line
        self.shape = QLabel(self)
        self.title.setFont(style.small_font())
        self.shape.setFont(style.small_font())
        self.shape.setStyleSheet(style.text_css(style.NOTE_TEXT))
        layout.addWidget(self.title)
        layout.addWidget(self.shape)
        self._maps = QGridLayout()
        self._maps.setSpacing(1)
        layout.addLayout(self._maps)
        self._more = QLabel(self)  # "+ 16 more maps", beside the maps
        self._more.setFont(style.small_font())
        self._more.setStyleSheet(style.text_css(style.HINT_TEXT))
        layout.addStretch(1)
        self._thumbs: list[QLabel] = []
        self._pictures: list[QPixmap | None] = []  # each thumbnail as drawn, without marks
        self._map_shape = (1, 1)  # (H, W) of the maps the thumbnails show
        self._laid_out: tuple[int, QSize] | None = None  # the map count and size laid out
        self._box: FieldBox | None = None
        self._selected = False
        # Room for the selection's border, set once (transparent: paintEvent draws it).
        clear = style.TRANSPARENT.name(QColor.NameFormat.HexArgb)
        self.setStyleSheet(
            f"StripColumn {{ border: {BORDER}px solid {clear}; border-radius: 4px; }}"
        )

    def set_text(self, title: str, detail: str, shape: str, tip: str) -> None:
        self.title.setText(f"<b>{title}</b>&nbsp; {detail}")
        self.shape.setText(shape)
        self.setToolTip(tip)
        self.setAccessibleName(title)
        self.setAccessibleDescription(f"{detail}; {shape}")

    def set_map_count(self, count: int, size: QSize | None = None) -> None:
        """Room for ``count`` maps (at most ``MAX_SHOWN`` drawn, the rest counted) in two rows
        (the input photo's height: the strip stays as narrow as it can), each ``size`` pixels
        (default: a thumbnail's square)."""
        size = size or QSize(THUMB_SIDE, THUMB_SIDE)
        if (count, size) == self._laid_out:
            return  # asked on every change of the stack: laying out again would cost a repaint
        self._laid_out = (count, size)
        shown = min(count, MAX_SHOWN)
        while len(self._thumbs) < shown:
            label = QLabel(self)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._thumbs.append(label)
            self._pictures.append(None)
        while len(self._thumbs) > shown:
            self._thumbs.pop().deleteLater()
            self._pictures.pop()
        per_row = max(1, math.ceil(shown / ROWS))
        for index, label in enumerate(self._thumbs):
            label.setFixedSize(size)
            self._maps.addWidget(label, index // per_row, index % per_row)
            label.show()  # now, not when the layout gets to it: the size hint counts it at once
        self._maps.addWidget(self._more, 0, per_row, ROWS, 1)
        hidden = count - shown
        self._more.setText(f"+ {style.plural(hidden, 'more map')}" if hidden else "")
        self._more.setVisible(hidden > 0)

    @property
    def map_count(self) -> int:
        return len(self._thumbs)

    def set_map(
        self, index: int, pixmap: QPixmap | None, tip: str, shape: tuple[int, int] = (1, 1)
    ) -> None:
        """Thumbnail ``index``: ``pixmap`` drawn from a map of ``shape`` (H, W)."""
        if index >= len(self._thumbs):
            return
        self._pictures[index] = pixmap
        self._map_shape = shape
        self._thumbs[index].setToolTip(tip)
        self._draw(index)

    @property
    def marked(self) -> FieldBox | None:
        """The box outlined on the thumbnails (a receptive field), None when none is."""
        return self._box

    def mark(self, box: FieldBox | None) -> None:
        """Outline ``box`` (pixels of these maps) on every thumbnail; None: no mark."""
        if box == self._box:
            return
        self._box = box
        for index in range(len(self._thumbs)):
            self._draw(index)

    def _draw(self, index: int) -> None:
        label, picture = self._thumbs[index], self._pictures[index]
        if picture is None:
            label.clear()
            return
        if self._box is None:
            label.setPixmap(picture)
            return
        marked = QPixmap(picture)
        height, width = self._map_shape
        sx, sy = picture.width() / width, picture.height() / height
        row, col, rows, cols = self._box
        painter = QPainter(marked)
        painter.setPen(QPen(style.FIELD_COLOR, 1))
        painter.setBrush(style.FIELD_FILL)
        painter.drawRect(
            QRectF(col * sx, row * sy, max(cols * sx, 2.0), max(rows * sy, 2.0)).adjusted(
                0, 0, -0.5, -0.5
            )
        )
        painter.end()
        label.setPixmap(marked)

    @property
    def is_selected(self) -> bool:
        return self._selected

    def set_selected(self, selected: bool) -> None:
        """Wear the selection colour (drawn in ``paintEvent``: a new style sheet would re-polish
        the column and every thumbnail in it, some 1.3 ms a column on each click)."""
        if selected != self._selected:
            self._selected = selected
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._selected:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(style.SELECTED_COLOR, BORDER))
        half = BORDER / 2
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(half, half, -half, -half), 4, 4)
        painter.end()

    def moveEvent(self, event: QMoveEvent) -> None:
        super().moveEvent(event)
        self.placed.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.placed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
            event.accept()
            return
        super().mousePressEvent(event)
