"""The sliding window's overview marks the image pixels that padded taps copy (not zeros)."""

from __future__ import annotations

import pytest

from convexplorer.model import LayerSpec
from tests.test_sliding_window import make_view, rgb


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # window at (0, 0), taps rows/cols -2, 0, 2: -2 reflects to 2 …
        ("reflect", (0, 0, 3, 3)),
        # … replicates row 0 (and col 0): (0, 0), (0, 2), (2, 0) …
        ("replicate", (0, 0, 3, 3)),
        # … wraps to row 10 of 12
        ("circular", (0, 0, 11, 11)),
        ("zeros", None),  # zeros copy nothing
    ],
)
def test_the_pixels_padded_taps_copy_are_outlined(qtbot, mode, expected):
    spec = LayerSpec(3, 1, 3, padding=2, dilation=2, padding_mode=mode)
    document, _, widget = make_view(qtbot, rgb(12, 12), spec)
    document.select(position=(0, 0))
    overview = widget.overview.input_view
    qtbot.waitUntil(lambda: overview.window_rect().top() == -2)
    assert overview.copied_box() == expected


def test_a_window_inside_the_image_copies_nothing(qtbot):
    spec = LayerSpec(3, 1, 3, padding=1, padding_mode="reflect")
    document, _, widget = make_view(qtbot, rgb(12, 12), spec)
    document.select(position=(5, 5))
    overview = widget.overview.input_view
    qtbot.waitUntil(lambda: overview.window_rect().top() == 4)
    assert overview.copied_box() is None
