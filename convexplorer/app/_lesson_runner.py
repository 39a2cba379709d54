"""Runs one lesson against the document: scenes in, answers and checks out, progress kept.

Entering a lesson puts the learner's session aside (``Document.put_aside``): the lesson gets an
undo history of its own, and each step's scene is ONE undo step named after the lesson.
Leaving brings the session back bit for bit — input, layer, weights, biases, activation,
selection, the undo history and with it the modified mark — whatever happened in the lesson.

Answers and checks are read from the state when it is ready: a question about the outputs asked
while they are being computed waits for ``outputsChanged`` instead of computing them here.
Progress (the furthest step reached, and finished lessons) lives in QSettings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QObject, QSettings, Signal

from ..lessons import (
    QUANTITIES,
    Lesson,
    Step,
    build_scene,
    build_stack,
    format_number,
    placeholder_values,
    read_quantity,
    run_check,
    solution_layer,
)
from ..qt import Document, preset_label

#: Wrong tries after which "Show me" is offered: a hint first, never a dead end.
TRIES_BEFORE_SHOW_ME = 2
_SETTINGS_KEY = "lessons/progress"


class Outcome(Enum):
    RIGHT = "right"
    WRONG = "wrong"
    SHOWN = "shown"  # the learner asked "Show me"
    NOT_A_NUMBER = "not a number"


@dataclass(frozen=True)
class Feedback:
    outcome: Outcome
    message: str


def parse_answer(text: str) -> float | None:
    """A typed number: '288', ' 6.0 ', '0,75' and '−1' all read; None when it is no number."""
    cleaned = text.strip().replace("−", "-").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


class Progress:
    """Per lesson id: the furthest step reached (1-based) and whether it was finished."""

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def _read(self) -> dict[str, int]:
        value = self._settings.value(_SETTINGS_KEY, {})
        if not isinstance(value, dict):
            return {}
        found = {}
        for key, reached in value.items():
            try:
                found[str(key)] = int(reached)
            except (TypeError, ValueError):
                continue  # a hand-edited settings file: forget that entry
        return found

    def reached(self, lesson: Lesson) -> int:
        """Steps reached, 0 (never opened) to len(steps) + 1 (finished)."""
        return self._read().get(lesson.id, 0)

    def finished(self, lesson: Lesson) -> bool:
        return self.reached(lesson) > len(lesson.steps)

    def record(self, lesson: Lesson, reached: int) -> None:
        progress = self._read()
        if reached > progress.get(lesson.id, 0):
            progress[lesson.id] = reached
            self._settings.setValue(_SETTINGS_KEY, progress)

    def forget(self) -> None:
        self._settings.remove(_SETTINGS_KEY)


class LessonRunner(QObject):
    """The current lesson and step, and what the learner did about its question.

    ``stepChanged`` fires when a step is shown (or the lesson ends); ``feedback`` carries the
    verdict on an answer or a task; ``textChanged`` when the live numbers in the text changed.
    """

    stepChanged = Signal()
    feedback = Signal(object)  # Feedback
    textChanged = Signal()
    progressChanged = Signal()

    def __init__(
        self, document: Document, lessons: tuple[Lesson, ...], settings: QSettings, parent=None
    ) -> None:
        super().__init__(parent)
        self._document = document
        self.lessons = lessons
        self.progress = Progress(settings)
        self.lesson: Lesson | None = None
        self.index = 0
        self.solved = False
        self.wrong_tries = 0
        self._pending: float | None = None  # a typed answer waiting for the outputs
        self._revealing = False  # "Show me" waits for the outputs to tell the answer
        self._checking = False  # the learner pressed Check on a task: report either way
        self._shown = False  # "Show me" did the task: say so when the check confirms it
        for signal in (document.layerChanged, document.inputChanged, document.activationChanged):
            signal.connect(self._state_changed)
        document.weightsChanged.connect(self._state_changed)
        document.outputsChanged.connect(self._state_changed)

    # ---- reading ------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.lesson is not None

    @property
    def step(self) -> Step:
        assert self.lesson is not None, "no lesson is running"
        return self.lesson.steps[self.index]

    @property
    def is_last(self) -> bool:
        return self.lesson is not None and self.index == len(self.lesson.steps) - 1

    @property
    def can_go_on(self) -> bool:
        """Next is open: the step asks nothing, or its question is answered (or shown)."""
        return self.lesson is not None and (self.step.question is None or self.solved)

    @property
    def show_me_offered(self) -> bool:
        return not self.solved and self.wrong_tries >= TRIES_BEFORE_SHOW_ME

    def fill(self, text: str) -> str:
        """``text`` with its placeholders replaced by the live numbers."""
        return text.format_map(placeholder_values(self._document.view, self._document.stack))

    # ---- moving -------------------------------------------------------------------------------

    def start(self, lesson: Lesson, step: int = 0) -> None:
        """Open ``lesson`` at ``step``; the learner's session is put aside on the first start."""
        fresh = not self._document.is_aside
        if fresh:
            self._document.put_aside()
        previous, self.lesson = self.lesson, lesson
        try:
            self.go(step)
        except ValueError:  # a scene that does not fit: nothing happened
            self.lesson = previous
            if fresh:
                self._document.come_back()
            raise

    def go(self, index: int) -> None:
        """Show step ``index``: its scene is set up as one undo step named after the lesson."""
        assert self.lesson is not None, "no lesson is running"
        step, document = self.lesson.steps[index], self._document
        scene = step.scene
        stack = (
            None if scene is None or scene.layers is None else build_stack(scene, document.stack)
        )
        arrays = None if scene is None or stack is not None else build_scene(scene, document.view)
        self.index = index
        self.solved = False
        self.wrong_tries = 0
        self._pending = None
        self._revealing = self._checking = self._shown = False
        if scene is not None:
            label = scene.label or f"Lesson: {self.lesson.title}"
            if stack is not None:
                document.load_network(stack, label)
                document.select_layer(scene.selected_layer)  # also when the stack was equal
                document.select(scene.selected_filter, scene.position)
            elif arrays is not None:
                document.set_scene(
                    arrays.image, arrays.spec, arrays.weight, arrays.bias, arrays.activation, label
                )
                document.select(arrays.selected_filter, arrays.position)
        self.progress.record(self.lesson, index + 1)
        self.progressChanged.emit()
        self.stepChanged.emit()
        if scene is None and step.question is not None and step.question.kind == "task":
            self._judge_task()  # back on a task already done (and no scene undoes it): say so

    def next(self) -> None:
        """The next step, or at the last one: the lesson is finished and left."""
        if self.lesson is None or not self.can_go_on:
            return
        if self.is_last:
            self.progress.record(self.lesson, len(self.lesson.steps) + 1)
            self.leave()
        else:
            self.go(self.index + 1)

    def back(self) -> None:
        if self.lesson is not None and self.index > 0:
            self.go(self.index - 1)

    def leave(self) -> None:
        """End the lesson: the learner's session comes back exactly as it was."""
        if self.lesson is None:
            return
        self.lesson = None
        self._pending = None
        self._document.come_back()
        self.progressChanged.emit()
        self.stepChanged.emit()

    # ---- answering ----------------------------------------------------------------------------

    def answer(self, text: str) -> None:
        """The learner typed ``text`` for the step's number question."""
        question = self.step.question
        if question is None or question.kind != "ask" or self.solved:
            return
        value = parse_answer(text)
        if value is None:
            self.feedback.emit(Feedback(Outcome.NOT_A_NUMBER, "Type a number, e.g. 27."))
            return
        self._pending = value
        self._judge_answer()

    def check(self) -> None:
        """The learner pressed Check on a task: say whether it is done (once it can be known)."""
        question = self.step.question
        if question is None or question.kind != "task" or self.solved:
            return
        self._checking = True
        self._judge_task()

    def show_me(self) -> None:
        """Reveal the answer, or do the task for the learner (one undo step), then move on."""
        question = self.step.question
        if question is None or self.solved:
            return
        if question.kind == "ask":
            self._pending = None
            self._revealing = True
            self._judge_answer()
            return
        solution = question.solution
        if solution is not None and solution.preset is not None:
            use = solution.preset
            self._document.apply_preset(
                use.preset,
                use.filter,
                use.in_channel,
                label=f"Lesson: {preset_label(use.preset, use.filter, use.in_channel)}",
            )
        elif solution is not None and solution.select_layer is not None:
            self._document.select_layer(solution.select_layer)
        elif solution is not None:
            self._document.set_layer(
                solution_layer(solution, self._document.view.spec), "Lesson: show me"
            )
        self._checking = self._shown = True
        self._judge_task()

    # ---- judging --------------------------------------------------------------------------------

    def _state_changed(self, *_: object) -> None:
        if self.lesson is None:
            return
        self.textChanged.emit()
        question = self.step.question
        if question is None or self.solved:
            return
        if question.kind == "ask" and (self._pending is not None or self._revealing):
            self._judge_answer()
        elif question.kind == "task":
            self._judge_task()

    def _judge_answer(self) -> None:
        question = self.step.question
        assert question is not None and question.quantity is not None
        expected = read_quantity(question.quantity, self._document.view, self._document.stack)
        if expected is None:
            return  # outputs are being computed: judged when outputsChanged arrives
        given, self._pending = self._pending, None
        if self._revealing:
            self._solve(Outcome.SHOWN, f"The answer is {format_number(expected)}.")
        elif given is None:
            return
        elif QUANTITIES[question.quantity].matches(given, expected):
            self._solve(Outcome.RIGHT, "Right!")
        else:
            self.wrong_tries += 1
            self.feedback.emit(Feedback(Outcome.WRONG, f"Not quite. {self.fill(question.hint)}"))

    def _judge_task(self) -> None:
        """Is the task done? Silent while it cannot be known or, unasked, while it is not."""
        question = self.step.question
        assert question is not None
        view = self._document.view
        if question.check is not None:
            done = run_check(question.check, view)
        else:
            value = read_quantity(question.quantity, view, self._document.stack)  # type: ignore[arg-type]
            done = None if value is None else value == question.equals
        if done is None:
            return  # outputs are being computed: checked again when they arrive
        if done:
            self._solve(Outcome.SHOWN if self._shown else Outcome.RIGHT, "Done!")
        elif self._checking:
            self._checking = False
            self.wrong_tries += 1
            self.feedback.emit(Feedback(Outcome.WRONG, f"Not yet. {self.fill(question.hint)}"))

    def _solve(self, outcome: Outcome, message: str) -> None:
        self.solved = True
        self._revealing = self._checking = False
        explain = self.fill(self.step.explain) if self.step.explain else ""
        self.feedback.emit(Feedback(outcome, f"{message} {explain}".strip()))
