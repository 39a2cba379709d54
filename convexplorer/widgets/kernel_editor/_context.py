"""What every part of the kernel editor shares: the document, the colour scale, the reporters.

The parts never keep their own copy of weights: they read ``view`` when they paint and write
through the document's commands (one undoable step each; a refusal is reported, not raised).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ...model import LayerSpec, StateView
from ...qt import Document
from ..style import kernel_row_label, symmetric_limit


@dataclass
class EditorContext:
    """The shared handles; ``limit`` is the half-range of the diverging colour scale.

    Parts call the document's commands themselves, so each can point at what was refused.
    """

    document: Document
    report: Callable[[str], None]  # a refusal: inline hint and status bar
    inform: Callable[[str], None]  # a confirmation: status bar only
    clear: Callable[[], None] = lambda: None  # the refusal shown no longer stands (Esc)
    limit: float = 1.0
    _picture_memory: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))

    @property
    def view(self) -> StateView:
        return self.document.view

    def picture(self, height: int, width: int) -> np.ndarray:
        """A (height, width, 4) RGBA array for the thumbnail picture, on memory kept between
        rebuilds: fresh memory is slow to touch the first time (about 3 ms per MB here), and
        only the newest picture of an editor is ever shown."""
        size = height * width * 4
        if self._picture_memory.size < size:
            self._picture_memory = np.zeros(size, np.uint8)
        return self._picture_memory[:size].reshape(height, width, 4)

    def update_limit(self) -> bool:
        """Recompute the colour scale from the weights; True when it changed (repaint it all)."""
        limit = symmetric_limit(self.view.weight)
        changed = limit != self.limit
        self.limit = limit
        return changed


def slice_name(out_channel: int, in_channel: int, transposed: bool = False) -> str:
    """'filter 0 · in 1' (a transposed layer's row: 'out 0 · in 1')."""
    return f"{kernel_row_label(out_channel, transposed)} · in {in_channel}"


def sees_text(spec: LayerSpec, out_channel: int) -> str:
    """Which inputs a filter sees, e.g. 'filter 2 sees input channels 2–3 (groups=2)'."""
    seen = spec.filter_input_channels(out_channel)
    if len(seen) == 1:
        channels = f"input channel {seen.start}"
    else:
        channels = f"input channels {seen.start}–{seen.stop - 1}"
    row = kernel_row_label(out_channel, spec.transposed)
    return f"{row} sees {channels} (groups={spec.groups})"


def parameter_text(spec: LayerSpec) -> str:
    """A filter's parameter count, e.g. '27 w + 1 b'."""
    return f"{spec.weights_per_filter} w" + (" + 1 b" if spec.bias else "")
