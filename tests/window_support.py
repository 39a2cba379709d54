"""The main window as the tests that drive it need it: built as the command line builds it, at
1280×800, shown, settled, and answering every question so that closing it never blocks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QMessageBox, QWidget

from convexplorer.app import build_window
from convexplorer.app.main_window import MainWindow


def answer(window: MainWindow, button: QMessageBox.StandardButton) -> list[str]:
    """Make every question the window asks answer ``button``; returns the questions asked."""
    asked: list[str] = []

    def ask(title, text, buttons, default):
        asked.append(title)
        return button

    window.files.dialogs.ask = ask  # type: ignore[method-assign]
    return asked


def settings_in(folder: Path) -> QSettings:
    """Settings of their own, in ``folder`` (never the user's)."""
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)


def shown_window(qtbot, settings: QSettings, *, active: bool = False) -> MainWindow:
    """The window at 1280×800, shown (``active``: and activated, for keys and focus), every
    output computed and painted; closing it at teardown discards without asking."""
    window = build_window(settings=settings)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    if active:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
    else:
        qtbot.waitExposed(window)
    window.settle()
    answer(window, QMessageBox.StandardButton.Discard)
    return window


def focus(qtbot, widget: QWidget) -> QWidget:
    """Give ``widget`` the keyboard focus, as a click would, and wait until it has it."""
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)
    return widget


def edit_kernel_cell(qtbot, window: MainWindow, row: int, col: int, typed: str) -> QLineEdit:
    """Open the editor of cell (row, col) of the first kernel slice and type ``typed`` into it
    (not committed): the line edit, with the keyboard focus."""
    cell_view = window.kernel_editor.findChild(QAbstractItemView, "kernelSlice_0_0")
    index = cell_view.model().index(row, col)
    cell_view.setCurrentIndex(index)
    focus(qtbot, cell_view)
    cell_view.edit(index)
    qtbot.waitUntil(lambda: cell_view.state() == QAbstractItemView.State.EditingState)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.clear()
    qtbot.keyClicks(editor, typed)
    return editor
