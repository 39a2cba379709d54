"""The main window as a user meets it: wiring, menus, undo, files, drops, settings, screenshot."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QMessageBox

from convexplorer import io
from convexplorer.app import cli
from convexplorer.app._scene import default_state
from convexplorer.app.main_window import MainWindow
from convexplorer.model import LayerSpec, load_sample
from tests.window_support import answer

OBJECT_NAMES = ["inputView", "kernelEditor", "layerControls", "outputPanels", "slidingWindowView"]


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings) -> MainWindow:
    state = default_state(load_sample("corner diagonal").repeat(3, axis=0))
    win = MainWindow(state, settings)
    qtbot.addWidget(win)
    win.show()
    win.document.wait_until_idle()
    answer(win, QMessageBox.StandardButton.Discard)  # closing at teardown must not block
    return win


def shown_errors(window: MainWindow) -> list[str]:
    return [box.text() for box in window.findChildren(QMessageBox) if box.isVisible()]


def test_default_scene_teaches_rgb_to_two_filters(qtbot, settings):
    win = MainWindow(default_state(), settings)
    qtbot.addWidget(win)
    state = win.document.view
    assert state.image.shape[0] == 3 and state.spec.out_channels == 2
    assert state.spec.kernel_size == (3, 3) and state.spec.stride == (1, 1)
    diagonal = state.weight[0, 0]
    assert np.all(np.diag(diagonal) > 0) and diagonal.sum() == pytest.approx(0)
    assert np.array_equal(state.weight[0, 0], state.weight[0, 2])
    np.testing.assert_allclose(state.weight[1, :, 1, 1], [0.299, 0.587, 0.114], rtol=1e-6)


def test_every_part_is_there_and_named(window):
    for name in OBJECT_NAMES:
        assert window.findChild(object, name) is not None, name
    assert len(window.output_panels.panels) == 2
    # one document holds the state and its undo history, and the Edit menu follows it
    document = window.document
    assert document.undo_count == 0 and not window.undo_action.isEnabled()
    document.set_weight(0, 0, 0, 0, 0.5, label="Set a weight")
    assert window.undo_action.isEnabled() and "Set a weight" in window.undo_action.text()


def test_layer_change_adds_panels_and_undo_removes_them(window, qtbot):
    controls = window.layer_controls
    with qtbot.waitSignal(window.document.outputsChanged):
        controls.out_channels.setValue(4)
    assert len(window.output_panels.panels) == 4
    window.undo_action.trigger()
    assert window.document.view.spec.out_channels == 2
    qtbot.waitUntil(lambda: len(window.output_panels.panels) == 2)
    window.redo_action.trigger()
    qtbot.waitUntil(lambda: len(window.output_panels.panels) == 4)


def test_undo_and_redo_have_standard_shortcuts(window):
    from PySide6.QtGui import QKeySequence

    assert window.undo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert window.redo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Redo)
    assert QKeySequence("Ctrl+Y") in window.redo_action.shortcuts()


def test_preset_from_the_edit_menu_applies_to_the_selected_filter(window, qtbot):
    state = window.document.view
    window.document.select(out_channel=1)
    with qtbot.waitSignal(window.document.outputsChanged) as changed:
        window.apply_preset("sobel x")
    assert changed.args == [[1]]
    np.testing.assert_array_equal(state.weight[1, 0], [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    window.apply_preset("grayscale", whole_layer=True)
    np.testing.assert_allclose(state.weight[:, :, 1, 1], [[0.299, 0.587, 0.114]] * 2, rtol=1e-6)
    assert window.document.undo_count == 2


def test_refused_preset_says_why_in_the_status_bar(qtbot, settings):
    win = MainWindow(default_state(load_sample("corner diagonal")), settings)
    qtbot.addWidget(win)
    before = win.document.view.weight.copy()
    win.apply_preset("grayscale")
    assert "grayscale" in win.statusBar().currentMessage()
    np.testing.assert_array_equal(win.document.view.weight, before)
    assert win.document.undo_count == 0


def test_open_image_file_and_recent_files(window, tmp_path):
    path = tmp_path / "gradient.png"
    image = QImage(40, 30, QImage.Format.Format_Grayscale8)
    image.fill(128)
    assert image.save(str(path))
    assert window.files.open_path(path)
    assert window.document.view.image.shape == (1, 30, 40)
    assert window.document.view.spec.in_channels == 1
    assert window.files.recent.paths() == [path.resolve()]
    window.undo_action.trigger()
    assert window.document.view.image.shape == (3, 32, 32)


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.png", b""), ("broken.png", b"\x89PNG\r\n\x1a\nnot really"), ("x.npy", b"\x93NUMPY")],
)
def test_bad_input_files_are_refused_with_a_dialog_and_nothing_changes(
    window, tmp_path, name, content
):
    path = tmp_path / name
    path.write_bytes(content)
    view = window.document.view
    before_image, before_spec = view.image.copy(), view.spec
    assert not window.files.open_path(path)
    errors = shown_errors(window)
    assert errors and name in errors[0]
    assert view.spec == before_spec
    assert view.image.tobytes() == before_image.tobytes()
    assert view.image.shape == before_image.shape
    assert window.document.undo_count == 0 and not window.document.is_modified


def test_session_round_trip_title_and_modified_mark(window, tmp_path, qtbot):
    document, state = window.document, window.document.view
    state_weight = state.weight.copy()
    document.set_weight(1, 2, 0, 1, 0.625, label="edit")
    assert window.isWindowModified()
    path = tmp_path / "lesson.convx"
    assert window.files.sessions.save_to(path)
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("lesson.convx")
    document.set_weight(0, 0, 0, 0, 9.0, label="edit")
    asked = answer(window, QMessageBox.StandardButton.Discard)
    assert window.files.sessions.open(path)
    assert asked == ["Unsaved changes"]
    expected = state_weight.copy()
    expected[1, 2, 0, 1] = 0.625
    np.testing.assert_array_equal(state.weight, expected)
    assert document.undo_count == 0 and not document.can_redo
    assert not document.is_modified and not window.isWindowModified()


def test_corrupt_session_is_refused_and_the_state_kept(window, tmp_path):
    path = tmp_path / "bad.convx"
    path.write_bytes(b"PK\x03\x04 truncated")
    view = window.document.view
    before_spec, before_weight = view.spec, view.weight.copy()
    assert not window.files.sessions.open(path)
    assert "bad.convx" in shown_errors(window)[0]
    assert view.spec == before_spec
    np.testing.assert_array_equal(view.weight, before_weight)


def test_weights_export_import_round_trip_and_shape_adoption(window, tmp_path):
    state = window.document.view
    path = tmp_path / "w.npz"
    assert window.files.weights.export_to(path)
    original = state.weight.copy()
    window.document.apply_preset("zeros", label="zero")
    assert window.files.weights.import_from(path)
    np.testing.assert_array_equal(state.weight, original)
    other = tmp_path / "five.npy"
    np.save(other, np.ones((5, 3, 5, 5), dtype=np.float32))
    asked = answer(window, QMessageBox.StandardButton.Yes)
    assert window.files.weights.import_from(other)
    assert asked == ["Weights do not fit"]
    assert state.spec.out_channels == 5 and state.spec.kernel_size == (5, 5)


def test_copy_as_pytorch_puts_a_snippet_on_the_clipboard(window):
    window.files.weights.copy_pytorch()
    text = QGuiApplication.clipboard().text()
    assert "nn.Conv2d(" in text and "in_channels=3" in text.replace(" ", "")


def test_dropping_an_array_file_opens_it(window, tmp_path):
    path = tmp_path / "stack.npy"
    np.save(path, np.random.default_rng(0).random((5, 20, 20)).astype(np.float32))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(
        QPoint(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, event)
    assert window.document.view.image.shape == (5, 20, 20)
    assert window.document.view.spec.in_channels == 5


def test_close_offers_to_save_and_cancel_keeps_the_window(window):
    window.document.set_weight(0, 0, 0, 0, 2.5, label="edit")
    asked = answer(window, QMessageBox.StandardButton.Cancel)
    window.close()
    assert asked == ["Unsaved changes"] and window.isVisible()
    answer(window, QMessageBox.StandardButton.Discard)
    window.close()
    assert not window.isVisible()


def test_geometry_and_dock_layout_are_remembered(qtbot, settings):
    first = MainWindow(default_state(), settings)
    qtbot.addWidget(first)
    first.show()
    first.docks["sliding"].hide()
    first.close()
    assert not settings.value("window/geometry").isEmpty()
    second = MainWindow(default_state(), settings)
    qtbot.addWidget(second)
    second.show()
    assert second.docks["sliding"].isHidden() and not second.docks["outputs"].isHidden()


def test_guide_explains_the_current_layer(window):
    from convexplorer.app._guide import guide_html

    window.document.set_layer(LayerSpec(3, 1, kernel_size=5))
    text = guide_html(window.document.view)
    assert "1 filter," in text and "5×5" in text and "75" in text


def test_screenshot_option_writes_a_png(tmp_path):
    path = tmp_path / "shot.png"
    assert cli.main(["--screenshot", str(path), "--sample", "shapes", "--preset", "sobel x"]) == 0
    image = QImage(str(path))
    assert image.size().toTuple() == cli.SCREENSHOT_SIZE
    assert path.stat().st_size > 10_000


def test_command_line_refuses_an_unreadable_image(tmp_path, capsys):
    assert cli.main(["--image", str(tmp_path / "missing.png"), "--screenshot", "x.png"]) == 2
    assert "missing.png" in capsys.readouterr().err


def test_help_explains_the_options(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for option in ("--image", "--sample", "--preset", "--screenshot"):
        assert option in out


def test_io_errors_name_the_file(tmp_path):
    with pytest.raises(io.FileFormatError, match=r"nothing\.npy"):
        io.read_array(Path(tmp_path / "nothing.npy"))


def test_typing_a_weight_updates_the_model_and_only_that_output_panel(window, qtbot):
    """The typical use: type into a kernel cell, watch that filter's output panel change."""
    from PySide6.QtWidgets import QTableView

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    view = window.kernel_editor.findChild(QTableView, "kernelSlice_0_1")
    untouched = window.output_panels.panels[1].image.image
    before = window.output_panels.panels[0].image.image.copy()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    view.setCurrentIndex(view.model().index(1, 1))
    with qtbot.waitSignal(window.document.outputsChanged) as changed:
        qtbot.keyClicks(QApplication.focusWidget(), "5")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert changed.args == [[0]]
    assert window.document.view.weight[0, 1, 1, 1] == 5.0
    shown = window.output_panels.panels[0].image.image
    assert not np.array_equal(shown, before)
    np.testing.assert_array_equal(shown, window.document.view.output(0))  # the map itself
    assert window.output_panels.panels[1].image.image is untouched
    assert window.undo_action.isEnabled()


