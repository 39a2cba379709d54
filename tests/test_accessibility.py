"""Every control can be found by tests and named by assistive technology."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QWidget,
)

from convexplorer.app import build_window

CONTROLS = (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QAbstractSlider)


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = build_window(settings=settings)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    win.settle()
    return win


def _controls(root: QWidget) -> list[QWidget]:
    found = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or not widget.isVisibleTo(root):
            continue
        parent = widget.parentWidget()
        # parts of a compound control (a combo's view, a spin box's line edit) are named by it
        if isinstance(parent, (QAbstractSpinBox, QComboBox, QAbstractItemView)):
            continue
        if type(widget).__name__ in ("QScrollBar", "QToolBarExtension", "QDockWidgetTitleButton"):
            continue
        found.append(widget)
    return found


def test_every_visible_control_has_an_object_name_and_an_accessible_name(window):
    controls = _controls(window)
    assert len(controls) > 10
    unnamed = [
        f"{type(w).__name__} {w.objectName()!r} {getattr(w, 'text', lambda: '')()!r}"
        for w in controls
        if not w.objectName() or not w.accessibleName()
    ]
    assert unnamed == []


def test_cells_a_filter_cannot_see_say_which_filter_and_channel(qtbot):
    from convexplorer.model import ExplorerState, LayerSpec
    from convexplorer.qt import Document
    from convexplorer.widgets.kernel_editor import KernelEditor

    state = ExplorerState(np.zeros((4, 8, 8), np.float32), LayerSpec(4, 2, groups=2))
    editor = KernelEditor(Document(state))
    qtbot.addWidget(editor)
    absent = editor.findChild(QWidget, "kernelAbsent_1_0")
    assert absent is not None
    assert absent.accessibleName().startswith("filter 1 has no weights for input channel 0")
