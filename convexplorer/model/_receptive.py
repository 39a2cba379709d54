"""The receptive field through a stack: exactly which pixels of every earlier map an output reads.

Walking back one layer, output row r of a Conv2d reads rows ``r·stride − top + i·dilation`` of
its (padded) input, each resolved by ``source_index``: zero padding reads nothing, reflect,
replicate and circular read a real pixel (the field mirrors or wraps). A ConvTranspose2d's output
row r reads input row ``(r + pad − a·dilation) / stride`` wherever that is a whole pixel of the
input. Pooling has a conv's geometry, and its padding (−inf or counted zeros) reads no pixel, so
the same walk holds for pools.

A tap's source row depends only on its row, so the field of a rectangle of outputs is a product:
a set of rows times a set of columns, on every map. The walk therefore runs per axis, on index
sets, and costs tens of microseconds whatever the image size; only the masks are H×W
(``benchmarks/bench_receptive.py``: 0.3–0.6 ms for 5 layers at 512², masks and words included).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._padding import source_index
from ._receptive_words import field_words, index_span
from ._spec import LayerSpec
from ._stack import Shape, check_chain, layer_name

Pixel = tuple[int, int]


class FieldBox(NamedTuple):
    """A rectangle of pixels: its top-left pixel and its size."""

    row: int
    col: int
    height: int
    width: int


@dataclass(frozen=True)
class AxisWalk:
    """One axis of one layer, as the walk back needs it."""

    kernel: int
    stride: int
    dilation: int
    before: int  # padding before the first pixel (top or left)
    mode: str
    transposed: bool


def _axis(spec: LayerSpec, axis: int) -> AxisWalk:
    before = spec.padding[axis] if spec.transposed else spec.pads[2 * axis]  # type: ignore[index]
    return AxisWalk(
        spec.kernel_size[axis],
        spec.stride[axis],
        spec.dilation[axis],
        int(before),
        spec.padding_mode,
        spec.transposed,
    )


def read_back(walk: AxisWalk, outputs: np.ndarray, size: int | None) -> np.ndarray:
    """The sorted input indices read by output indices ``outputs`` along one axis.

    ``size`` None: an unbounded input, no padding resolved (the theoretical field).
    """
    taps = np.arange(walk.kernel) * walk.dilation
    if walk.transposed:
        offsets = (outputs[:, None] + walk.before - taps).ravel()
        whole = offsets[offsets % walk.stride == 0] // walk.stride
        if size is not None:
            whole = whole[(whole >= 0) & (whole < size)]
        return np.unique(whole)
    rows = (outputs[:, None] * walk.stride - walk.before + taps).ravel()
    if size is not None:
        rows = source_index(rows, size, walk.mode)
        rows = rows[rows >= 0]
    return np.unique(rows)


@dataclass(frozen=True)
class ReceptiveField:
    """What a pixel (or a rectangle of pixels) of layer ``layer``'s output reads.

    Map ``j`` is layer j's input, for j = 0 … ``layer``: map 0 is the image. Per map: the rows and
    columns read (sorted index arrays; the field is every pair of them), the H×W boolean mask,
    its bounding box (None when the field reads no pixel of that map), and the same for the
    unbounded ``theoretical`` field in the image's coordinates (rows may be negative).
    """

    layer: int
    #: the asked output pixels, as a box on layer ``layer``'s output
    output: FieldBox
    rows: tuple[np.ndarray, ...]
    cols: tuple[np.ndarray, ...]
    masks: tuple[np.ndarray, ...]
    boxes: tuple[FieldBox | None, ...]
    #: the field on an unbounded image: every padding read as if it were more image
    theoretical_rows: np.ndarray
    theoretical_cols: np.ndarray
    words: str

    @property
    def image_mask(self) -> np.ndarray:
        return self.masks[0]

    @property
    def theoretical_size(self) -> tuple[int, int]:
        """(height, width) of the span of the theoretical field (0 when it is empty)."""
        return (index_span(self.theoretical_rows), index_span(self.theoretical_cols))

    def pixel_count(self, j: int = 0) -> int:
        """How many pixels of map ``j`` the field reads (per channel)."""
        return len(self.rows[j]) * len(self.cols[j])


def _box(rows: np.ndarray, cols: np.ndarray) -> FieldBox | None:
    if not len(rows) or not len(cols):
        return None
    return FieldBox(int(rows[0]), int(cols[0]), index_span(rows), index_span(cols))


def _mask(rows: np.ndarray, cols: np.ndarray, height: int, width: int) -> np.ndarray:
    mask = np.zeros((height, width), dtype=bool)
    mask[np.ix_(rows, cols)] = True
    mask.setflags(write=False)
    return mask


def receptive_field(
    input_shape: Shape,
    specs: Sequence[LayerSpec],
    layer: int,
    first: Pixel,
    last: Pixel | None = None,
) -> ReceptiveField:
    """The exact receptive field of output pixels ``first`` … ``last`` (corners of a rectangle,
    inclusive, in any order; ``last`` None: the one pixel) of layer ``layer`` of the stack
    ``specs`` run on an input of shape ``input_shape`` (C, H, W).

    Only layers 0 … ``layer`` matter (the later ones may be anything). ValueError, in words, if
    those layers do not chain or the pixels are outside the layer's output.
    """
    if not 0 <= layer < len(specs):
        raise ValueError(f"there is no {layer_name(layer)}: the stack has {len(specs)} layers")
    used = list(specs[: layer + 1])
    shapes = [tuple(input_shape), *check_chain(input_shape, used)]
    out_h, out_w = shapes[-1][1:]
    last = first if last is None else last
    (r0, r1), (c0, c1) = sorted((first[0], last[0])), sorted((first[1], last[1]))
    if r0 < 0 or c0 < 0 or r1 >= out_h or c1 >= out_w:
        raise ValueError(
            f"pixels ({first[0]}, {first[1]})…({last[0]}, {last[1]}) are outside the "
            f"{out_h}×{out_w} output of {layer_name(layer)}"
        )
    rows, cols = [np.arange(r0, r1 + 1)], [np.arange(c0, c1 + 1)]
    ideal_rows, ideal_cols = rows[0], cols[0]
    for j in range(layer, -1, -1):
        (_, height, width), spec = shapes[j], used[j]
        rows.append(read_back(_axis(spec, 0), rows[-1], height))
        cols.append(read_back(_axis(spec, 1), cols[-1], width))
        ideal_rows = read_back(_axis(spec, 0), ideal_rows, None)
        ideal_cols = read_back(_axis(spec, 1), ideal_cols, None)
    rows_by_map, cols_by_map = tuple(rows[:0:-1]), tuple(cols[:0:-1])
    output = FieldBox(r0, c0, r1 - r0 + 1, c1 - c0 + 1)
    sizes = [(shape[1], shape[2]) for shape in shapes[:-1]]
    return ReceptiveField(
        layer=layer,
        output=output,
        rows=rows_by_map,
        cols=cols_by_map,
        masks=tuple(
            _mask(r, c, *size) for r, c, size in zip(rows_by_map, cols_by_map, sizes, strict=True)
        ),
        boxes=tuple(_box(r, c) for r, c in zip(rows_by_map, cols_by_map, strict=True)),
        theoretical_rows=ideal_rows,
        theoretical_cols=ideal_cols,
        words=field_words(
            used,
            sizes[0],
            (output.height, output.width),
            (rows[-1], cols[-1]),
            (ideal_rows, ideal_cols),
        ),
    )


def textbook_field_size(specs: Sequence[LayerSpec]) -> tuple[int, int]:
    """The textbook receptive field of one output pixel of the last Conv2d (or pool) layer:
    1 + Σ dilation·(kernel − 1)·J per axis, J the product of the strides before the layer.

    ConvTranspose2d layers divide the jump instead of multiplying it, so the formula does not
    describe them: ValueError (``ReceptiveField.theoretical_size`` holds for every stack).
    """
    sizes = []
    for axis in (0, 1):
        size, jump = 1, 1
        for spec in specs:
            if spec.transposed:
                raise ValueError("the textbook formula holds for Conv2d and pooling layers only")
            size += spec.dilation[axis] * (spec.kernel_size[axis] - 1) * jump
            jump *= spec.stride[axis]
        sizes.append(size)
    return (sizes[0], sizes[1])
