"""The transport bar: first / back / play / forward / last, speed, scrubber, and the extras.

A tool bar, so that in a narrow dock the actions that do not fit move into its » menu instead of
forcing the whole view wider.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QProxyStyle,
    QSizePolicy,
    QSlider,
    QStyle,
    QStyleHintReturn,
    QStyleOption,
    QToolBar,
    QWidget,
)

from ..style import plural
from ._pace import DEFAULT_SPEED, SPEEDS, pass_seconds, speed_text


class _JumpToClick(QProxyStyle):
    """A left click on the scrubber's groove jumps there, instead of paging towards it."""

    def styleHint(
        self,
        hint: QStyle.StyleHint,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
        returnData: QStyleHintReturn | None = None,
    ) -> int:
        if hint == QStyle.StyleHint.SH_Slider_AbsoluteSetButtons:
            return Qt.MouseButton.LeftButton.value
        return super().styleHint(hint, option, widget, returnData)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


class TransportBar(QToolBar):
    """Buttons for the view's actions, a speed list and a scrubber over every output position."""

    def __init__(
        self,
        actions: list[QAction | None],
        parent: QWidget | None = None,
        unit: str = "output position",
    ) -> None:
        """``unit`` names what the scrubber steps through in the tooltips (one of them)."""
        super().__init__(parent)
        self._unit = unit
        self.setMovable(False)
        self.setFloatable(False)
        self.setIconSize(QSize(16, 16))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.speed = QComboBox(self)
        self.speed.setObjectName("playbackSpeed")
        self.speed.setAccessibleName("Playback speed")
        for speed in SPEEDS:
            self.speed.addItem(speed_text(speed), speed)
        self.speed.setCurrentIndex(SPEEDS.index(DEFAULT_SPEED))
        # Reached with Tab, not taken by a click: after choosing a speed, Space still plays.
        self.speed.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.scrubber = QSlider(Qt.Orientation.Horizontal, self)
        self.scrubber.setObjectName("positionScrubber")
        self.scrubber.setAccessibleName("Window position")
        # No base style given: the proxy then draws with the application's style without owning
        # it (given one, it would delete it along with itself).
        self._scrubber_style = _JumpToClick()
        self._scrubber_style.setParent(self.scrubber)
        self.scrubber.setStyle(self._scrubber_style)
        self.scrubber.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.scrubber.setMinimumWidth(60)
        self.scrubber.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.scrubber.setToolTip(
            "Every output position in raster order (columns fastest, then rows): "
            "click to jump there, drag to scrub"
        )
        self.position = QLabel(self)
        self.position.setToolTip("Output position (row, col) and its number in raster order")
        sample = "(000, 000)  00000 / 00000"
        self.position.setMinimumWidth(QFontMetrics(self.position.font()).horizontalAdvance(sample))
        for action in actions:
            if action is None:
                self.addWidget(self.speed)
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
        self.speed.currentIndexChanged.connect(self._describe_speed)
        self.describe_speeds(0)

    def chosen_speed(self) -> int:
        """The speed chosen, in positions per second."""
        return int(self.speed.currentData())

    def describe_speeds(self, count: int) -> None:
        """Tooltips that say what each speed means for a map of ``count`` positions."""
        for item, speed in enumerate(SPEEDS):
            tip = f"{plural(speed, self._unit)} per second"
            if count:
                tip += f": a full pass over this map's {count} {self._unit.split()[-1]}s takes "
                tip += _duration(pass_seconds(speed, count))
            self.speed.setItemData(item, tip, Qt.ItemDataRole.ToolTipRole)
        self._describe_speed()

    def _describe_speed(self) -> None:
        """The box's own tooltip: how the speeds work, and what the chosen one means."""
        short = self._unit.split()[-1]  # 'position', 'pixel'
        self.speed.setToolTip(
            f"Playback speed in {self._unit}s per second. Up to 60/s every {short} is shown; "
            f"faster speeds move several {short}s per frame and the map still fills in every "
            "value. "
            + str(self.speed.itemData(self.speed.currentIndex(), Qt.ItemDataRole.ToolTipRole))
        )

    def show_position(self, index: int, count: int, row: int, col: int) -> None:
        """Reflect the state's position (the caller blocks the scrubber's signals)."""
        if self.scrubber.maximum() != count - 1:
            self.scrubber.setRange(0, count - 1)
            self.scrubber.setPageStep(max(1, count // 20))
            self.describe_speeds(count)
        self.scrubber.setValue(index)
        self.position.setText(f"({row}, {col})  {index + 1} / {count}")
