"""What a newcomer met playing the lessons with real mouse and keys at 1280×800, each fixed:
every step with its feedback fits the Lessons dock unscrolled; the lesson list keeps its arrow
keys and a focused button its Space (not the sliding window's shortcuts); finishing a lesson
lands on the next one in the list; a hint names the kernel editor's rows as the editor does."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QSpinBox,
    QStyle,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from convexplorer.app import build_window
from convexplorer.app._lesson_runner import Feedback, Outcome
from convexplorer.app._lessons_dock import is_typing
from convexplorer.app.main_window import SLIDING_MIN_HEIGHT, MainWindow
from tests.test_lessons_play import (
    click,
    open_lessons,
    panel_of,
    play_lesson,
    start,
    type_kernel,
)
from tests.window_support import settings_in, shown_window


@pytest.fixture
def window(qtbot, tmp_path) -> MainWindow:
    return shown_window(qtbot, settings_in(tmp_path), active=True)


def test_every_step_and_its_longest_feedback_fit_the_dock_unscrolled(window, qtbot):
    panel = open_lessons(window, qtbot)
    runner = panel.runner
    assert window.sliding_room() >= SLIDING_MIN_HEIGHT  # the sliding window keeps its room
    for number, lesson in enumerate(runner.lessons, start=1):
        start(window, qtbot, number)
        for index, step in enumerate(lesson.steps):
            runner.go(index)
            question = step.question
            if question is not None:
                hint = f"Not yet. {runner.fill(question.hint)}"
                right = f"Right! {runner.fill(step.explain)}" if step.explain else ""
                runner.wrong_tries = 2  # "Show me" on offer under the feedback
                panel._show_feedback(Feedback(Outcome.WRONG, max(hint, right, key=len)))
            QApplication.processEvents()
            bar = panel._scroll.verticalScrollBar()
            assert bar.maximum() == 0, (
                f"lesson {number} step {index + 1} scrolls by {bar.maximum()}"
            )
        click(qtbot, panel.leave)


def test_view_reset_layout_with_the_lessons_open_keeps_the_sliding_window_s_room(window, qtbot):
    open_lessons(window, qtbot)
    window.reset_layout()
    QApplication.processEvents()
    assert window.sliding_room() >= SLIDING_MIN_HEIGHT


def test_the_lesson_list_keeps_its_arrows_and_enter_starts_the_lesson(window, qtbot):
    panel = open_lessons(window, qtbot)
    qtbot.waitUntil(panel.list.hasFocus)
    position = window.document.view.position
    qtbot.keyClick(panel.list, Qt.Key.Key_Down)
    qtbot.keyClick(panel.list, Qt.Key.Key_Down)
    assert panel.list.currentRow() == 2
    qtbot.keyClick(panel.list, Qt.Key.Key_Up)
    assert panel.list.currentRow() == 1
    assert window.document.view.position == position  # the sliding window did not move
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert panel.runner.active and panel.title.text().startswith("2.")
    qtbot.waitUntil(panel.answer.hasFocus)  # the question's answer box, ready for typing


def test_space_on_a_focused_lesson_button_presses_it_and_does_not_play(window, qtbot):
    panel = open_lessons(window, qtbot)
    start(window, qtbot, 1)
    qtbot.keyClicks(panel.answer, "3")
    qtbot.keyClick(panel.answer, Qt.Key.Key_Return)
    qtbot.waitUntil(panel.next.hasFocus)
    qtbot.keyClick(panel.next, Qt.Key.Key_Space)
    assert panel.runner.index == 1
    assert not window.sliding_window.stepper.playing


def test_finishing_a_lesson_lands_on_the_next_one(window, qtbot):
    panel = open_lessons(window, qtbot)
    play_lesson(window, qtbot, 1)
    assert not panel.runner.active and panel.pages.currentIndex() == 0
    assert panel.list.currentRow() == 1  # lesson 2, ready for Enter
    assert panel.list.hasFocus() or QApplication.focusWidget() is panel.list
    start(window, qtbot, 3)
    click(qtbot, panel.leave)  # left half-way: lesson 3 is still the one to take
    assert panel.list.currentRow() == 2


def test_a_hint_names_the_kernel_editor_s_row_as_the_editor_shows_it(window, qtbot):
    panel = open_lessons(window, qtbot)
    start(window, qtbot, 1)
    header = window.findChild(QWidget, "kernelRowHeader_0")
    shown = header.findChildren(QLabel)[0].text().replace("<b>", "").replace("</b>", "")
    assert shown == "filter 0"
    qtbot.keyClicks(panel.answer, "1")
    qtbot.keyClick(panel.answer, Qt.Key.Key_Return)
    assert f"'{shown}'" in panel.feedback.text()
    assert panel_of(window) is panel


def test_what_lesson_4_says_of_the_new_filter_is_what_the_editor_shows(window, qtbot):
    panel = open_lessons(window, qtbot)
    start(window, qtbot, 4)
    qtbot.keyClicks(panel.answer, "3")
    qtbot.keyClick(panel.answer, Qt.Key.Key_Return)
    click(qtbot, panel.next)
    spin = window.findChild(QSpinBox, "outChannels")
    spin.stepUp()  # the up arrow
    qtbot.waitUntil(lambda: panel.runner.solved)
    new_filter = window.document.view.weight[3]
    assert np.abs(new_filter).max() > 0  # PyTorch's default initialisation, not zeros
    assert "random weights" in panel.feedback.text() and "zeros" not in panel.feedback.text()


def test_a_click_on_the_step_s_text_leaves_the_focus_in_the_answer_box(window, qtbot):
    panel = open_lessons(window, qtbot)
    start(window, qtbot, 1)
    qtbot.waitUntil(panel.answer.hasFocus)
    viewport = panel._scroll.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=QPoint(40, viewport.height() - 4))
    qtbot.mouseClick(panel.text, Qt.MouseButton.LeftButton, pos=QPoint(20, 6))
    assert QApplication.focusWidget() is panel.answer
    qtbot.keyClicks(QApplication.focusWidget(), "3")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert panel.runner.solved and not window.sliding_window.stepper.playing


def test_back_on_a_task_already_done_says_so_and_next_stays_open(window, qtbot):
    panel = open_lessons(window, qtbot)
    start(window, qtbot, 4)
    qtbot.keyClicks(panel.answer, "3")
    qtbot.keyClick(panel.answer, Qt.Key.Key_Return)
    click(qtbot, panel.next)
    window.findChild(QSpinBox, "outChannels").stepUp()
    qtbot.waitUntil(lambda: panel.runner.solved)
    click(qtbot, panel.next)
    click(qtbot, panel.back)  # out channels is still 4: the task is done
    assert panel.runner.index == 1 and panel.runner.solved
    assert panel.next.isEnabled() and panel.feedback.text().startswith("Done!")


def test_a_task_s_text_still_reads_true_once_the_task_is_done(window, qtbot):
    """Live numbers in a task's text must not describe the state the task changes ("now it is
    88×88" read "now it is 96×96" once done)."""
    panel = open_lessons(window, qtbot)
    runner = panel.runner
    tasks = 0
    for number, lesson in enumerate(runner.lessons, start=1):
        start(window, qtbot, number)
        for index, step in enumerate(lesson.steps):
            runner.go(index)  # in order: a step without a scene builds on the one before
            if step.question is None or step.question.kind != "task":
                continue
            before = panel.text.text()
            runner.show_me()
            qtbot.waitUntil(lambda: runner.solved)
            assert panel.text.text() == before, f"lesson {number} step {index + 1}"
            tasks += 1
        click(qtbot, panel.leave)
    assert tasks >= 5


