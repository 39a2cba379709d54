"""The one eliding label (widgets/elided_label.py) the readouts, captions, titles, the kernel
editor's hint and the layer summary share: a text too long for its width is painted as its
elided form, one that fits as a plain label paints it, and the whole text stays reachable; and
its wrapped sibling (widgets/elided_lines.py) that takes the same lines whatever its text."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel

from convexplorer.widgets.elided_label import ElidedLabel
from convexplorer.widgets.elided_lines import ElidedLinesLabel

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


SUMMARY = (
    "layer 2 of 4 (MaxPool2d) reads the 8 maps layer 1 made → 8 maps · 8×170×256 → 8×85×128 · "
    "MaxPool2d over each of the 8 channels on its own: no parameters"
)


def test_a_wrapped_label_asks_for_the_same_room_whatever_its_text(qtbot):
    label = ElidedLinesLabel(4)
    qtbot.addWidget(label)
    label.setText("a short one")
    hints = label.sizeHint().height(), label.minimumSizeHint().height()
    label.setText(SUMMARY)
    assert (label.sizeHint().height(), label.minimumSizeHint().height()) == hints
    assert not label.hasHeightForWidth()
    spacing = label.fontMetrics().lineSpacing()
    assert hints[0] >= 4 * spacing and hints[1] < 2 * spacing


def test_a_wrapped_label_shows_the_lines_it_has_the_last_elided(qtbot):
    label = ElidedLinesLabel(4)
    qtbot.addWidget(label)
    label.setText(SUMMARY)
    label.resize(200, 2 * label.fontMetrics().lineSpacing() + 4)  # room for two lines
    lines = label.shown_lines()
    assert len(lines) == 2 and lines[-1].endswith("…") and not label.fits()
    assert SUMMARY.startswith(lines[0]) and lines[0]
    for line in lines:
        assert label.fontMetrics().horizontalAdvance(line) <= label.contentsRect().width()
    assert label.toolTip() == label.accessibleDescription() == label.text() == SUMMARY


def test_a_wrapped_text_that_fits_is_painted_as_a_word_wrapped_label_paints_it(qtbot):
    label = ElidedLinesLabel(4)
    plain = QLabel(SUMMARY)
    plain.setWordWrap(True)
    label.setText(SUMMARY)
    for widget in (label, plain):
        qtbot.addWidget(widget)
        widget.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        widget.resize(400, 5 * label.fontMetrics().lineSpacing())
    assert label.fits() and len(label.shown_lines()) <= 4
    assert label.grab().toImage() == plain.grab().toImage()


def test_a_number_too_long_is_drawn_smaller_before_it_is_elided(qtbot):
    number = "Σ = −0.01365328"
    label = ElidedLabel(number, smallest=0.7)
    qtbot.addWidget(label)
    whole = label.fontMetrics().horizontalAdvance(number)
    label.resize(int(whole * 0.85), 24)
    font, text = label.shown()
    assert text == number and font.pointSizeF() < label.font().pointSizeF()
    assert font.pointSizeF() >= 0.7 * label.font().pointSizeF()
    assert QFontMetrics(font).horizontalAdvance(text) <= label.contentsRect().width()
    label.resize(int(whole * 0.4), 24)  # not even at 70 %: elided, in the label's own font
    font, text = label.shown()
    assert text.endswith("…") and font == label.font()
    plain = ElidedLabel(number)  # the default: elided at once
    qtbot.addWidget(plain)
    plain.resize(int(whole * 0.85), 24)
    assert plain.shown()[1].endswith("…")


@pytest.mark.parametrize("text", ["short", "a long summary that needs many more lines " * 6])
def test_a_selectable_wrapped_label_paints_once_and_then_rests(qtbot, text):
    """A mouse-selectable label measured its wrapping with QLabel.heightForWidth while painting,
    which set its text control's width and asked for another paint: it (and the layer dock
    around it) repainted without end, thousands of times a second. Shown and painted, it must
    stay quiet while nothing changes."""
    label = ElidedLinesLabel(3, at_least=2)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setText(text)
    label.resize(220, 60)
    qtbot.addWidget(label)
    paints: list[int] = []
    label.paintEvent = lambda event, paint=label.paintEvent: (paints.append(1), paint(event))[1]
    label.show()
    qtbot.waitUntil(lambda: bool(paints))
    painted = len(paints)
    for _ in range(30):
        QApplication.processEvents()
    assert len(paints) == painted
