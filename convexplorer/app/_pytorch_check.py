"""Tools → Check Against PyTorch: the layer run in PyTorch, compared channel by channel.

The dialog waits for current outputs (it never computes them), copies what the check needs and
runs the "Copy as PyTorch" script on a worker thread (``io.run_check``), so importing torch and
running a large layer never stall the window. It only reads: the state is the same afterwards,
bit for bit. Without torch it says how to install it.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .. import io
from ..model import sum_terms
from ..qt import Document
from ..widgets.style import (
    ERROR_TEXT,
    GOOD_TEXT,
    MISMATCH_COLOR,
    NOTE_TEXT,
    number,
    plural,
    shape_text,
)
from ._background import BackgroundReader

TITLE = "Check Against PyTorch"
_COLUMNS = (
    ("Channel", "The output channel (filter) compared"),
    ("Largest |Δ|", "The largest absolute difference between the explorer's value and PyTorch's"),
    (
        "Relative",
        "The largest |Δ| divided by Σ|w·x| + |b|, the size of the numbers summed for that output:"
        "\nrounding lives there (over the value itself it explodes where a sum cancels to ~0)",
    ),
    ("Worst at", "Where the largest difference (or the one furthest beyond its bound) is"),
    ("Bound there", "How far float32 rounding may move that value: 2·γₙ·(Σ|w·x| + |b|)"),
    ("Verdict", "bit-identical, identical to float32 rounding, or differs"),
)


def _where(row_col: tuple[int, int]) -> str:
    return f"row {row_col[0]}, col {row_col[1]}"


def verdict_html(check: io.TorchCheck, terms: int) -> str:
    """The verdict as a heading and a sentence with the numbers that decided it."""
    verdict, version = check.verdict, check.torch_version
    if verdict == io.FAILED:
        return _heading("✗ Could not compare", ERROR_TEXT) + f"<p>{escape(check.failure)}.</p>"
    worst = check.worst
    assert worst is not None
    channels = len(check.channels)
    if verdict == io.BIT_IDENTICAL:
        body = (
            f"PyTorch {version} computes exactly the same bits as the explorer for all "
            f"{plural(channels, 'output channel')}."
        )
        return _heading("✓ Bit-identical", GOOD_TEXT) + f"<p>{body}</p>"
    if verdict == io.ROUNDING:
        share = worst.max_abs / worst.bound if worst.bound > 0 else 0.0
        body = (
            f"Every output agrees with PyTorch {version} within float32 rounding. The largest "
            f"difference, {number(worst.max_abs)} (output channel {worst.channel} at "
            f"{_where(worst.worst)}), is {share:.1%} of what rounding allows there "
            f"({number(worst.bound)})."
        )
        heading = _heading("✓ Identical to float32 rounding", GOOD_TEXT)
        return heading + f"<p>{body}</p>" + _rule(terms)
    differing = [c.channel for c in check.channels if c.verdict == io.DIFFERS]
    others = (
        f" {len(differing)} of {channels} channels differ: {', '.join(map(str, differing))}."
        if len(differing) > 1
        else ""
    )
    body = (
        f"Output channel {worst.channel} differs from PyTorch {version}: at "
        f"{_where(worst.worst)} the explorer has {number(worst.ours)} and PyTorch "
        f"{number(worst.theirs)}, a difference of {number(abs(worst.ours - worst.theirs))} — more "
        f"than float32 rounding allows there ({number(worst.bound)}).{others}"
    )
    return _heading("✗ Differs", ERROR_TEXT) + f"<p>{body}</p>" + _rule(terms)


def _heading(text: str, colour: str) -> str:
    return f'<h2 style="color: {colour}; margin: 0">{escape(text)}</h2>'


def _rule(terms: int) -> str:
    return (
        f'<p style="color: {NOTE_TEXT}">Float32 sums of the same terms '
        f"(at most {terms} per output) "
        "added in another order differ by rounding of at most 2·γₙ·(Σ|w·x| + |b|) per output; "
        "within that bound two results are the same number as far as float32 can tell.</p>"
    )


def install_html() -> str:
    """What to do without torch (nothing was changed)."""
    return (
        _heading("PyTorch is not installed", NOTE_TEXT)
        + "<p>The check runs this layer in PyTorch, which is optional for convexplorer. "
        "Install its CPU build with</p>"
        f"<pre>{escape(io.TORCH_INSTALL)}</pre>"
        f"<p>then choose Tools → {TITLE}… again. Nothing was changed.</p>"
    )


class PyTorchCheckDialog(QDialog):
    """Runs the check and shows the verdict, the per-channel table and the script it ran."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pytorchCheck")
        self.setWindowTitle(TITLE)
        self._document = document
        self._check: io.TorchCheck | None = None
        self._waiting = False  # for current outputs before starting
        self._version = 0  # counts changes of what the check compares
        self._checked_version = -1
        self._input_shape: tuple[int, ...] = ()  # of the input the running check compares

        self.verdict = QLabel(self)
        self.verdict.setObjectName("pytorchCheckVerdict")
        self.verdict.setAccessibleName("Verdict of the check against PyTorch")
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict.setMinimumWidth(560)
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # busy: no percentage to show
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.table = QTableWidget(0, len(_COLUMNS), self)
        self.table.setObjectName("pytorchCheckTable")
        self.table.setAccessibleName("Differences per output channel")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        for column, (name, tip) in enumerate(_COLUMNS):
            item = QTableWidgetItem(name)
            item.setToolTip(tip)
            self.table.setHorizontalHeaderItem(column, item)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.snippet = QPlainTextEdit(self)
        self.snippet.setObjectName("pytorchCheckSnippet")
        self.snippet.setAccessibleName("The PyTorch script the check ran")
        self.snippet.setReadOnly(True)
        self.snippet.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.snippet.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.table, "Channels")
        self.tabs.addTab(self.snippet, "Snippet it ran")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.again = QPushButton("Check &Again", self)
        self.again.setToolTip("Run the check again on the layer as it is now")
        self.copy = QPushButton("&Copy Snippet", self)
        self.copy.setToolTip("Copy the script the check ran")
        buttons.addButton(self.again, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        self.again.clicked.connect(self.start)
        self.copy.clicked.connect(self._copy_snippet)
        layout = QVBoxLayout(self)
        layout.addWidget(self.verdict)
        layout.addWidget(self.busy)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(760, 520)

        self._worker = BackgroundReader(self)
        self._worker.busyChanged.connect(self._show_busy)
        document.outputsChanged.connect(self._outputs_arrived)
        for signal in (
            document.inputChanged,
            document.layerChanged,
            document.activationChanged,
            document.weightsChanged,
        ):
            signal.connect(self._changed)

    @property
    def result(self) -> io.TorchCheck | None:
        """The last check's outcome (None before one finished)."""
        return self._check

    @property
    def running(self) -> bool:
        return self._waiting or self._worker.busy

    def wait(self) -> None:
        """Block until a running check is done and shown: for tests and scripts."""
        self._worker.wait()

    # ---- running --------------------------------------------------------------------------------

    def start(self) -> None:
        """Check the layer as it is now: at once if its outputs are current, else once they are."""
        self._check = None  # an earlier outcome no longer stands
        self.table.setRowCount(0)
        self.snippet.clear()
        self.tabs.hide()
        self.copy.setEnabled(False)
        if not io.torch_available():
            self._show_install()
            return
        view = self._document.view
        if view.stale_channels:
            self._waiting = True
            self._say("<p>Waiting for the outputs to be computed…</p>")
            self._show_busy(True)
            return
        self._waiting = False
        job = io.CheckJob.of(view)
        self._checked_version = self._version
        self._input_shape = view.image.shape
        self._say("<p>Running the layer in PyTorch…</p>")
        self._worker.start(lambda: io.run_check(job), self._finished)

    def _outputs_arrived(self, _channels: list[int]) -> None:
        if self._waiting and not self._document.view.stale_channels:
            self.start()

    def _changed(self, *_: object) -> None:
        self._version += 1
        if self._check is not None and not self.running:
            self._show_result()  # adds the note that the layer changed since

    def _finished(self, check: io.TorchCheck | None, error: Exception | None) -> None:
        if isinstance(error, io.TorchUnavailable):
            self._show_install()
            return
        if error is not None:
            self._say(_heading("✗ The check failed", ERROR_TEXT) + f"<p>{escape(str(error))}</p>")
            return
        self._check = check
        self._show_result()

    # ---- showing --------------------------------------------------------------------------------

    def _say(self, html: str) -> None:
        self.verdict.setText(html)

    def _show_busy(self, busy: bool) -> None:
        busy = busy or self._waiting
        self.busy.setVisible(busy)
        self.again.setEnabled(not busy)

    def _show_install(self) -> None:
        self._waiting = False
        self._show_busy(False)
        self._say(install_html())

    def _show_result(self) -> None:
        check = self._check
        assert check is not None
        html = verdict_html(check, sum_terms(self._document.view.spec))
        if self._version != self._checked_version:
            html += (
                f'<p style="color: {ERROR_TEXT}">The layer has changed since this check: '
                "Check Again to compare it as it is now.</p>"
            )
        shape = shape_text(*self._input_shape)
        printed = f"; it printed {check.printed}" if check.printed else ""
        notes = [
            f"It ran the Copy as PyTorch script with x = the explorer's input ({shape}){printed}."
        ]
        notes += [f"PyTorch warned: {warning}" for warning in check.warnings]
        if notes:
            html += f'<p style="color: {NOTE_TEXT}">{escape(" ".join(notes))}</p>'
        self._say(html)
        self.snippet.setPlainText(check.snippet)
        self.tabs.show()
        self.copy.setEnabled(True)
        self.table.setRowCount(len(check.channels))
        for row, channel in enumerate(check.channels):
            cells = (
                f"out {channel.channel}",
                number(channel.max_abs),
                number(channel.max_rel),
                f"({channel.worst[0]}, {channel.worst[1]})" if channel.max_abs else "—",
                number(channel.bound),
                channel.verdict,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == len(cells) - 1 and channel.verdict == io.DIFFERS:
                    item.setForeground(MISMATCH_COLOR)
                self.table.setItem(row, column, item)
        if check.failure:
            self.tabs.setCurrentWidget(self.snippet)

    def _copy_snippet(self) -> None:
        if self._check is not None:
            QGuiApplication.clipboard().setText(self._check.snippet)
