"""The main window: the one place that builds the views and wires them to the shared model."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QRect, QSettings, QSize, Qt
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
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
from ..widgets.network_strip import COLUMN_MENU, NetworkStrip
from ..widgets.output_panels import OutputPanels
from ..widgets.sliding_window import SlidingWindowView
from ._export_actions import ExportActions
from ._file_actions import FileActions
from ._guide import guide_html
from ._keys import KeyGuard
from ._lessons_dock import LessonsDock
from ._matrix_dock import MatrixDock
from ._pytorch_check import TITLE as CHECK_TITLE
from ._pytorch_check import PyTorchCheckDialog
from ._receptive_link import ReceptiveLink
from ._switch_layout import SwitchLayout
from ._whats_this import WhatsThis

APP_NAME = "convexplorer"
STATUS_TIMEOUT_MS = 6000
DEFAULT_SIZE = QSize(1280, 800)
# The sliding window dock's height that shows three channel rows of 3×3 kernels whole (every
# row of an RGB input); a remembered layout that squeezes it below this is not restored.
SLIDING_MIN_HEIGHT = 280
#: The handle between two docks, in pixels (Qt's default style).
DOCK_SEPARATOR = 6


class MainWindow(QMainWindow):
    """Kernel editor in the centre; layer, input, outputs and sliding window in movable docks."""

    def __init__(self, state: ExplorerState, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )
        # The left column runs to the top: the network strip spans the editor and the outputs,
        # so the layer form and the input keep their height.
        self.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._settings = settings or QSettings()
        self._strip_lent = False  # the network strip hides while lessons of one layer show
        self.document = Document(state, self)

        self.kernel_editor = KernelEditor(self.document, self)
        self.layer_controls = LayerControls(self.document, self)
        self.input_view = InputView(self.document, self)
        self.output_panels = OutputPanels(self.document, self)
        self.sliding_window = SlidingWindowView(self.document, self)
        self.network_strip = NetworkStrip(self.document, self)
        self.receptive = ReceptiveLink(
            self.document, self.output_panels, self.input_view, self.network_strip
        )
        SwitchLayout(self.document, self)  # a layer switch laid out before it is painted
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
            "network": self._dock(
                "Network", self.network_strip, Qt.DockWidgetArea.TopDockWidgetArea
            ),
        }
        self._default_layout()

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
            self.network_strip,
        ):
            widget.statusMessage.connect(self.show_status)
        self.kernel_editor.refusalCleared.connect(self._take_down_status)
        self.sliding_window.statusWithdrawn.connect(self._take_down_status)
        self.document.busyChanged.connect(self._busy.setVisible)
        self.document.computeFailed.connect(
            lambda message: self.statusBar().showMessage(
                f"Computing the outputs failed ({message}); they stay as they were until the "
                "next change"
            )
        )
        for signal in (self.document.layerChanged, self.document.inputChanged):
            signal.connect(self._update_summary)

        self.files = FileActions(self, self.document, self._settings, self.show_status)
        self.exports = ExportActions(
            self.document, self.output_panels, self.sliding_window, self.files.dialogs
        )
        self._build_menus()
        self.matrix = MatrixDock(self)  # View → Matrix view (before the layout is restored)
        self.lessons = LessonsDock(
            self, self.document, self._settings, self.help_menu, self.view_menu
        )
        self.lessons.statusMessage.connect(self.show_status)
        self.lessons.dock.visibilityChanged.connect(self._lend_strip_to_lessons)
        self.document.stackChanged.connect(
            lambda: self._lend_strip_to_lessons(self.lessons.dock.isVisible())
        )
        self.lessons.guard_files(self.files.dialogs, self.files.writing_actions())
        # The sliding window's keys work window-wide (also with its dock hidden or floating).
        self.addActions([a for a in self.sliding_window.actions_by_name.values() if a.shortcut()])
        self._keys = KeyGuard(self, self._navigates)
        self.setAcceptDrops(True)
        self._update_summary()
        self._restore_settings()
        # Nothing that takes Space for itself (a combo box) has the focus at launch.
        self.sliding_window.setFocus(Qt.FocusReason.OtherFocusReason)

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
        before_quit = self.file_menu.addSeparator()
        self._action(
            self.file_menu,
            "&Quit",
            self.close,
            QKeySequence.StandardKey.Quit,
            "Close convexplorer",
        )
        self.files.populate(self.file_menu)
        self.exports.populate(self.file_menu, before_quit)  # after opening and saving

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

        layers = bar.addMenu("&Layers")
        for name in (*COLUMN_MENU, None, "previous", "next"):
            if name is None:
                layers.addSeparator()
            else:
                layers.addAction(self.network_strip.actions_by_name[name])

        self.view_menu = bar.addMenu("&View")
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.reset_layout_action = self._action(
            self.view_menu,
            "Reset &Layout",
            self.reset_layout,
            tip="Put every panel back where it starts, at its default size",
        )
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.output_panels.shared_scaling_action)

        tools = bar.addMenu("&Tools")
        self.check_action = self._action(
            tools,
            f"{CHECK_TITLE.replace('PyTorch', '&PyTorch')}…",
            self.check_against_pytorch,
            tip="Run this layer in PyTorch and compare every output channel with the explorer's",
        )
        self._check_dialog: PyTorchCheckDialog | None = None

        self.help_menu = help_menu = bar.addMenu("&Help")
        self._action(
            help_menu,
            "&What am I looking at?",
            self.show_guide,
            QKeySequence.StandardKey.HelpContents,
            "A short guide to the layer in this window",
        )
        self.whats_this = WhatsThis(self)
        help_menu.addAction(self.whats_this.action)
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
        """A message that no longer holds (a refusal the user dismissed, a hover that ended) goes,
        not another's."""
        if self.statusBar().currentMessage() == message:
            self.statusBar().clearMessage()

    def apply_preset(self, name: str, whole_layer: bool = False) -> None:
        """Apply a preset to the selected filter or the whole layer, undoably, or say why not."""
        target = None if whole_layer else self.document.view.selected_filter
        where = "the layer" if target is None else f"filter {target}"
        try:
            self.document.apply_preset(name, target)
        except ValueError as error:
            self.show_status(f"Preset not applied: {error}")
            return
        self.show_status(f"Applied {name} to {where}")

    def show_guide(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("What am I looking at?")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(guide_html(self.document.view, self.document.stack))
        box.setStandardButtons(QMessageBox.StandardButton.Close)
        box.open()

    def check_against_pytorch(self) -> PyTorchCheckDialog:
        """Tools → Check Against PyTorch…: one dialog, brought back and run again each time."""
        if self._check_dialog is None:
            self._check_dialog = PyTorchCheckDialog(self.document, self)
        self._check_dialog.show()
        self._check_dialog.raise_()
        self._check_dialog.start()
        return self._check_dialog

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About convexplorer",
            f"<b>convexplorer {__version__}</b><p>See and touch a 2D convolution layer with "
            "PyTorch's nn.Conv2d semantics.</p><p>Sample photos: scikit-image's data set "
            "(public domain / CC0).</p>",
        )

    def _lend_strip_to_lessons(self, lessons_shown: bool) -> None:
        """While the lessons show a scene of one layer, the network strip lends them its
        height; it comes back with a stack (lesson 8's) or with the lessons gone."""
        strip = self.docks["network"]
        one_layer = len(self.document.stack) == 1
        if lessons_shown and one_layer and strip.isVisible() and not strip.isFloating():
            strip.hide()
            self._strip_lent = True
            # the lessons' dock squeezed the sliding window to fit beside the strip: the
            # height the strip gives back is the sliding window's again
            if self.sliding_room():
                height = self._sliding_height()
                self.resizeDocks([self.docks["sliding"]], [height], Qt.Orientation.Vertical)
            self.layout().activate()  # the lessons measure their room next
        elif (not lessons_shown or not one_layer) and self._strip_lent:
            self._strip_lent = False
            strip.show()

    def _update_summary(self) -> None:
        self._summary.setText(layer_summary(self.document.view, self.document.stack))

    # ---- settings -------------------------------------------------------------------------------

    def _default_layout(self) -> None:
        """Every dock in its place: layer and input left, outputs right, the sliding window below,
        tall enough for three channel rows (less on a short screen, where the top needs room)."""
        areas = {
            "layer": Qt.DockWidgetArea.LeftDockWidgetArea,
            "input": Qt.DockWidgetArea.LeftDockWidgetArea,
            "outputs": Qt.DockWidgetArea.RightDockWidgetArea,
            "sliding": Qt.DockWidgetArea.BottomDockWidgetArea,
            "network": Qt.DockWidgetArea.TopDockWidgetArea,
        }
        for name, area in areas.items():
            dock = self.docks[name]
            dock.setFloating(False)
            self.addDockWidget(area, dock)
            dock.setVisible(not (name == "network" and self._strip_lent))
        if self._available().height() < DEFAULT_SIZE.height():
            # A short screen (a 1366×768 laptop): layer and input share one column as tabs, so
            # the window's minimum height fits and the sliding window keeps its room.
            self.tabifyDockWidget(self.docks["layer"], self.docks["input"])
            self.docks["layer"].raise_()
        self._default_widths()
        self.resizeDocks([self.docks["sliding"]], [self._sliding_height()], Qt.Orientation.Vertical)

    def _default_widths(self) -> None:
        """The left column and the outputs at their default widths (the editor takes the rest)."""
        self.resizeDocks(
            [self.docks["layer"], self.docks["outputs"]], [300, 520], Qt.Orientation.Horizontal
        )

    def _sliding_height(self) -> int:
        """The height asked for the sliding window dock: all its channel rows and the dock's
        title, at most half the window, and no more than the left column leaves (its layer form
        and input run from the menu bar to the sliding window)."""
        height = self.height() if self.isVisible() else DEFAULT_SIZE.height()
        left = sum(
            self.docks[name].minimumSizeHint().height()
            for name in ("layer", "input")
            if not self.docks[name].isHidden() and not self.docks[name].isFloating()
        )
        chrome = self.menuBar().sizeHint().height() + self.statusBar().sizeHint().height()
        room = height - chrome - left - 4 * DOCK_SEPARATOR
        return max(
            SLIDING_MIN_HEIGHT, min(self.docks["sliding"].sizeHint().height(), height // 2, room)
        )

    def _navigates(self, widget: QWidget) -> bool:
        """Whether ``widget`` moves its own cursor with the arrow keys: the kernel editor's cells
        and slices do (its combo box and buttons do not), so there the arrows stay theirs."""
        return self.kernel_editor.isAncestorOf(widget) and not isinstance(
            widget, (QComboBox, QAbstractButton)
        )

    def reset_layout(self) -> None:
        """View → Reset Layout: the default docks and sizes; the remembered layout is forgotten."""
        self._default_layout()
        self._settings.remove("window/state")
        self.show_status("Layout reset: every panel is back in its place")

    def sliding_room(self) -> int:
        """The sliding window dock's height as laid out now (0 when hidden or floating)."""
        dock = self.docks["sliding"]
        return 0 if dock.isHidden() or dock.isFloating() else dock.height()

    def _restore_settings(self) -> None:
        """The remembered geometry and layout — fitted to the screen available now."""
        geometry = self._settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(DEFAULT_SIZE)
        self._fit_screen()
        self._fitted = self.size()  # a caller that resizes the window (a screenshot) decides
        layout = self._settings.value("window/state")
        self._first_show = True
        self._restored_layout = isinstance(layout, QByteArray) and not layout.isEmpty()
        if self._restored_layout:
            self.restoreState(layout)

    def _available(self) -> QRect:
        """The screen's area not taken by panels and docks of the desktop."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry() if screen is not None else QRect(QPoint(), DEFAULT_SIZE)

    def _fit_screen(self) -> None:
        """Keep the window inside the screen's available area (a 1366×768 laptop, say)."""
        room = self._available()
        frame = self.frameGeometry().size() - self.geometry().size()  # title bar and borders
        self.resize(self.size().boundedTo(room.size() - frame))
        outer = self.frameGeometry()
        if not room.contains(outer):
            outer.moveLeft(max(room.left(), min(outer.left(), room.right() + 1 - outer.width())))
            outer.moveTop(max(room.top(), min(outer.top(), room.bottom() + 1 - outer.height())))
            self.move(outer.topLeft())

    def showEvent(self, event: QShowEvent) -> None:
        """Once laid out: a remembered layout that squeezes the sliding window below the room
        the default layout gives it yields to the default layout."""
        super().showEvent(event)
        if not self._first_show:
            return
        self._first_show = False
        if self.size() == self._fitted:
            self._fit_screen()  # again, now that the frame (title bar, borders) is known
        self.layout().activate()
        if not self._restored_layout:
            # Fitted to a short screen, the window's resize gave the editor the widths asked
            # for the docks (the outputs were left at their narrow minimum): ask again.
            self._default_widths()
            self.layout().activate()
        if self._restored_layout and 0 < self.sliding_room() < SLIDING_MIN_HEIGHT:
            self._default_layout()

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
        self.lessons.leave()  # the question "save changes?" is about the learner's own work
        if not self.files.sessions.maybe_save():
            event.ignore()
            return
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        super().closeEvent(event)