# ---- polish: where the list opens, Enter after a task, marks in line -----------------------------


def finish(window: MainWindow, *numbers: int) -> None:
    runner = window.lessons.runner
    for number in numbers:
        lesson = runner.lessons[number - 1]
        runner.progress.record(lesson, len(lesson.steps) + 1)


def test_lessons_open_on_the_first_unfinished_lesson(window, qtbot):
    finish(window, 1, 2, 4)
    panel = open_lessons(window, qtbot)
    assert panel.list.currentRow() == 2  # lesson 3: the first not finished
    qtbot.waitUntil(panel.list.hasFocus)
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert panel.runner.active and panel.title.text().startswith("3.")


def test_a_new_window_selects_the_first_unfinished_lesson_and_all_finished_the_last(
    window, qtbot, tmp_path
):
    finish(window, 1)
    later = build_window(
        settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(later)
    assert later.lessons.panel.list.currentRow() == 1
    finish(window, *range(1, len(window.lessons.runner.lessons) + 1))
    panel = open_lessons(window, qtbot)
    assert panel.list.currentRow() == panel.list.count() - 1


def test_when_a_kernel_editor_task_is_done_enter_moves_on(window, qtbot):
    """The learner types the last weight and presses Enter: the task is done, Next takes the
    focus once the cell editor has closed, and the next Enter moves to the next step."""
    panel = open_lessons(window, qtbot)
    start(window, qtbot, 3)
    type_kernel(window, qtbot, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    qtbot.waitUntil(lambda: panel.feedback.text().startswith("Done!"))
    qtbot.waitUntil(panel.next.hasFocus)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert panel.runner.index == 1


def test_a_done_task_does_not_take_the_focus_from_a_cell_being_typed_in(window, qtbot):
    panel = open_lessons(window, qtbot)
    start(window, qtbot, 3)
    view = window.kernel_editor.findChild(QTableView, "kernelSlice_0_0")
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    view.setCurrentIndex(view.model().index(2, 2))
    qtbot.keyClicks(QApplication.focusWidget(), "0.5")  # a cell editor opens with the text
    typing = QApplication.focusWidget()
    assert isinstance(typing, QLineEdit) and typing.isModified()
    panel.runner.solved = True  # the task became done meanwhile (outputs arriving, say)
    panel.runner.feedback.emit(Feedback(Outcome.RIGHT, "Done!"))
    qtbot.waitUntil(panel.feedback.isVisible)
    QApplication.processEvents()
    assert QApplication.focusWidget() is typing and not panel.next.hasFocus()
    assert is_typing(typing) and not is_typing(view) and not is_typing(None)


def test_the_lesson_marks_sit_in_one_column(window, qtbot):
    """ "…" is wider than "✓" and a space: the titles still start at one x, and the row texts
    keep their marks (for screen readers and the progress tests)."""
    finish(window, 1)
    panel = open_lessons(window, qtbot)
    start(window, qtbot, 3)
    click(qtbot, panel.leave)
    rows = panel.list
    assert [rows.item(r).text()[:1] for r in range(3)] == ["✓", " ", "…"]
    delegate, style = rows.itemDelegate(), rows.style()
    lefts, icons = set(), set()
    for row in range(rows.count()):
        option = QStyleOptionViewItem()
        option.initFrom(rows)
        option.rect = rows.visualItemRect(rows.item(row))
        delegate.initStyleOption(option, rows.model().index(row, 0))
        assert option.text.startswith(f"{row + 1}. ")
        element = QStyle.SubElement
        lefts.add(style.subElementRect(element.SE_ItemViewItemText, option, rows).left())
        icons.add(style.subElementRect(element.SE_ItemViewItemDecoration, option, rows).width())
    assert len(lefts) == 1 and len(icons) == 1, (lefts, icons)
