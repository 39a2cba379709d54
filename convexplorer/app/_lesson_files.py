"""The learner's files stay the learner's while a lesson runs.

A lesson shows its own scene with the learner's session put aside. Two things could mix them up:
a file the learner opens (session, image or array, weights; by menu, Open Recent or a drop)
would become part of the lesson and vanish when it ends, and saving would write the lesson's
scene into the learner's file. So, in this one place: a file coming in first ends the lesson
(the learner's session comes back, then the file opens into it as usual, with the usual question
about unsaved changes), and the actions that write a file are disabled while a lesson runs,
their tips saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from ._dialogs import FileDialogs
from ._lesson_runner import LessonRunner

WHY_NOT_NOW = "Not during a lesson: leave the lesson to save your own session"


class LessonFileGuard(QObject):
    """Ends the lesson before a file comes in; keeps the writing actions off during a lesson."""

    def __init__(
        self,
        runner: LessonRunner,
        dialogs: FileDialogs,
        writes: Sequence[QAction],
        status: Callable[[str], None],
    ) -> None:
        super().__init__(runner)
        self._runner = runner
        self._status = status
        self._tips = [(action, action.statusTip(), action.toolTip()) for action in writes]
        dialogs.before_reading = self.leave_lesson
        runner.stepChanged.connect(self._update)
        self._update()

    def leave_lesson(self) -> None:
        """A file is coming in: the learner's own session comes back first."""
        if self._runner.active:
            self._runner.leave()
            self._status("Left the lesson: the file opens into your own session")

    def _update(self) -> None:
        active = self._runner.active
        for action, status_tip, tool_tip in self._tips:
            action.setEnabled(not active)
            action.setStatusTip(f"{WHY_NOT_NOW} ({status_tip})" if active else status_tip)
            action.setToolTip(WHY_NOT_NOW if active else tool_tip)
            # A menu shows no status tip for a disabled entry: its tooltip says why instead.
            for menu in action.associatedObjects():
                if isinstance(menu, QMenu):
                    menu.setToolTipsVisible(active)
