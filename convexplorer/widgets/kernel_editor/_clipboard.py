"""Kernel slices as clipboard text: tab-separated rows, so they paste into spreadsheets and back."""

from __future__ import annotations

import re

import numpy as np

from ..style import exact_text
from ._numbers import parse_value

_LOOSE_SEPARATORS = re.compile(r"[;,\s]+")


def block_to_text(values: np.ndarray) -> str:
    """One line per kernel row, tabs between taps, exact float32 values."""
    return "\n".join("\t".join(exact_text(v) for v in row) for row in np.atleast_2d(values)) + "\n"


def text_to_block(text: str, shape: tuple[int, int]) -> np.ndarray:
    """Parse clipboard text into a ``shape`` block; ValueError says why (wrong size, non-number).

    Rows are lines; within a line, tabs separate cells (a spreadsheet's format), otherwise commas,
    semicolons or spaces do.
    """
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        raise ValueError("The clipboard holds no numbers to paste")
    rows = [line.split("\t") if "\t" in line else _LOOSE_SEPARATORS.split(line) for line in lines]
    widths = {len(row) for row in rows}
    height, width = shape
    if len(widths) > 1:
        raise ValueError(
            f"The clipboard rows have different lengths ({', '.join(map(str, sorted(widths)))}); "
            f"paste a {height}×{width} block of numbers"
        )
    if (len(rows), widths.pop()) != shape:
        raise ValueError(
            f"The clipboard holds a {len(rows)}×{len(rows[0])} block; this slice is "
            f"{height}×{width}, so nothing was pasted"
        )
    values = np.empty(shape)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            try:
                values[i, j] = parse_value(cell)
            except ValueError as error:
                raise ValueError(f"Nothing pasted: row {i + 1}, column {j + 1}: {error}") from None
    return values
