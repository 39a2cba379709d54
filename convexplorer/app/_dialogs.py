"""What every file action shares: questions, error dialogs, the status bar, the last folder.

One place for how the app talks to the user about files, so every refusal reads the same way
(a non-blocking dialog naming the file and the reason, and the status bar) and tests can answer
the questions by replacing ``ask`` and ``choose``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QMainWindow, QMenu, QMessageBox

Button = QMessageBox.StandardButton
Shortcut = QKeySequence | QKeySequence.StandardKey | str | None


def _nothing() -> None:
    """No excursion to end: the default ``before_reading``."""


class FileDialogs:
    """The window's dialogs and settings, as the file actions use them."""

    def __init__(
        self, window: QMainWindow, settings: QSettings, status: Callable[[str], None]
    ) -> None:
        self.window = window
        self.status = status
        self._settings = settings
        #: Called before a user's file (session, input, weights) comes in. The lessons set it
        #: to end a running lesson, so the file lands in the learner's own session.
        self.before_reading: Callable[[], None] = _nothing

    def ask(self, title: str, text: str, buttons: Button, default: Button) -> Button:
        return QMessageBox.question(self.window, title, text, buttons, default)

    def choose(self, title: str, text: str, labels: Sequence[str]) -> int | None:
        """The index of the label the user picks, or None if they cancel."""
        choice, ok = QInputDialog.getItem(self.window, title, text, list(labels), 0, False)
        return labels.index(choice) if ok else None

    def report_error(self, title: str, error: BaseException, unchanged: bool = True) -> None:
        """A clear, non-blocking dialog and a status message; ``unchanged``: nothing changed."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, str(error), parent=self.window)
        if unchanged:
            box.setInformativeText("Nothing was changed.")
        box.open()
        self.status(f"{title}: {error}")

    def last_folder(self) -> str:
        return str(self._settings.value("files/lastFolder", str(Path.home())))

    def remember_folder(self, path: Path) -> None:
        self._settings.setValue("files/lastFolder", str(path.resolve().parent))

    def add_action(
        self,
        menu: QMenu,
        before: QAction | None,
        text: str,
        slot: Callable[[], object],
        shortcut: Shortcut = None,
        tip: str = "",
    ) -> QAction:
        """A menu action with its tip in the status bar and tooltip, inserted before ``before``."""
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip or text)
        action.triggered.connect(slot)
        menu.insertAction(before, action)
        return action
