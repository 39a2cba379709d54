"""Soak test of the Qt binding: a bad PySide6 release (6.12.0 on Python 3.11 leaked a reference
to True on every emit and aborted the interpreter) must fail here, never land silently."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal

SIGNAL_EMITS = 20_000
IMAGE_REDRAWS = 2_000


class _Emitter(QObject):
    flag = Signal(bool)
    channels = Signal(list)


def test_many_signal_emits_and_image_redraws(qtbot):
    emitter = _Emitter()
    received = [0, 0]

    def on_flag(value: bool) -> None:
        received[0] += value is True

    def on_channels(channels: list) -> None:
        received[1] += len(channels)

    emitter.flag.connect(on_flag)
    emitter.channels.connect(on_channels)
    for _ in range(SIGNAL_EMITS // 2):
        emitter.flag.emit(True)
        emitter.channels.emit([1])
    assert received == [SIGNAL_EMITS // 2, SIGNAL_EMITS // 2]

    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    item = pg.ImageItem()
    widget.addViewBox().addItem(item)
    widget.resize(200, 200)
    widget.show()
    rng = np.random.default_rng(0)
    frames = rng.random((8, 32, 32), dtype=np.float32)
    for k in range(IMAGE_REDRAWS):
        item.setImage(frames[k % 8], autoLevels=False, levels=(0.0, 1.0))
        widget.viewport().repaint()
    assert item.image is not None and item.image.shape == (32, 32)
