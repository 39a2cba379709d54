"""How things look, in one place: colour maps, ink on coloured cells, numbers and channel labels.

Every view that shows a weight, an output or a channel goes through here, so the kernel editor,
the sliding window, the panels, their tooltips and the exports can never disagree: 0.299 reads
"0.299" everywhere, a value has one colour, and ``in 1 (G)`` is always the green channel.

Signed values (weights, products, outputs that straddle 0) use a diverging map centred on 0;
values that are never negative use a grey map from black; an RGB photo tints each channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QImage, QPen
from PySide6.QtWidgets import QApplication

from ..model import LEAKY_SLOPE

MINUS = "−"
MINUS_INFINITY = "−∞"  # what a max pool's padding reads
RGB_NAMES = ("R", "G", "B")
LUT_SIZE = 256

_DIVERGING_STOPS = np.array(
    [[5, 48, 97], [67, 147, 195], [247, 247, 247], [214, 96, 77], [103, 0, 31]], dtype=np.ubyte
)  # ColorBrewer RdBu: blue negative, white zero, red positive


def _colormap(stops: np.ndarray) -> tuple[pg.ColorMap, np.ndarray]:
    """A ColorMap and its (LUT_SIZE, 3) uint8 table, built once: every view shares both."""
    colormap = pg.ColorMap(np.linspace(0.0, 1.0, len(stops)), stops)
    lut = colormap.getLookupTable(0.0, 1.0, LUT_SIZE, alpha=False).astype(np.uint8)
    lut.setflags(write=False)
    return colormap, lut


DIVERGING, DIVERGING_LUT = _colormap(_DIVERGING_STOPS)
SEQUENTIAL, SEQUENTIAL_LUT = _colormap(np.array([[0, 0, 0], [255, 255, 255]], dtype=np.ubyte))
#: black → red, black → green, black → blue: the channels of an RGB input, each in its own colour.
_TINTED = [_colormap(np.array([[0, 0, 0], 255 * np.eye(3)[c]], dtype=np.ubyte)) for c in range(3)]
TINTS = tuple(colormap for colormap, _ in _TINTED)
TINT_LUTS = tuple(lut for _, lut in _TINTED)
_LUTS = {
    id(m): lut for m, lut in [(DIVERGING, DIVERGING_LUT), (SEQUENTIAL, SEQUENTIAL_LUT), *_TINTED]
}


def lut_of(colormap: pg.ColorMap) -> np.ndarray:
    """The shared (LUT_SIZE, 3) table of one of the maps above (a colour bar draws it as is)."""
    return _LUTS[id(colormap)]


# ---- colours of marks, lines and texts: the only colour literals in the app ---------------------
#
# Every view takes its colours from here (tests/test_style.py scans the widgets and the app for
# literals), so a mark means one thing everywhere: cyan is the sliding window, magenta the hover,
# amber the padding or the selection, whatever view draws it.


def with_alpha(color: QColor, alpha: int) -> QColor:
    """``color`` seen through (alpha 0–255): a fill that lets the picture under it show."""
    tinted = QColor(color)
    tinted.setAlpha(alpha)
    return tinted


def rgb_array(color: QColor) -> np.ndarray:
    """(3,) uint8 RGB of ``color``, for painting it into a numpy image."""
    return np.array(color.getRgb()[:3], dtype=np.uint8)


def rgba_array(color: QColor) -> np.ndarray:
    """(4,) uint8 RGBA of ``color``, for painting it into a numpy RGBA image."""
    return np.array(color.getRgb(), dtype=np.uint8)


def rgb_image(rgb: np.ndarray) -> QImage:
    """(h, w, 3) uint8 colours as a QImage that owns its pixels (the array may go away)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def cosmetic_pen(color: QColor, width: float, line: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    """A pen ``width`` screen pixels wide at any zoom, for marks drawn over a scaled picture
    (a pixel-sized outline would otherwise grow with the picture or vanish)."""
    pen = QPen(color, width, line)
    pen.setCosmetic(True)
    return pen


def text_css(color: str) -> str:
    """A label's style sheet that writes its text in ``color``."""
    return f"color: {color};"


#: Marks drawn over the pictures.
WINDOW_COLOR = QColor(0, 200, 255)  # cyan: the current sliding-window position
WINDOW_FILL = with_alpha(WINDOW_COLOR, 90)  # the window's taps, filled
HOVER_COLOR = QColor(255, 40, 200)  # magenta: what the hovered weight or pixel touches
HOVER_FILL = with_alpha(HOVER_COLOR, 90)  # the outputs a hovered pixel feeds, filled
#: The receptive field through a stack: the window's cyan, as it is the window seen from further.
FIELD_COLOR = WINDOW_COLOR
FIELD_FILL = with_alpha(FIELD_COLOR, 80)  # every pixel the field reads, filled
PADDING_COLOR = QColor(230, 140, 0)  # amber: "this value comes from the padding"
WINNER_COLOR = QColor(0, 160, 70)  # green: the input a max pool picks (the first largest)
PADDING_FILL = with_alpha(PADDING_COLOR, 60)  # the padding band round the input
PADDING_BACKGROUND = QColor(240, 225, 190)  # padding the window is not reading
SELECTED_COLOR = QColor(255, 193, 7)  # amber: the selected filter (not on any colour map)
SELECTED_BAND = with_alpha(SELECTED_COLOR, 110)  # translucent: the selected filter's row
SELECTED_ROW_BAND = with_alpha(SELECTED_COLOR, 70)  # lighter, behind the editor's number cells
ABSENT_COLOR = QColor(232, 232, 232)  # where a filter has no weight (groups), hatched over
ABSENT_HATCH = QColor(0, 0, 0, 60)  # the hatching over an absent weight (matrix view)
ABSENT_SLICE_HATCH = QColor(0, 0, 0, 45)  # the kernel editor's absent slice, lighter
ABSENT_TILE = QColor(128, 128, 128, 38)  # an absent slice's thumbnail tile
NOT_YET_COLOR = QColor(215, 215, 215)  # a term not added to the sum yet (channel by channel)
BLANK_COLOR = QColor(236, 236, 236)  # an output the sliding window has not reached yet
#: The sum chart's bars: the diverging map's own blue and red, a notch in from its ends.
POSITIVE_COLOR = QColor(*_DIVERGING_STOPS[3].tolist())
NEGATIVE_COLOR = QColor(*_DIVERGING_STOPS[1].tolist())

#: Neutral ink and lines.
INK_DARK = QColor(0, 0, 0)  # text on light cells; the dark outline under a coloured mark
INK_LIGHT = QColor(255, 255, 255)  # text on dark cells; the light inner line of a focus mark
INK = (INK_LIGHT, INK_DARK)  # indexed by ``dark_ink``
TRANSPARENT = QColor(0, 0, 0, 0)  # the background of a drawn icon
GRID_GREY = QColor(150, 150, 150)  # lines between number cells, a map's frame
FRAME_GREY = QColor(128, 128, 128)  # an image panel's frame, a colour bar's outline
AXIS_GREY = QColor(120, 120, 120)  # the sum chart's axis, a thumbnail tile's border
LABEL_GREY = QColor(110, 110, 110)  # the matrix view's quieter labels
GROUP_LINE = QColor(60, 60, 60)  # the matrix view's lines between groups
ROW_START_LINE = QColor(40, 40, 40)  # the matrix view's dotted "next output row" lines
SEPARATOR = QColor(255, 255, 255, 170)  # the matrix view's lines between channel bands

#: Text colours (style sheets and rich text).
HINT_TEXT = "#666"  # captions and hints that stay out of the way
NOTE_TEXT = "#555"  # secondary sentences in panels and dialogs
ERROR_TEXT = "#b00020"  # a refusal or a mismatch, said in words
GOOD_TEXT = "#1b7f3b"  # a check that passed, an answer that is right
MISMATCH_COLOR = QColor(255, 0, 0)  # a table cell that disagrees (Check Against PyTorch)
REFUSED_BORDER = "#c62828"  # a cell that refused what was typed
REFUSED_EDITOR_CSS = (
    f"QLineEdit {{ border: 2px solid {REFUSED_BORDER}; background: #ffebee; color: black; }}"
)


# ---- colours ------------------------------------------------------------------------------------


def symmetric_limit(values: np.ndarray) -> float:
    """The half-range of a diverging scale that shows every value: max |v|, never 0."""
    limit = float(np.max(np.abs(values))) if np.size(values) else 0.0
    return limit if limit > 0 else 1.0


def map_colors(values: np.ndarray, low: float, high: float, lut: np.ndarray) -> np.ndarray:
    """(…, 3) uint8 colours of ``lut`` for ``values`` on [low, high], vectorised.

    Indexing the shared table (never re-evaluating the map) keeps every view's colours equal.
    """
    values = np.asarray(values, dtype=np.float32)
    top = len(lut) - 1
    if high > low:
        position = np.clip((values - np.float32(low)) * np.float32(top / (high - low)), 0, top)
    else:  # a scale of zero width: everything in the middle
        position = np.full(values.shape, top / 2)
    return lut[np.rint(position).astype(np.intp)]


def diverging_colors(values: np.ndarray, limit: float) -> np.ndarray:
    """(…, 3) uint8 colours of the diverging map on [-limit, limit]."""
    return map_colors(values, -limit, limit, DIVERGING_LUT)


def dark_ink(rgb: np.ndarray) -> np.ndarray:
    """Whether black ink reads better than white on each (…, 3) uint8 colour (WCAG contrast).

    Black wins when the background's relative luminance is above 0.179, where the two contrast
    ratios meet; one rule for every coloured cell in the app.
    """
    linear = np.asarray(rgb, dtype=np.float32) / 255.0
    linear = np.where(linear <= 0.04045, linear / 12.92, ((linear + 0.055) / 1.055) ** 2.4)
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    return luminance > 0.179


# ---- numbers ------------------------------------------------------------------------------------

#: The widest texts ``number`` writes, for sizing cells so that changing numbers never re-lay out.
WIDEST_NUMBERS = ("−0.0888", "−88888", "−8.88e8", "−8.8e−8")


def number(value: float) -> str:
    """A weight, an input or an output as every view shows it: six characters and a sign at most.

    Three significant digits (fewer if needed to fit), trailing zeros trimmed, a true minus sign,
    never ``−0``: ``0.299``, ``−0.0625``, ``1.5e−5``, ``123456`` → ``1.23e5``; ``−x`` always
    reads as ``x`` with a minus. ``exact_text`` gives the exact value for tooltips, editors and
    clipboards.
    """
    value = float(value)
    if value == 0:
        return "0"
    if 100 <= abs(value) < 99_999.5:
        return f"{value:.0f}".replace("-", MINUS)
    text = ""
    for digits in (3, 2, 1):
        for candidate in (f"{value:.{digits}g}", f"{value:.{digits - 1}e}"):
            mantissa, _, exponent = candidate.partition("e")
            text = f"{mantissa}e{int(exponent)}" if exponent else mantissa
            if len(text.lstrip("-")) <= 6:
                return text.replace("-", MINUS)
    return text.replace("-", MINUS)  # unreachable for float32: "1e−45" has five characters


def grouped(count: int) -> str:
    """A count with its thousands apart, as a person reads it: ``42 672`` (narrow no-break
    spaces, so it never breaks across lines)."""
    return f"{count:,}".replace(",", "\u202f")


def exact_text(value: float) -> str:
    """The shortest ASCII text that reads back as the same float32 (hover, editing, clipboard)."""
    if value == 0:
        return "0"
    return str(np.float32(value)).removesuffix(".0")


# ---- numbers that add up -----------------------------------------------------------------------
#
# Numbers that are shown as arithmetic ("a × b = c", "s0 + s1 + bias = total") are rounded so the
# arithmetic holds for the texts themselves: a student who checks a sum or a product with the
# numbers on the screen gets the number on the screen. Rounding is done on the exact decimal value
# of each float (``Decimal(float)``), half to even, the way ``f"{x:.3f}"`` rounds.

#: An equation gets at most this many decimals beyond three significant digits of its largest
#: number; if its rounded terms still miss the rounded total, it is written with "≈".
EQUATION_EXTRA_DECIMALS = 5
#: A factor gets at most this many digits beyond ``number``'s; past that, the product shown is the
#: product of the factors shown (still within one unit of its last digit of the true product).
FACTOR_EXTRA_DIGITS = 4


def shown_decimal(text: str) -> Decimal:
    """The exact number a text shows, with its precision (``Decimal("2.80").as_tuple()``)."""
    return Decimal(text.replace(MINUS, "-"))


def _decimal_text(value: Decimal) -> str:
    """A Decimal written out with its precision kept, a true minus and never ``−0``."""
    if value.is_zero():
        value = abs(value)
    if -20 <= value.as_tuple().exponent <= 0:
        return f"{value:f}".replace("-", MINUS)
    mantissa, _, exponent = f"{value:e}".partition("e")
    return f"{mantissa}e{int(exponent)}".replace("-", MINUS)


def _rounded(value: float | Decimal, exponent: int) -> Decimal:
    """``value`` rounded to a multiple of 10**exponent (exactly, half to even)."""
    return Decimal(value).quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class EquationNumbers:
    """The texts of one sum ``terms → total``; ``adds_up``: the texts' sum is the total's text."""

    terms: tuple[str, ...]
    total: str
    relu: str  # ReLU of the total as shown, at the same precision
    adds_up: bool
    exponent: int  # the common precision: every text is a multiple of 10**exponent


def equation_numbers(terms: Sequence[float], total: float) -> EquationNumbers:
    """Terms and total of a sum with one number of decimals, chosen so that the texts add up.

    It starts at three significant digits of the largest number and adds a decimal until the
    rounded terms sum to the rounded total (up to ``EQUATION_EXTRA_DECIMALS`` more). Numbers
    outside [1e−4, 1e5) share a power of ten (``0.012e5``), so the rule never writes 30 zeros.
    """
    values = [Decimal(float(t)) for t in terms]
    exact = Decimal(float(total))
    largest = max((abs(v) for v in [*values, exact] if v), default=Decimal(0))
    top = largest.adjusted() if largest else 0  # floor(log10(largest))
    scale = top if largest and not -4 <= top < 5 else 0  # a shared power of ten, e.g. e5
    first = top - 2
    if scale == 0:
        first = min(first, 0)  # whole numbers at least, never 1.23e3-style rounding
    exponent = first
    for exponent in range(first, first - EQUATION_EXTRA_DECIMALS - 1, -1):
        if sum(_rounded(v, exponent) for v in values) == _rounded(exact, exponent):
            break
    rounded_total = _rounded(exact, exponent)
    adds_up = sum(_rounded(v, exponent) for v in values) == rounded_total

    def text(value: Decimal) -> str:
        if scale == 0:
            return _decimal_text(value)
        mantissa = _decimal_text(value.scaleb(-scale))
        return f"{mantissa}e{scale}".replace("-", MINUS)

    relu = max(rounded_total, _rounded(0, exponent))
    return EquationNumbers(
        terms=tuple(text(_rounded(v, exponent)) for v in values),
        total=text(rounded_total),
        relu=text(relu),
        adds_up=adds_up,
        exponent=exponent,
    )


def _written_like(base: str, value: float | Decimal, extra: int) -> str:
    """``value`` in the notation of the text ``base``, to ``extra`` digits past its last one."""
    mantissa, _, power = base.replace(MINUS, "-").partition("e")
    scale = int(power or 0)
    exponent = int(Decimal(mantissa).as_tuple().exponent) - extra
    text = _decimal_text(_rounded(Decimal(value).scaleb(-scale), exponent))
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}e{scale}".replace("-", MINUS) if power else text