@pytest.mark.parametrize("on_worker", [False, True])
def test_large_sessions_are_read_on_a_worker_and_refusals_still_change_nothing(
    window, tmp_path, monkeypatch, on_worker
):
    from convexplorer.app import _session_actions

    if on_worker:
        monkeypatch.setattr(_session_actions, "SYNC_READ_BYTES", 0)
    document, view = window.document, window.document.view
    path = tmp_path / "big.convx"
    document.apply_preset("laplacian", label="edit")
    assert window.files.sessions.save_to(path)
    saved = view.weight.copy()
    document.apply_preset("zeros", label="edit")
    assert window.files.sessions.open(path, asked=True)
    window.files.sessions.reader.wait()
    np.testing.assert_array_equal(view.weight, saved)
    assert not document.is_modified

    broken = tmp_path / "broken.convx"
    broken.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    document.apply_preset("zeros", label="edit")
    before = view.weight.copy()
    started = window.files.sessions.open(broken, asked=True)
    window.files.sessions.reader.wait()
    assert started is on_worker  # a worker read starts; the refusal comes when it is done
    assert "broken.convx" in shown_errors(window)[-1]
    np.testing.assert_array_equal(view.weight, before)
    assert document.is_modified


def test_without_a_display_the_app_says_so_plainly(monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(cli.sys, "platform", "linux")
    assert cli.main([]) == 2
    message = capsys.readouterr().err
    assert "no display found" in message and "--screenshot" in message


def test_the_file_menu_opens_first_and_quits_last(qtbot, tmp_path):
    """Open… at the top (where users look for it), then saving, weights, exports, Quit."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = cli.build_window(settings=settings)
    qtbot.addWidget(window)
    texts = [action.text().replace("&", "") for action in window.file_menu.actions()]
    assert texts[0] == "Open Image or Array…" and texts[-1] == "Quit"
    assert texts.index("Save Session") < texts.index("Export Outputs as PNG…") < len(texts) - 1
    assert not any(a == b == "" for a, b in itertools.pairwise(texts))  # no empty section


@pytest.mark.parametrize("scene", [None, "A small CNN"])
def test_an_idle_window_paints_nothing(qtbot, settings, scene):
    """Once shown, computed and painted, a window with nothing changing must not paint: a
    widget that asks for a repaint from its own paintEvent spins the whole window (the layer
    summary once repainted its dock ~3,000 times a second)."""
    from PySide6.QtCore import QEvent, QObject

    win = cli.build_window(settings=settings, scene=scene)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.settle()
    answer(win, QMessageBox.StandardButton.Discard)
    painted: list[str] = []

    class Watch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted.append(type(watched).__name__)
            return False

    watch = Watch()
    QApplication.instance().installEventFilter(watch)
    quiet = 0  # passes of the event loop in a row without a paint
    try:
        for _ in range(400):  # what settling left behind goes first, then nothing more
            before = len(painted)
            QApplication.processEvents()
            quiet = quiet + 1 if len(painted) == before else 0
            if quiet == 40:
                break
    finally:
        QApplication.instance().removeEventFilter(watch)
    assert quiet == 40, f"still painting after 400 passes: {painted[-4:]}"


def test_a_failed_computation_is_told_in_the_status_bar(window, qtbot, monkeypatch):
    from convexplorer.model import _outputs

    def out_of_memory(job):
        raise MemoryError()

    monkeypatch.setattr(_outputs.ComputeJob, "run", out_of_memory)
    window.document.set_weight(0, 0, 0, 0, 0.75)
    qtbot.waitUntil(lambda: "Computing the outputs failed" in window.statusBar().currentMessage())
    assert "MemoryError" in window.statusBar().currentMessage()
