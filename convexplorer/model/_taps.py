"""The "taps" kernel: every tap's product read straight from the padded image, no window copies.

For a tile of output rows, tap (i, j)'s inputs are the flattened padded image shifted by
i·dh·W_padded + j·dw: a (C_in/g, n) view whose rows lie a whole padded channel apart, which BLAS
reads in place. The tile is then Σ_taps W[:, :, i, j] @ view, added up tap by tap in a fixed
order; like "shifts", the products also yield junk values between image rows, dropped when the
tile is stored. What it saves is the window copy — kH·kW values per input value and pixel, which
"windows" writes and reads again for every block of filters — so it wins where a group has many
input channels and few filters (a 16 → 1 layer at 256²: 1.4–1.9 ms against 2.7–3.4 with
windows), and it
keeps nothing for edits: an edit reads the padded image again, for its filter's block only.

Bits: every run has the same tiles, the same blocks of ``FILTER_BLOCK`` filters and the same tap
order, and adds the bias after the sum, so a filter's output does not depend on the run that
computed it (tests/test_conv_bits.py). Any stride works (the stride-1 grid is subsampled, as in
"shifts"), but the cost model offers it for stride 1 only, where nothing is computed twice.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _im2col
from ._im2col import Blocks, Im2col, blocks_by_group, shared_pieces
from ._parallel import share
from ._spec import LayerSpec

#: Bytes of padded input rows per tile: they stay in L2 while every tap reads them.
TAPS_TILE_BYTES = 2**19


def tile_rows(spec: LayerSpec, padded_width: int, itemsize: int = 4) -> int:
    """Output rows per tile: their padded input rows fill about TAPS_TILE_BYTES (the cost model
    counts the tiles the same way)."""
    row_bytes = spec.in_per_group * spec.stride[0] * padded_width * itemsize
    return max(1, TAPS_TILE_BYTES // row_bytes)


class Taps(Im2col):
    """Tap-by-tap products on shifted views of the padded image; tile by tile, nothing kept."""

    def __init__(self, spec: LayerSpec, x: np.ndarray, output_size: tuple[int, int]) -> None:
        super().__init__(spec, x, output_size)
        (oh, ow), (sh, sw) = output_size, spec.stride
        _, wp = self._padded_shape
        self._grid_width = (ow - 1) * sw + 1
        step = tile_rows(spec, wp, self._dtype.itemsize)
        self._tiles = [(r, min(oh, r + step)) for r in range(0, oh, step)]
        # the widest tile's stride-1 grid, whole padded rows: the sums' buffer width
        self._span = max(((r1 - 1 - r0) * sh + 1) * wp for r0, r1 in self._tiles)

    def run(
        self, weight: np.ndarray, bias: np.ndarray | None, blocks: Blocks, dest: np.ndarray
    ) -> None:
        """Fill dest (n, H_out, W_out) with filters ``weight`` (n, C_in/g, kH, kW) plus ``bias``
        (n,). Large runs share their tiles with the helper threads (``_parallel``), a few
        consecutive tiles at a time: every tile is the same calls whoever computes it."""
        spec = self._spec
        kh, kw = spec.kernel_size
        # one (n, C_in/g) matrix per tap, contiguous: taps[i, j]
        taps = np.ascontiguousarray(weight.transpose(2, 3, 0, 1))
        padded = self._buffer(spec.in_per_group)
        flat = padded.reshape(padded.shape[0], -1)
        pad_group = self._padder(padded)
        oh, ow = self.output_size
        pieces = shared_pieces(len(self._tiles), spec.in_per_group * kh * kw * oh * ow)
        helpers = _im2col.HELPERS  # the same threads and rules as "windows"
        for g, products in blocks_by_group(blocks):
            pad_group(g)
            work = self._tiler(flat, taps, bias, dest, products)
            share(len(pieces), lambda k, work=work: work(*pieces[k]), helpers)

    def _tiler(
        self,
        flat: np.ndarray,
        taps: np.ndarray,
        bias: np.ndarray | None,
        dest: np.ndarray,
        products: list[slice],
    ) -> Callable[[int, int], None]:
        """A function computing tiles lo..hi-1 of one group (``flat``: its padded channels,
        flattened) into ``dest``, with the calling thread's own buffers for the sums."""
        spec, dtype, tiles = self._spec, self._dtype, self._tiles
        (kh, kw), (dh, dw), (sh, sw) = spec.kernel_size, spec.dilation, spec.stride
        _, wp = self._padded_shape
        grid_width, span, block = self._grid_width, self._span, self.block
        shifts = [(i, j, i * dh * wp + j * dw) for i in range(kh) for j in range(kw)]

        def compute(lo: int, hi: int) -> None:
            sums = self._scratch.get("tap-sums", (block, span), dtype)
            product = self._scratch.get("tap-product", (block, span), dtype)
            for r0, r1 in tiles[lo:hi]:
                rows = (r1 - 1 - r0) * sh + 1  # of the stride-1 grid
                length = (rows - 1) * wp + grid_width
                start = r0 * sh * wp
                for these in products:
                    n = these.stop - these.start
                    total, term = sums[:n, :length], product[:n, :length]
                    for t, (i, j, shift) in enumerate(shifts):
                        source = flat[:, start + shift : start + shift + length]
                        if t == 0:
                            np.matmul(taps[i, j, these], source, out=total)
                        else:
                            np.matmul(taps[i, j, these], source, out=term)
                            total += term
                    grid = sums[:n, : rows * wp].reshape(n, rows, wp)[:, ::sh, :grid_width:sw]
                    if bias is None:
                        dest[these, r0:r1] = grid
                    else:
                        np.add(grid, bias[these, None, None], out=dest[these, r0:r1])

        return compute
