"""View → Matrix view: the layer as one matrix multiply, in a dock beside the sliding window.

Hidden at first (the bottom of a 1280×800 window has room for one of the two), it opens as a tab
of the sliding window's dock, in front, so both follow the same keys; it can be dragged out to
see them side by side. View → Reset Layout puts it back there, hidden.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget

from ..widgets.matrix_view import MatrixView
from ._window_parts import DockHost

SHORTCUT = "Ctrl+Shift+M"


class MatrixDock:
    """The matrix view's dock, its View-menu toggle and its place in the default layout."""

    def __init__(self, window: DockHost) -> None:
        self._window = window
        self.view = MatrixView(window.document, window)
        self.view.statusMessage.connect(window.show_status)
        self.dock = QDockWidget("Matrix view", window)
        self.dock.setObjectName("matrixViewDock")
        self.dock.setWidget(self.view)
        self.dock.visibilityChanged.connect(self.view.set_shown)  # a tab behind: not drawn
        self.toggle = self.dock.toggleViewAction()
        self.toggle.setObjectName("showMatrixView")
        self.toggle.setShortcut(QKeySequence(SHORTCUT))
        tip = "The layer as one matrix multiply: weights W times unrolled windows X (im2col)"
        self.toggle.setStatusTip(tip)
        self.toggle.setToolTip(f"{tip} ({SHORTCUT})")
        self.toggle.triggered.connect(self._toggled)
        window.view_menu.insertAction(window.reset_layout_action, self.toggle)
        window.reset_layout_action.triggered.connect(self.place)
        self.place()

    def place(self) -> None:
        """The default: a hidden tab of the sliding window's dock."""
        window, sliding = self._window, self._window.docks["sliding"]
        self.dock.setFloating(False)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        window.tabifyDockWidget(sliding, self.dock)
        self.dock.hide()
        sliding.raise_()

    def _toggled(self, shown: bool) -> None:
        """Opened from the menu: in front of its tab group, not behind the sliding window."""
        if shown:
            self.dock.raise_()
