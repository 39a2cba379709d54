"""Labels whose size hints never follow their text, so numbers changing every frame never make the
window re-negotiate its layout (nor ask the platform for new size hints)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QWidget

from ..elided_label import ElidedLabel


class SteadyLabel(ElidedLabel):
    """A centred label sized for ``sample`` whatever it shows; text that does not fit is elided
    (the tooltip, when ``tooltip_is_text``, keeps it whole), or first drawn smaller down to
    ``smallest`` of the font's size (a number must not be cut)."""

    def __init__(
        self,
        sample: str,
        parent: QWidget | None = None,
        bold: bool = False,
        tooltip_is_text: bool = False,
        smallest: float = 1.0,
    ) -> None:
        super().__init__("", parent, whole_in_tooltip=tooltip_is_text, smallest=smallest)
        self._sample = sample
        if bold:
            font = self.font()
            font.setBold(True)
            self.setFont(font)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self.font())
        return QSize(metrics.horizontalAdvance(self._sample) + 6, metrics.height() + 2)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()
