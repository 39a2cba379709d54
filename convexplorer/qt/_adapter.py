"""The thin Qt adapter: turns the explorer state's changes into signals precise enough for views.

It owns no data. It also decides *where* stale outputs are computed: small jobs run at once on the
UI thread, large ones on a worker thread, with bursts of edits coalesced into one job and results
that went stale meanwhile dropped by the state.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from ..model import Change, ChangeKind, ComputeJob, ExplorerState

#: Multiply-adds a job may cost before it moves off the UI thread (about 5 ms of numpy here).
SYNC_MAC_LIMIT = 20_000_000


class _JobSignals(QObject):
    finished = Signal(object, object)  # (job, result)


class _JobRunner(QRunnable):
    """Runs one ``ComputeJob`` on the thread pool; numpy releases the GIL while it works."""

    def __init__(self, job: ComputeJob, signals: _JobSignals) -> None:
        super().__init__()
        self._job, self._signals = job, signals

    def run(self) -> None:
        self._signals.finished.emit(self._job, self._job.run())


class ExplorerModel(QObject):
    """Qt face of one ``ExplorerState``: signals out, and the state's own methods for changes in.

    Signals carry what changed, so a view redraws only that: ``weightsChanged``/``outputsChanged``
    list output channels; ``layerChanged`` means shapes may differ and views rebuild.
    """

    inputChanged = Signal()
    layerChanged = Signal()
    weightsChanged = Signal(list)
    activationChanged = Signal()
    selectionChanged = Signal(int, int, int)  # filter, row, col
    outputsChanged = Signal(list)  # output channels whose values are ready to read
    busyChanged = Signal(bool)

    def __init__(self, state: ExplorerState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._job_signals = _JobSignals(self)
        self._job_signals.finished.connect(self._job_finished)
        self._running = False
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self.flush)
        state.changes.connect(self._on_change)
        self._flush_timer.start()

    @property
    def busy(self) -> bool:
        """True while a worker computes outputs."""
        return self._running

    def _on_change(self, change: Change) -> None:
        kind = change.kind
        if kind is ChangeKind.INPUT:
            self.inputChanged.emit()
        elif kind is ChangeKind.LAYER:
            self.layerChanged.emit()
        elif kind is ChangeKind.WEIGHTS:
            channels = change.channels or range(self.state.spec.out_channels)
            self.weightsChanged.emit(list(channels))
        elif kind is ChangeKind.ACTIVATION:
            self.activationChanged.emit()
            self.outputsChanged.emit(list(range(self.state.spec.out_channels)))
        elif kind is ChangeKind.SELECTION:
            row, col = self.state.position
            self.selectionChanged.emit(self.state.selected_filter, row, col)
        if kind in (ChangeKind.INPUT, ChangeKind.LAYER, ChangeKind.WEIGHTS):
            self._flush_timer.start()

    @Slot()
    def flush(self) -> None:
        """Compute what is stale: now if it is cheap, else on the worker (one job at a time)."""
        if self._running:
            return  # _job_finished calls again
        job = self.state.pending_job()
        if job is None:
            return
        spec, (height, width) = self.state.spec, self.state.image.shape[1:]
        job_macs = spec.mac_count(height, width) * len(job.channels) // spec.out_channels
        if job_macs <= SYNC_MAC_LIMIT:
            self._publish(self.state.accept(job, job.run()))
            return
        self._running = True
        self.busyChanged.emit(True)
        self._pool.start(_JobRunner(job, self._job_signals))

    def wait_until_idle(self) -> None:
        """Block until outputs are current: for scripts, screenshots and tests."""
        while True:
            self._pool.waitForDone()
            if self._running:
                QCoreApplication.processEvents()
                continue
            if not self.state.stale_channels:
                return
            self.flush()

    @Slot(object, object)
    def _job_finished(self, job: ComputeJob, result: object) -> None:
        self._running = False
        self._publish(self.state.accept(job, result))  # type: ignore[arg-type]
        if self.state.stale_channels:
            self.flush()
        if not self._running:
            self.busyChanged.emit(False)

    def _publish(self, channels: tuple[int, ...]) -> None:
        if channels:
            self.outputsChanged.emit(list(channels))
