"""The File menu, assembled from its parts: inputs, recent files, sessions, weights, models.

Every reader checks a file completely before the document is touched, so a refused file costs
the user nothing; the reason goes into a dialog naming the file (``FileDialogs``). Each part owns
its actions; this class puts them in the menu in order and routes a path to the part that opens
it (drops and recent files don't say what they are).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu

from .. import io
from ..qt import Document
from ._dialogs import FileDialogs
from ._input_actions import InputActions
from ._model_import import ModelImportActions
from ._recent import RecentFiles
from ._scene_actions import SceneActions
from ._session_actions import SessionActions
from ._weight_actions import WeightActions


class FileActions(QObject):
    """The File menu's parts: ``inputs``, ``sessions``, ``weights``, ``models``; ``dialogs``
    they share."""

    def __init__(
        self,
        window: QMainWindow,
        document: Document,
        settings: QSettings,
        show_status: Callable[[str], None],
    ) -> None:
        super().__init__(window)
        self.dialogs = FileDialogs(window, settings, show_status)
        self.recent = RecentFiles(settings)
        self.inputs = InputActions(self.dialogs, document, self.recent)
        self.sessions = SessionActions(self.dialogs, document, self.recent)
        self.weights = WeightActions(self.dialogs, document)
        self.models = ModelImportActions(self.dialogs, document)
        self.scenes = SceneActions(self.dialogs, document)
        self._recent_menu: QMenu | None = None

    def populate(self, menu: QMenu) -> None:
        """Fill the File menu (its Quit action stays at the end)."""
        first = menu.actions()[0] if menu.actions() else None
        self.inputs.populate(menu, first)
        self.scenes.populate(menu, first)  # right after Open Sample
        self._recent_menu = QMenu("Open &Recent", self.dialogs.window)
        self._recent_menu.aboutToShow.connect(self._fill_recent)
        menu.insertMenu(first, self._recent_menu)
        menu.insertSeparator(first)
        self.sessions.populate(menu, first)
        menu.insertSeparator(first)
        self.weights.populate(menu, first)
        self.models.populate(menu, self.weights.export_action)  # right after Import Weights…
        menu.insertSeparator(first)

    def writing_actions(self) -> list[QAction]:
        """The actions that write the session or its weights to a file the user names."""
        sessions, weights = self.sessions, self.weights
        return [sessions.save_action, sessions.save_as_action, weights.export_action]

    def open_path(self, path: Path) -> bool:
        """Open whatever ``path`` is — session, array or image — as drops and recent files do."""
        if io.is_session_file(path):
            return self.sessions.open(path)
        return self.inputs.open_input(path)

    def _fill_recent(self) -> None:
        assert self._recent_menu is not None
        self._recent_menu.clear()
        paths = self.recent.paths()
        for path in paths:
            action = self._recent_menu.addAction(path.name)
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if not paths:
            self._recent_menu.addAction("(none)").setEnabled(False)
        else:
            self._recent_menu.addSeparator()
            self._recent_menu.addAction("Clear list", self.recent.clear)