def finer_number(value: float, extra: int) -> str:
    """``number(value)`` with ``extra`` more digits, in the same notation (``0.565`` → ``0.5647``).

    Trailing zeros are trimmed as in ``number``: ``2.80`` shows ``2.8``, which is still the value
    rounded to the digits it shows.
    """
    base = number(value)
    return base if extra <= 0 or value == 0 else _written_like(base, float(value), extra)


def product_numbers(
    left: np.ndarray, right: np.ndarray, products: np.ndarray
) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """Texts of two (rows, cols) factor grids and their element-wise product that agree.

    Each product is ``number(product)``; a factor pair gets more digits (``finer_number``) until
    the product of the two texts, rounded to the product text's last digit, is that text. A pair
    still off after ``FACTOR_EXTRA_DIGITS`` shows the product of its texts instead.
    """
    left_texts: list[list[str]] = []
    right_texts: list[list[str]] = []
    product_texts: list[list[str]] = []
    for a_row, b_row, p_row in zip(left.tolist(), right.tolist(), products.tolist(), strict=True):
        lines: tuple[list[str], list[str], list[str]] = ([], [], [])
        for a, b, p in zip(a_row, b_row, p_row, strict=True):
            shown_product = number(p)
            wanted = shown_decimal(shown_product)
            exponent = int(wanted.as_tuple().exponent)
            for extra in range(FACTOR_EXTRA_DIGITS + 1):
                a_text, b_text = finer_number(a, extra), finer_number(b, extra)
                product = shown_decimal(a_text) * shown_decimal(b_text)
                if _rounded(product, exponent) == wanted:
                    break
            else:
                shown_product = _written_like(shown_product, product, 0)
            lines[0].append(a_text)
            lines[1].append(b_text)
            lines[2].append(shown_product)
        left_texts.append(lines[0])
        right_texts.append(lines[1])
        product_texts.append(lines[2])
    return left_texts, right_texts, product_texts


