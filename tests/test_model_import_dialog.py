"""File → Import Model Layers…: the dialog driven as a user would — pick a checkpoint, see its conv
layers, choose a run (refusals say why), set stride/padding/activation — and the stack it builds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QMainWindow, QMessageBox

from convexplorer import io
from convexplorer.app._dialogs import FileDialogs
from convexplorer.app._model_import import ModelImportActions, ModelImportDialog
from convexplorer.model import ExplorerState, LayerSpec, next_layer
from convexplorer.qt import Document


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


@pytest.fixture
def checkpoint(tmp_path, torch) -> Path:
    """conv(3→4)+BN, conv(4→6, 2 groups), conv(6→2) — then a conv that does not chain (5→1)."""
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Conv2d(4, 6, 3, groups=2),
        nn.ReLU(),
        nn.Conv2d(6, 2, 1),
        nn.Conv2d(5, 1, 3),
    )
    path = tmp_path / "model.pt"
    torch.save({"state_dict": model.state_dict(), "epoch": 7}, path)
    return path


IMAGE = np.random.default_rng(0).standard_normal((3, 10, 12)).astype(np.float32)


@pytest.fixture
def dialog(qtbot) -> ModelImportDialog:
    dialog = ModelImportDialog(IMAGE)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def cell_text(dialog: ModelImportDialog, row: int, column: int) -> str:
    return dialog.conv_table.item(row, column).text()


def click_row(qtbot, dialog: ModelImportDialog, row: int, shift: bool = False) -> None:
    table = dialog.conv_table
    rect = table.visualItemRect(table.item(row, 0))
    modifier = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def editor(dialog: ModelImportDialog, row: int, column: int):
    return dialog.layer_table.cellWidget(row, column)


def test_the_convs_are_listed_in_file_order_and_the_first_chained_run_is_chosen(
    qtbot, dialog, checkpoint
):
    assert not dialog.ok_button.isEnabled()
    assert dialog.open_checkpoint(checkpoint)
    rows = [[cell_text(dialog, r, c) for c in range(3)] for r in range(4)]
    assert rows == [
        ["state_dict.0.weight", "4×3×3×3", "state_dict.1 folded"],
        ["state_dict.3.weight", "6×2×3×3", ""],
        ["state_dict.5.weight", "2×6×1×1", ""],
        ["state_dict.6.weight", "1×5×3×3", ""],
    ]
    assert [conv.key for conv in dialog.run()] == [r[0] for r in rows[:3]]
    # defaults: stride 1, padding keeping odd kernels' size, ReLU between, none after the last
    assert [editor(dialog, r, 1).text() for r in range(3)] == ["1", "1", "1"]
    assert [editor(dialog, r, 2).text() for r in range(3)] == ["1", "1", "0"]
    assert [editor(dialog, r, 3).currentData() for r in range(3)] == ["relu", "relu", "none"]
    assert [dialog.layer_table.item(r, 4).text() for r in range(3)] == [
        "4×10×12",
        "6×10×12",
        "2×10×12",
    ]
    assert dialog.ok_button.isEnabled()
    assert dialog.message.text() == (
        "3 layers on the 3×10×12 input → 2×10×12; 1 BatchNorm folded in"
    )


def test_a_run_that_does_not_chain_is_refused_with_the_reason(qtbot, dialog, checkpoint):
    dialog.open_checkpoint(checkpoint)
    click_row(qtbot, dialog, 2)
    click_row(qtbot, dialog, 3, shift=True)
    assert [conv.key for conv in dialog.run()] == ["state_dict.5.weight", "state_dict.6.weight"]
    assert not dialog.ok_button.isEnabled()
    assert dialog.message.text() == (
        "state_dict.6.weight cannot follow state_dict.5.weight: state_dict.5.weight makes 2 "
        "channels and state_dict.6.weight's filters span 5, which does not divide 2"
    )
    # a run starting after the input's channels says that the input does not fit
    click_row(qtbot, dialog, 1)
    assert not dialog.ok_button.isEnabled()
    assert dialog.message.text() == (
        "layer 1 (state_dict.3.weight) has filters spanning 2 channels; the input has 3"
    )


def test_settings_are_previewed_and_bad_ones_explained(qtbot, dialog, checkpoint):
    dialog.open_checkpoint(checkpoint)

    def retype(row: int, column: int, text: str) -> None:
        field: QLineEdit = editor(dialog, row, column)
        field.clear()
        qtbot.keyClicks(field, text)

    retype(1, 1, "2, 3")  # layer 2's stride: (height, width)
    assert dialog.layer_table.item(1, 4).text() == "6×5×4"
    assert dialog.ok_button.isEnabled()
    retype(0, 2, "")
    assert dialog.message.text() == "layer 1: write the padding as one number or 'height, width'"
    assert not dialog.ok_button.isEnabled()
    retype(0, 2, "0")
    assert [dialog.layer_table.item(r, 4).text() for r in range(3)] == [
        "4×8×10",
        "6×4×4",
        "2×4×4",
    ]
    assert dialog.ok_button.isEnabled()
    retype(0, 1, "8")  # layer 1 now makes 1×2 maps, too small for layer 2's 3×3 kernel…
    retype(1, 2, "0")  # …once its padding is gone
    assert dialog.message.text().startswith("layer 2 cannot run on the 1×2 maps it receives")
    assert not dialog.ok_button.isEnabled()


def test_ok_builds_the_stack_on_the_current_input(qtbot, dialog, checkpoint, torch):
    dialog.open_checkpoint(checkpoint)
    combo: QComboBox = editor(dialog, 1, 3)
    combo.setCurrentIndex(combo.findData("none"))
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    snapshot = dialog.snapshot
    assert snapshot.image is IMAGE
    assert [layer.spec for layer in snapshot.layers] == [
        LayerSpec(3, 4, 3, padding=1),
        LayerSpec(4, 6, 3, padding=1, groups=2),
        LayerSpec(6, 2, 1),
    ]
    assert [layer.activation for layer in snapshot.layers] == ["relu", "none", "none"]
    assert snapshot.layers[1].bias is not None  # the model's own bias
    assert dialog.notes == (
        "layer 1: BatchNorm state_dict.1 folded into state_dict.0.weight "
        "(eval mode, eps = 1e-05 assumed: a state_dict does not store it)",
    )
    state_dict = torch.load(checkpoint, weights_only=True)["state_dict"]
    assert snapshot.layers[2].weight.tobytes() == state_dict["5.weight"].numpy().tobytes()


def test_a_damaged_checkpoint_is_refused_in_the_dialog(qtbot, dialog, tmp_path, torch):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"PK\x03\x04 cut short")
    assert not dialog.open_checkpoint(bad)
    assert dialog.message.text().startswith("bad.pt: ")
    assert not dialog.ok_button.isEnabled()
    empty = tmp_path / "empty.pt"
    torch.save({"fc.weight": torch.ones(2, 3)}, empty)
    assert not dialog.open_checkpoint(empty)
    assert dialog.message.text() == "empty.pt holds no conv weights (4-D 'weight' tensors)"


class Actions:
    """The File menu's model-import part on a document, with the lead's command stood in for."""

    def __init__(self, qtbot, tmp_path: Path) -> None:
        self.window = QMainWindow()
        qtbot.addWidget(self.window)
        self.document = Document(ExplorerState(IMAGE, LayerSpec(3, 2)), self.window)
        self.messages: list[str] = []
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        self.dialogs = FileDialogs(self.window, settings, self.messages.append)
        self.actions = ModelImportActions(self.dialogs, self.document)
        self.loaded: list[tuple] = []


def test_the_action_hands_the_stack_to_the_document_as_one_labelled_step(
    qtbot, tmp_path, checkpoint, monkeypatch
):
    scene = Actions(qtbot, tmp_path)
    monkeypatch.setattr(
        scene.document,
        "load_network",
        lambda snapshot, label: scene.loaded.append((snapshot, label)),
        raising=False,
    )
    dialog = scene.actions.open_dialog()
    assert (dialog.isVisible() and dialog.isModal() is False) or dialog.isVisible()
    assert dialog.open_checkpoint(checkpoint)
    with qtbot.waitSignal(dialog.accepted):
        dialog.ok_button.click()
    ((snapshot, label),) = scene.loaded
    assert label == "Import model layers from model.pt"
    assert len(snapshot.layers) == 3 and snapshot.image.tobytes() == IMAGE.tobytes()
    assert scene.messages[-1].startswith("Imported 3 layers from model.pt — layer 1: BatchNorm")
    assert scene.dialogs.last_folder() == str(tmp_path.resolve())


def test_the_import_starts_from_the_stack_s_input_whichever_layer_is_selected(
    qtbot, tmp_path, checkpoint
):
    scene = Actions(qtbot, tmp_path)
    assert scene.document.insert_layer(1, next_layer(2))
    scene.document.select_layer(1)  # layer 2 reads layer 1's 2 maps, not the photo
    dialog = scene.actions.open_dialog()
    assert dialog.open_checkpoint(checkpoint)
    with qtbot.waitSignal(dialog.accepted):
        dialog.ok_button.click()
    assert dialog.snapshot.image.tobytes() == IMAGE.tobytes()


def test_without_torch_the_action_says_how_to_install_it(qtbot, tmp_path, monkeypatch):
    scene = Actions(qtbot, tmp_path)
    monkeypatch.setattr(io, "torch_available", lambda: False)
    assert scene.actions.open_dialog() is None
    (box,) = [box for box in scene.window.findChildren(QMessageBox) if box.isVisible()]
    assert io.TORCH_INSTALL in box.text()
    assert "Nothing was changed." in box.informativeText()
    assert scene.messages[-1].startswith("Import Model Layers: Reading a PyTorch checkpoint")


@pytest.mark.skipif(
    not hasattr(Document, "load_network"), reason="Document.load_network is the lead's (issue 11)"
)
def test_the_imported_stack_is_one_undo_step_of_the_real_document(qtbot, tmp_path, checkpoint):
    scene = Actions(qtbot, tmp_path)
    before = scene.document.network_snapshot()
    dialog = scene.actions.open_dialog()
    dialog.open_checkpoint(checkpoint)
    with qtbot.waitSignal(dialog.accepted):
        dialog.ok_button.click()
    after = scene.document.network_snapshot()
    assert [layer.spec for layer in after.layers] == [
        layer.spec for layer in dialog.snapshot.layers
    ]
    assert after.layers[0].weight.tobytes() == dialog.snapshot.layers[0].weight.tobytes()
    assert scene.document.undo_label == "Import model layers from model.pt"
    assert scene.document.undo_count == 1
    scene.document.undo()
    assert [layer.spec for layer in scene.document.network_snapshot().layers] == [
        layer.spec for layer in before.layers
    ]
