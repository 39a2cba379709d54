"""The one eliding label (widgets/elided_label.py) the readouts, captions, titles, the kernel
editor's hint and the layer summary share: a text too long for its width is painted as its
elided form, one that fits as a plain label paints it, and the whole text stays reachable."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from convexplorer.widgets.elided_label import ElidedLabel

LONG = "out 3 · row 120, col 45 · reads 9×9 pixels of in 0 through layers 1 and 2"


def _pair(qtbot, text: str, shown: str, width: int, alignment: Qt.AlignmentFlag):
    label = ElidedLabel(text, whole_in_tooltip=True)
    plain = QLabel(shown)
    for widget in (label, plain):
        qtbot.addWidget(widget)
        widget.setAlignment(alignment)
        widget.resize(width, 24)
    return label, plain


@pytest.mark.parametrize(
    "alignment",
    [Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, Qt.AlignmentFlag.AlignCenter],
    ids=["left", "centre"],
)
def test_a_long_text_is_painted_elided_in_the_labels_alignment(qtbot, alignment):
    label, _ = _pair(qtbot, LONG, LONG, 120, alignment)
    elided = label.fontMetrics().elidedText(LONG, Qt.TextElideMode.ElideRight, 120)
    assert elided.endswith("…") and len(elided) < len(LONG)
    label, plain = _pair(qtbot, LONG, elided, 120, alignment)
    assert label.grab().toImage() == plain.grab().toImage()
    assert label.text() == label.toolTip() == label.accessibleDescription() == LONG


def test_a_text_that_fits_is_painted_as_a_label_paints_it(qtbot):
    label, plain = _pair(qtbot, "row 1", "row 1", 200, Qt.AlignmentFlag.AlignRight)
    assert label.grab().toImage() == plain.grab().toImage()


def test_without_whole_in_tooltip_the_tooltip_is_the_callers(qtbot):
    label = ElidedLabel("a hint")
    qtbot.addWidget(label)
    label.setToolTip("how to edit")
    label.setText("a refusal")
    assert label.toolTip() == "how to edit" and label.accessibleDescription() == ""
