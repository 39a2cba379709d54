"""The two window-matrix (im2col) kernels, and the fixed product shapes that make their bits stable
(``_taps`` builds on what they share here).

Both copy receptive fields into columns and let BLAS multiply them by the filters:

- ``Windows``: exact windows, any stride. A cache-sized tile of columns at a time; the first
  partial run (a weight edit) keeps the whole window matrix, if it fits ``WINDOW_MATRIX_BUDGET``, so
  later runs skip the copying.
- ``Shifts``: tap (i, j)'s row of the window matrix is the flattened padded image shifted by
  i·W_padded + j, copied as one long run; the product also yields junk values between image rows,
  dropped afterwards. Cheapest when a group has few channels (depthwise).

Why fixed shapes: OpenBLAS sums a product's K terms in an order that depends on the call's shape
and on where an element sits in it (kernel tails, the small-matrix kernel, gemv for one row), on
AVX-512 and AVX2 kernels alike; one-row products (gemv) also depend on the operands' strides. A
filter's output must not depend on which run computed it, so every product has a shape and
operand layout fixed by the layer alone: the output pixels go in the same tiles in every run (the
kept window matrix is stored tile by tile, laid out as the streaming buffer), and the filters of
a group in the same blocks of ``FILTER_BLOCK``. An edit of one filter computes its whole block;
the others' rows are discarded. The bias is added after each product, never folded into it, so
every run rounds ``fl(fl(w·x) + b)`` alike.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence

import numpy as np

from . import _parallel
from ._blas import products_on_calling_thread
from ._padding import pad_into, padded_copy, padded_size
from ._parallel import share
from ._spec import LayerSpec

#: Largest window matrix the engine keeps for edits, in bytes; above it, an edit re-copies windows.
WINDOW_MATRIX_BUDGET = 64 * 2**20

#: Bytes of windows copied per tile by "windows": they stay in L2 while BLAS reads them, and a
#: block's product (FILTER_BLOCK · TILE_BYTES/4 = 524 288 multiply-adds in float32, whatever the
#: kernel) stays under the 10⁶ up to which OpenBLAS's AVX-512 kernels use their small-matrix
#: path, which needs no packing and measured fastest here (benchmarks/README.md).
TILE_BYTES = 2**19

#: Filters per matrix product. Every run multiplies a group's filters in the same blocks, so a
#: filter's bits are the same whichever run computed it; an edit pays for its whole block. 4 kept
#: full runs as fast as one product per group. Blocks of 8 on 1 MiB tiles measured 20-35 %
#: faster on the AVX2 kernels at 512², but 4-7× slower at 1024² and 2048² (benchmarks/README.md).
FILTER_BLOCK = 4

#: Window values (C_in/g·kH·kW × H_out·W_out) from which a run shares its tiles with the helper
#: threads: below it, handing tiles over costs more than the second core saves.
PARALLEL_VALUES = 2**18

#: Helper threads a run shares its tiles with: only where BLAS computes each product on the
#: calling thread (OpenBLAS is set to one thread for this). Two callers splitting products over
#: OpenBLAS's threads at once fight over them (a 3×512² edit measured 3 → 10 ms).
HELPERS = _parallel.HELPERS if products_on_calling_thread() else 0

#: Pieces of consecutive tiles per thread when a run is shared: a thread whose core is busy
#: elsewhere then holds up the others by a small piece only.
PIECES_PER_THREAD = 4

#: Bytes of shifted rows copied per tile by "shifts" (mostly depthwise: one or two filters).
SHIFTS_TILE_BYTES = 2**20

#: (group, first, stop): rows first..stop-1 of the weights are one product's filters, of that group.
Blocks = Sequence[tuple[int, int, int]]


def keeps_matrix(spec: LayerSpec, height: int, width: int, itemsize: int = 4) -> bool:
    """Whether "windows" keeps its window matrix for edits: only when it fits the budget and
    serves several filters per group (depthwise windows each serve one filter: nothing saved)."""
    kh, kw = spec.kernel_size
    oh, ow = spec.output_size(height, width)
    matrix_bytes = spec.in_channels * kh * kw * oh * ow * itemsize
    return spec.out_per_group > 1 and matrix_bytes <= WINDOW_MATRIX_BUDGET


def view(base: np.ndarray, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
    """A read-only strided view of the C-contiguous ``base`` (as_strided, minus its overhead)."""
    result = np.ndarray(shape, base.dtype, base, 0, strides)
    result.flags.writeable = False
    return result


class Scratch(threading.local):
    """Work buffers kept from run to run, one set per thread (an engine may run on a worker
    thread and the GUI thread at once). Fresh memory costs a page fault per 4 KiB touched, which
    on the reference VM made a 3.5 ms run take 6 ms."""

    def __init__(self) -> None:
        self.buffers: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """A buffer of this shape, contents undefined (whatever the last run left)."""
        size = math.prod(shape)
        buffer = self.buffers.get(name)
        if buffer is None or buffer.size < size or buffer.dtype != dtype:
            buffer = self.buffers[name] = np.empty(size, dtype=dtype)
        return buffer[:size].reshape(shape)


class Im2col:
    """What the window-matrix kernels (and taps) share: the input and group-by-group padding into
    a kept buffer, so a depthwise layer's padded channel is still in cache when it is read; the
    pieces a run shares with the helper threads."""

    #: filters per product (see FILTER_BLOCK); the engine groups filters into blocks of this size
    block = FILTER_BLOCK

    def __init__(self, spec: LayerSpec, x: np.ndarray, output_size: tuple[int, int]) -> None:
        self._spec = spec
        self._x = x
        self._dtype = x.dtype
        self.output_size = output_size
        kh, kw = spec.kernel_size
        self._rows = spec.in_per_group * kh * kw
        self._padded_shape = padded_size(spec.pads, x.shape[1], x.shape[2])
        self._scratch = Scratch()

    def _buffer(self, channels: int) -> np.ndarray:
        """A (channels, H_padded, W_padded) buffer for ``pad_into``, zero border for 'zeros'."""
        shape = (channels, *self._padded_shape)
        if self._spec.padding_mode != "zeros":
            return self._scratch.get("padded", shape, self._dtype)
        # the zero border survives reuse: padding writes only the interior
        padded = self._scratch.buffers.get("zero-padded")
        if padded is None or padded.shape != shape:
            padded = self._scratch.buffers["zero-padded"] = np.zeros(shape, dtype=self._dtype)
        return padded

    def _padder(self, buffer: np.ndarray) -> Callable[[int], None]:
        """A function padding group g's channels into buffer (built once: it runs per group)."""
        x, spec, cg = self._x, self._spec, buffer.shape[0]
        if spec.padding_mode != "zeros":
            return lambda g: pad_into(
                buffer, x[g * cg : (g + 1) * cg], spec.pads, spec.padding_mode
            )
        top, _, left, _ = spec.pads
        inner = buffer[:, top : top + x.shape[1], left : left + x.shape[2]]
        return lambda g: np.copyto(inner, x[g * cg : (g + 1) * cg])


