"""Saving the animation for slides: an animated GIF or a numbered PNG sequence of the view.

Frames are screenshots of the view (``grab``) at each position of a raster-order range, rendered
without moving the shared selection. Files appear atomically (written aside, then ``os.replace``),
so a cancelled or failed export leaves nothing half-written behind.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QSpinBox,
)

from ._gif import GifWriter

if TYPE_CHECKING:
    from ._view import SlidingWindowView

#: Called before each frame with (frames done, frames in all); returning False cancels the export.
Progress = Callable[[int, int], bool]


def _checked_range(view: SlidingWindowView, first: int, last: int) -> range:
    count = view.stepper.count
    if not 0 <= first <= last < count:
        raise ValueError(f"positions {first}…{last} are not a range within 0…{count - 1}")
    return range(first, last + 1)


@contextlib.contextmanager
def _rendering(view: SlidingWindowView) -> Iterator[Callable[[int], QImage]]:
    """A function drawing the view at a raster index; the view shows the state again afterwards."""
    view.stepper.pause()

    def render(index: int) -> QImage:
        view._show_frame(view.stepper.position_of(index))
        return view.grab().toImage()

    try:
        yield render
    finally:
        view._show_frame()


def _rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(height, image.bytesPerLine())
    return rows[:, : width * 3].reshape(height, width, 3).copy()


def export_gif(
    view: SlidingWindowView,
    path: str | os.PathLike[str],
    first: int,
    last: int,
    delay_ms: int = 100,
    progress: Progress | None = None,
) -> int:
    """Write positions ``first``…``last`` (raster indices) as a looping GIF.

    Returns the number of frames written, or 0 when ``progress`` cancelled (no file is left).
    """
    indices = _checked_range(view, first, last)
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file, _rendering(view) as render:
            writer: GifWriter | None = None
            for done, index in enumerate(indices):
                if progress is not None and not progress(done, len(indices)):
                    return 0
                rgb = _rgb(render(index))
                if writer is None:
                    writer = GifWriter(file, rgb.shape[1], rgb.shape[0], delay_ms)
                writer.add_frame(rgb)
            assert writer is not None
            writer.close()
        os.replace(temporary, path)
        return writer.frame_count
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def export_png_sequence(
    view: SlidingWindowView,
    directory: str | os.PathLike[str],
    first: int,
    last: int,
    progress: Progress | None = None,
    stem: str = "frame",
) -> list[Path]:
    """Write positions ``first``…``last`` as ``stem_0000.png``, ``stem_0001.png``… in ``directory``.

    Returns the files written; when ``progress`` cancels, the frames written so far are removed.
    """
    indices = _checked_range(view, first, last)
    directory = Path(directory)
    digits = max(4, math.ceil(math.log10(len(indices) + 1)))
    written: list[Path] = []
    try:
        with _rendering(view) as render:
            for done, index in enumerate(indices):
                if progress is not None and not progress(done, len(indices)):
                    raise _Cancelled
                target = directory / f"{stem}_{done:0{digits}d}.png"
                _save_png(render(index), target)
                written.append(target)
    except _Cancelled:
        for path in written:
            path.unlink(missing_ok=True)
        return []
    return written


class _Cancelled(Exception):
    pass


def _save_png(image: QImage, target: Path) -> None:
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    os.close(handle)
    try:
        if not image.save(temporary, "PNG"):
            raise OSError(f"could not write {target}")
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


class ExportDialog(QDialog):
    """Choose the format, the range of positions and the frame delay; then a file and go."""

    GIF, PNG = "Animated GIF", "PNG frame sequence"

    def __init__(self, view: SlidingWindowView) -> None:
        super().__init__(view)
        self.setWindowTitle("Export the sliding window")
        self._view = view
        stepper = view.stepper
        count = stepper.count
        row, _ = view._model.state.position
        width = view._model.state.output_size[1]

        self.format = QComboBox(self)
        self.format.addItems([self.GIF, self.PNG])
        self.format.setToolTip("A GIF plays on any slide; PNG frames can be edited one by one")
        self.first = QSpinBox(self)
        self.last = QSpinBox(self)
        for box, start in ((self.first, row * width), (self.last, row * width + width - 1)):
            box.setRange(0, count - 1)
            box.setValue(start)
            box.setToolTip("Output position number in raster order (columns fastest)")
        self.delay = QSpinBox(self)
        self.delay.setRange(20, 5000)
        self.delay.setSingleStep(10)
        self.delay.setSuffix(" ms")
        self.delay.setValue(round(1000 / stepper.fps))
        self.delay.setToolTip("How long each frame of the GIF stays on screen")
        self.summary = QLabel(self)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        form = QFormLayout(self)
        form.addRow("Format", self.format)
        form.addRow("First position", self.first)
        form.addRow("Last position", self.last)
        form.addRow("Frame delay", self.delay)
        form.addRow(self.summary)
        form.addRow(buttons)
        for box in (self.first, self.last):
            box.valueChanged.connect(self._summarise)
        self.format.currentTextChanged.connect(self._summarise)
        self._summarise()

    def _summarise(self) -> None:
        stepper = self._view.stepper
        first, last = self.first.value(), self.last.value()
        frames = last - first + 1
        self.delay.setEnabled(self.format.currentText() == self.GIF)
        if frames < 1:
            self.summary.setText("The last position must not come before the first")
            return
        self.summary.setText(
            f"{frames} frame{'s' if frames != 1 else ''}: from {stepper.position_of(first)} "
            f"to {stepper.position_of(last)}"
        )

    def accept(self) -> None:
        if self.last.value() < self.first.value():
            return
        if self.format.currentText() == self.GIF:
            path, _ = QFileDialog.getSaveFileName(self, "Save GIF", "", "GIF images (*.gif)")
        else:
            path = QFileDialog.getExistingDirectory(self, "Folder for the PNG frames")
        if path and self.export_to(path):
            super().accept()

    def export_to(self, path: str | os.PathLike[str]) -> int:
        """Export to ``path`` (a .gif file or a folder) with a cancellable progress dialog."""
        first, last = self.first.value(), self.last.value()
        progress_dialog = QProgressDialog("Rendering frames…", "Cancel", 0, last - first + 1, self)
        progress_dialog.setWindowModality(Qt.WindowModality.WindowModal)
        progress_dialog.setMinimumDuration(300)

        def progress(done: int, total: int) -> bool:
            progress_dialog.setValue(done)
            return not progress_dialog.wasCanceled()

        try:
            if self.format.currentText() == self.GIF:
                written = export_gif(self._view, path, first, last, self.delay.value(), progress)
            else:
                written = len(export_png_sequence(self._view, path, first, last, progress))
        except OSError as error:
            QMessageBox.warning(self, "Export failed", str(error))
            return 0
        finally:
            progress_dialog.reset()
        self._view.statusMessage.emit(
            f"Saved {written} frames to {path}" if written else "Export cancelled"
        )
        return written
