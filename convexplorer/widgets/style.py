"""How things look, in one place: colour maps, ink on coloured cells, numbers and channel labels.

Every view that shows a weight, an output or a channel goes through here, so the kernel editor,
the sliding window, the panels, their tooltips and the exports can never disagree: 0.299 reads
"0.299" everywhere, a value has one colour, and ``in 1 (G)`` is always the green channel.

Signed values (weights, products, outputs that straddle 0) use a diverging map centred on 0;
values that are never negative use a grey map from black; an RGB input tints each channel.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication

MINUS = "−"
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


def ink_on(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background`` (see ``dark_ink``)."""
    rgb = np.array([background.red(), background.green(), background.blue()])
    return QColor("black") if dark_ink(rgb) else QColor("white")


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


def exact_text(value: float) -> str:
    """The shortest ASCII text that reads back as the same float32 (hover, editing, clipboard)."""
    if value == 0:
        return "0"
    return str(np.float32(value)).removesuffix(".0")


# ---- labels and fonts ---------------------------------------------------------------------------


def channel_label(channel: int, channels: int) -> str:
    """``in 1 (G)`` for a channel of an RGB input (3 channels), ``in 1`` otherwise."""
    return f"in {channel} ({RGB_NAMES[channel]})" if channels == 3 else f"in {channel}"


def small_font() -> QFont:
    """The panels' font: a notch below the application's, so titles and axes stay out of the way."""
    font = QFont(QApplication.font())
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    return font
