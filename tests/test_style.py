"""One look: the number rule, the colour maps, the ink, the channel labels and the output policy."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableView

from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.kernel_editor import KernelEditor
from convexplorer.widgets.looks import input_looks, output_looks, round_up
from convexplorer.widgets.sliding_window import SlidingWindowView
from convexplorer.widgets.style import (
    DIVERGING,
    DIVERGING_LUT,
    HINT_TEXT,
    HOVER_FILL,
    NEGATIVE_COLOR,
    PADDING_BACKGROUND,
    PADDING_FILL,
    POSITIVE_COLOR,
    SELECTED_BAND,
    SEQUENTIAL,
    SEQUENTIAL_LUT,
    TINTS,
    WINDOW_COLOR,
    channel_label,
    dark_ink,
    diverging_colors,
    exact_text,
    layer_shapes,
    lut_of,
    number,
    plural,
    rgb_array,
    shape_text,
    text_css,
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


def test_channel_labels_name_the_colour_of_the_photo_only():
    assert [channel_label(c, photo=True) for c in range(3)] == ["in 0 (R)", "in 1 (G)", "in 2 (B)"]
    # a later layer's 3 inputs are maps: no colour names
    assert [channel_label(c, photo=False) for c in range(3)] == ["in 0", "in 1", "in 2"]
    assert channel_label(2, photo=False) == "in 2"


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


def test_rgb_photos_are_tinted_per_channel_and_others_grey_or_diverging():
    rgb = ranges(np.random.default_rng(0).random((3, 4, 4)).astype(np.float32))
    assert [look.colormap for look in input_looks(rgb, photo=True)] == list(TINTS)
    assert {look.levels for look in input_looks(rgb, photo=True)} == {(0.0, 1.0)}
    red = input_looks(rgb, photo=True)[0].colors(np.array([1.0]))
    np.testing.assert_array_equal(red, [[255, 0, 0]])
    assert input_looks(rgb[:1], photo=False)[0].colormap is SEQUENTIAL
    # three maps a layer made are grey like two or four would be, not tinted as colours
    assert all(look.colormap is SEQUENTIAL for look in input_looks(rgb, photo=False))
    signed = input_looks(rgb - 0.5, photo=True)
    assert all(look.colormap is DIVERGING and look.levels[0] < 0 for look in signed)


# ---- one place for colours ----------------------------------------------------------------------

PACKAGE = Path(__file__).resolve().parent.parent / "convexplorer"
#: Modules allowed a colour literal, each with its reason.
COLOUR_LITERALS_ALLOWED = {
    "widgets/style.py": "the one place for colours",
}
_HEX = re.compile(r"(?<![\w&])#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})\b")
_CSS_NAMED = re.compile(r"\b(?:color|background)\s*:\s*[a-z]", re.IGNORECASE)
_COLOUR_CALLS = {"QColor", "mkColor", "mkPen", "mkBrush"}


def colour_literals(tree: ast.AST) -> list[str]:
    """What in one module's syntax tree writes a colour out instead of naming style's."""
    named = {name.lower() for name in QColor.colorNames()}
    found = []
    for node in ast.walk(tree):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _HEX.search(node.value) or _CSS_NAMED.search(node.value):
                found.append(f"{where}: {node.value!r}")
            elif node.value.lower() in named:
                found.append(f"{where}: the colour name {node.value!r}")
        elif isinstance(node, ast.Attribute) and node.attr == "GlobalColor":
            found.append(f"{where}: Qt.GlobalColor")
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            literal = [a for a in node.args if isinstance(a, ast.Constant)]
            if name in _COLOUR_CALLS and literal:
                found.append(f"{where}: {name}({', '.join(repr(a.value) for a in literal)})")
            elif name == "array" and node.args and isinstance(node.args[0], ast.List | ast.Tuple):
                items = node.args[0].elts
                if 3 <= len(items) <= 4 and all(
                    isinstance(e, ast.Constant) and type(e.value) is int and 0 <= e.value <= 255
                    for e in items
                ):
                    found.append(f"{where}: an RGB array")
    return found


def test_colours_are_written_only_in_style():
    """Every view names its colours from style.py, so a mark means one thing everywhere."""
    offenders = {}
    for path in sorted([*PACKAGE.glob("widgets/**/*.py"), *PACKAGE.glob("app/**/*.py")]):
        name = path.relative_to(PACKAGE).as_posix()
        if name not in COLOUR_LITERALS_ALLOWED:
            found = colour_literals(ast.parse(path.read_text(encoding="utf-8")))
            if found:
                offenders[name] = found
    assert not offenders, offenders


@pytest.mark.parametrize(
    "source",
    [
        "QColor(0, 200, 255)",
        'QColor("black")',
        'pen = QPen(QColor("#c62828"), 3)',
        'label.setStyleSheet("color: #666;")',
        "html = f\"<span style='color:#555'>{x}</span>\"",
        "brush = Qt.GlobalColor.red",
        "rgb = np.array([240, 225, 190], dtype=np.uint8)",
        'markers = [("black", 3.0)]',
        'css = "QLineEdit { color: black; }"',
    ],
)
def test_the_colour_scan_finds_a_written_colour(source):
    assert colour_literals(ast.parse(source))


@pytest.mark.parametrize(
    "source",
    [
        "QColor(LESSON_HIGHLIGHT)",
        "QPen(WINDOW_COLOR, 2)",
        'label.setStyleSheet(f"color: {HINT_TEXT};")',
        "layout.setContentsMargins(4, 4, 4, 4)",
        "np.array([1, 2, 3, 4, 5])",
        'text = "filter #2 of 3"',
    ],
)
def test_the_colour_scan_lets_named_colours_and_other_numbers_be(source):
    assert colour_literals(ast.parse(source)) == []


def test_marks_keep_their_colours():
    """The values views drew before they named them here: pixels unchanged."""
    assert WINDOW_COLOR.getRgb() == (0, 200, 255, 255)
    assert HOVER_FILL.getRgb() == (255, 40, 200, 90)
    assert PADDING_FILL.getRgb() == (230, 140, 0, 60)
    assert SELECTED_BAND.getRgb() == (255, 193, 7, 110)
    assert (POSITIVE_COLOR.getRgb(), NEGATIVE_COLOR.getRgb()) == (
        (214, 96, 77, 255),
        (67, 147, 195, 255),
    )
    np.testing.assert_array_equal(rgb_array(PADDING_BACKGROUND), [240, 225, 190])
    assert text_css(HINT_TEXT) == "color: #666;"


def test_a_colour_bar_draws_the_shared_table():
    for colormap, lut in [(DIVERGING, DIVERGING_LUT), (SEQUENTIAL, SEQUENTIAL_LUT)]:
        assert lut_of(colormap) is lut


# ---- labels -------------------------------------------------------------------------------------


def test_counts_agree_with_their_nouns_and_shapes_read_as_written():
    assert [plural(n, "channel") for n in (0, 1, 2)] == ["0 channels", "1 channel", "2 channels"]
    assert plural(2, "matrix", "matrices") == "2 matrices"
    assert shape_text(3, 256, 256) == "3×256×256"
    assert layer_shapes((3, 256, 256), 2, (254, 254)) == "3×256×256 → 2×254×254"


def test_no_view_spells_a_plural_itself():
    """``{n} thing{'s' if n != 1 else ''}`` is style.plural's job (one rule, written once)."""
    spelled = re.compile(r"""\{\s*['"]s['"]\s+if\s""")
    offenders = [
        path.relative_to(PACKAGE).as_posix()
        for path in [*PACKAGE.glob("widgets/**/*.py"), *PACKAGE.glob("app/**/*.py")]
        if path.relative_to(PACKAGE).as_posix() not in COLOUR_LITERALS_ALLOWED
        and spelled.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
