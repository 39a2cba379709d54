"""File → Import Model Layers…: a consecutive run of a trained model's conv layers as the stack.

The dialog lists a checkpoint's conv weights in file order (key, shape, a BatchNorm that will be
folded), lets the user pick a consecutive run — saying why a run does not chain — and asks what a
state_dict cannot hold: each layer's stride, padding and the activation after it (defaults
filled in). The chain is previewed on the current input as the user edits; OK reads the tensors
and builds a ``NetworkSnapshot`` on that input, which the document loads as one undo step.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QAction, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTableWidgetSelectionRange,
    QVBoxLayout,
    QWidget,
)

from .. import io
from ..model import ACTIVATIONS, MAX_LAYERS, NetworkSnapshot, check_chain, layer_name
from ..qt import Document
from ..widgets.style import ACTIVATION_LABELS, ACTIVATION_TIPS, ERROR_TEXT, plural, shape_text
from ._dialogs import FileDialogs

TITLE = "Import Model Layers"
CHECKPOINT_FILTER = "PyTorch checkpoints (*.pt *.pth)"
#: "1" or "1, 2" (height, width), as the layer form writes pairs.
_PAIR = re.compile(r"^\s*(\d{1,3})\s*(?:,\s*(\d{1,3})\s*)?$")
_CONV_COLUMNS = ("Key", "Shape (PyTorch)", "BatchNorm")
_LAYER_COLUMNS = ("Layer", "Stride", "Padding", "Activation", "Output")


def torch_missing_text() -> str:
    """What to do without torch (reading a checkpoint needs it)."""
    return (
        "Reading a PyTorch checkpoint needs PyTorch, which is optional. Install it with\n\n"
        f"{io.TORCH_INSTALL}"
    )


def _pair(text: str) -> tuple[int, int] | None:
    match = _PAIR.match(text)
    if match is None:
        return None
    first = int(match[1])
    return (first, int(match[2]) if match[2] else first)


def _pair_text(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}, {pair[1]}"


class ModelImportDialog(QDialog):
    """Choose a checkpoint, a run of its conv layers and how each slides; ``snapshot`` on OK."""

    def __init__(self, image: np.ndarray, folder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelImport")
        self.setWindowTitle(TITLE)
        self._image, self._folder = image, folder
        #: The checkpoint listed (None until one is).
        self.path: Path | None = None
        self._convs: list[io.CheckpointConv] = []
        #: The stack built on OK, and what the user should know about it (BatchNorm folds).
        self.snapshot: NetworkSnapshot | None = None
        self.notes: tuple[str, ...] = ()

        self.file_label = QLabel("No checkpoint chosen")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        choose = QPushButton("&Choose Checkpoint…")
        choose.setToolTip("Pick a saved state_dict (.pt/.pth); it is read with weights_only=True")
        choose.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_label, 1)
        file_row.addWidget(choose)

        self.conv_table = QTableWidget(0, len(_CONV_COLUMNS))
        self.conv_table.setObjectName("checkpointConvs")
        self.conv_table.setAccessibleName("Conv layers in the checkpoint, in file order")
        self.conv_table.setToolTip(
            "Select consecutive rows: each conv must take the channels the one before makes"
        )
        self.conv_table.setWhatsThis(
            "The checkpoint's conv weights in the order the model registered them. Select a "
            "consecutive run to import it as the stack; a BatchNorm2d right after a conv is "
            "folded into it (eval mode)."
        )
        self.conv_table.setHorizontalHeaderLabels(_CONV_COLUMNS)
        self.conv_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.conv_table.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.conv_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.conv_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.conv_table.itemSelectionChanged.connect(self._run_changed)

        self.layer_table = QTableWidget(0, len(_LAYER_COLUMNS))
        self.layer_table.setObjectName("importedLayers")
        self.layer_table.setAccessibleName("Settings of each imported layer")
        self.layer_table.setToolTip(
            "A checkpoint does not store stride, padding or activations: say what your model "
            "does (pairs as 'height, width')"
        )
        self.layer_table.setWhatsThis(
            "What a state_dict cannot hold: each layer's stride and padding, and the activation "
            "the model applies after it. Output is the shape each layer makes from your input."
        )
        self.layer_table.setHorizontalHeaderLabels(_LAYER_COLUMNS)
        self.layer_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.layer_table.horizontalHeader().setStretchLastSection(True)

        self.message = QLabel()
        self.message.setObjectName("modelImportMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Import")
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(file_row)
        layout.addWidget(QLabel("Conv layers in file order — select a consecutive run:"))
        layout.addWidget(self.conv_table, 1)
        layout.addWidget(QLabel("How each layer slides, and what follows it:"))
        layout.addWidget(self.layer_table, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(680, 520)

    # ---- the checkpoint --------------------------------------------------------------------------

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import model layers", self._folder, f"{CHECKPOINT_FILTER};;All files (*)"
        )
        if path:
            self.open_checkpoint(Path(path))

    def open_checkpoint(self, path: Path) -> bool:
        """List ``path``'s conv layers and select the first run that chains; False if refused."""
        try:
            convs = io.list_checkpoint_convs(path)
        except (ValueError, io.TorchUnavailable) as error:
            self._say(str(error) if isinstance(error, ValueError) else torch_missing_text())
            return False
        if not convs:
            self._say(f"{path.name} holds no conv weights (4-D 'weight' tensors)")
            return False
        self.path, self._convs = path, convs
        self.file_label.setText(str(path))
        self.file_label.setToolTip(str(path))
        table = self.conv_table
        table.blockSignals(True)
        table.clearSelection()
        table.setRowCount(len(convs))
        for row, conv in enumerate(convs):
            folded = f"{conv.batchnorm} folded" if conv.batchnorm else ""
            cells = (conv.key, shape_text(*conv.shape), folded)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(
                    f"{conv.key}: {conv.shape[0]} filters spanning {conv.shape[1]} channels, "
                    f"{conv.shape[2]}×{conv.shape[3]} kernel"
                    + (f"; bias {conv.bias_key}" if conv.bias_key else "; no bias")
                    + (f"; BatchNorm {conv.batchnorm} folded in (eval mode)" if folded else "")
                )
                table.setItem(row, column, item)
        table.resizeColumnsToContents()
        table.blockSignals(False)
        stop = 1
        while stop < len(convs) and io.chain_problem(convs[stop - 1], convs[stop]) is None:
            stop += 1
        self.select_run(0, min(stop, MAX_LAYERS))
        return True

    def select_run(self, start: int, stop: int) -> None:
        """Select rows ``start`` to ``stop - 1`` (as a user dragging over them would)."""
        table = self.conv_table
        table.clearSelection()
        selection = QTableWidgetSelectionRange(start, 0, stop - 1, len(_CONV_COLUMNS) - 1)
        table.setRangeSelected(selection, True)

    # ---- the run and its settings ----------------------------------------------------------------

    def run(self) -> list[io.CheckpointConv]:
        rows = sorted({index.row() for index in self.conv_table.selectedIndexes()})
        return [self._convs[row] for row in rows]

    def _run_changed(self) -> None:
        run = self.run()
        self.layer_table.setRowCount(len(run))
        for row, conv in enumerate(run):
            choice = io.default_choice(conv, last=row == len(run) - 1)
            name = QTableWidgetItem(f"{layer_name(row)}: {conv.key}")
            name.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.layer_table.setItem(row, 0, name)
            self.layer_table.setCellWidget(row, 1, self._pair_editor(choice.stride, "Stride"))
            self.layer_table.setCellWidget(row, 2, self._pair_editor(choice.padding, "Padding"))
            activation = QComboBox()
            for known in ACTIVATIONS:  # the layer form's labels, the model's names as data
                activation.addItem(ACTIVATION_LABELS[known], known)
                activation.setItemData(
                    activation.count() - 1, ACTIVATION_TIPS[known], Qt.ItemDataRole.ToolTipRole
                )
            activation.setCurrentIndex(activation.findData(choice.activation))
            activation.setAccessibleName(f"Activation after {layer_name(row)}")
            activation.currentIndexChanged.connect(self._preview)
            self.layer_table.setCellWidget(row, 3, activation)
            output = QTableWidgetItem("")
            output.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.layer_table.setItem(row, 4, output)
        self.layer_table.resizeColumnsToContents()
        self._preview()

    def _pair_editor(self, pair: tuple[int, int], what: str) -> QLineEdit:
        editor = QLineEdit(_pair_text(pair))
        editor.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,3}(,\s*\d{0,3})?"), editor)
        )
        editor.setAccessibleName(what)
        editor.setToolTip(f"{what}: one number, or 'height, width'")
        editor.textChanged.connect(self._preview)
        return editor

    def choices(self) -> list[io.LayerChoice] | str:
        """The choices in the table, or why one cannot be read."""
        choices = []
        for row in range(self.layer_table.rowCount()):
            stride = _pair(self._editor(row, 1).text())
            padding = _pair(self._editor(row, 2).text())
            if stride is None or padding is None:
                what = "stride" if stride is None else "padding"
                return f"{layer_name(row)}: write the {what} as one number or 'height, width'"
            activation = self._activation(row).currentData()
            choices.append(io.LayerChoice(stride, padding, activation))
        return choices

    def _editor(self, row: int, column: int) -> QLineEdit:
        editor = self.layer_table.cellWidget(row, column)
        assert isinstance(editor, QLineEdit)
        return editor

    def _activation(self, row: int) -> QComboBox:
        combo = self.layer_table.cellWidget(row, 3)
        assert isinstance(combo, QComboBox)
        return combo

    def _preview(self) -> None:
        """Check the run and its settings on the current input; OK only when the stack runs."""
        run = self.run()
        problem = io.run_problem(run)
        shapes: list[tuple[int, int, int]] = []
        if problem is None:
            choices = self.choices()
            if isinstance(choices, str):
                problem = choices
            else:
                try:
                    specs = io.run_specs(run, choices, self._image.shape[0])
                    shapes = check_chain(self._image.shape, specs)
                except ValueError as error:
                    problem = str(error)
        for row in range(self.layer_table.rowCount()):
            item = self.layer_table.item(row, 4)
            if item is not None:
                item.setText(shape_text(*shapes[row]) if row < len(shapes) else "")
        if problem is None and shapes:
            folds = sum(conv.batchnorm is not None for conv in run)
            folded = f"; {plural(folds, 'BatchNorm')} folded in" if folds else ""
            self._say(
                f"{plural(len(run), 'layer')} on the {shape_text(*self._image.shape)} input → "
                f"{shape_text(*shapes[-1])}{folded}",
                ok=True,
            )
        else:
            self._say(problem or "Choose a checkpoint")

    def _say(self, text: str, ok: bool = False) -> None:
        """The verdict under the tables: the stack it builds, or the refusal in red."""
        self.message.setText(text)
        self.message.setStyleSheet("" if ok else f"color: {ERROR_TEXT}")
        self.ok_button.setEnabled(ok)

    # ---- OK --------------------------------------------------------------------------------------

    def accept(self) -> None:
        """Read the run's tensors and build the stack; a refusal keeps the dialog open."""
        choices = self.choices()
        if self.path is None or isinstance(choices, str):
            return
        try:
            imported = io.import_layers(self.path, self.run(), choices, self._image.shape[0])
            self.snapshot = imported.snapshot(self._image)
        except (ValueError, io.TorchUnavailable) as error:
            self._say(str(error))
            return
        self.notes = imported.notes
        super().accept()


