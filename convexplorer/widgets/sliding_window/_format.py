"""How the sliding window writes a number: short, with a true minus sign, never ``-0.00``.

Two decimals for ordinary magnitudes, but two significant digits for small ones: products of
Kaiming-initialised weights are often below 0.01 and must not all read "0.00".
"""

from __future__ import annotations

MINUS = "−"
WIDEST = "−0.0000"  # the longest text ``number`` gives below 1000, for sizing cells


def number(value: float) -> str:
    value = float(value)
    magnitude = abs(value)
    if magnitude >= 1000:
        text = f"{magnitude:.0f}"
    elif magnitude >= 100:
        text = f"{magnitude:.1f}"
    elif magnitude >= 0.1 or magnitude == 0:
        text = f"{magnitude:.2f}"
    elif magnitude >= 0.01:
        text = f"{magnitude:.3f}"
    elif magnitude >= 0.001:
        text = f"{magnitude:.4f}"
    else:
        text = f"{magnitude:.1e}".replace("e-0", "e−").replace("e-", "e−")
    return MINUS + text if value < 0 else text
