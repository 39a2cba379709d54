"""Opening inputs: images, NumPy arrays and the built-in samples, each one undoable edit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from .. import io
from ..model import SAMPLE_NAMES, load_sample, sample_description
from ..qt import Document
from ..widgets.style import plural
from ._dialogs import Button, FileDialogs
from ._image_files import image_name_filter, read_image
from ._recent import RecentFiles

ARRAY_FILTER = "NumPy arrays (*.npy *.npz)"


class InputActions:
    """File → Open Image or Array… and Open Sample."""

    def __init__(self, dialogs: FileDialogs, document: Document, recent: RecentFiles) -> None:
        self._dialogs, self._document, self._recent = dialogs, document, recent

    def populate(self, menu: QMenu, before: QAction | None) -> None:
        self._dialogs.add_action(
            menu,
            before,
            "&Open Image or Array…",
            self.open_dialog,
            QKeySequence.StandardKey.Open,
            "Use an image (PNG, JPEG, …) or a NumPy array (.npy/.npz) as the input",
        )
        samples = QMenu("Open &Sample", self._dialogs.window)
        for name in SAMPLE_NAMES:
            action = samples.addAction(name)
            action.setStatusTip(sample_description(name))
            action.setToolTip(sample_description(name))
            action.triggered.connect(lambda _=False, n=name: self.open_sample(n))
        menu.insertMenu(before, samples)

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._dialogs.window,
            "Open image or array",
            self._dialogs.last_folder(),
            f"{image_name_filter()};;{ARRAY_FILTER};;All files (*)",
        )
        if path:
            self.open_input(Path(path))

    def open_input(self, path: Path) -> bool:
        """Use an image or array file as the input; False (and a dialog) if it is refused."""
        self._dialogs.before_reading()  # the learner's file goes into the learner's session
        try:
            loaded = self._read(path)
            if loaded is None:
                return False
            array = self._maybe_downscale(path, loaded.array)
            self._document.open_input(array, f"Open {path.name}")
        except ValueError as error:
            self._dialogs.report_error("Cannot open input", error)
            return False
        self._recent.add(path)
        self._dialogs.remember_folder(path)
        c, h, w = self._document.view.image.shape
        notes = "; ".join(loaded.notes)
        message = f"Opened {path.name}: {c} × {h} × {w}" + (f" — {notes}" if notes else "")
        self._dialogs.status(message)
        return True

    def open_sample(self, name: str) -> None:
        try:
            self._document.open_input(load_sample(name), f"Open sample {name}")
        except ValueError as error:
            self._dialogs.report_error("Cannot open sample", error)
            return
        self._dialogs.status(f"Opened sample {name}: {sample_description(name)}")

    def _read(self, path: Path) -> io.InputLoad | None:
        if not io.is_array_file(path):
            return read_image(path)
        member = None
        if path.suffix.lower() == ".npz":
            usable = [m for m in io.npz_members(path) if m.usable]
            if len(usable) > 1:
                labels = [f"{m.name}  {m.shape} {m.dtype}" for m in usable]
                picked = self._dialogs.choose(
                    "Choose an array", f"{path.name} holds several arrays:", labels
                )
                if picked is None:
                    return None
                member = usable[picked].name
        return io.read_array(path, member)

    def _maybe_downscale(self, path: Path, array: np.ndarray) -> np.ndarray:
        size = io.suggest_downscale(array.shape)
        if size is None:
            return array
        c, h, w = array.shape
        answer = self._dialogs.ask(
            "Large input",
            f"{path.name} is {h}×{w} with {plural(c, 'channel')}; editing stays "
            f"responsive up to about {io.DOWNSCALE_LONG_SIDE} px a side.\n\n"
            f"Downscale it to {size[0]}×{size[1]}? (No keeps the full size.)",
            Button.Yes | Button.No,
            Button.Yes,
        )
        return io.downscale(array, size) if answer == Button.Yes else array
