"""The File menu: inputs, sessions, weights and snippets, with every failure explained.

Every reader checks a file completely before the state is touched, so a refused file costs the user
nothing; the reason goes into a dialog naming the file. Questions (save changes? downscale? adopt
the file's shape?) go through ``ask`` so tests can answer them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QMenu, QMessageBox

from .. import io
from ..model import SAMPLE_NAMES, load_sample, sample_description
from ..qt import Document
from ._background import BackgroundReader
from ._image_files import image_name_filter, read_image
from ._recent import RecentFiles

SESSION_FILTER = f"convexplorer sessions (*{io.SESSION_SUFFIX})"
ARRAY_FILTER = "NumPy arrays (*.npy *.npz)"
WEIGHTS_FILTER = "Weights (*.npz *.npy *.pt *.pth)"
Button = QMessageBox.StandardButton
#: Files up to this size are read at once; larger ones on a worker (about a frame's worth of work).
SYNC_READ_BYTES = 2 * 2**20


class FileActions(QObject):
    """Owns the File menu's actions and the current session file; the window shows the result."""

    def __init__(
        self,
        window: QMainWindow,
        document: Document,
        settings: QSettings,
        show_status: Callable[[str], None],
    ) -> None:
        super().__init__(window)
        self._window, self._document = window, document
        self._settings, self._status = settings, show_status
        self.recent = RecentFiles(settings)
        self.reader = BackgroundReader(self)
        self.session_path: Path | None = None
        self._recent_menu: QMenu | None = None
        document.modifiedChanged.connect(self._update_title)
        self._update_title()

    # ---- menu -----------------------------------------------------------------------------------

    def populate(self, menu: QMenu) -> None:
        """Fill the File menu (its Quit action stays at the end)."""
        first = menu.actions()[0] if menu.actions() else None

        def add(text: str, slot, shortcut=None, tip: str = "") -> QAction:
            action = QAction(text, self._window)
            if shortcut is not None:
                action.setShortcut(QKeySequence(shortcut))
            action.setStatusTip(tip)
            action.setToolTip(tip or text)
            action.triggered.connect(slot)
            menu.insertAction(first, action)
            return action

        Std = QKeySequence.StandardKey
        add(
            "&Open Image or Array…",
            self.open_input_dialog,
            Std.Open,
            "Use an image (PNG, JPEG, …) or a NumPy array (.npy/.npz) as the input",
        )
        samples = QMenu("Open &Sample", self._window)
        for name in SAMPLE_NAMES:
            action = samples.addAction(name)
            action.setStatusTip(sample_description(name))
            action.setToolTip(sample_description(name))
            action.triggered.connect(lambda _=False, n=name: self.open_sample(n))
        menu.insertMenu(first, samples)
        self._recent_menu = QMenu("Open &Recent", self._window)
        self._recent_menu.aboutToShow.connect(self._fill_recent)
        menu.insertMenu(first, self._recent_menu)
        menu.insertSeparator(first)
        add(
            "Open &Session…",
            self.open_session_dialog,
            "Ctrl+Shift+O",
            "Open a saved session: layer, weights, input and selection",
        )
        add("&Save Session", self.save, Std.Save, "Save this session")
        add("Save Session &As…", self.save_as, Std.SaveAs, "Save this session under a new name")
        menu.insertSeparator(first)
        add(
            "&Import Weights…",
            self.import_weights_dialog,
            None,
            "Load weights from .npy/.npz or a PyTorch checkpoint (.pt/.pth)",
        )
        add(
            "&Export Weights…",
            self.export_weights_dialog,
            None,
            "Save weights (PyTorch layout) and biases as .npz or .npy",
        )
        add(
            "Copy as &PyTorch",
            self.copy_pytorch,
            "Ctrl+Shift+C",
            "Copy a runnable snippet building this nn.Conv2d with these weights",
        )
        add("Copy as &NumPy", self.copy_numpy, None, "Copy the weights as a NumPy literal")
        menu.insertSeparator(first)

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

    # ---- questions and messages (tests replace ``ask``) -----------------------------------------

    def ask(self, title: str, text: str, buttons: Button, default: Button) -> Button:
        return QMessageBox.question(self._window, title, text, buttons, default)

    def report_error(self, title: str, error: Exception) -> None:
        """A clear, non-blocking dialog; the state was not touched."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, str(error), parent=self._window)
        box.setInformativeText("Nothing was changed.")
        box.open()
        self._status(f"{title}: {error}")

    # ---- inputs ---------------------------------------------------------------------------------

    def open_input_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._window,
            "Open image or array",
            self._last_folder(),
            f"{image_name_filter()};;{ARRAY_FILTER};;All files (*)",
        )
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> bool:
        """Open whatever ``path`` is — session, array or image — as drops and recent files do."""
        if io.is_session_file(path):
            return self.open_session(path)
        try:
            loaded = self._read_input(path)
            if loaded is None:
                return False
            array = self._maybe_downscale(path, loaded.array)
            self._document.open_input(array, f"Open {path.name}")
        except ValueError as error:
            self.report_error("Cannot open input", error)
            return False
        self.recent.add(path)
        self._remember_folder(path)
        c, h, w = self._document.view.image.shape
        notes = "; ".join(loaded.notes)
        self._status(f"Opened {path.name}: {c} × {h} × {w}" + (f" — {notes}" if notes else ""))
        return True

    def _read_input(self, path: Path) -> io.InputLoad | None:
        if not io.is_array_file(path):
            return read_image(path)
        member = None
        if path.suffix.lower() == ".npz":
            usable = [m for m in io.npz_members(path) if m.usable]
            if len(usable) > 1:
                labels = [f"{m.name}  {m.shape} {m.dtype}" for m in usable]
                choice, ok = QInputDialog.getItem(
                    self._window,
                    "Choose an array",
                    f"{path.name} holds several arrays:",
                    labels,
                    0,
                    False,
                )
                if not ok:
                    return None
                member = usable[labels.index(choice)].name
        return io.read_array(path, member)

    def _maybe_downscale(self, path: Path, array):
        size = io.suggest_downscale(array.shape)
        if size is None:
            return array
        c, h, w = array.shape
        answer = self.ask(
            "Large input",
            f"{path.name} is {h}×{w} with {c} channel{'s' if c != 1 else ''}; editing stays "
            f"responsive up to about {io.DOWNSCALE_LONG_SIDE} px a side.\n\n"
            f"Downscale it to {size[0]}×{size[1]}? (No keeps the full size.)",
            Button.Yes | Button.No,
            Button.Yes,
        )
        return io.downscale(array, size) if answer == Button.Yes else array

    def open_sample(self, name: str) -> None:
        try:
            self._document.open_input(load_sample(name), f"Open sample {name}")
        except ValueError as error:
            self.report_error("Cannot open sample", error)
            return
        self._status(f"Opened sample {name}: {sample_description(name)}")

    # ---- sessions -------------------------------------------------------------------------------

    def maybe_save(self) -> bool:
        """Offer to save unsaved changes; False means the user cancelled."""
        if not self._document.is_modified:
            return True
        answer = self.ask(
            "Unsaved changes",
            "This session has unsaved changes. Save them first?",
            Button.Save | Button.Discard | Button.Cancel,
            Button.Save,
        )
        if answer == Button.Save:
            return self.save()
        return answer == Button.Discard

    def open_session_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(
            self._window, "Open session", self._last_folder(), f"{SESSION_FILTER};;All files (*)"
        )
        if path:
            self.open_session(Path(path), asked=True)

    def open_session(self, path: Path, asked: bool = False) -> bool:
        """Open a session: small files at once, large ones read on a worker (the window stays
        live; ``reader.wait()`` blocks until it is in). False if refused or cancelled."""
        if not asked and not self.maybe_save():
            return False
        try:
            size = path.stat().st_size
        except OSError as error:
            self.report_error("Cannot open session", error)
            return False
        if size > SYNC_READ_BYTES:
            self._status(f"Opening {path.name}…")
            self.reader.start(
                lambda: io.load_session(path),
                lambda data, error: self._session_read(path, data, error),
            )
            return True
        try:
            data = io.load_session(path)
        except (ValueError, MemoryError) as error:
            self.report_error("Cannot open session", error)
            return False
        return self._session_read(path, data, None)

    def _session_read(
        self, path: Path, data: io.SessionData | None, error: Exception | None
    ) -> bool:
        """Put a read session into the document, or say why it cannot be."""
        if error is not None or data is None:  # the worker's reader refused it (or failed)
            self.report_error("Cannot open session", error or ValueError("nothing was read"))
            return False
        try:
            self._document.load_session(
                data.image,
                data.spec,
                data.weight,
                data.bias,
                data.activation,
                data.selected_filter,
                data.position,
            )
        except (ValueError, MemoryError) as error:
            self.report_error("Cannot open session", error)
            return False
        self._use_session_file(path, f"Opened session {path.name}")
        return True

    def save(self) -> bool:
        if self.session_path is None:
            return self.save_as()
        return self.save_session(self.session_path)

    def save_as(self) -> bool:
        start = str(self.session_path or Path(self._last_folder()) / f"untitled{io.SESSION_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self._window, "Save session", start, SESSION_FILTER)
        if not path:
            return False
        path = Path(path)
        if path.suffix.lower() != io.SESSION_SUFFIX:
            path = path.with_name(path.name + io.SESSION_SUFFIX)
        return self.save_session(path)

    def save_session(self, path: Path) -> bool:
        try:
            io.save_session(path, self._document.view)
        except (OSError, ValueError) as error:
            self.report_error("Cannot save session", error)
            return False
        self._document.mark_saved()
        self._use_session_file(path, f"Saved {path.name}")
        return True

    def _use_session_file(self, path: Path, message: str) -> None:
        """The window now shows ``path``: title, recent files and the dialogs' folder follow."""
        self.session_path = path
        self.recent.add(path)
        self._remember_folder(path)
        self._update_title()
        self._status(message)

    def _update_title(self) -> None:
        # The undo stack announces its clearing while the window tears its children down.
        if not (shiboken6.isValid(self._window) and shiboken6.isValid(self._document)):
            return
        name = self.session_path.name if self.session_path else "untitled"
        self._window.setWindowTitle(f"{name}[*] — convexplorer")
        self._window.setWindowModified(self._document.is_modified)

    # ---- weights and snippets -------------------------------------------------------------------

    def import_weights_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._window, "Import weights", self._last_folder(), f"{WEIGHTS_FILTER};;All files (*)"
        )
        if path:
            self.import_weights(Path(path))

    def import_weights(self, path: Path) -> bool:
        state = self._document.view
        try:
            entries = io.list_conv_weights(path)
            if not entries:
                raise io.FileFormatError(path, "holds no 4-D convolution weights")
            entry = entries[0]
            if len(entries) > 1:
                labels = [
                    f"{e.key}  {e.shape}" + (" + bias" if e.bias_key else "") for e in entries
                ]
                choice, ok = QInputDialog.getItem(
                    self._window,
                    "Choose weights",
                    f"{path.name} holds several conv weights:",
                    labels,
                    0,
                    False,
                )
                if not ok:
                    return False
                entry = entries[labels.index(choice)]
            imported = io.read_weights(path, entry.key or None)
            adopt = False
            mismatch = io.weights_mismatch(state.spec, imported.weight.shape)
            if mismatch:
                answer = self.ask(
                    "Weights do not fit",
                    f"{mismatch}.\n\nChange the layer to the file's shape "
                    f"{tuple(imported.weight.shape)}?",
                    Button.Yes | Button.Cancel,
                    Button.Yes,
                )
                if answer != Button.Yes:
                    return False
                adopt = True
            plan = io.plan_weight_import(state.spec, state.bias, imported, adopt_shape=adopt)
            label = f"Import weights from {path.name}"
            if plan.spec == state.spec:
                self._document.set_weights(plan.weight, plan.bias, label)
            else:
                self._document.replace_layer(plan.spec, plan.weight, plan.bias, label)
            notes = plan.notes
        except (ValueError, io.TorchUnavailable) as error:
            self.report_error("Cannot import weights", error)
            return False
        self._remember_folder(path)
        self._status(
            f"Imported weights from {path.name}" + (f" — {'; '.join(notes)}" if notes else "")
        )
        return True

    def export_weights_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self._window,
            "Export weights",
            str(Path(self._last_folder()) / "weights.npz"),
            "Weights and biases (*.npz);;Weights only (*.npy)",
        )
        if path:
            self.export_weights(Path(path))

    def export_weights(self, path: Path) -> bool:
        state = self._document.view
        try:
            io.export_weights(path, state.weight, state.bias)
        except (OSError, ValueError) as error:
            self.report_error("Cannot export weights", error)
            return False
        self._status(f"Exported weights {tuple(state.weight.shape)} to {path.name}")
        return True

    def copy_pytorch(self) -> None:
        QGuiApplication.clipboard().setText(io.pytorch_snippet(self._document.view))
        self._status("Copied a PyTorch snippet that builds this layer with these weights")

    def copy_numpy(self) -> None:
        QGuiApplication.clipboard().setText(io.numpy_snippet(self._document.view))
        self._status("Copied the weights as a NumPy literal")

    # ---- folders --------------------------------------------------------------------------------

    def _last_folder(self) -> str:
        return str(self._settings.value("files/lastFolder", str(Path.home())))

    def _remember_folder(self, path: Path) -> None:
        self._settings.setValue("files/lastFolder", str(path.resolve().parent))
