"""The transport bar: first / back / play / forward / last, speed, scrubber, and the extras.

A tool bar, so that in a narrow dock the actions that do not fit move into its » menu instead of
forcing the whole view wider.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy, QSlider, QSpinBox, QToolBar, QWidget


class TransportBar(QToolBar):
    """Buttons for the view's actions, a speed box and a scrubber over every output position."""

    def __init__(self, actions: list[QAction | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMovable(False)
        self.setFloatable(False)
        self.setIconSize(QSize(16, 16))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.fps = QSpinBox(self)
        self.fps.setObjectName("playbackSpeed")
        self.fps.setAccessibleName("Playback speed")
        self.fps.setRange(1, 60)
        self.fps.setSuffix(" fps")
        self.fps.setToolTip("Playback speed: window steps per second")
        self.fps.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.scrubber = QSlider(Qt.Orientation.Horizontal, self)
        self.scrubber.setObjectName("positionScrubber")
        self.scrubber.setAccessibleName("Window position")
        self.scrubber.setMinimumWidth(60)
        self.scrubber.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.scrubber.setToolTip(
            "Every output position in raster order (columns fastest, then rows): drag to scrub"
        )
        self.position = QLabel(self)
        self.position.setToolTip("Output position (row, col) and its number in raster order")
        sample = "(000, 000)  00000 / 00000"
        self.position.setMinimumWidth(QFontMetrics(self.position.font()).horizontalAdvance(sample))
        for action in actions:
            if action is None:
                self.addWidget(self.fps)
                self.addWidget(self.scrubber)
                self.addWidget(self.position)
                continue
            self.addAction(action)
            button = self.widgetForAction(action)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setObjectName(f"{action.objectName()}Button")
            button.setAccessibleName(action.text())
            if not action.icon().isNull():
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)  # type: ignore[attr-defined]

    def show_position(self, index: int, count: int, row: int, col: int) -> None:
        """Reflect the state's position (the caller blocks the scrubber's signals)."""
        if self.scrubber.maximum() != count - 1:
            self.scrubber.setRange(0, count - 1)
            self.scrubber.setPageStep(max(1, count // 20))
        self.scrubber.setValue(index)
        self.position.setText(f"({row}, {col})  {index + 1} / {count}")
