"""One look: the number rule, the colour maps, the ink, the channel labels and the output policy."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.kernel_editor import KernelEditor
from convexplorer.widgets.looks import input_looks, output_looks, round_up
from convexplorer.widgets.sliding_window import SlidingWindowView
from convexplorer.widgets.style import (
    DIVERGING,
    DIVERGING_LUT,
    SEQUENTIAL,
    SEQUENTIAL_LUT,
    TINTS,
    channel_label,
    dark_ink,
    diverging_colors,
    exact_text,
    number,
)

SPECIAL = [0.299, -0.0, 0.0, 1e-5, -1e-5, 123456.0, -0.0625, 0.587, 99999.4, 2.0, -1.0, 3.4e38]


# ---- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.299, "0.299"),
        (-0.0, "0"),
        (1e-5, "1e−5"),
        (123456.0, "1.23e5"),
        (-0.0625, "−0.0625"),
        (-0.00156693, "−0.0016"),
        (2.0, "2"),
        (0.5, "0.5"),
        (-250.4, "−250"),
    ],
)
def test_the_number_rule(value, text):
    assert number(value) == text


def test_numbers_are_short_and_close_to_the_value():
    rng = np.random.default_rng(1)
    values = np.concatenate(
        [rng.normal(0, 1, 500), rng.normal(0, 1, 300) * 10.0 ** rng.integers(-12, 12, 300)]
    ).astype(np.float32)
    for value in [*values.tolist(), *SPECIAL]:
        text = number(value)
        assert len(text.removeprefix("−")) <= 6 and text != "−0", (value, text)
        assert number(-value) == (text[1:] if text.startswith("−") else f"−{text}") or not value
        assert_rounds_to(text, value)


def assert_rounds_to(text: str, value: float) -> None:
    """``text`` is ``value`` rounded to the digits it shows (mantissa digits for ``1.5e−5``)."""
    mantissa, _, exponent = text.replace("−", "-").partition("e")
    scale = 10.0 ** int(exponent or 0)
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    error = abs(float(mantissa) - value / scale)
    assert error <= 0.5 * 10.0**-decimals * (1 + 1e-6) + 1e-9, (value, text)


def test_exact_text_reads_back_as_the_same_float32():
    for value in np.random.default_rng(2).normal(0, 3, 200).astype(np.float32).tolist():
        assert np.float32(float(exact_text(value))) == np.float32(value)
    assert exact_text(-0.0) == "0" and exact_text(2.0) == "2"


def test_the_editor_and_the_sliding_window_write_every_number_alike(qtbot):
    """The same weights, shown by the kernel editor and by the sliding window: the same texts."""
    image = np.ones((1, 5, 5), dtype=np.float32)
    document = Document(ExplorerState(image, LayerSpec(1, 1, kernel_size=3)))
    editor = KernelEditor(document)
    window = SlidingWindowView(document)
    for widget in (editor, window):
        qtbot.addWidget(widget)
        widget.resize(900, 450)
        widget.show()
    rng = np.random.default_rng(3)
    blocks = [np.array(SPECIAL[:9])] + [
        (rng.normal(0, 1, 9) * 10.0 ** rng.integers(-6, 6, 9)) for _ in range(6)
    ]
    for block in blocks:
        weight = block.astype(np.float32).reshape(1, 1, 3, 3)
        document.set_weights(weight, document.view.bias, "test weights")
        document.wait_until_idle()
        model = editor.findChild(QTableView, "kernelSlice_0_0").model()
        shown = [
            [model.index(i, j).data(Qt.ItemDataRole.DisplayRole) for j in range(3)]
            for i in range(3)
        ]
        (row,) = window.channel_texts()
        assert row["kernel"] == shown
        assert shown == [[number(v) for v in line] for line in weight[0, 0].tolist()]


def test_channel_labels_name_the_colour_of_an_rgb_input():
    assert [channel_label(c, 3) for c in range(3)] == ["in 0 (R)", "in 1 (G)", "in 2 (B)"]
    assert channel_label(2, 4) == "in 2" and channel_label(0, 1) == "in 0"


# ---- colours ----------------------------------------------------------------------------------


def test_the_maps_are_built_once_with_their_tables():
    assert DIVERGING_LUT.shape == SEQUENTIAL_LUT.shape == (256, 3)
    assert not DIVERGING_LUT.flags.writeable
    np.testing.assert_array_equal(DIVERGING_LUT, DIVERGING.getLookupTable(nPts=256, alpha=False))
    np.testing.assert_array_equal(SEQUENTIAL_LUT[[0, -1]], [[0, 0, 0], [255, 255, 255]])
    colors = diverging_colors(np.array([-2.0, 0.0, 2.0]), 2.0)
    np.testing.assert_array_equal(colors[[0, 2]], DIVERGING_LUT[[0, -1]])
    assert colors[1].min() > 235  # white at 0


def test_one_ink_rule_picks_the_more_readable_of_black_and_white():
    assert dark_ink(np.array([247, 247, 247])) and dark_ink(np.array([67, 147, 195]))
    assert not dark_ink(np.array([5, 48, 97])) and not dark_ink(np.array([103, 0, 31]))
    assert dark_ink(np.array([[255, 255, 0], [0, 0, 0]])).tolist() == [True, False]


# ---- the output-look policy ---------------------------------------------------------------------


def test_outputs_that_are_never_negative_are_grey_from_zero():
    looks = output_looks({0: (0.0, 3.0), 1: (0.5, 0.7)}, "none", shared=False)
    assert looks[0].colormap is SEQUENTIAL and looks[0].levels == (0.0, 3.0)
    assert looks[1].colormap is SEQUENTIAL and looks[1].levels == (0.0, 0.7)
    flat = output_looks({0: (0.0, 0.0)}, "none", shared=False)[0]
    assert flat.colormap is SEQUENTIAL and flat.levels == (0.0, 1.0)


def test_outputs_that_straddle_zero_are_diverging_and_symmetric():
    looks = output_looks({0: (-1.0, 3.0), 1: (-4.0, 0.5)}, "none", shared=False)
    assert looks[0].colormap is DIVERGING and looks[0].levels == (-3.0, 3.0)
    assert looks[1].colormap is DIVERGING and looks[1].levels == (-4.0, 4.0)
    assert looks[0].signed and not output_looks({0: (0, 1)}, "none", False)[0].signed


def test_relu_outputs_are_grey_whatever_the_values():
    look = output_looks({0: (-0.0, 2.0)}, "relu", shared=False)[0]
    assert look.colormap is SEQUENTIAL and look.levels == (0.0, 2.0)


def test_a_shared_scale_gives_every_channel_one_look():
    ranges = {0: (0.0, 3.3), 1: (-0.2, 0.5)}
    looks = output_looks(ranges, "none", shared=True)
    assert looks[0] == looks[1]
    assert looks[0].colormap is DIVERGING and looks[0].levels == (-4.0, 4.0)
    grey = output_looks({0: (0.0, 3.3), 1: (0.1, 0.5)}, "none", shared=True)
    assert grey[0] == grey[1] and grey[1].colormap is SEQUENTIAL and grey[1].levels == (0.0, 4.0)
    assert round_up(3.3) == 4.0


def test_looks_colour_values_with_their_own_table():
    look = output_looks({0: (0.0, 2.0)}, "none", shared=False)[0]
    np.testing.assert_array_equal(
        look.colors(np.array([0.0, 1.0, 2.0, 5.0])), SEQUENTIAL_LUT[[0, 128, 255, 255]]
    )
    assert "black" in look.description() and "2" in look.description()


def ranges(image: np.ndarray) -> np.ndarray:
    return np.stack([image.min(axis=(1, 2)), image.max(axis=(1, 2))], axis=1)


def test_rgb_inputs_are_tinted_per_channel_and_others_grey_or_diverging():
    rgb = ranges(np.random.default_rng(0).random((3, 4, 4)).astype(np.float32))
    assert [look.colormap for look in input_looks(rgb)] == list(TINTS)
    assert {look.levels for look in input_looks(rgb)} == {(0.0, 1.0)}
    red = input_looks(rgb)[0].colors(np.array([1.0]))
    np.testing.assert_array_equal(red, [[255, 0, 0]])
    assert input_looks(rgb[:1])[0].colormap is SEQUENTIAL
    signed = input_looks(rgb - 0.5)
    assert all(look.colormap is DIVERGING and look.levels[0] < 0 for look in signed)
