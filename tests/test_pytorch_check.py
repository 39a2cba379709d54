"""Check against PyTorch: the snippet runs on the real input, verdicts are earned, nothing moves."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from convexplorer import io
from convexplorer.app._scene import default_state
from convexplorer.app.main_window import MainWindow
from convexplorer.model import ACTIVATIONS, StateView, output_bound
from convexplorer.qt import Document
from tests.io_support import make_state
from tests.test_io_snippets import SPECS

from .test_main_window import answer


@pytest.fixture
def window(qtbot, tmp_path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(default_state(), settings)
    qtbot.addWidget(win)
    win.show()
    win.document.wait_until_idle()
    answer(win, QMessageBox.StandardButton.Discard)  # closing at teardown must not block
    return win


def fingerprint(document: Document) -> tuple:
    """Everything the check must leave alone, as bytes."""
    view = document.view
    return (
        view.image.tobytes(),
        view.spec,
        view.weight.tobytes(),
        None if view.bias is None else view.bias.tobytes(),
        view.activation,
        view.outputs().tobytes(),
        view.selected_filter,
        view.position,
        document.undo_count,
        document.is_modified,
    )


# ---- the verdict, without torch --------------------------------------------------------------


def test_compare_tells_bits_rounding_and_differences_apart():
    rng = np.random.default_rng(3)
    ours = rng.standard_normal((3, 4, 5)).astype(np.float32)
    magnitudes = np.abs(ours).astype(np.float64) + 1.0
    bound = output_bound_for(magnitudes)
    theirs = ours.copy()
    theirs[1, 2, 3] = np.nextafter(ours[1, 2, 3], np.float32(np.inf))  # one ulp: rounding
    theirs[2, 0, 4] += np.float32(0.5)  # far beyond any rounding
    channels = io._torch_check.compare(ours, theirs, bound, magnitudes)
    assert [c.verdict for c in channels] == [io.BIT_IDENTICAL, io.ROUNDING, io.DIFFERS]
    assert channels[1].worst == (2, 3) and channels[2].worst == (0, 4)
    assert channels[2].max_abs == pytest.approx(0.5, rel=1e-6)
    assert channels[2].ours == ours[2, 0, 4] and channels[2].theirs == theirs[2, 0, 4]
    check = io.TorchCheck("", "x", channels)
    assert check.verdict == io.DIFFERS and check.worst is channels[2]


def output_bound_for(magnitudes: np.ndarray) -> np.ndarray:
    """A direct-method bound for 28-term sums of these magnitudes (no FFT term)."""
    state = make_state(3, 3, (6, 7))
    return output_bound(state.spec, np.zeros((3, 6, 7)), state.weight, magnitudes, fft=False)


def test_without_torch_the_check_says_how_to_install_it(monkeypatch):
    state = default_state()
    state.compute()
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails
    with pytest.raises(io.TorchUnavailable, match=r"download\.pytorch\.org/whl/cpu"):
        io.check_against_pytorch(StateView(state))


def test_startup_never_imports_torch():
    script = (
        "import sys\n"
        "from convexplorer.app import application, build_window\n"
        "app = application()\n"
        "window = build_window()\n"
        "window.settle()\n"
        "assert 'torch' not in sys.modules, 'torch was imported at start-up'\n"
    )
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr


# ---- the check itself, with torch ------------------------------------------------------------


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def test_the_default_layer_is_identical_to_float32_rounding(torch):
    state = default_state()
    state.compute()
    check = io.check_against_pytorch(StateView(state))
    assert check.verdict in (io.ROUNDING, io.BIT_IDENTICAL), check
    assert len(check.channels) == 2 and not check.failure
    assert check.printed == "torch.Size([1, 2, 168, 254])"
    assert io._torch_check.INPUT_LINE in check.snippet  # the real input, not torch.rand
    assert check.snippet == io.pytorch_snippet(StateView(state), io._torch_check.INPUT_LINE)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("spec_kw", SPECS)
def test_every_kind_of_layer_passes(torch, spec_kw, activation):
    spec_kw = dict(spec_kw)
    c_in, c_out = spec_kw.pop("c_in", 2), spec_kw.pop("c_out", 3)
    state = make_state(c_in, c_out, (9, 10), **spec_kw)
    state.set_activation(activation)
    state.compute()
    check = io.check_against_pytorch(StateView(state))
    assert check.verdict in (io.ROUNDING, io.BIT_IDENTICAL), check.channels


def test_a_corrupted_output_is_named_with_its_channel_and_position(torch):
    state = default_state()
    state.compute()
    job = io.CheckJob.of(StateView(state))
    corrupted = job.outputs[1].copy()
    corrupted[40, 60] += np.float32(1e-3)  # far beyond float32 rounding of this output
    check = io.run_check(dataclasses.replace(job, outputs=(job.outputs[0], corrupted)))
    assert check.verdict == io.DIFFERS
    assert [c.verdict == io.DIFFERS for c in check.channels] == [False, True]
    assert check.worst is not None and check.worst.channel == 1
    assert check.worst.worst == (40, 60)


def test_a_broken_snippet_is_reported_not_raised(torch, monkeypatch):
    state = default_state()
    state.compute()
    monkeypatch.setattr(io._torch_check, "INPUT_LINE", "x = undefined_name")
    check = io.check_against_pytorch(StateView(state))
    assert check.verdict == io.FAILED and "undefined_name" in check.failure


# ---- the dialog ---------------------------------------------------------------------------------


def test_the_dialog_shows_the_verdict_table_and_snippet_and_changes_nothing(window, qtbot, torch):
    before = fingerprint(window.document)
    dialog = window.check_against_pytorch()
    # torch runs on the worker: the window's event loop goes on, with a busy bar meanwhile
    assert dialog.running and dialog.result is None and dialog.busy.isVisible()
    assert not dialog.again.isEnabled()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    text = dialog.verdict.text()
    assert "Identical to float32 rounding" in text or "Bit-identical" in text
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(1, 0).text() == "out 1"
    assert dialog.snippet.toPlainText() == dialog.result.snippet
    assert "explorer_input" in dialog.snippet.toPlainText()
    assert not dialog.busy.isVisible() and dialog.again.isEnabled()
    assert fingerprint(window.document) == before
    # a second run reuses the dialog
    assert window.check_against_pytorch() is dialog
    dialog.wait()
    assert fingerprint(window.document) == before


def test_the_dialog_names_the_channel_that_differs(window, qtbot, torch, monkeypatch):
    real = StateView.output

    def corrupted(self, out_channel):
        values = real(self, out_channel)
        if out_channel == 1 and values is not None:
            values = values.copy()
            values[3, 4] += np.float32(0.25)
        return values

    monkeypatch.setattr(StateView, "output", corrupted)
    dialog = window.check_against_pytorch()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    text = dialog.verdict.text()
    assert "Differs" in text and "Output channel 1 differs" in text and "row 3, col 4" in text
    assert dialog.table.item(1, 5).text() == io.DIFFERS
    assert dialog.table.item(1, 3).text() == "(3, 4)"


def test_without_torch_the_dialog_explains_and_changes_nothing(window, monkeypatch):
    before = fingerprint(window.document)
    monkeypatch.setitem(sys.modules, "torch", None)
    dialog = window.check_against_pytorch()
    assert "PyTorch is not installed" in dialog.verdict.text()
    assert io.TORCH_INSTALL in dialog.verdict.text()
    assert dialog.result is None and not dialog.running
    assert dialog.table.rowCount() == 0 and dialog.tabs.isHidden() and not dialog.copy.isEnabled()
    assert fingerprint(window.document) == before


def test_stale_outputs_are_waited_for_never_computed(qtbot, torch):
    from convexplorer.app._pytorch_check import PyTorchCheckDialog

    document = Document(default_state(), sync_limit_ms=0)  # every job on the worker
    document.wait_until_idle()
    dialog = PyTorchCheckDialog(document)
    qtbot.addWidget(dialog)
    document.set_weight(0, 0, 1, 1, 3.5)
    assert document.view.stale_channels  # the edit's output is not there yet
    dialog.start()
    assert dialog.running and "Waiting for the outputs" in dialog.verdict.text()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    assert dialog.result.verdict in (io.ROUNDING, io.BIT_IDENTICAL)
    assert "3.5" in dialog.result.snippet  # it checked the edited layer
    document.set_weight(0, 0, 1, 1, 2.0)
    assert "has changed since" in dialog.verdict.text()


@pytest.mark.parametrize("activation", ["leaky_relu", "sigmoid", "tanh"])
def test_outputs_of_another_activation_are_caught(torch, activation):
    """The check compares what the explorer shows: outputs left un-activated differ."""
    state = make_state(2, 3, (9, 10), extremes=False, padding=1)
    state.set_activation(activation)
    state.compute()
    job = io.CheckJob.of(StateView(state))
    raw = tuple(state.raw_output(o) for o in range(3))
    assert io.run_check(job).verdict in (io.ROUNDING, io.BIT_IDENTICAL)
    check = io.run_check(dataclasses.replace(job, outputs=raw))
    assert check.verdict == io.DIFFERS
