"""Every lesson played to its end through the widgets, as a learner would: Help → Lessons, the
list, typed answers (a wrong one first: a hint, never a dead end), edits in the kernel editor and
the layer panel, Next and Finish. Afterwards the learner's own session is back bit for bit, with
its undo history, and the progress marks survive a new window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QMessageBox,
    QSpinBox,
    QTableView,
    QWidget,
)

from convexplorer.app import build_window
from convexplorer.app._lessons_dock import LessonsPanel
from convexplorer.app.main_window import MainWindow
from convexplorer.widgets.highlight import HighlightFrame
from tests.test_document import everything
from tests.test_one_door import outsiders, watch_mutators
from tests.window_support import shown_window


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings) -> MainWindow:
    return shown_window(qtbot, settings, active=True)


def learner_work(window: MainWindow, qtbot) -> None:
    """The learner's own session before any lesson: edits, one undone, unsaved."""
    type_cell(window, qtbot, 0, 1, 1, 1, "0.3")
    window.layer_controls.activation.setCurrentText("ReLU")
    window.document.undo()
    type_cell(window, qtbot, 1, 2, 0, 2, "-0.25")
    window.document.select(1, (7, 9))
    window.settle()


def session(window: MainWindow) -> tuple:
    """Everything a lesson must give back: state bits, selection, history, modified mark."""
    document = window.document
    document.wait_until_idle()
    return (
        everything(document),
        document.view.outputs().tobytes(),
        document.undo_count,
        document.undo_label,
        document.redo_label,
        document.is_modified,
    )


# ---- what a learner does ------------------------------------------------------------------------


def click(qtbot, button: QAbstractButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def panel_of(window: MainWindow) -> LessonsPanel:
    return window.lessons.panel


def open_lessons(window: MainWindow, qtbot) -> LessonsPanel:
    help_menu = window.help_menu
    action = next(a for a in help_menu.actions() if a.text() == "&Lessons")
    action.trigger()
    qtbot.waitUntil(window.lessons.dock.isVisible)
    return panel_of(window)


def start(window: MainWindow, qtbot, number: int) -> None:
    panel = panel_of(window)
    panel.list.setCurrentRow(number - 1)
    click(qtbot, panel.start_button)
    assert panel.runner.active and panel.title.text().startswith(f"{number}.")


def type_answer(qtbot, panel: LessonsPanel, text: str) -> None:
    panel.answer.selectAll()
    qtbot.keyClicks(panel.answer, text)
    qtbot.keyClick(panel.answer, Qt.Key.Key_Return)


def type_cell(window: MainWindow, qtbot, o: int, c: int, i: int, j: int, text: str) -> None:
    """Type a weight into the kernel editor's cell, as a person does."""
    view = window.kernel_editor.findChild(QTableView, f"kernelSlice_{o}_{c}")
    assert view is not None
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    view.setCurrentIndex(view.model().index(i, j))
    qtbot.keyClicks(QApplication.focusWidget(), text)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    QApplication.processEvents()  # the delegate commits through a queued call


def type_kernel(window: MainWindow, qtbot, rows: list[list[float]]) -> None:
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if window.document.view.weight[0, 0, i, j] != value:
                type_cell(window, qtbot, 0, 0, i, j, f"{value:g}")


def type_spin(window: MainWindow, qtbot, name: str, value: int) -> None:
    spin = window.findChild(QSpinBox, name)
    assert spin is not None, name
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(value))
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def pick(window: MainWindow, name: str, text: str) -> None:
    combo = window.findChild(QComboBox, name)
    assert combo is not None, name
    combo.setCurrentIndex(combo.findText(text))


def feedback(qtbot, panel: LessonsPanel, starts: str) -> str:
    qtbot.waitUntil(lambda: panel.feedback.isVisible() and panel.feedback.text().startswith(starts))
    return panel.feedback.text()


def highlighted(qtbot, panel: LessonsPanel) -> QWidget:
    """The step's widget, framed: it exists, it is on screen, and the frame covers it."""
    name = panel.runner.step.highlight
    qtbot.waitUntil(
        lambda: panel.highlighted is not None and panel.highlighted.objectName() == name
    )
    target = panel.highlighted
    frames = [f for f in target.findChildren(HighlightFrame) if f.isVisible()]
    assert target.isVisible() and len(frames) == 1
    assert frames[0].geometry() == target.rect()
    return target


# The answers a learner gives, step by step: a number to type, or a function doing the task.
def out_channels(n):
    return lambda window, qtbot: type_spin(window, qtbot, "outChannels", n)


def down_kernel(window, qtbot):
    type_kernel(window, qtbot, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])


def up_kernel(window, qtbot):
    type_kernel(window, qtbot, [[0, 0, 1], [0, 1, 0], [1, 0, 0]])


def press_strongest_then(value):
    def act(window, qtbot):
        click(qtbot, window.findChild(QAbstractButton, "strongestButton"))
        return value

    return act


