"""Blocking reads on a worker thread, their results handed back on the UI thread.

Reading and checking a large file (a session holding a 16 MB input, say) takes longer than a
frame; done on the UI thread it would freeze the window. Only the newest request of a reader
counts: a result that another request overtook is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Signals(QObject):
    finished = Signal(int, object, object)  # ticket, result, error


class _Task(QRunnable):
    def __init__(self, ticket: int, work: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self._ticket, self._work, self._signals = ticket, work, signals

    def run(self) -> None:
        try:
            result, error = self._work(), None
        except Exception as caught:  # handed to the UI thread, which reports it
            result, error = None, caught
        self._signals.finished.emit(self._ticket, result, error)


class BackgroundReader(QObject):
    """Runs one read at a time off the UI thread; ``busyChanged`` says when one is running."""

    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.finished.connect(self._finished)
        self._ticket = 0
        self._done: Callable[[Any, Exception | None], None] | None = None

    @property
    def busy(self) -> bool:
        return self._done is not None

    def start(self, work: Callable[[], Any], done: Callable[[Any, Exception | None], None]) -> None:
        """Run ``work`` on the worker; then ``done(result, None)`` or ``done(None, error)``."""
        self._ticket += 1
        was_busy = self.busy
        self._done = done
        self._pool.start(_Task(self._ticket, work, self._signals))
        if not was_busy:
            self.busyChanged.emit(True)

    def wait(self) -> None:
        """Block until the running read is done and handed over: for tests and scripts."""
        from PySide6.QtCore import QCoreApplication

        while self.busy:
            self._pool.waitForDone()
            QCoreApplication.processEvents()

    @Slot(int, object, object)
    def _finished(self, ticket: int, result: object, error: object) -> None:
        if ticket != self._ticket or self._done is None:
            return  # overtaken by a newer request
        done, self._done = self._done, None
        self.busyChanged.emit(False)
        done(result, error)  # type: ignore[arg-type]
