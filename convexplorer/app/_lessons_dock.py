"""The Lessons panel: the lesson list with progress marks, the current step with its live
numbers, an answer box, feedback, Back/Next and Leave, in a dock opened by Help → Lessons.

The panel shows what the ``LessonRunner`` says and passes on what the learner does; the frame
round the widget a step points at is a ``HighlightFrame``, found by the widget's object name.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..lessons import Lesson, load_lessons
from ..qt import Document
from ..widgets.highlight import HighlightFrame, is_alive
from ..widgets.style import LESSON_RIGHT, LESSON_WRONG, NOTE_TEXT, text_css
from ._dialogs import FileDialogs
from ._keys import NAVIGATION_KEYS
from ._lesson_files import LessonFileGuard
from ._lesson_marks import FINISHED, NOT_STARTED, STARTED, MarkColumn
from ._lesson_runner import Feedback, LessonRunner, Outcome

DOCK_WIDTH = 400
DOCK_HEIGHT = 0.35  # of the window's height: the step's text and buttons, the outputs above it
#: The height the longest step needs with its feedback and "Show me" (at DOCK_WIDTH), so no step
#: scrolls at 1280×800; taken from the dock above, down to its minimum (test_lesson_frictions).
STEP_HEIGHT = 285
INTRO = (
    "Guided tours of the classic questions. Each step sets up the window, frames what to look "
    "at in orange and asks you something. Your own work is put aside meanwhile and comes back "
    "exactly as it was when you leave."
)


def is_typing(widget: QWidget | None) -> bool:
    """Whether ``widget`` holds text the learner typed and has not committed yet."""
    if isinstance(widget, QAbstractSpinBox | QComboBox):
        widget = widget.findChild(QLineEdit)
    return isinstance(widget, QLineEdit) and widget.isModified()


def step_html(text: str, asks: bool) -> str:
    """A step's text as paragraphs; the last one (the question) in bold when it asks."""
    paragraphs = [escape(p).replace("\n", "<br>") for p in text.split("\n\n")]
    if asks:
        paragraphs[-1] = f"<b>{paragraphs[-1]}</b>"
    return "".join(f"<p>{p}</p>" for p in paragraphs)


