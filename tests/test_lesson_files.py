"""The learner's files stay the learner's while a lesson runs: a session, image, array or
weights file opened by menu, drop or Open Recent first ends the lesson and then opens into the
learner's own session (the unsaved-changes question is about that session); Save, Save As and
Export Weights wait, disabled with a tip saying why, until the lesson is left."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMenu, QMessageBox

from convexplorer import io
from convexplorer.app._lesson_files import WHY_NOT_NOW
from convexplorer.app.main_window import MainWindow
from tests.test_document import everything
from tests.test_lessons_play import click, learner_work, open_lessons, panel_of, session, start
from tests.window_support import settings_in, shown_window


@pytest.fixture
def window(qtbot, tmp_path) -> MainWindow:
    return shown_window(qtbot, settings_in(tmp_path))


def in_a_lesson(window: MainWindow, qtbot, number: int = 4) -> None:
    open_lessons(window, qtbot)
    start(window, qtbot, number)
    assert window.document.is_aside


def questions(window: MainWindow, button: QMessageBox.StandardButton) -> list[bool]:
    """Answer every question with ``button``; records whether a lesson was running when asked."""
    asked: list[bool] = []

    def ask(title, text, buttons, default):
        asked.append(window.lessons.runner.active)
        return button

    window.files.dialogs.ask = ask  # type: ignore[method-assign]
    return asked


def drop(window: MainWindow, path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def an_input(tmp_path, window: MainWindow):
    channels = window.document.view.image.shape[0]
    array = np.random.default_rng(5).random((channels, 24, 30), dtype=np.float32)
    path = tmp_path / "mine.npy"
    np.save(path, array)
    return path, array


# ---- files coming in ----------------------------------------------------------------------------


def test_opening_a_session_in_a_lesson_leaves_it_and_asks_about_the_learner_s_work(
    window, qtbot, tmp_path
):
    path = tmp_path / "saved.convx"
    learner_work(window, qtbot)
    assert window.files.sessions.save_to(path)
    saved = everything(window.document)
    window.document.set_weight(0, 0, 0, 0, 0.75)  # unsaved work on top
    in_a_lesson(window, qtbot)
    asked = questions(window, QMessageBox.StandardButton.Discard)
    assert window.files.sessions.open(path)
    assert asked == [False]  # asked once, about the learner's own session
    assert not window.lessons.runner.active and not window.document.is_aside
    assert panel_of(window).pages.currentIndex() == 0  # the lesson list again
    assert everything(window.document) == saved and not window.document.is_modified


def test_cancelling_the_question_keeps_the_learner_s_session_and_opens_nothing(
    window, qtbot, tmp_path
):
    path = tmp_path / "saved.convx"
    assert window.files.sessions.save_to(path)
    learner_work(window, qtbot)
    before = session(window)
    in_a_lesson(window, qtbot)
    questions(window, QMessageBox.StandardButton.Cancel)
    assert not window.files.sessions.open(path)
    assert session(window) == before  # the lesson is over; the learner's work is on screen


def test_a_dropped_image_goes_into_the_learner_s_session_as_an_undoable_edit(
    window, qtbot, tmp_path
):
    learner_work(window, qtbot)
    before = session(window)
    path, array = an_input(tmp_path, window)
    in_a_lesson(window, qtbot)
    drop(window, path)
    document = window.document
    assert not window.lessons.runner.active
    np.testing.assert_array_equal(document.view.image, array)
    assert document.undo_label == "Open mine.npy"
    document.undo()
    assert everything(document) == before[0]  # the learner's own input and edits, not the lesson's


def test_open_recent_in_a_lesson_leaves_it_first(window, qtbot, tmp_path):
    path, array = an_input(tmp_path, window)
    window.files.recent.add(path)
    in_a_lesson(window, qtbot)
    window.files._fill_recent()
    recent = next(a for a in window.files._recent_menu.actions() if a.text() == path.name)
    recent.trigger()
    assert not window.lessons.runner.active
    np.testing.assert_array_equal(window.document.view.image, array)


def test_imported_weights_land_in_the_learner_s_layer(window, qtbot, tmp_path):
    view = window.document.view
    theirs = np.full_like(view.weight, 0.5)
    path = tmp_path / "w.npz"
    io.export_layer_weights(path, view.spec, theirs, view.bias)
    in_a_lesson(window, qtbot, 3)  # a lesson whose layer is a different shape
    assert window.files.weights.import_from(path)
    assert not window.lessons.runner.active
    np.testing.assert_array_equal(window.document.view.weight, theirs)


def test_a_sample_stays_part_of_the_lesson(window, qtbot):
    before = session(window)
    in_a_lesson(window, qtbot)
    window.files.inputs.open_sample("shapes")
    assert window.lessons.runner.active  # built-in pictures are for playing
    click(qtbot, panel_of(window).leave)
    assert session(window) == before


# ---- files going out ----------------------------------------------------------------------------


def test_writing_actions_wait_until_the_lesson_is_left_and_say_why(window, qtbot):
    writes = window.files.writing_actions()
    assert [a.text() for a in writes] == ["&Save Session", "Save Session &As…", "&Export Weights…"]
    tips = [(a.statusTip(), a.toolTip()) for a in writes]
    assert all(a.isEnabled() for a in writes)
    in_a_lesson(window, qtbot)
    assert not any(a.isEnabled() for a in writes)
    assert all(a.toolTip() == WHY_NOT_NOW and a.statusTip().startswith(WHY_NOT_NOW) for a in writes)
    menus = {m for a in writes for m in a.associatedObjects() if isinstance(m, QMenu)}
    assert menus and all(m.toolTipsVisible() for m in menus)  # disabled entries say why
    click(qtbot, panel_of(window).leave)
    assert all(a.isEnabled() for a in writes)
    assert [(a.statusTip(), a.toolTip()) for a in writes] == tips
    assert not any(m.toolTipsVisible() for m in menus)
