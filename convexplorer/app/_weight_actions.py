"""Weights in and out: import (NumPy or PyTorch checkpoints), export, and copy as code."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMenu

from .. import io
from ..qt import Document
from ._dialogs import Button, FileDialogs

WEIGHTS_FILTER = "Weights (*.npz *.npy *.pt *.pth)"


class WeightActions:
    """File → Import Weights…, Export Weights…, Copy as PyTorch, Copy as NumPy."""

    def __init__(self, dialogs: FileDialogs, document: Document) -> None:
        self._dialogs, self._document = dialogs, document

    def populate(self, menu: QMenu, before: QAction | None) -> None:
        add = self._dialogs.add_action
        add(
            menu,
            before,
            "&Import Weights…",
            self.import_dialog,
            None,
            "Load weights from .npy/.npz or a PyTorch checkpoint (.pt/.pth)",
        )
        self.export_action = add(
            menu,
            before,
            "&Export Weights…",
            self.export_dialog,
            None,
            "Save weights (PyTorch layout) and biases as .npz or .npy",
        )
        add(
            menu,
            before,
            "Copy as &PyTorch",
            self.copy_pytorch,
            "Ctrl+Shift+C",
            "Copy a runnable snippet building this nn.Conv2d with these weights",
        )
        add(menu, before, "Copy as &NumPy", self.copy_numpy, None, "Copy the weights as a literal")

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._dialogs.window,
            "Import weights",
            self._dialogs.last_folder(),
            f"{WEIGHTS_FILTER};;All files (*)",
        )
        if path:
            self.import_from(Path(path))

    def import_from(self, path: Path) -> bool:
        """Import a file's conv weights as one undoable edit, offering to adopt their shape."""
        self._dialogs.before_reading()  # the learner's file goes into the learner's session
        view = self._document.view
        try:
            imported = self._read(path)
            if imported is None:
                return False
            mismatch = io.weights_mismatch(view.spec, imported.weight.shape)
            if mismatch:
                answer = self._dialogs.ask(
                    "Weights do not fit",
                    f"{mismatch}.\n\nChange the layer to the file's shape "
                    f"{tuple(imported.weight.shape)}?",
                    Button.Yes | Button.Cancel,
                    Button.Yes,
                )
                if answer != Button.Yes:
                    return False
            plan = io.plan_weight_import(view.spec, view.bias, imported, adopt_shape=True)
            label = f"Import weights from {path.name}"
            if plan.spec == view.spec:
                self._document.set_weights(plan.weight, plan.bias, label)
            else:
                self._document.replace_layer(plan.spec, plan.weight, plan.bias, label)
        except (ValueError, io.TorchUnavailable) as error:
            self._dialogs.report_error("Cannot import weights", error)
            return False
        self._dialogs.remember_folder(path)
        notes = "; ".join(plan.notes)
        self._dialogs.status(
            f"Imported weights from {path.name}" + (f" — {notes}" if notes else "")
        )
        return True

    def _read(self, path: Path) -> io.ImportedWeights | None:
        """The file's conv weights, asking which when it holds several; None if cancelled."""
        entries = io.list_conv_weights(path)
        if not entries:
            raise io.FileFormatError(path, "holds no 4-D convolution weights")
        entry = entries[0]
        if len(entries) > 1:
            labels = [f"{e.key}  {e.shape}" + (" + bias" if e.bias_key else "") for e in entries]
            picked = self._dialogs.choose(
                "Choose weights", f"{path.name} holds several conv weights:", labels
            )
            if picked is None:
                return None
            entry = entries[picked]
        return io.read_weights(path, entry.key or None)

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self._dialogs.window,
            "Export weights",
            str(Path(self._dialogs.last_folder()) / "weights.npz"),
            "Weights and biases (*.npz);;Weights only (*.npy)",
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> bool:
        view = self._document.view
        try:
            io.export_layer_weights(path, view.spec, view.weight, view.bias)
        except (OSError, ValueError) as error:
            self._dialogs.report_error("Cannot export weights", error)
            return False
        layout = f"PyTorch's {view.spec.kind} layout"
        self._dialogs.status(
            f"Exported weights {view.spec.torch_weight_shape} ({layout}) to {path.name}"
        )
        return True

    def copy_pytorch(self) -> None:
        """One layer: the layer with its weights; a stack: an nn.Sequential of all of it."""
        stack = self._document.stack
        if len(stack) > 1:
            snippet = io.sequential_snippet(self._document.network_snapshot())
            what = f"an nn.Sequential of all {len(stack)} layers with their weights"
        else:
            snippet = io.pytorch_snippet(self._document.view)
            what = "this layer with these weights"
        QGuiApplication.clipboard().setText(snippet)
        self._dialogs.status(f"Copied a PyTorch snippet that builds {what}")

    def copy_numpy(self) -> None:
        QGuiApplication.clipboard().setText(io.numpy_snippet(self._document.view))
        self._dialogs.status("Copied the weights as a NumPy literal")