# ---- labels and fonts ---------------------------------------------------------------------------


def channel_label(channel: int, *, photo: bool) -> str:
    """``in 1 (G)`` for a channel of the colour photo a first layer reads (``photo``: the view's
    ``input_is_photo``), ``in 1`` otherwise: a later layer's 3 inputs are maps, not colours."""
    return f"in {channel} ({RGB_NAMES[channel]})" if photo else f"in {channel}"


def kernel_row_label(out_channel: int, transposed: bool, short: bool = False) -> str:
    """What a row of the kernel editor is: a Conv2d row is a filter ('filter 2', short 'f 2');
    a ConvTranspose2d row holds what lands in one output channel ('out 2', short 'o 2')."""
    if transposed:
        return f"{'o' if short else 'out'} {out_channel}"
    return f"{'f' if short else 'filter'} {out_channel}"


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """A count and its noun, agreeing: ``1 channel``, ``3 channels``, ``2 matrices``."""
    return f"{count} {noun if count == 1 else plural_noun or noun + 's'}"


def shape_text(*sizes: int) -> str:
    """An array's shape as a person writes it: ``3×256×256``."""
    return "×".join(map(str, sizes))


def layer_shapes(input_shape: Sequence[int], out_channels: int, output_size: Sequence[int]) -> str:
    """What a layer makes of its input, in one line: ``3×256×256 → 2×254×254``."""
    return f"{shape_text(*input_shape)} → {shape_text(out_channels, *output_size)}"