class LessonsPanel(QWidget):
    """The lesson list, or the running lesson's step."""

    statusMessage = Signal(str)

    def __init__(self, runner: LessonRunner, window: QMainWindow, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("lessonsPanel")
        self.runner = runner
        self._window = window
        self._highlight: HighlightFrame | None = None

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._build_list_page())
        self.pages.addWidget(self._build_step_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.pages)

        runner.stepChanged.connect(self._show_step)
        runner.textChanged.connect(self._show_text)
        runner.feedback.connect(self._show_feedback)
        runner.progressChanged.connect(self._show_progress)
        self._show_progress()
        self._show_step()

    # ---- construction ---------------------------------------------------------------------------

    def _build_list_page(self) -> QWidget:
        page = QWidget(self)
        intro = QLabel(step_html(INTRO, False), page)
        intro.setWordWrap(True)
        self.list = QListWidget(page)
        self.list.setObjectName("lessonList")
        self.list.setAccessibleName("Lessons")
        self.list.setWordWrap(True)
        self.list.setItemDelegate(MarkColumn(self.list))
        rows = self.list.fontMetrics().height() + 4
        self.list.setMinimumHeight(rows * min(len(self.runner.lessons), 7) + 8)
        self.list.itemActivated.connect(lambda _item: self.start_selected())
        self.start_button = QPushButton("Start lesson", page)
        self.start_button.setObjectName("lessonStart")
        self.start_button.setAccessibleName("Start the selected lesson")
        self.start_button.setToolTip("Start the selected lesson (or double-click it)")
        self.start_button.clicked.connect(self.start_selected)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignRight)
        return page

    def _build_step_page(self) -> QWidget:
        page = QWidget(self)
        self.title = QLabel(page)
        self.title.setObjectName("lessonTitle")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.step_number = QLabel(page)
        self.step_number.setObjectName("lessonStepNumber")
        self.text = QLabel(page)
        self.text.setObjectName("lessonText")
        self.text.setAccessibleName("The step")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A click on the step's text (to select it) or beside it must not take the focus from
        # the answer box: typing would go nowhere and Space would play the sliding window.
        self.text.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.answer = QLineEdit(page)
        self.answer.setObjectName("lessonAnswer")
        self.answer.setAccessibleName("Your answer")
        self.answer.setPlaceholderText("your answer")
        self.answer.returnPressed.connect(self.submit)
        self.check_button = QPushButton("Check", page)
        self.check_button.setObjectName("lessonCheck")
        self.check_button.setAccessibleName("Check the answer")
        self.check_button.clicked.connect(self.submit)
        answer_row = QHBoxLayout()
        answer_row.addWidget(self.answer, 1)
        answer_row.addWidget(self.check_button)
        answer_row.addStretch(0)

        self.feedback = QLabel(page)
        self.feedback.setObjectName("lessonFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.PlainText)
        self.show_me = QPushButton("Show me", page)
        self.show_me.setObjectName("lessonShowMe")
        self.show_me.setAccessibleName("Show me")
        self.show_me.setToolTip("Show the answer, or do this step for me")
        self.show_me.clicked.connect(self.runner.show_me)

        self.back = QPushButton("Back", page)
        self.back.setObjectName("lessonBack")
        self.back.setAccessibleName("Previous step")
        self.back.clicked.connect(self.runner.back)
        self.next = QPushButton("Next", page)
        self.next.setObjectName("lessonNext")
        self.next.setAccessibleName("Next step")
        self.next.clicked.connect(self.runner.next)
        self.leave = QPushButton("Leave lesson", page)
        self.leave.setObjectName("lessonLeave")
        self.leave.setAccessibleName("Leave the lesson")
        self.leave.setToolTip("Back to your own work, exactly as you left it")
        self.leave.clicked.connect(self.runner.leave)
        # "Step 2 of 3" sits between the buttons that move through the steps and Leave: one
        # line less above the step, so a step and its feedback fit the short dock unscrolled.
        self.step_number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.step_number.setStyleSheet(text_css(NOTE_TEXT))
        nav = QHBoxLayout()
        nav.addWidget(self.back)
        nav.addWidget(self.next)
        nav.addWidget(self.step_number, 1)
        nav.addWidget(self.leave)

        # The step scrolls in a short dock; Back, Next and Leave stay in view below it.
        body = QWidget(page)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 4, 0)
        column.addWidget(self.title)
        column.addWidget(self.text)
        column.addLayout(answer_row)
        column.addWidget(self.feedback)
        column.addWidget(self.show_me, 0, Qt.AlignmentFlag.AlignLeft)
        column.addStretch(1)
        self._scroll = scroll = QScrollArea(page)
        scroll.setObjectName("lessonStep")
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addLayout(nav)
        return page

    def event(self, event: QEvent) -> bool:
        """The panel's list keeps its arrow keys and a focused button its Space, before the
        sliding window's window-wide shortcuts take them (a key nobody claimed travels up from
        the focus widget through this panel): a learner picks a lesson with ↓ and presses
        Space on Next as in any panel. The answer box is a text field: KeyGuard lets it keep
        every key already."""
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            focus = QApplication.focusWidget()
            plain = event.modifiers() in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.KeypadModifier,
            )
            if plain and (
                (focus is self.list and event.key() in NAVIGATION_KEYS)
                or (isinstance(focus, QAbstractButton) and event.key() == Qt.Key.Key_Space)
            ):
                event.accept()
                return True
        return super().event(event)

    # ---- what the learner does ------------------------------------------------------------------

    def start_selected(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        lesson: Lesson = item.data(Qt.ItemDataRole.UserRole)
        try:
            self.runner.start(lesson)
        except ValueError as error:  # a scene that does not fit: the lessons' tests prevent it
            self.statusMessage.emit(f"Lesson not started: {error}")
            return
        self.statusMessage.emit(
            f"Lesson: {lesson.title}. Your own session is put aside until you leave the lesson."
        )

    def submit(self) -> None:
        """Check: the typed answer, or whether the task is done."""
        question = self.runner.step.question if self.runner.active else None
        if question is None:
            return
        if question.kind == "ask":
            self.runner.answer(self.answer.text())
        else:
            self.runner.check()

    # ---- what the runner says -------------------------------------------------------------------

    def _show_progress(self) -> None:
        current = self.list.currentRow()
        self.list.clear()
        for number, lesson in enumerate(self.runner.lessons, start=1):
            reached = self.runner.progress.reached(lesson)
            if self.runner.progress.finished(lesson):
                mark, state = FINISHED, "finished"
            elif reached:
                mark, state = STARTED, f"step {reached} of {len(lesson.steps)} reached"
            else:
                mark, state = NOT_STARTED, "not started"
            item = QListWidgetItem(f"{mark} {number}. {lesson.title}")
            item.setData(Qt.ItemDataRole.UserRole, lesson)
            item.setToolTip(f"{lesson.question}\n({state})")
            item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, state)
            self.list.addItem(item)
        if current < 0:
            self.select_first_unfinished()
        else:
            self.list.setCurrentRow(current)

    def _show_step(self) -> None:
        runner = self.runner
        if not runner.active:
            returning = self.pages.currentIndex() == 1
            self.pages.setCurrentIndex(0)
            self._unhighlight()
            if returning:  # back at the list, on the lesson to take next
                self.list.setCurrentRow(self._next_row())
                self.list.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.pages.setCurrentIndex(1)
        lesson, step = runner.lesson, runner.step
        assert lesson is not None
        number = runner.lessons.index(lesson) + 1
        self.title.setText(f"{number}. {lesson.title}")
        self.step_number.setText(f"Step {runner.index + 1} of {len(lesson.steps)}")
        question = step.question
        asks = question is not None and question.kind == "ask"
        self.answer.clear()
        self.answer.setVisible(asks)
        self.check_button.setVisible(question is not None)
        self.check_button.setText("Check" if asks else "Check my work")
        self.feedback.clear()
        self.feedback.hide()
        self._update_buttons()
        self._show_text()
        if asks:
            self.answer.setFocus(Qt.FocusReason.OtherFocusReason)
        QTimer.singleShot(0, self.highlight)  # once the views have rebuilt for the scene

    def select_first_unfinished(self) -> None:
        """Select the lesson to take: the first not finished (the last one when all are)."""
        lessons, progress = self.runner.lessons, self.runner.progress
        unfinished = [i for i, lesson in enumerate(lessons) if not progress.finished(lesson)]
        self.list.setCurrentRow(unfinished[0] if unfinished else len(lessons) - 1)

    def _next_row(self) -> int:
        """The first lesson not finished after the current one (or the current one)."""
        progress, lessons = self.runner.progress, self.runner.lessons
        current = max(self.list.currentRow(), 0)
        if not progress.finished(lessons[current]):
            return current  # left half-way: still the one to take
        later = [i for i in range(current + 1, len(lessons)) if not progress.finished(lessons[i])]
        return later[0] if later else current

    def _show_text(self) -> None:
        if self.runner.active:
            step = self.runner.step
            self.text.setText(step_html(self.runner.fill(step.text), step.question is not None))

    def _show_feedback(self, feedback: Feedback) -> None:
        good = feedback.outcome in (Outcome.RIGHT, Outcome.SHOWN)
        colour = LESSON_RIGHT if good else LESSON_WRONG
        self.feedback.setStyleSheet(text_css(colour))
        self.feedback.setText(feedback.message)
        self.feedback.show()
        self._update_buttons()
        # in a short dock the verdict (and "Show me") must not land below the fold
        QTimer.singleShot(0, self._bring_feedback_into_view)
        if good:  # after the edit that did it has closed (a cell editor hands focus back)
            QTimer.singleShot(0, self._offer_next)
        elif feedback.outcome is Outcome.WRONG and self.answer.isVisible():
            self.answer.selectAll()

    def _offer_next(self) -> None:
        """The step is done: Next takes the focus, so Enter (or Space) moves on — unless the
        learner is typing somewhere (an open cell editor, a spin box with uncommitted text)."""
        if (
            self.runner.active
            and self.runner.can_go_on
            and self.next.isVisible()
            and QApplication.activeModalWidget() is None
            and not is_typing(QApplication.focusWidget())
        ):
            self.next.setFocus(Qt.FocusReason.OtherFocusReason)

    def _bring_feedback_into_view(self) -> None:
        last = self.show_me if self.show_me.isVisible() else self.feedback
        self._scroll.ensureWidgetVisible(last, 0, 4)

    def _update_buttons(self) -> None:
        runner = self.runner
        self.back.setEnabled(runner.index > 0)
        self.next.setEnabled(runner.can_go_on)
        self.next.setText("Finish" if runner.is_last else "Next")
        self.next.setDefault(runner.can_go_on)
        self.show_me.setVisible(runner.show_me_offered)
        self.check_button.setEnabled(not runner.solved)
        self.answer.setEnabled(not runner.solved)

    # ---- the frame round the widget to look at --------------------------------------------------

    @property
    def highlighted(self) -> QWidget | None:
        """The widget the current step points at, while its frame is shown."""
        return self._highlight.target if is_alive(self._highlight) else None  # type: ignore[union-attr]

    def highlight(self) -> None:
        """Frame the widget the step names; its dock is shown and raised if it was hidden."""
        self._unhighlight()
        if not self.runner.active or self.runner.step.highlight is None:
            return
        target = self._window.findChild(QWidget, self.runner.step.highlight)
        if target is None:
            return
        dock = target.parentWidget()
        while dock is not None and not isinstance(dock, QDockWidget):
            dock = dock.parentWidget()
        if dock is not None and not dock.isVisible():
            dock.show()
        if dock is not None:
            dock.raise_()
        self._highlight = HighlightFrame(target)

    def _unhighlight(self) -> None:
        if is_alive(self._highlight):
            self._highlight.remove()  # type: ignore[union-attr]
        self._highlight = None


