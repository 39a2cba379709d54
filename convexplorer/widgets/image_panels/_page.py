"""The shape of a panel page — header row, panel grid, hover readout — shared by the views."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..style import small_font
from ._grid import PanelGrid
from ._readout import ReadoutLabel


def build_panel_page(owner: QWidget, header: list[QWidget], grid: PanelGrid, hint: str) -> QLabel:
    """Lay out ``owner`` as header row, panel grid and hover readout; return the readout.

    The input view and the output panels share this shape, so they read the same way.
    """
    readout = ReadoutLabel(hint)
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
