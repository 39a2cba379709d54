"""One column of the network strip: a layer (or the input) with its shapes and feature maps."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from .. import style
from ._thumbs import THUMB_SIDE

#: Feature maps shown per column (the rest are counted): enough to see a bank of filters.
MAX_SHOWN = 16
PER_ROW = 8


class StripColumn(QFrame):
    """Title, what the layer is, its output shape and parameter count, and small maps.

    Clicking anywhere on it emits ``clicked``; the selected column wears the selection colour.
    """

    clicked = Signal()

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
        self._maps.addWidget(self._more, 0, PER_ROW)
        layout.addStretch(1)
        self._thumbs: list[QLabel] = []
        self.set_selected(False)

    def set_text(self, title: str, detail: str, shape: str, tip: str) -> None:
        self.title.setText(f"<b>{title}</b>&nbsp; {detail}")
        self.shape.setText(shape)
        self.setToolTip(tip)
        self.setAccessibleName(title)
        self.setAccessibleDescription(f"{detail}; {shape}")

    def set_map_count(self, count: int) -> None:
        """Room for ``count`` maps (at most ``MAX_SHOWN`` drawn, the rest counted)."""
        shown = min(count, MAX_SHOWN)
        while len(self._thumbs) < shown:
            label = QLabel(self)
            label.setFixedSize(THUMB_SIDE, THUMB_SIDE)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            index = len(self._thumbs)
            self._maps.addWidget(label, index // PER_ROW, index % PER_ROW)
            self._thumbs.append(label)
        while len(self._thumbs) > shown:
            self._thumbs.pop().deleteLater()
        hidden = count - shown
        self._more.setText(f"+ {style.plural(hidden, 'more map')}" if hidden else "")
        self._more.setVisible(hidden > 0)

    @property
    def map_count(self) -> int:
        return len(self._thumbs)

    def set_map(self, index: int, pixmap: QPixmap | None, tip: str) -> None:
        if index >= len(self._thumbs):
            return
        label = self._thumbs[index]
        if pixmap is None:
            label.clear()
        else:
            label.setPixmap(pixmap)
        label.setToolTip(tip)

    def set_selected(self, selected: bool) -> None:
        colour = (style.SELECTED_COLOR if selected else style.TRANSPARENT).name(
            QColor.NameFormat.HexArgb
        )
        self.setStyleSheet(f"StripColumn {{ border: 2px solid {colour}; border-radius: 4px; }}")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
            event.accept()
            return
        super().mousePressEvent(event)
