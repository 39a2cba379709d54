"""Sessions: open, save, save as, the unsaved-changes question and the window title.

Small sessions are read at once; large ones on a worker thread, so the window stays live while
a 16 MB input is read and checked. Either way a refused file changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from .. import io
from ..model import NetworkSnapshot
from ..qt import Document
from ._background import BackgroundReader
from ._dialogs import Button, FileDialogs
from ._recent import RecentFiles

SESSION_FILTER = f"convexplorer sessions (*{io.SESSION_SUFFIX})"
#: Files up to this size are read at once; larger ones on a worker (about a frame's worth of work).
SYNC_READ_BYTES = 2 * 2**20


class SessionActions:
    """File → Open Session…, Save Session, Save Session As…; owns the current session file."""

    def __init__(self, dialogs: FileDialogs, document: Document, recent: RecentFiles) -> None:
        self._dialogs, self._document, self._recent = dialogs, document, recent
        self.reader = BackgroundReader(dialogs.window)
        self.path: Path | None = None
        for signal in (document.modifiedChanged, document.stackChanged, document.layerSelected):
            signal.connect(self._update_title)
        document.layerChanged.connect(self._update_title)  # the selected layer's channels
        self._update_title()

    def populate(self, menu: QMenu, before: QAction | None) -> None:
        add, std = self._dialogs.add_action, QKeySequence.StandardKey
        add(
            menu,
            before,
            "Open &Session…",
            self.open_dialog,
            "Ctrl+Shift+O",
            "Open a saved session: layer, weights, input and selection",
        )
        self.save_action = add(
            menu, before, "&Save Session", self.save, std.Save, "Save this session"
        )
        self.save_as_action = add(
            menu,
            before,
            "Save Session &As…",
            self.save_as,
            std.SaveAs,
            "Save this session under a new name",
        )

    def maybe_save(self) -> bool:
        """Offer to save unsaved changes; False means the user cancelled.

        Asked before the session is replaced, so a running lesson ends first: the question is
        about the learner's own work, and what opens next replaces that, not the lesson."""
        self._dialogs.before_reading()
        if not self._document.is_modified:
            return True
        answer = self._dialogs.ask(
            "Unsaved changes",
            "This session has unsaved changes. Save them first?",
            Button.Save | Button.Discard | Button.Cancel,
            Button.Save,
        )
        if answer == Button.Save:
            return self.save()
        return answer == Button.Discard

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(
            self._dialogs.window,
            "Open session",
            self._dialogs.last_folder(),
            f"{SESSION_FILTER};;All files (*)",
        )
        if path:
            self.open(Path(path), asked=True)

    def open(self, path: Path, asked: bool = False) -> bool:
        """Open a session: small files at once, large ones read on a worker (the window stays
        live; ``reader.wait()`` blocks until it is in). False if refused or cancelled."""
        if not asked and not self.maybe_save():
            return False
        try:
            size = path.stat().st_size
        except OSError as error:
            self._dialogs.report_error("Cannot open session", error)
            return False
        if size > SYNC_READ_BYTES:
            self._dialogs.status(f"Opening {path.name}…")
            self.reader.start(
                lambda: io.load_network_session(path),
                lambda data, error: self._apply(path, data, error),
            )
            return True
        try:
            data = io.load_network_session(path)
        except (ValueError, MemoryError) as error:
            self._dialogs.report_error("Cannot open session", error)
            return False
        return self._apply(path, data, None)

    def _apply(
        self,
        path: Path,
        data: tuple[NetworkSnapshot, tuple[io.Selection, ...]] | None,
        error: Exception | None,
    ) -> bool:
        """Put a read session into the document, or say why it cannot be."""
        if error is not None or data is None:  # the worker's reader refused it (or failed)
            failure = error or ValueError("nothing was read")
            self._dialogs.report_error("Cannot open session", failure)
            return False
        try:
            self._document.load_network_session(*data)
        except (ValueError, MemoryError) as error:
            self._dialogs.report_error("Cannot open session", error)
            return False
        self._use_file(path, f"Opened session {path.name}")
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        folder = Path(self._dialogs.last_folder())
        start = str(self.path or folder / f"untitled{io.SESSION_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(
            self._dialogs.window, "Save session", start, SESSION_FILTER
        )
        if not path:
            return False
        chosen = Path(path)
        if chosen.suffix.lower() != io.SESSION_SUFFIX:
            chosen = chosen.with_name(chosen.name + io.SESSION_SUFFIX)
        return self.save_to(chosen)

    def save_to(self, path: Path) -> bool:
        try:
            stack = self._document.stack
            selections = [
                (layer.selected_filter, layer.position)
                for layer in (stack.layer(index) for index in range(len(stack)))
            ]
            io.save_network_session(path, self._document.network_snapshot(), selections)
        except (OSError, ValueError) as error:
            self._dialogs.report_error("Cannot save session", error)
            return False
        self._document.mark_saved()
        self._use_file(path, f"Saved {path.name}")
        return True

    def _use_file(self, path: Path, message: str) -> None:
        """The window now shows ``path``: title, recent files and the dialogs' folder follow."""
        self.path = path
        self._recent.add(path)
        self._dialogs.remember_folder(path)
        self._update_title()
        self._dialogs.status(message)

    def _update_title(self) -> None:
        window = self._dialogs.window
        # The document announces its last changes while the window tears its children down.
        if not (shiboken6.isValid(window) and shiboken6.isValid(self._document)):
            return
        name = self.path.name if self.path else "untitled"
        stack = self._document.stack
        where = ""
        if len(stack) > 1:  # which layer of the stack the views show, and what it does
            spec = stack.layer(stack.selected).spec
            where = (
                f" — layer {stack.selected + 1} of {len(stack)}: "
                f"{spec.in_channels} → {spec.out_channels} channels"
            )
        window.setWindowTitle(f"{name}[*]{where} — convexplorer")
        window.setWindowModified(self._document.is_modified)
