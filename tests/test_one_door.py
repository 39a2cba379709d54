"""Only the document changes the state: drive the whole window and catch any other caller.

Every mutator of ``ExplorerState`` is wrapped to record the module that called it. The window is
then used the way a person uses it — typing a weight, presets, the layer form, the activation,
samples, sessions, undo and redo, stepping the window — and every recorded caller must be the
model itself or the Qt adapter. A view that calls a mutator (skipping undo and the modified mark)
fails the test; so does one that makes a read compute.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QTableView

from convexplorer.app import build_window
from convexplorer.model import ExplorerState

MUTATORS = (
    "set_weight",
    "set_kernel",
    "set_bias",
    "set_weights",
    "patch",
    "apply_preset",
    "set_image",
    "set_spec",
    "load",
    "set_activation",
    "select",
    "restore",
    "accept",
    "compute",
)
ALLOWED = ("convexplorer.model", "convexplorer.qt")


def watch_mutators(monkeypatch) -> list[str]:
    """From now on, record the modules that call a state mutator."""
    seen: list[str] = []
    for name in MUTATORS:
        original = getattr(ExplorerState, name)

        def wrapper(self, *args, __original=original, **kwargs):
            seen.append(sys._getframe(1).f_globals.get("__name__", "?"))
            return __original(self, *args, **kwargs)

        monkeypatch.setattr(ExplorerState, name, wrapper)
    return seen


def outsiders(callers: list[str]) -> set[str]:
    return {module for module in callers if not module.startswith(ALLOWED)}


def test_the_guard_notices_a_view_that_writes_directly(monkeypatch):
    callers = watch_mutators(monkeypatch)
    state = ExplorerState(__import__("numpy").zeros((1, 4, 4), "f4"))
    exec(
        "state.set_weight(0, 0, 0, 0, 1.0)",
        {"__name__": "convexplorer.widgets.rogue"},
        {"state": state},
    )
    assert outsiders(callers) == {"convexplorer.widgets.rogue"}


def test_using_the_window_changes_the_state_only_through_the_document(qtbot, tmp_path, monkeypatch):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = build_window(settings=settings)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.settle()
    document = window.document
    callers = watch_mutators(monkeypatch)  # the scene was built before: watch what the user does

    cell = window.kernel_editor.findChild(QTableView, "kernelSlice_0_1")
    assert cell is not None
    cell.model().setData(cell.model().index(1, 1), 0.75, Qt.ItemDataRole.EditRole)
    window.apply_preset("sobel x")
    window.layer_controls.out_channels.setValue(3)
    window.layer_controls.activation.setCurrentText("ReLU")
    window.sliding_window.actions_by_name["forward"].trigger()
    window.sliding_window.actions_by_name["last"].trigger()
    document.wait_until_idle()
    window.sliding_window.actions_by_name["strongest"].trigger()
    window.matrix.toggle.trigger()  # View → Matrix view; a click on Y selects filter and position
    window.settle()
    picture = window.matrix.view.picture
    cell = picture.mapFromScene(picture.cell_centre(("Y", 1, 5)))
    qtbot.mouseClick(picture.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert document.view.selected_filter == 1
    window.undo_action.trigger()
    window.redo_action.trigger()
    session = tmp_path / "s.convx"
    assert window.files.sessions.save_to(session)
    window.files.inputs.open_sample("corner diagonal")
    assert window.files.sessions.open(session, asked=True)
    window.settle()

    assert len(callers) > 10  # the scenario really went through the mutators
    assert outsiders(callers) == set()
    assert document.view.spec.out_channels == 3 and document.view.activation == "relu"
