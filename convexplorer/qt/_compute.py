"""Where stale outputs are computed: at once when cheap, on a worker thread when not.

A stack is computed front to back: each job is one layer's, and a finished layer's outputs feed
the next (the network does that when asked for its next job), so an edit in layer 1 recomputes the
touched filter of layer 1, then what follows.

Bursts of edits are coalesced into one job (the flush waits for the event loop to come round),
one job runs at a time, and results that went stale meanwhile are dropped by the state.

The flush is a queued call: it runs when the event loop comes round, ahead of the repaint the
edit asked for, so a cheap edit's outputs are painted with it in one pass (a zero timer came
after that repaint: the window was painted once for the weights and again for the outputs). A
job for the worker after a new layer or input is the other way round: it starts after the
views' repaint (``AFTER_REPAINT_MS``), which would otherwise share the machine with it (a 64×256²
layer change: its longest event-loop gap 30–40 ms with the worker started after the repaint,
52–59 ms before it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    QRunnable,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)

from ..model import ChannelResult, LayerJob


class Computable(Protocol):
    """What the scheduler keeps current: a stack of layers (``model.Network``)."""

    def next_job(self) -> LayerJob | None: ...

    def warm_up_job(self) -> LayerJob | None: ...

    def accept(
        self, job: LayerJob, result: dict[int, ChannelResult]
    ) -> tuple[int, tuple[int, ...]]: ...

    def has_work(self) -> bool: ...


#: Estimated milliseconds a job may take and still run at once on the UI thread (the model's
#: cost model prices it): with the repaint that follows, it fits a 60 Hz frame. Longer jobs go
#: to the worker, which costs a hand-over and a pass of the event loop (a 5×5 edit at 3×512²
#: painted in about 9 ms at once, 13–17 ms through the worker).
SYNC_LIMIT_MS = 10.0
#: What "after the repaint" waits: Qt delivers a window's repaint (QWindow.requestUpdate) in
#: step with the display or, without vsync, after at most 5 ms (QT_QPA_UPDATE_IDLE_TIME); a zero
#: timer fires before it.
AFTER_REPAINT_MS = 8


class _JobSignals(QObject):
    finished = Signal(object, object)  # (job, result)
    failed = Signal(str)  # what went wrong, in a line


def _failure(error: Exception) -> str:
    """A job's failure as the user reads it (MemoryError says nothing on its own)."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class _JobRunner(QRunnable):
    """Runs one ``LayerJob`` on the thread pool; numpy releases the GIL while it works."""

    def __init__(self, job: LayerJob, signals: _JobSignals) -> None:
        super().__init__()
        self._job, self._signals = job, signals

    def run(self) -> None:
        try:
            result = self._job.run()
        except Exception as error:  # told on the UI thread; nothing escapes the worker
            self._signals.failed.emit(_failure(error))
            return
        self._signals.finished.emit(self._job, result)


class OutputScheduler(QObject):
    """Keeps a stack's outputs current; ``published(layer, channels)`` names what became ready."""

    busyChanged = Signal(bool)
    #: a job raised (out of memory, say): what went wrong. Nothing more is computed until the
    #: next change asks for it, so a job that cannot run is not retried in a loop.
    failed = Signal(str)
    _flushRequested = Signal()  # queued to ``flush``
    _nextLayerRequested = Signal()  # queued to ``flush`` without starting the worker

    def __init__(
        self,
        source: Computable,
        published: Callable[[int, list[int]], None],
        parent: QObject | None = None,
        sync_limit_ms: float = SYNC_LIMIT_MS,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._sync_limit_ms = sync_limit_ms
        self._published = published
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._job_signals = _JobSignals(self)
        self._job_signals.finished.connect(self._job_finished)
        self._job_signals.failed.connect(self._fail)
        self._running = False
        self._failed = False
        self._busy = False
        self._flush_queued = False
        self._rebuilding = False  # views rebuild for a new layer or input: a large repaint
        self._flushRequested.connect(self._queued_flush, Qt.ConnectionType.QueuedConnection)
        self._nextLayerRequested.connect(
            lambda: self.flush(start_worker=False), Qt.ConnectionType.QueuedConnection
        )
        self._later = QTimer(self)  # worker jobs and the warm-up: after the repaint
        self._later.setSingleShot(True)
        self._later.setInterval(AFTER_REPAINT_MS)
        self._later.timeout.connect(self.flush)

    def schedule(self, rebuilding: bool = False) -> None:
        """Compute what is stale once the event loop comes round (edits in a burst share it).

        ``rebuilding``: the views rebuild (a new layer or input), so a job for the worker waits
        for their repaint; an edit's job starts at once (its repaint is small).
        """
        self._rebuilding = self._rebuilding or rebuilding
        self._failed = False  # a change: try again
        if not self._flush_queued:
            self._flush_queued = True
            self._flushRequested.emit()

    @Slot()
    def _queued_flush(self) -> None:
        self._flush_queued = False
        rebuilding, self._rebuilding = self._rebuilding, False
        self.flush(start_worker=not rebuilding)

    @Slot()
    def flush(self, start_worker: bool = True) -> None:
        """Compute what is stale: now if it is cheap, else on the worker (one job at a time;
        ``start_worker`` False: not before the window has repainted). One layer per call: the
        next layer's job follows through the event loop.

        Once every output is current, what the first edit would build (the window matrix) is
        built the same way, after the repaint, so that edit is as quick as the next.
        """
        if self._running or self._failed:
            return  # _job_finished calls again; after a failure, the next change does
        job = self._source.next_job()
        warm_up = job is None
        if warm_up:
            self._set_busy(False)  # every output is current (the last layer may have been cheap)
            if not start_worker:
                self._later.start()  # the warm-up waits for the repaint
                return
            job = self._source.warm_up_job()
            if job is None:
                return
        if job.cost <= self._sync_limit_ms:
            try:
                result = job.run()
            except Exception as error:  # told, not raised into the event loop
                self._fail(_failure(error))
                return
            self._publish(self._source.accept(job, result))
            if not warm_up:
                self._nextLayerRequested.emit()  # the next layer, or the warm-up
            return
        if not start_worker:
            self._later.start()
            return
        self._running = True
        if not warm_up:  # "busy" means outputs are on their way
            self._set_busy(True)
        self._pool.start(_JobRunner(job, self._job_signals))

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busyChanged.emit(busy)

    def wait_until_idle(self) -> None:
        """Block until outputs are current and the warm-up done: for scripts, screenshots, tests
        and benchmarks (the next edit then costs what any edit costs)."""
        while True:
            self._pool.waitForDone()
            if self._running:
                QCoreApplication.processEvents()
                continue
            if self._failed:
                return  # what is stale stays so until a change asks again
            if not self._source.has_work() and self._source.warm_up_job() is None:
                return
            self.flush()

    @Slot(str)
    def _fail(self, message: str) -> None:
        self._running = False
        self._failed = True
        self._set_busy(False)
        self.failed.emit(message)

    @Slot(object, object)
    def _job_finished(self, job: LayerJob, result: object) -> None:
        self._running = False
        self._publish(self._source.accept(job, result))  # type: ignore[arg-type]
        # what went stale meanwhile or the next layer; a worker job or the warm-up after the
        # repaint of what just came
        self._nextLayerRequested.emit()
        if not self._source.has_work():
            self._set_busy(False)

    def _publish(self, ready: tuple[int, tuple[int, ...]]) -> None:
        layer, channels = ready
        if channels:
            self._published(layer, list(channels))
