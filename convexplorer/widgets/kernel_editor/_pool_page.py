"""What the kernel editor shows for a pooling layer: a readable page instead of weight cells.

A pool has no weights to edit (the model refuses every edit), so cells would only invite typing
that cannot work; the page says what each output is instead, and where to watch it happen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from ...model import LayerSpec
from ..pool_words import pool_output, pool_padding
from ..style import NOTE_TEXT, text_css


def _pair(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"


def pool_page_text(spec: LayerSpec) -> str:
    """The page's plain text: the headline sentence, then how the windows sit and what the
    padding reads."""
    kh, kw = spec.kernel_size
    headline = f"{spec.kind} {kh}×{kw} has no weights: each output is {pool_output(spec)}"
    headline += " (out c reads in c only)." if spec.pool == "max" else "."
    padding = f"Padding {pool_padding(spec.pool)}."
    if spec.dilation != (1, 1):
        padding += f" Dilation {_pair(spec.dilation)} spreads the window's taps apart."
    stride = (
        "Stride = kernel: the windows sit side by side."
        if spec.stride == spec.kernel_size
        else f"Stride {_pair(spec.stride)}, padding {_pair(spec.padding)}."  # type: ignore[arg-type]
    )
    return (
        f"{headline}\n\n{stride} {padding}\n\nThe Sliding window shows every window and its "
        "result; switch the Kind back to Conv2d in the Layer form for weights to edit."
    )


class PoolPage(QLabel):
    """The page itself: word-wrapped, selectable text in the editor's place."""

    def __init__(self, spec: LayerSpec, parent: QWidget | None = None) -> None:
        super().__init__(pool_page_text(spec), parent)
        self.setObjectName("kernelPoolPage")
        self.setAccessibleName(f"{spec.kind} has no weights")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setContentsMargins(8, 8, 8, 8)
        self.setStyleSheet(text_css(NOTE_TEXT))
