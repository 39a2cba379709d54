"""Exports: output PNGs in the panels' look, and the sliding-window animation drawn by the view."""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QSize
from PySide6.QtGui import QImage, QImageReader
from PySide6.QtWidgets import QMainWindow

from convexplorer.app._dialogs import FileDialogs
from convexplorer.app._export_actions import (
    AnimationDialog,
    ExportActions,
    export_gif,
    export_png_sequence,
    rgb_pixels,
)
from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.looks import output_looks
from convexplorer.widgets.output_panels import OutputPanels
from convexplorer.widgets.sliding_window import SlidingWindowView
from convexplorer.widgets.style import DIVERGING_LUT, SEQUENTIAL_LUT


class Exporting:
    """A window with the output panels and the sliding window, and the export actions on them."""

    def __init__(self, qtbot, tmp_path: Path, image: np.ndarray, spec: LayerSpec) -> None:
        state = ExplorerState(image, spec)
        state.apply_preset("kaiming", seed=3)
        if spec.out_channels > 1 and spec.in_channels == 3:
            state.apply_preset("grayscale", out_channel=1)
        self.window = QMainWindow()
        qtbot.addWidget(self.window)
        self.document = Document(state, self.window)
        self.panels = OutputPanels(self.document, self.window)
        self.sliding = SlidingWindowView(self.document)
        qtbot.addWidget(self.sliding)
        self.sliding.resize(500, 220)  # a small dock: the export must not clip to it
        self.sliding.show()
        qtbot.waitExposed(self.sliding)
        self.messages: list[str] = []
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        dialogs = FileDialogs(self.window, settings, self.messages.append)
        self.actions = ExportActions(self.document, self.panels, self.sliding, dialogs)
        self.document.wait_until_idle()


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def scene(qtbot, tmp_path) -> Exporting:
    image = np.random.default_rng(0).random((3, 12, 14), dtype=np.float32)
    return Exporting(qtbot, tmp_path, image, LayerSpec(3, 2))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def pixels(path: Path) -> np.ndarray:
    return rgb_pixels(QImage(str(path)))


# ---- output PNGs ------------------------------------------------------------------------------


def test_output_pngs_use_the_panels_look(scene, tmp_path, umask_022):
    view = scene.document.view
    out = tmp_path / "out"
    out.mkdir()
    paths = scene.actions.export_outputs(out)
    assert [p.name for p in paths] == ["output_00.png", "output_01.png"]
    assert all(mode(p) == 0o644 for p in paths)
    signed, grey = view.output(0), view.output(1)
    assert signed.min() < 0 <= grey.min()  # kaiming straddles 0; grayscale of a photo does not

    # the grayscale filter: grey from black at 0, as its panel shows it
    picture = pixels(paths[1])
    assert (picture[..., 0] == picture[..., 1]).all() and (picture[..., 1] == picture[..., 2]).all()
    look = scene.panels.looks()[1]
    assert look.lut is SEQUENTIAL_LUT and look.levels == (0.0, float(grey.max()))
    np.testing.assert_array_equal(picture, look.colors(grey))
    assert "grey" in QImage(str(paths[1])).text("Description")

    # the signed filter: diverging, symmetric, white at 0
    look = scene.panels.looks()[0]
    assert look.lut is DIVERGING_LUT and look.levels[0] == -look.levels[1]
    np.testing.assert_array_equal(pixels(paths[0]), look.colors(signed))


def test_output_pngs_follow_the_shared_scale(scene, tmp_path):
    view = scene.document.view
    scene.panels.shared_scaling_action.trigger()
    paths = scene.actions.export_outputs(tmp_path)
    looks = scene.panels.looks()
    assert looks[0] == looks[1] and looks[0].lut is DIVERGING_LUT
    ranges = {o: (float(view.output(o).min()), float(view.output(o).max())) for o in range(2)}
    assert looks == output_looks(ranges, view.activation, shared=True)
    for o, path in enumerate(paths):
        np.testing.assert_array_equal(pixels(path), looks[o].colors(view.output(o)))


def test_relu_outputs_export_grey(scene, tmp_path, qtbot):
    with qtbot.waitSignal(scene.document.outputsChanged):
        scene.document.set_activation("relu")
    paths = scene.actions.export_outputs(tmp_path)
    picture = pixels(paths[0])
    assert (picture[..., 0] == picture[..., 2]).all()
    np.testing.assert_array_equal(picture.min(), 0)  # ReLU zeros are black


def test_a_widget_picture_is_written_through_io(scene, tmp_path, umask_022):
    path = tmp_path / "panels.png"
    assert scene.actions.save_widget_png(scene.panels, path)
    assert QImage(str(path)).size() == scene.panels.size() and mode(path) == 0o644


# ---- the sliding-window animation --------------------------------------------------------------


def gif_frames(data: bytes) -> list[tuple[int, int, int, int]]:
    """Image descriptors (left, top, width, height) found by walking the GIF's blocks."""
    assert data[:6] == b"GIF89a"
    flags = data[10]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    frames = []
    while data[pos] != 0x3B:
        if data[pos] == 0x21:  # extension: label, then sub-blocks
            pos += 2
        else:
            assert data[pos] == 0x2C
            frames.append(struct.unpack("<HHHH", data[pos + 1 : pos + 9]))
            local = data[pos + 9]
            pos += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0) + 1
        while data[pos]:
            pos += data[pos] + 1
        pos += 1
    return frames