def blocks_by_group(blocks: Blocks) -> list[tuple[int, list[slice]]]:
    """Consecutive blocks of one group together: (group, its blocks' weight rows)."""
    grouped: list[tuple[int, list[slice]]] = []
    for g, first, stop in blocks:
        if not grouped or grouped[-1][0] != g:
            grouped.append((g, []))
        grouped[-1][1].append(slice(first, stop))
    return grouped


class Windows(Im2col):
    """im2col with exact windows: any stride; tile by tile, or from the kept window matrix."""

    def __init__(self, spec: LayerSpec, x: np.ndarray, output_size: tuple[int, int]) -> None:
        super().__init__(spec, x, output_size)
        self._matrix: np.ndarray | None = None
        self.keeps_matrix = keeps_matrix(spec, x.shape[1], x.shape[2], x.dtype.itemsize)
        self._tiles = self._plan_tiles()
        self._widest = max(p.stop - p.start for _, _, p in self._tiles)
        # the leading tiles of the widest width, side by side: stacked into one product call
        self._stacked = next(
            (
                t
                for t, (_, _, p) in enumerate(self._tiles)
                if p != slice(t * self._widest, (t + 1) * self._widest)
            ),
            len(self._tiles),
        )

    def _windows(self, padded: np.ndarray) -> np.ndarray:
        """[c, i, j, r, q] = padded[c, r·sh + i·dh, q·sw + j·dw]: tap (i, j) of pixel (r, q)."""
        spec = self._spec
        (kh, kw), (dh, dw), (sh, sw) = spec.kernel_size, spec.dilation, spec.stride
        s_c, s_r, s_q = padded.strides
        return view(
            padded,
            (padded.shape[0], kh, kw, *self.output_size),
            (s_c, s_r * dh, s_q * dw, s_r * sh, s_q * sw),
        )

    def _plan_tiles(self) -> list[tuple[slice, slice, slice]]:
        """(rows, cols, flat pixels) blocks whose windows fill about TILE_BYTES: whole output rows
        when one row's windows fit, else pieces of one row. Fixed per layer (see the module)."""
        oh, ow = self.output_size
        column = self._rows * self._dtype.itemsize
        if column * ow <= TILE_BYTES:
            step = max(1, TILE_BYTES // (column * ow))
            spans = [(r, min(oh, r + step), 0, ow) for r in range(0, oh, step)]
        else:
            step = max(1, TILE_BYTES // column)
            spans = [
                (r, r + 1, c, min(ow, c + step)) for r in range(oh) for c in range(0, ow, step)
            ]
        return [
            (slice(r0, r1), slice(c0, c1), slice(r0 * ow + c0, (r1 - 1) * ow + c1))
            for r0, r1, c0, c1 in spans
        ]

    @property
    def has_matrix(self) -> bool:
        """Whether the window matrix kept for edits is built (or is never kept)."""
        return self._matrix is not None or not self.keeps_matrix

    def keep_matrix(self) -> None:
        """Build the whole window matrix for reuse, tile by tile: (groups, tiles, C_in/groups·kH·kW,
        widest tile) with each tile laid out as the streaming buffer holds it, so the products
        read operands of the same shape and strides in both cases."""
        if self._matrix is not None or not self.keeps_matrix:
            return
        spec, cg = self._spec, self._spec.in_per_group
        windows = self._windows(padded_copy(self._x, spec.pads, spec.padding_mode))
        shape = (spec.groups, len(self._tiles), self._rows, self._widest)
        matrix = np.empty(shape, dtype=self._dtype)
        for g in range(spec.groups):
            for t, (r, c, p) in enumerate(self._tiles):
                target = matrix[g, t, :, : p.stop - p.start]
                shape = (cg, *windows.shape[1:3], r.stop - r.start, c.stop - c.start)
                np.copyto(target.reshape(shape), windows[g * cg : (g + 1) * cg, :, :, r, c])
        self._matrix = matrix

    def run(
        self, weight: np.ndarray, bias: np.ndarray | None, blocks: Blocks, dest: np.ndarray
    ) -> None:
        """Fill dest (n, H_out, W_out) with filters ``weight`` (n, C_in/g, kH, kW) plus ``bias``
        (n,), one matrix product per block and tile, from the kept window matrix or copying
        windows. Large runs share their tiles with the helper threads (``_parallel``), a few
        consecutive tiles at a time: every tile is the same product call whoever computes it."""
        flat = dest.reshape(dest.shape[0], -1)
        w = weight.reshape(weight.shape[0], self._rows)
        pieces = shared_pieces(len(self._tiles), self._rows * flat.shape[1])
        matrix = self._matrix
        if matrix is None:
            padded = self._buffer(self._spec.in_per_group)
            windows = self._windows(padded)
            pad_group = self._padder(padded)
        for g, products in blocks_by_group(blocks):
            group = slice(products[0].start, products[-1].stop)
            if matrix is None:
                pad_group(g)
                work = self._streamer(windows, w, bias, flat, products, group)
            else:
                work = self._reader(matrix[g], w, bias, flat, products, group)
            share(len(pieces), lambda k, work=work: work(*pieces[k]), HELPERS)

    def _streamer(
        self,
        windows: np.ndarray,
        w: np.ndarray,
        bias: np.ndarray | None,
        flat: np.ndarray,
        products: list[slice],
        group: slice,
    ) -> Callable[[int, int], None]:
        """A function computing tiles lo..hi-1 of one group by copying their windows, tile by
        tile, into the calling thread's columns buffer (each thread has its own, laid out alike
        and like the kept matrix): the products then see operands of the same strides."""
        tiles, rows, dtype, shape = self._tiles, self._rows, self._dtype, windows.shape[:3]
        b = None if bias is None else bias[group, None]

        def compute(lo: int, hi: int) -> None:
            buffer = self._scratch.get("columns", (rows, self._widest), dtype)
            for r, c, pixels in tiles[lo:hi]:
                columns = buffer[:, : pixels.stop - pixels.start]
                np.copyto(
                    columns.reshape(*shape, r.stop - r.start, c.stop - c.start), windows[..., r, c]
                )
                for these in products:
                    np.matmul(w[these], columns, out=flat[these, pixels])
                if b is not None:
                    flat[group, pixels] += b

        return compute

    def _reader(
        self,
        kept: np.ndarray,
        w: np.ndarray,
        bias: np.ndarray | None,
        flat: np.ndarray,
        products: list[slice],
        group: slice,
    ) -> Callable[[int, int], None]:
        """A function computing tiles lo..hi-1 of one group from its kept window matrix. Tiles
        of the same width, side by side, go to BLAS as one stacked product (numpy calls it once
        per tile, with the same shape and strides as a single tile): one call per block."""
        tiles, width, stacked = self._tiles, self._widest, self._stacked
        b = None if bias is None else bias[group, None]

        def compute(lo: int, hi: int) -> None:
            start = tiles[lo][2].start
            if lo < stacked:
                top = min(hi, stacked)
                for these in products:
                    out = flat[these, lo * width : top * width]
                    out = out.reshape(-1, top - lo, width).transpose(1, 0, 2)
                    np.matmul(w[these], kept[lo:top], out=out)
                lo = top
            for t in range(lo, hi):
                pixels = tiles[t][2]
                for these in products:
                    np.matmul(
                        w[these], kept[t, :, : pixels.stop - pixels.start], out=flat[these, pixels]
                    )
            if b is not None:
                flat[group, start : tiles[hi - 1][2].stop] += b

        return compute


def shared_pieces(count: int, values: int) -> list[tuple[int, int]]:
    """Tiles 0..count-1 in the consecutive runs of about equal length a run of ``values`` window
    values shares out: PIECES_PER_THREAD per thread, or one below PARALLEL_VALUES."""
    return even_ranges(count, piece_count(values, PARALLEL_VALUES, HELPERS))


def piece_count(work: int, threshold: int, helpers: int) -> int:
    """Pieces a run of ``work`` shares out among the calling thread and ``helpers`` helpers:
    PIECES_PER_THREAD each from ``threshold`` on, below it one (the hand-over would cost more)."""
    return PIECES_PER_THREAD * (helpers + 1) if work >= threshold else 1


def even_ranges(count: int, parts: int) -> list[tuple[int, int]]:
    """0..count-1 in ``parts`` (at most ``count``) consecutive runs of about equal length."""
    parts = max(1, min(parts, count))
    bounds = [round(k * count / parts) for k in range(parts + 1)]
    return [(bounds[k], bounds[k + 1]) for k in range(parts)]


class Shifts(Im2col):
    """im2col on the flattened padded image: long contiguous copies, junk columns dropped."""

    def __init__(self, spec: LayerSpec, x: np.ndarray, output_size: tuple[int, int]) -> None:
        super().__init__(spec, x, output_size)
        (oh, ow), (sh, sw) = output_size, spec.stride
        # the output on the stride-1 grid spans these rows and columns of it
        self._grid = ((oh - 1) * sh + 1, (ow - 1) * sw + 1)

    def run(
        self, weight: np.ndarray, bias: np.ndarray | None, blocks: Blocks, dest: np.ndarray
    ) -> None:
        """Fill dest (n, H_out, W_out) with filters ``weight`` (n, C_in/g, kH, kW) plus ``bias``
        (n,), one matrix product per block and tile; the bias is added as the product's grid is
        stored."""
        spec = self._spec
        (kh, kw), (dh, dw), (sh, sw) = spec.kernel_size, spec.dilation, spec.stride
        (oh, _), (gh, gw) = self.output_size, self._grid
        _, wp = self._padded_shape
        # output rows per tile: its stride-1 rows, as one flat run, fill about SHIFTS_TILE_BYTES
        step = max(1, SHIFTS_TILE_BYTES // (self._rows * sh * wp * self._dtype.itemsize))
        tiles = [(r, min(oh, r + step)) for r in range(0, oh, step)]
        span = ((tiles[0][1] - 1) * sh + 1) * wp
        w = weight.reshape(weight.shape[0], self._rows)
        columns = self._scratch.get("columns", (self._rows, span), self._dtype)
        products = self._scratch.get("products", (self.block, span), self._dtype)
        padded = self._buffer(spec.in_per_group)
        flat = padded.reshape(padded.shape[0], -1)
        item = self._dtype.itemsize
        shifted = view(
            flat,
            (flat.shape[0], kh, kw, (gh - 1) * wp + gw),
            (flat.strides[0], dh * wp * item, dw * item, item),
        )
        # per tile: where its shifted rows go, which flat run they are, the product, the output
        plan = []
        for r0, r1 in tiles:
            rows = (r1 - 1 - r0) * sh + 1
            length = (rows - 1) * wp + gw
            plan.append(
                (
                    columns[:, :length].reshape(*shifted.shape[:3], length),
                    shifted[..., r0 * sh * wp : r0 * sh * wp + length],
                    columns[:, :length],
                    products[:, :length],
                    products[:, : rows * wp].reshape(-1, rows, wp)[:, ::sh, :gw:sw],
                    slice(r0, r1),
                )
            )
        pad_group = self._padder(padded)
        for g, products in blocks_by_group(blocks):
            pad_group(g)
            for target, source, block, product, grid, out_rows in plan:
                np.copyto(target, source)
                for rows in products:
                    n = rows.stop - rows.start
                    np.matmul(w[rows], block, out=product[:n])
                    if bias is None:
                        dest[rows, out_rows] = grid[:n]
                    else:
                        np.add(grid[:n], bias[rows, None, None], out=dest[rows, out_rows])