class ModelImportActions:
    """File → Import Model Layers…: the dialog, then the stack into the document (one undo step)."""

    def __init__(self, dialogs: FileDialogs, document: Document) -> None:
        self._dialogs, self._document = dialogs, document
        self.dialog: ModelImportDialog | None = None

    def populate(self, menu: QMenu, before: QAction | None) -> None:
        self.action = self._dialogs.add_action(
            menu,
            before,
            "Import &Model Layers…",
            self.open_dialog,
            None,
            "Build the stack from a run of conv layers in a PyTorch checkpoint (.pt/.pth)",
        )

    def open_dialog(self) -> ModelImportDialog | None:
        """The dialog (non-blocking) on the stack's input — whichever layer is selected, the
        imported layers start from the image — or the install hint without torch."""
        if not io.torch_available():
            self._dialogs.report_error(TITLE, io.TorchUnavailable(torch_missing_text()))
            return None
        self.dialog = ModelImportDialog(
            np.array(self._document.stack.layer(0).image),
            self._dialogs.last_folder(),
            self._dialogs.window,
        )
        self.dialog.accepted.connect(self._accepted)
        self.dialog.open()
        return self.dialog

    def _accepted(self) -> None:
        dialog = self.dialog
        if dialog is None or dialog.snapshot is None or dialog.path is None:
            return
        path = dialog.path
        self._dialogs.before_reading()  # the learner's model goes into the learner's session
        self._dialogs.remember_folder(path)
        label = f"Import model layers from {path.name}"
        self._document.load_network(dialog.snapshot, label)  # the lead's Document command
        notes = "; ".join(dialog.notes)
        self._dialogs.status(
            f"Imported {plural(len(dialog.snapshot.layers), 'layer')} from {path.name}"
            + (f" — {notes}" if notes else "")
        )
