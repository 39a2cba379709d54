"""How typed or pasted text becomes a weight.

How numbers are shown (``number``, ``exact_text``) is the app's one rule, in ``widgets.style``.
"""

from __future__ import annotations

import re

import numpy as np

FLOAT32_MAX = float(np.finfo(np.float32).max)

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NOT_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)


def parse_value(text: str, what: str = "weight") -> float:
    """A finite float32-sized number from typed text; ValueError says why not in plain words.

    Accepts ``−`` for minus, a decimal comma (``0,5``) when there is no dot, and spaces anywhere
    (a stray Space is not worth a refusal). ``what`` names the number in messages ("bias").
    """
    cleaned = "".join(text.split()).replace("−", "-")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    if not cleaned:
        raise ValueError("Type a number, e.g. 0.5 or -1.25 (Esc keeps the old value)")
    if _NOT_FINITE.fullmatch(cleaned):
        raise ValueError(f"“{text.strip()}” is refused: a {what} must be a finite number")
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(f"“{text.strip()}” is not a number; type e.g. 0.5, -1.25 or 2e-3")
    value = float(cleaned)
    if abs(value) > FLOAT32_MAX:
        raise ValueError(f"“{text.strip()}” is too large for a float32 {what} (max ±3.4e38)")
    return value
