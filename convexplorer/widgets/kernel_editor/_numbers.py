"""How kernel numbers look in a cell and how typed or pasted text becomes a weight.

Cells show three significant digits with a real minus sign so a 3×3 kernel stays narrow; editing and
the clipboard use the shortest text that reads back as the same float32, so nothing is lost.
"""

from __future__ import annotations

import re

import numpy as np

FLOAT32_MAX = float(np.finfo(np.float32).max)

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NOT_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)


def format_value(value: float) -> str:
    """At most six characters: three significant digits (fewer if needed), ``−`` for minus.

    ``−0.299``, ``0.0625``, ``−0.062`` (for −0.0625), ``1.5e−5``; the exact value is in the tooltip.
    """
    if value == 0:
        return "0"
    if 100 <= abs(value) < 99_999.5:
        return f"{value:.0f}".replace("-", "−")
    for digits in (3, 2, 1):
        for text in (f"{value:.{digits}g}", f"{value:.{digits - 1}e}"):
            mantissa, _, exponent = text.partition("e")
            text = f"{mantissa}e{int(exponent)}" if exponent else mantissa
            if len(text) <= 6:
                return text.replace("-", "−")
    return text.replace("-", "−")  # unreachable for float32: "−1e−45" has six characters


def exact_text(value: float) -> str:
    """The shortest ASCII text that reads back as the same float32 (for editors, clipboards)."""
    text = str(np.float32(value))
    return text.removesuffix(".0")


def parse_value(text: str) -> float:
    """A finite float32-sized number from typed text; ValueError says why not in plain words.

    Accepts ``−`` for minus and a decimal comma (``0,5``) when there is no dot.
    """
    cleaned = text.strip().replace("−", "-")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    if not cleaned:
        raise ValueError("Type a number, e.g. 0.5 or -1.25 (Esc keeps the old value)")
    if _NOT_FINITE.fullmatch(cleaned):
        raise ValueError(f"“{text.strip()}” is refused: a weight must be a finite number")
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(f"“{text.strip()}” is not a number; type e.g. 0.5, -1.25 or 2e-3")
    value = float(cleaned)
    if abs(value) > FLOAT32_MAX:
        raise ValueError(f"“{text.strip()}” is too large for a float32 weight (max ±3.4e38)")
    return value
