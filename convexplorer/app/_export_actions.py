"""The exports: output PNGs, pictures of the panels or the window, and the sliding-window animation.

Views draw (the output panels' look, the sliding window's ``render_frames``); ``io`` writes, each
file atomically. Output PNGs use the same look policy as the panels — grey from 0 for outputs
that are never negative, diverging on ±L otherwise, per panel or shared as the panels are — so a
saved picture tells the same truth as the screen.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QSpinBox,
    QWidget,
)

from .. import __version__, io
from ..qt import Document
from ..widgets.looks import output_looks
from ..widgets.output_panels import OutputPanels
from ..widgets.sliding_window import SlidingWindowView
from ..widgets.style import plural
from ._dialogs import FileDialogs

#: Called before each frame with (frames done, frames in all); returning False cancels the export.
Progress = Callable[[int, int], bool]


class ExportActions(QObject):
    """Owns the export actions of the File menu and the sliding window's Export… button."""

    def __init__(
        self,
        document: Document,
        panels: OutputPanels,
        sliding_window: SlidingWindowView,
        dialogs: FileDialogs,
    ) -> None:
        super().__init__(dialogs.window)
        self._document, self._dialogs = document, dialogs
        self._window = dialogs.window
        self._panels, self._sliding = panels, sliding_window
        sliding_window.exportRequested.connect(self.export_animation_dialog)

    def populate(self, menu: QMenu, before: QAction | None = None) -> None:
        """Add the exports to ``menu`` before ``before`` (the separator above Quit)."""
        for text, slot, tip in (
            (
                "Export &Outputs as PNG…",
                self.export_outputs_dialog,
                "Save every output channel as its own PNG, coloured as the panels show it",
            ),
            (
                "Export Output &Grid as PNG…",
                self.export_grid_dialog,
                "Save the output panels as one picture",
            ),
            ("Save &Window as PNG…", self.export_window_dialog, "Save a picture of the window"),
            (
                "Export Sliding-Window &Animation…",
                self.export_animation_dialog,
                "Save the sliding window over a range of positions as a GIF or PNG frames",
            ),
        ):
            self._dialogs.add_action(menu, before, text, slot, None, tip)

    # ---- output PNGs ----------------------------------------------------------------------------

    def export_outputs_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self._window, "Export outputs to folder", self._dialogs.last_folder()
        )
        if folder:
            self.export_outputs(Path(folder))

    def export_outputs(self, folder: Path, stem: str = "output") -> list[Path]:
        """Every output channel as ``stem_00.png``, … in the panels' colours and scale."""
        try:
            self._document.wait_until_idle()
            view = self._document.view
            outputs = view.outputs()
            ranges = {o: view.output_range(o) for o in range(len(outputs))}  # with the outputs
            looks = output_looks(ranges, view.activation, self._panels.shared)
            digits = max(2, len(str(len(outputs) - 1)))
            paths = []
            for o, channel in enumerate(outputs):
                path = folder / f"{stem}_{o:0{digits}d}.png"
                text = {
                    "Software": f"convexplorer {__version__}",
                    "Description": f"output channel {o}: {looks[o].description()}",
                }
                io.write_png(path, looks[o].colors(channel), text)
                paths.append(path)
        except (OSError, ValueError) as error:
            self._dialogs.report_error("Cannot export outputs", error)
            return []
        self._dialogs.status(f"Saved {len(paths)} output PNGs to {folder}")
        return paths

    # ---- pictures of widgets --------------------------------------------------------------------

    def export_grid_dialog(self) -> None:
        self._save_widget_dialog(self._panels, "output_grid.png")

    def export_window_dialog(self) -> None:
        self._save_widget_dialog(self._window, "convexplorer.png")

    def _save_widget_dialog(self, widget: QWidget, default_name: str) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self._window,
            "Save PNG",
            str(Path(self._dialogs.last_folder()) / default_name),
            "PNG (*.png)",
        )
        if path:
            self.save_widget_png(widget, Path(path))

    def save_widget_png(self, widget: QWidget, path: Path) -> bool:
        """Render a widget to PNG bytes in memory, then write them atomically."""
        try:
            io.atomic_write_bytes(path, png_bytes(widget.grab().toImage()))
        except OSError as error:
            self._dialogs.report_error("Cannot save picture", error)
            return False
        self._dialogs.status(f"Saved {path.name}")
        return True

    # ---- the sliding-window animation -----------------------------------------------------------

    def export_animation_dialog(self) -> None:
        """Ask for a range and a file, then write the animation with a cancellable progress bar."""
        self._sliding.pause()
        dialog = AnimationDialog(self._sliding, self._document, self._dialogs.last_folder())
        dialog.exported.connect(self._dialogs.status)
        dialog.exec()
        dialog.deleteLater()


def png_bytes(image: QImage) -> bytes:
    """A QImage as PNG data in memory, so io can write it atomically."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data)


def rgb_pixels(image: QImage) -> np.ndarray:
    """(H, W, 3) uint8 pixels of a QImage, for io's encoders."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(height, image.bytesPerLine())
    return rows[:, : width * 3].reshape(height, width, 3).copy()


class _Cancelled(Exception):
    """The user cancelled: raised inside the frame stream so io writes nothing."""