def small_font() -> QFont:
    """The panels' font: a notch below the application's, so titles and axes stay out of the way."""
    font = QFont(QApplication.font())
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    return font


# ---- activations --------------------------------------------------------------------------------
#
# The model names the activations (``model.ACTIVATIONS``); what a person reads for each is here.

#: The layer form's list: PyTorch's class names, LeakyReLU with the slope it uses.
ACTIVATION_LABELS = {
    "none": "None",
    "relu": "ReLU",
    "leaky_relu": f"LeakyReLU (slope {LEAKY_SLOPE})",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
}
#: The function in a sentence or a formula: "after ReLU", "tanh(0.98) = 0.753".
ACTIVATION_NAMES = {
    "none": "none",
    "relu": "ReLU",
    "leaky_relu": "LeakyReLU",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
}
#: What each does to an output value (tooltips and What's This).
ACTIVATION_TIPS = {
    "none": "No activation: the outputs are the sums as computed, negative values included",
    "relu": "ReLU: max(x, 0), every negative output becomes 0 (nn.ReLU)",
    "leaky_relu": (
        f"LeakyReLU: x where x > 0, else {LEAKY_SLOPE}·x: negative outputs keep their sign, "
        f"{round(1 / LEAKY_SLOPE)} times smaller (nn.LeakyReLU({LEAKY_SLOPE}))"
    ),
    "sigmoid": (
        "Sigmoid: 1 / (1 + e^−x) squashes every output into (0, 1); 0 becomes 0.5 (nn.Sigmoid)"
    ),
    "tanh": (
        "Tanh: squashes every output into (−1, 1), keeping its sign; near 0 it is about x (nn.Tanh)"
    ),
}