def same_padding(window, qtbot):
    pick(window, "paddingKind", "same")


def kernel_3x3(window, qtbot):
    type_spin(window, qtbot, "kernelSizeHeight", 3)
    type_spin(window, qtbot, "kernelSizeWidth", 3)


def click_layer_3(window, qtbot):
    """Click layer 3's column in the Network strip, as a learner does."""
    column = window.network_strip.columns[2]
    qtbot.waitUntil(column.isVisible)
    qtbot.mouseClick(column, Qt.MouseButton.LeftButton)


PLAY = {
    1: ["3", "1", "27"],
    2: ["288", "289", out_channels(2)],
    3: [down_kernel, press_strongest_then("3"), up_kernel],  # 1 + 1 + 1 on the stroke
    4: ["3", out_channels(4), "108"],
    5: ["48", "88", same_padding],
    6: ["81", "27", "8"],
    7: ["3", "132", kernel_3x3],
    8: ["3", "5", click_layer_3, "8", "9"],  # 3, 1 + 2 + 2, 3 + 1 + 2·2, a dilation's 9 taps
}


def play_step(window: MainWindow, qtbot, given) -> None:
    panel = panel_of(window)
    highlighted(qtbot, panel)
    question = panel.runner.step.question
    assert question is not None
    assert not panel.next.isEnabled()  # answer first
    if callable(given):
        typed = given(window, qtbot)
        if typed is not None:  # an action, then a number
            given = typed
    if isinstance(given, str):
        wrong = str(int(float(given)) + 1)
        type_answer(qtbot, panel, wrong)
        hint = feedback(qtbot, panel, "Not quite.")
        assert panel.runner.fill(question.hint) in hint
        assert not panel.next.isEnabled() and not panel.show_me.isVisible()
        type_answer(qtbot, panel, given)
        feedback(qtbot, panel, "Right!")
    else:  # done is noticed by itself once the outputs are in; Check asks at once
        if not panel.runner.solved:
            click(qtbot, panel.check_button)
        feedback(qtbot, panel, "Done!")
    assert panel.next.isEnabled()


def play_lesson(window: MainWindow, qtbot, number: int) -> None:
    panel = panel_of(window)
    start(window, qtbot, number)
    steps = panel.runner.lesson.steps
    for index, given in enumerate(PLAY[number]):
        assert panel.step_number.text() == f"Step {index + 1} of {len(steps)}"
        assert "{" not in panel.text.text()  # the live numbers are filled in
        play_step(window, qtbot, given)
        assert panel.next.text() == ("Finish" if index == len(steps) - 1 else "Next")
        click(qtbot, panel.next)
    assert not panel.runner.active and panel.pages.currentIndex() == 0


# ---- the tests ----------------------------------------------------------------------------------


def test_every_lesson_plays_to_its_end_and_the_learner_gets_the_session_back(
    window, qtbot, settings, monkeypatch
):
    learner_work(window, qtbot)
    before = session(window)
    panel = open_lessons(window, qtbot)
    assert panel.list.count() == len(PLAY) == len(panel.runner.lessons)
    callers = watch_mutators(monkeypatch)
    for number in PLAY:
        play_lesson(window, qtbot, number)
        assert session(window) == before, f"lesson {number} did not give the session back"
        assert panel.highlighted is None
        assert not [f for f in window.findChildren(HighlightFrame) if f.isVisible()]
    assert outsiders(callers) == set()  # every change went through the document
    marks = [panel.list.item(row).text() for row in range(panel.list.count())]
    assert all(text.startswith("✓") for text in marks), marks


def test_progress_is_remembered_by_the_next_window(window, qtbot, settings):
    open_lessons(window, qtbot)
    play_lesson(window, qtbot, 1)
    start(window, qtbot, 5)  # begun, not finished
    click(qtbot, panel_of(window).leave)
    window.close()
    later = build_window(settings=QSettings(settings.fileName(), QSettings.Format.IniFormat))
    qtbot.addWidget(later)
    marks = [
        panel_of(later).list.item(row).text()[:1] for row in range(panel_of(later).list.count())
    ]
    assert marks == ["✓", " ", " ", " ", "…", " ", " ", " "]


def test_each_scene_is_one_undo_step_named_after_the_lesson(window, qtbot):
    open_lessons(window, qtbot)
    start(window, qtbot, 2)
    document = window.document
    assert document.undo_count == 1 and document.undo_label == "Lesson: 32 channels in, 1 out"
    assert window.undo_action.text() == "&Undo Lesson: 32 channels in, 1 out"
    start_count = document.undo_count
    type_answer(qtbot, panel_of(window), "288")
    click(qtbot, panel_of(window).next)  # a step without a scene adds no undo step
    assert document.undo_count == start_count


