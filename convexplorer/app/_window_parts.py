"""What the window's helpers use of it, as protocols: they are typed against these parts, so they
need not import the main window that builds them (which would tie the two into a circle)."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu

from ..qt import Document
from ..widgets.input_view import InputView
from ..widgets.layer_controls import LayerControls
from ..widgets.matrix_view import MatrixView
from ..widgets.output_panels import OutputPanels
from ..widgets.sliding_window import SlidingWindowView


class DockHost(Protocol):
    """A main window that docks a view: its document, its docks and its View menu."""

    document: Document
    docks: dict[str, QDockWidget]
    view_menu: QMenu
    reset_layout_action: QAction

    def show_status(self, message: str) -> None: ...

    def addDockWidget(self, area: Qt.DockWidgetArea, dock: QDockWidget) -> None: ...

    def tabifyDockWidget(self, first: QDockWidget, second: QDockWidget) -> None: ...


class HasMatrixView(Protocol):
    view: MatrixView


class ExplainedWindow(Protocol):
    """A main window whose parts answer What's This?."""

    document: Document
    input_view: InputView
    output_panels: OutputPanels
    layer_controls: LayerControls
    sliding_window: SlidingWindowView
    matrix: HasMatrixView