def activation_label(name: str) -> str:
    """An activation's short name, as a caption says it: 'ReLU', 'tanh'."""
    return ACTIVATION_NAMES[name]


def after_activation(activation: str, separator: str = " ") -> str:
    """``" after ReLU"`` for a caption (with ``separator`` before it), nothing without one."""
    return "" if activation == "none" else f"{separator}after {ACTIVATION_NAMES[activation]}"


def activated_text(numbers: EquationNumbers, activation: str, output: float) -> str:
    """The output after the activation as an equation writes it, next to ``numbers.total``.

    ReLU and LeakyReLU are applied to the total as written, so the step reads true
    (``ReLU(−1.2) = 0``, ``LeakyReLU(−1.2) = −0.012``); sigmoid and tanh give the output value
    itself to ``number``'s three digits.
    """
    if activation == "relu":
        return numbers.relu
    if activation == "leaky_relu":
        mantissa, _, power = numbers.total.partition("e")
        value = shown_decimal(mantissa)
        if value < 0:
            value *= Decimal(str(LEAKY_SLOPE))
        return _decimal_text(value) + (f"e{power}" if power else "")
    return number(output)


# ---- lessons ------------------------------------------------------------------------------------

#: The frame round the widget a lesson step points at: a warm orange that no colour map uses.
LESSON_HIGHLIGHT = "#ff8c00"
LESSON_HIGHLIGHT_WIDTH = 3
#: Feedback on an answer: right (and shown) in green, not yet in the app's error red.
LESSON_RIGHT = GOOD_TEXT
LESSON_WRONG = ERROR_TEXT
