"""Two spin boxes for an (h, w) setting, since PyTorch accepts a pair wherever it accepts an int."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QWidget


class PairSpin(QWidget):
    """(h, w) spin boxes; ``valueChanged`` fires once per committed change of either."""

    valueChanged = Signal()

    def __init__(
        self, minimum: int, maximum: int, tooltip: str, name: str, parent: QWidget | None = None
    ):
        """``name`` is the object name; the spin boxes are ``{name}Height`` and ``{name}Width``."""
        super().__init__(parent)
        self.setObjectName(name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self._spins = []
        for axis, axis_name in enumerate(("height", "width")):
            spin = QSpinBox(self)
            spin.setRange(minimum, maximum)
            spin.setKeyboardTracking(False)
            spin.setToolTip(f"{tooltip} ({axis_name})")
            spin.setAccessibleName(f"{tooltip} {axis_name}")
            spin.setObjectName(f"{name}{axis_name.capitalize()}")
            spin.valueChanged.connect(self.valueChanged)
            self._spins.append(spin)
            layout.addWidget(spin)
            if axis == 0:
                layout.addWidget(QLabel("×", self))
        self.setToolTip(tooltip)

    @property
    def spins(self) -> list[QSpinBox]:
        return list(self._spins)

    def value(self) -> tuple[int, int]:
        return (self._spins[0].value(), self._spins[1].value())

    def set_value(self, value: tuple[int, int]) -> None:
        """Show ``value`` without emitting: the model is the source, not this widget."""
        for spin, v in zip(self._spins, value, strict=True):
            with QSignalBlocker(spin):
                spin.setValue(v)