def _frames(
    view: SlidingWindowView, positions: list[tuple[int, int]], size: QSize, progress: Progress
) -> Iterator[np.ndarray]:
    """The frames as pixels, asking ``progress`` before each one."""
    with contextlib.closing(view.render_frames(positions, size)) as images:
        for done, image in enumerate(images):
            if not progress(done, len(positions)):
                raise _Cancelled
            yield rgb_pixels(image)


def export_gif(
    view: SlidingWindowView,
    path: str | os.PathLike[str],
    positions: list[tuple[int, int]],
    fps: float,
    progress: Progress = lambda done, total: True,
    size: QSize | None = None,
) -> int:
    """Write the frames at ``positions`` as a looping GIF; the frame count, 0 if cancelled."""
    frames = _frames(view, positions, size or view.full_size(), progress)
    try:
        return io.write_gif(path, frames, fps)
    except _Cancelled:
        return 0


def export_png_sequence(
    view: SlidingWindowView,
    folder: str | os.PathLike[str],
    positions: list[tuple[int, int]],
    progress: Progress = lambda done, total: True,
    size: QSize | None = None,
    stem: str = "frame",
) -> list[Path]:
    """Write the frames at ``positions`` as ``stem_0000.png``, …; the files, none if cancelled."""
    try:
        frames = list(_frames(view, positions, size or view.full_size(), progress))
    except _Cancelled:
        return []
    return io.write_png_sequence(folder, stem, frames)


class AnimationDialog(QDialog):
    """Choose the format, the range of positions and the frame rate; then a file, and go."""

    GIF, PNG = "Animated GIF", "PNG frame sequence"
    exported = Signal(str)  # what was saved, for the status bar

    def __init__(self, view: SlidingWindowView, document: Document, folder: str = "") -> None:
        super().__init__(view)
        self._view, self._document, self._folder = view, document, folder
        self._track = track = view.frame_track()  # output positions, or input pixels painting
        count, width = track.count, track.width
        row = track.current // width
        noun = track.noun
        painting = noun != "position"
        self.setWindowTitle("Export the painting" if painting else "Export the sliding window")

        self.format = QComboBox(self)
        self.format.addItems([self.GIF, self.PNG])
        self.format.setToolTip("A GIF plays on any slide; PNG frames can be edited one by one")
        self.first = QSpinBox(self)
        self.last = QSpinBox(self)
        for box, start in ((self.first, row * width), (self.last, row * width + width - 1)):
            box.setRange(0, count - 1)
            box.setValue(start)
            box.setToolTip(f"{noun.capitalize()} number in raster order (columns fastest)")
        self.fps = QSpinBox(self)
        self.fps.setRange(1, 50)
        self.fps.setSuffix(" fps")
        self.fps.setValue(view.stepper.fps)
        self.fps.setToolTip("How many frames the GIF plays per second")
        self.summary = QLabel(self)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        form = QFormLayout(self)
        form.addRow("Format", self.format)
        form.addRow(f"First {noun}", self.first)
        form.addRow(f"Last {noun}", self.last)
        form.addRow("Frame rate", self.fps)
        form.addRow(self.summary)
        form.addRow(buttons)
        for box in (self.first, self.last):
            box.valueChanged.connect(self._summarise)
        self.format.currentTextChanged.connect(self._summarise)
        self._summarise()

    def positions(self) -> list[tuple[int, int]]:
        """The chosen range as (row, col) positions (or input pixels) in raster order."""
        track = self._track
        return [track.position_of(i) for i in range(self.first.value(), self.last.value() + 1)]

    def _summarise(self) -> None:
        track = self._track
        first, last = self.first.value(), self.last.value()
        frames = last - first + 1
        self.fps.setEnabled(self.format.currentText() == self.GIF)
        if frames < 1:
            self.summary.setText(f"The last {track.noun} must not come before the first")
            return
        self.summary.setText(
            f"{plural(frames, 'frame')}: from {track.position_of(first)} "
            f"to {track.position_of(last)}"
        )

    def accept(self) -> None:
        if self.last.value() < self.first.value():
            return
        if self.format.currentText() == self.GIF:
            name = "painting.gif" if self._track.noun != "position" else "sliding_window.gif"
            start = str(Path(self._folder) / name)
            path, _ = QFileDialog.getSaveFileName(self, "Save GIF", start, "GIF images (*.gif)")
        else:
            path = QFileDialog.getExistingDirectory(self, "Folder for the PNG frames", self._folder)
        if path and self.export_to(path):
            super().accept()

    def export_to(self, path: str | os.PathLike[str]) -> int:
        """Export to ``path`` (a .gif file or a folder) with a cancellable progress dialog."""
        positions = self.positions()
        progress_dialog = QProgressDialog("Rendering frames…", "Cancel", 0, len(positions), self)
        progress_dialog.setWindowModality(Qt.WindowModality.WindowModal)
        progress_dialog.setMinimumDuration(300)

        def progress(done: int, total: int) -> bool:
            progress_dialog.setValue(done)
            return not progress_dialog.wasCanceled()

        try:
            if self.format.currentText() == self.GIF:
                written = export_gif(self._view, path, positions, self.fps.value(), progress)
            else:
                written = len(export_png_sequence(self._view, path, positions, progress))
        except (OSError, ValueError) as error:
            QMessageBox.warning(self, "Export failed", str(error))
            return 0
        finally:
            progress_dialog.reset()
        self.exported.emit(f"Saved {written} frames to {path}" if written else "Export cancelled")
        return written
