"""The receptive field said in words: how big it is, why, and what of it the image supplies.

"This pixel sees a 7×7 patch of the image (3 layers of 3×3)." When the field reaches past the
image's border the sentence says how many rows and columns of it fall in the padding and what
that padding does (zeros read nothing; reflect, replicate and circular repeat image pixels); a
field with holes (dilation, strides) says how many pixels of its span it really reads.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._spec import LayerSpec

Indices = tuple[np.ndarray, np.ndarray]


def _pair(pair: tuple[int, int], sep: str = "×") -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}{sep}{pair[1]}"


def describe_layer(spec: LayerSpec) -> str:
    """A layer's geometry in a few words: '3×3', '5×5 stride 2', '2×2 max pool'."""
    kh, kw = spec.kernel_size
    words = [f"{kh}×{kw}"]
    pool = spec.pool  # pooling layers name their kind
    if pool:
        words.append(f"{pool} pool")
    if spec.transposed:
        words.append("transposed")
    if spec.stride != (1, 1):
        words.append(f"stride {_pair(spec.stride, ', ')}")
    if spec.dilation != (1, 1):
        words.append(f"dilation {_pair(spec.dilation, ', ')}")
    return " ".join(words)


def describe_layers(specs: Sequence[LayerSpec]) -> str:
    """'3 layers of 3×3', '2 layers of 3×3, then 1 of 2×2 max pool stride 2'."""
    runs: list[list] = []
    for spec in specs:
        words = describe_layer(spec)
        if runs and runs[-1][1] == words:
            runs[-1][0] += 1
        else:
            runs.append([1, words])
    first_count, first_words = runs[0]
    parts = [f"{first_count} layer{'s' if first_count != 1 else ''} of {first_words}"]
    parts += [f"then {count} of {words}" for count, words in runs[1:]]
    return ", ".join(parts)


def index_span(indices: np.ndarray) -> int:
    """How many rows (or columns) a sorted run of indices spans, first to last; 0 if empty."""
    return int(indices[-1] - indices[0] + 1) if len(indices) else 0


def _article(number: int) -> str:
    """'an' before the numbers said with a vowel first (8, 11, 18, 80…), else 'a'."""
    return "an" if str(number).startswith("8") or number in (11, 18) else "a"


def _patch(rows: np.ndarray, cols: np.ndarray) -> str:
    height, width = index_span(rows), index_span(cols)
    count = len(rows) * len(cols)
    size = f"{_article(height)} {height}×{width}"
    if count == height * width:
        return f"{size} patch of the image"
    return f"{size} span of the image, {count} pixels of it"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _padding_modes(specs: Sequence[LayerSpec]) -> list[str]:
    """The padding modes that copy image pixels, of the layers that pad at all."""
    modes = {
        spec.padding_mode
        for spec in specs
        if not spec.transposed and spec.padding_mode != "zeros" and any(spec.pads)
    }
    return sorted(modes)


def field_words(
    specs: Sequence[LayerSpec],
    image_size: tuple[int, int],
    asked: tuple[int, int],
    exact: Indices,
    ideal: Indices,
) -> str:
    """The sentence for a field: ``asked`` the (height, width) of the output pixels asked about,
    ``exact`` the image rows and columns they read, ``ideal`` those of the unbounded field."""
    one = asked == (1, 1)
    subject = "This pixel" if one else f"These {asked[0]}×{asked[1]} pixels"
    sees, it = ("sees", "it") if one else ("see", "they")
    layers = describe_layers(specs)
    rows, cols = exact
    ideal_rows, ideal_cols = ideal
    if not len(ideal_rows) or not len(ideal_cols):
        return (
            f"{subject} {'is' if one else 'are'} painted by no input pixel: "
            f"{'it falls' if one else 'they fall'} between the kernels the strides spread "
            f"apart ({layers})."
        )
    if np.array_equal(rows, ideal_rows) and np.array_equal(cols, ideal_cols):
        return f"{subject} {sees} {_patch(rows, cols)} ({layers})."
    height, width = image_size
    field = f"{subject}' field" if not one else f"{subject}'s field"
    spans = f"{field} spans {index_span(ideal_rows)}×{index_span(ideal_cols)} ({layers})"
    outside_rows = int(np.count_nonzero((ideal_rows < 0) | (ideal_rows >= height)))
    outside_cols = int(np.count_nonzero((ideal_cols < 0) | (ideal_cols >= width)))
    outside = [
        _count(n, noun) for n, noun in ((outside_rows, "row"), (outside_cols, "column")) if n
    ]
    if outside:
        plural = outside_rows + outside_cols > 1
        where = f"{' and '.join(outside)} of it {'fall' if plural else 'falls'} in the padding"
        modes = _padding_modes(specs)
        if modes:
            where += f", which repeats image pixels ({', '.join(modes)})"
    else:
        where = "the borders of the maps between cut part of it off"
    if not len(rows) or not len(cols):
        return f"{spans}; {where}: {it} {sees} no pixel of the image."
    return f"{spans}; {where}, so {it} {sees} {_patch(rows, cols)}."