def test_show_me_after_two_wrong_tries_never_a_dead_end(window, qtbot):
    panel = open_lessons(window, qtbot)
    start(window, qtbot, 1)
    for _ in range(2):
        assert not panel.show_me.isVisible()
        type_answer(qtbot, panel, "5")
        feedback(qtbot, panel, "Not quite.")
    click(qtbot, panel.show_me)
    assert feedback(qtbot, panel, "The answer is 3.")
    click(qtbot, panel.next)
    # a task: Check says what is missing, then "Show me" does it as one undo step
    panel.runner.leave()
    start(window, qtbot, 3)
    for _ in range(2):
        click(qtbot, panel.check_button)
        assert panel.runner.fill(panel.runner.step.question.hint) in feedback(
            qtbot, panel, "Not yet."
        )
    click(qtbot, panel.show_me)
    feedback(qtbot, panel, "Done!")
    assert window.document.undo_label == "Lesson: Apply Diagonal ↘ to filter 0"
    np.testing.assert_array_equal(window.document.view.weight[0, 0], 3 * np.eye(3) - 1)


def test_a_check_on_the_outputs_waits_for_them(window, qtbot):
    """Right after an edit the outputs are stale: Check answers when outputsChanged comes."""
    panel = open_lessons(window, qtbot)
    start(window, qtbot, 3)
    down_kernel(window, qtbot)
    feedback(qtbot, panel, "Done!")  # noticed on its own: no Check needed
    click(qtbot, panel.next)
    type_answer(qtbot, panel, "3")  # the three 1s on the stroke
    feedback(qtbot, panel, "Right!")
    click(qtbot, panel.next)
    highlighted(qtbot, panel)
    document = window.document
    window.settle()
    document.apply_preset("anti-diagonal ↗", 0)  # as the Edit menu would
    assert document.view.stale_channels == (0,)
    panel.submit()  # Check, before the outputs exist
    assert not panel.runner.solved and not panel.feedback.isVisible()
    with qtbot.waitSignal(document.outputsChanged):
        pass
    feedback(qtbot, panel, "Done!")


def test_leaving_mid_lesson_or_closing_the_window_gives_the_session_back(window, qtbot):
    learner_work(window, qtbot)
    before = session(window)
    panel = open_lessons(window, qtbot)
    start(window, qtbot, 7)
    type_answer(qtbot, panel, "3")
    click(qtbot, panel.next)
    click(qtbot, panel.leave)
    assert session(window) == before
    assert panel.highlighted is None
    start(window, qtbot, 6)
    asked_in_lesson: list[bool] = []

    def ask(title, text, buttons, default):
        asked_in_lesson.append(window.document.is_aside)
        return QMessageBox.StandardButton.Discard

    window.files.dialogs.ask = ask  # type: ignore[method-assign]
    window.close()
    assert asked_in_lesson == [False]  # "unsaved changes?" is about the learner's own work
    assert session(window) == before


def test_the_step_text_follows_the_live_numbers(window, qtbot):
    panel = open_lessons(window, qtbot)
    start(window, qtbot, 2)
    type_answer(qtbot, panel, "288")
    click(qtbot, panel.next)
    type_answer(qtbot, panel, "289")
    click(qtbot, panel.next)
    assert "32 slices" in panel.text.text()
    type_spin(window, qtbot, "outChannels", 2)
    feedback(qtbot, panel, "Done! 2 filters × 288 weights + 2 biases = 578 parameters")


def test_every_control_of_the_panel_is_named(window, qtbot):
    from tests.test_accessibility import _controls

    panel = open_lessons(window, qtbot)
    for page in (0, 1):
        if page:
            start(window, qtbot, 3)
            click(qtbot, panel.check_button)
            click(qtbot, panel.check_button)  # "Show me" appears
        controls = _controls(panel)
        assert len(controls) >= (1 if page == 0 else 5)
        assert [w.objectName() for w in controls if not w.accessibleName()] == []
        assert all(w.objectName().startswith("lesson") for w in controls)


def test_saving_over_the_learner_s_session_waits_until_the_lesson_is_left(window, qtbot):
    from PySide6.QtGui import QAction, QKeySequence

    save = [
        a
        for a in window.findChildren(QAction)
        if a.shortcut() == QKeySequence(QKeySequence.StandardKey.Save)
    ]
    assert len(save) == 1 and save[0].isEnabled()
    open_lessons(window, qtbot)
    start(window, qtbot, 1)
    assert not save[0].isEnabled()
    click(qtbot, panel_of(window).leave)
    assert save[0].isEnabled()


def test_a_scene_that_does_not_fit_starts_nothing(window, qtbot):
    from convexplorer.lessons import parse_lesson

    text = (
        '{"title": "Odd", "question": "?", "steps": [{"text": "x", "scene": '
        '{"sample": "shapes", "layer": {"out_channels": 2, "groups": 2}}}]}'
    )
    lesson = parse_lesson(text, "99_odd.json")
    runner = window.lessons.runner
    before = session(window)
    with pytest.raises(ValueError, match="groups=2 does not divide in_channels=3"):
        runner.start(lesson)
    assert not runner.active and not window.document.is_aside
    assert session(window) == before