class LessonsDock(QObject):
    """The Lessons dock, its Help and View menu entries, and the runner behind them."""

    statusMessage = Signal(str)

    def __init__(
        self,
        window: QMainWindow,
        document: Document,
        settings: QSettings,
        help_menu: QMenu,
        view_menu: QMenu,
    ) -> None:
        super().__init__(window)
        self.runner = LessonRunner(document, load_lessons(), settings, self)
        self.panel = LessonsPanel(self.runner, window)
        self.panel.statusMessage.connect(self.statusMessage)
        self.dock = QDockWidget("Lessons", window)
        self.dock.setObjectName("lessonsPanelDock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        document.layerChanged.connect(self._views_rebuilt)
        document.inputChanged.connect(self._views_rebuilt)

        self.open_action = QAction("&Lessons", window)
        self.open_action.setStatusTip("Guided lessons on channels, filters, stride, groups, 1×1")
        self.open_action.setToolTip(self.open_action.statusTip())
        self.open_action.triggered.connect(self.open)
        about = help_menu.actions()[-1] if help_menu.actions() else None
        help_menu.insertAction(about, self.open_action)
        view_menu.addAction(self.dock.toggleViewAction())

    def open(self) -> None:
        """Help → Lessons: show the dock beside the outputs, at a readable width."""
        window = self.dock.parentWidget()
        if not self.dock.isVisible():
            self.dock.show()
            if isinstance(window, QMainWindow) and not self.dock.isFloating():
                window.resizeDocks([self.dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)
                self._make_room(window)
            if not self.runner.active:
                self.panel.select_first_unfinished()
        self.dock.raise_()
        self.panel.list.setFocus(Qt.FocusReason.OtherFocusReason)

    def _make_room(self, window: QMainWindow) -> None:
        """Tall enough for a step: the docks sharing the column give way, down to their minimum."""
        want = max(int(window.height() * DOCK_HEIGHT), STEP_HEIGHT)
        area = window.dockWidgetArea(self.dock)
        above = [
            dock
            for dock in window.findChildren(QDockWidget)
            if dock is not self.dock
            and dock.isVisible()
            and not dock.isFloating()
            and window.dockWidgetArea(dock) == area
            and dock.geometry().right() > self.dock.geometry().left()
            and dock.geometry().left() < self.dock.geometry().right()
        ]
        if len(above) != 1:  # a layout the user made: ask for the height, let Qt share it out
            window.resizeDocks([self.dock], [want], Qt.Orientation.Vertical)
            return
        (other,) = above
        column = other.height() + self.dock.height()
        want = min(want, column - other.minimumSizeHint().height())
        window.resizeDocks([other, self.dock], [column - want, want], Qt.Orientation.Vertical)

    def leave(self) -> None:
        """Leave a running lesson (closing the window): the learner's session comes back."""
        self.runner.leave()

    def guard_files(self, dialogs: FileDialogs, writes: Sequence[QAction]) -> None:
        """Keep the learner's files apart from the lessons (see ``LessonFileGuard``)."""
        self.files_guard = LessonFileGuard(self.runner, dialogs, writes, self.statusMessage.emit)

    def _views_rebuilt(self) -> None:
        """A new layer rebuilds the kernel editor: frame the step's widget anew, once idle."""
        if self.runner.active:
            QTimer.singleShot(0, self.panel.highlight)