def test_frames_are_drawn_whole_at_the_chosen_size(scene):
    view = scene.sliding
    scene.document.select(position=(2, 3))
    size = view.full_size()
    assert size.width() >= view.sizeHint().width() and size.height() >= view.sizeHint().height()
    image = view.render_frame((4, 5), QSize(900, 420))
    assert image.size() == QSize(900, 420)
    assert view.size() == QSize(500, 220)  # the dock did not move
    assert scene.document.view.position == (2, 3)  # nor did the shared selection
    assert "out(2, 3)" in view.output_text()


def test_gif_export_goes_through_io(scene, tmp_path, umask_022):
    view = scene.sliding
    path = tmp_path / "window.gif"
    positions = [(0, c) for c in range(5)]
    assert export_gif(view, path, positions, fps=10) == 5
    size = view.full_size()
    assert gif_frames(path.read_bytes())[0] == (0, 0, size.width(), size.height())
    assert QImageReader(str(path)).imageCount() == 5
    assert mode(path) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name != "settings.ini"] == ["window.gif"]


def test_png_sequence_export_goes_through_io(scene, tmp_path, umask_022):
    folder = tmp_path / "frames"
    folder.mkdir()
    files = export_png_sequence(scene.sliding, folder, [(1, 0), (1, 1), (1, 2)])
    assert [f.name for f in files] == [f"frame_{i:04d}.png" for i in range(3)]
    assert all(mode(f) == 0o644 for f in files)
    assert QImage(str(files[0])).size() == scene.sliding.full_size()


def test_a_cancelled_export_leaves_nothing(scene, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    calls = []

    def cancel_at_two(done: int, total: int) -> bool:
        calls.append((done, total))
        return done < 2

    positions = [(0, c) for c in range(6)]
    assert export_gif(scene.sliding, folder / "a.gif", positions, 10, cancel_at_two) == 0
    assert export_png_sequence(scene.sliding, folder, positions, cancel_at_two) == []
    assert list(folder.iterdir()) == []
    assert calls[:3] == [(0, 6), (1, 6), (2, 6)]


def test_the_dialog_offers_the_current_row_and_exports_it(scene, tmp_path, qtbot):
    scene.document.select(position=(3, 1))
    width = scene.document.view.output_size[1]
    dialog = AnimationDialog(scene.sliding, scene.document, str(tmp_path))
    qtbot.addWidget(dialog)
    assert (dialog.first.value(), dialog.last.value()) == (3 * width, 4 * width - 1)
    assert dialog.summary.text() == f"{width} frames: from (3, 0) to (3, {width - 1})"
    dialog.last.setValue(3 * width + 4)
    with qtbot.waitSignal(dialog.exported) as blocker:
        assert dialog.export_to(tmp_path / "row.gif") == 5
    assert blocker.args == [f"Saved 5 frames to {tmp_path / 'row.gif'}"]
    assert len(gif_frames((tmp_path / "row.gif").read_bytes())) == 5
    dialog.format.setCurrentText(AnimationDialog.PNG)
    assert not dialog.fps.isEnabled()
    assert dialog.export_to(tmp_path) == 5
    assert len(list(tmp_path.glob("frame_*.png"))) == 5


def test_the_views_export_button_opens_the_apps_dialog(scene, qtbot, monkeypatch):
    opened = []
    monkeypatch.setattr(AnimationDialog, "exec", lambda self: opened.append(self) or 0)
    scene.sliding.actions_by_name["export"].trigger()
    assert len(opened) == 1 and not scene.sliding.stepper.playing


# ---- the painting view (ConvTranspose2d) --------------------------------------------------------


def test_a_transposed_layer_exports_the_painting_pixel_by_pixel(qtbot, tmp_path):
    image = np.random.default_rng(0).random((2, 4, 5), dtype=np.float32)
    spec = LayerSpec(2, 1, 3, stride=2, padding=1, transposed=True)
    scene = Exporting(qtbot, tmp_path, image, spec)
    view = scene.sliding
    view.painting.go_to(6)  # input pixel (1, 1)
    track = view.frame_track()
    assert (track.count, track.width, track.current, track.noun) == (20, 5, 6, "input pixel")
    dialog = AnimationDialog(view, scene.document, str(tmp_path))
    qtbot.addWidget(dialog)
    assert (dialog.first.value(), dialog.last.value()) == (5, 9)  # the pixel's input row
    assert dialog.summary.text() == "5 frames: from (1, 0) to (1, 4)"
    dialog.last.setValue(7)
    assert dialog.export_to(tmp_path / "paint.gif") == 3
    size = view.full_size()
    assert gif_frames((tmp_path / "paint.gif").read_bytes())[0] == (
        0,
        0,
        size.width(),
        size.height(),
    )
    assert QImageReader(str(tmp_path / "paint.gif")).imageCount() == 3
    folder = tmp_path / "frames"
    folder.mkdir()
    dialog.format.setCurrentText(AnimationDialog.PNG)
    assert dialog.export_to(folder) == 3
    files = sorted(folder.glob("frame_*.png"))
    assert [f.name for f in files] == [f"frame_{i:04d}.png" for i in range(3)]
    frames = [pixels(f) for f in files]
    assert all(QImage(str(f)).size() == size for f in files)
    assert not np.array_equal(frames[0], frames[1])  # each frame paints one more pixel
    np.testing.assert_array_equal(frames[1], rgb_pixels(view.render_frame((1, 1), size)))
    assert view.painting.index == 6 and view.painting.pixel == (1, 1)  # the view did not move
