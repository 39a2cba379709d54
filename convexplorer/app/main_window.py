"""The main window: the one place that builds the views and wires them to the shared model."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QWidget,
)

from .. import __version__
from ..model import PRESET_NAMES, ExplorerState, preset_description
from ..qt import Document
from ..widgets.input_view import InputView
from ..widgets.kernel_editor import KernelEditor
from ..widgets.layer_controls import LayerControls, SummaryLabel, layer_summary
from ..widgets.output_panels import OutputPanels
from ..widgets.sliding_window import SlidingWindowView
from ._export_actions import ExportActions
from ._file_actions import FileActions
from ._guide import guide_html

APP_NAME = "convexplorer"
STATUS_TIMEOUT_MS = 6000


class MainWindow(QMainWindow):
    """Kernel editor in the centre; layer, input, outputs and sliding window in movable docks."""

    def __init__(self, state: ExplorerState, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )
        self._settings = settings or QSettings()
        self.document = Document(state, self)

        self.kernel_editor = KernelEditor(self.document, self)
        self.layer_controls = LayerControls(self.document, self)
        self.input_view = InputView(self.document, self)
        self.output_panels = OutputPanels(self.document, self)
        self.sliding_window = SlidingWindowView(self.document, self)
        self.setCentralWidget(self.kernel_editor)
        self.docks = {
            "layer": self._dock("Layer", self.layer_controls, Qt.DockWidgetArea.LeftDockWidgetArea),
            "input": self._dock("Input", self.input_view, Qt.DockWidgetArea.LeftDockWidgetArea),
            "outputs": self._dock(
                "Output channels", self.output_panels, Qt.DockWidgetArea.RightDockWidgetArea
            ),
            "sliding": self._dock(
                "Sliding window", self.sliding_window, Qt.DockWidgetArea.BottomDockWidgetArea
            ),
        }
        self.resizeDocks(
            [self.docks["layer"], self.docks["outputs"]], [300, 520], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.docks["sliding"]], [330], Qt.Orientation.Vertical)

        self._summary = SummaryLabel(self)  # elided: status messages keep their room
        self._busy = QLabel("computing…", self)
        self._busy.hide()
        self.statusBar().addPermanentWidget(self._busy)
        self.statusBar().addPermanentWidget(self._summary)
        for widget in (
            self.kernel_editor,
            self.layer_controls,
            self.input_view,
            self.output_panels,
            self.sliding_window,
        ):
            widget.statusMessage.connect(self.show_status)
        self.kernel_editor.refusalCleared.connect(self._take_down_status)
        self.document.busyChanged.connect(self._busy.setVisible)
        for signal in (self.document.layerChanged, self.document.inputChanged):
            signal.connect(self._update_summary)
        self.files = FileActions(self, self.document, self._settings, self.show_status)
        self.exports = ExportActions(
            self.document, self.output_panels, self.sliding_window, self.files.dialogs
        )
        self._build_menus()
        self.setAcceptDrops(True)
        self._update_summary()
        self._restore_settings()

    # ---- construction ---------------------------------------------------------------------------

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{widget.objectName()}Dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _action(
        self,
        menu: QMenu,
        text: str,
        slot,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip or text)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.file_menu.addSeparator()
        self._action(
            self.file_menu,
            "&Quit",
            self.close,
            QKeySequence.StandardKey.Quit,
            "Close convexplorer",
        )
        self.files.populate(self.file_menu)
        self.exports.populate(self.file_menu)

        edit = bar.addMenu("&Edit")
        self.undo_action = self._action(
            edit, "&Undo", self.document.undo, QKeySequence.StandardKey.Undo
        )
        self.redo_action = self._action(
            edit, "&Redo", self.document.redo, QKeySequence.StandardKey.Redo
        )
        # Ctrl+Y is what Windows users (and many Linux apps) press to redo.
        self.redo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Redo), "Ctrl+Y"])
        self.document.historyChanged.connect(self._update_undo_actions)
        self._update_undo_actions()
        edit.addSeparator()
        for scope, title in (("filter", "Apply to selected &filter"), ("layer", "Apply to &layer")):
            submenu = edit.addMenu(title)
            for name in PRESET_NAMES:
                action = submenu.addAction(name)
                action.setStatusTip(preset_description(name))
                action.setToolTip(preset_description(name))
                action.triggered.connect(
                    lambda _=False, n=name, s=scope: self.apply_preset(n, whole_layer=s == "layer")
                )

        self.view_menu = bar.addMenu("&View")
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.output_panels.shared_scaling_action)

        help_menu = bar.addMenu("&Help")
        self._action(
            help_menu,
            "&What am I looking at?",
            self.show_guide,
            QKeySequence.StandardKey.HelpContents,
            "A short guide to the layer in this window",
        )
        self._action(help_menu, "&About convexplorer", self.show_about)

    # ---- behaviour ------------------------------------------------------------------------------

    def settle(self) -> None:
        """Finish all pending work (outputs, painting) so a picture shows everything."""
        self.document.wait_until_idle()
        QApplication.processEvents()

    def _update_undo_actions(self) -> None:
        """Undo/Redo name the step they would take back or do again, like QUndoStack's actions."""
        for action, verb, able, label in (
            (self.undo_action, "Undo", self.document.can_undo, self.document.undo_label),
            (self.redo_action, "Redo", self.document.can_redo, self.document.redo_label),
        ):
            action.setEnabled(able)
            action.setText(f"&{verb} {label}" if able else f"&{verb}")

    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, STATUS_TIMEOUT_MS)

    def _take_down_status(self, message: str) -> None:
        """A message that no longer holds (a refusal the user dismissed) goes, not another's."""
        if self.statusBar().currentMessage() == message:
            self.statusBar().clearMessage()

    def apply_preset(self, name: str, whole_layer: bool = False) -> None:
        """Apply a preset to the selected filter or the whole layer, undoably, or say why not."""
        target = None if whole_layer else self.document.view.selected_filter
        where = "the layer" if target is None else f"filter {target}"
        try:
            self.document.apply_preset(name, target, label=f"Apply {name} to {where}")
        except ValueError as error:
            self.show_status(f"Preset not applied: {error}")
            return
        self.show_status(f"Applied {name} to {where}")

    def show_guide(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("What am I looking at?")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(guide_html(self.document.view))
        box.setStandardButtons(QMessageBox.StandardButton.Close)
        box.open()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About convexplorer",
            f"<b>convexplorer {__version__}</b><p>See and touch a 2D convolution layer with "
            "PyTorch's nn.Conv2d semantics.</p><p>Sample photos: scikit-image's data set "
            "(public domain / CC0).</p>",
        )

    def _update_summary(self) -> None:
        self._summary.setText(layer_summary(self.document.view))

    # ---- settings -------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        geometry = self._settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        layout = self._settings.value("window/state")
        if isinstance(layout, QByteArray) and not layout.isEmpty():
            self.restoreState(layout)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Open the first dropped local file: an image, an array or a session."""
        for url in event.mimeData().urls():
            if url.isLocalFile():
                event.acceptProposedAction()
                self.files.open_path(Path(url.toLocalFile()))
                return

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.sessions.maybe_save():
            event.ignore()
            return
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        super().closeEvent(event)
