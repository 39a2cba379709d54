"""``ConvEngine``: one input and one layer, any weights; a filter's bits do not depend on the run.

The engine keeps the input-side work (padding buffers, the window matrix, the input spectrum) so
that a weight edit recomputes only the edited filters. Outputs are a function of (input, layer,
weights) alone: every run of an engine uses the same method, multiplies each filter in the same
product shape (``_im2col``), and adds the bias the same way, after the product. So the channels of
any subset run, in any order, equal the full run's bit for bit (tests/test_conv_bits.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _direct, _direct_compile
from ._cost import choose_method, run_ms
from ._direct import Direct
from ._fft import FftConv, spectrum_bytes
from ._im2col import Shifts, Windows, keeps_matrix
from ._padding import padded_copy
from ._spec import LayerSpec
from ._taps import Taps

METHODS = ("windows", "shifts", "taps", "direct", "fft")


class ConvEngine:
    """Convolves one input with one layer's settings, for any weights, caching the input side.

    ``method`` forces a method; by default ``choose_method`` picks one for the layer and the
    input size. ``edit_method`` is the same method (kept for callers that print both).
    """

    def __init__(self, spec: LayerSpec, x: np.ndarray, method: str | None = None) -> None:
        if method is not None and method not in METHODS:
            raise ValueError(f"method={method!r} is unknown; use one of {METHODS}")
        self.spec = spec
        self.dtype = x.dtype
        self.output_size = spec.output_size(x.shape[1], x.shape[2])
        self.method = method or choose_method(spec, x.shape[1], x.shape[2])
        self._forced = method is not None
        self._x = x
        self._impl: Windows | Shifts | Taps | Direct | FftConv | None = None
        self._blocks: list[tuple[int, int, int]] | None = None

    @property
    def edit_method(self) -> str:
        """The method of partial runs: always ``method`` (one method per engine)."""
        return self.method

    def _kernel(self) -> Windows | Shifts | Taps | Direct | FftConv:
        """The method's state, made on first run. Two threads may run one engine (the app's
        worker and a check): the blocks are set before the state, so whoever sees the state
        sees its blocks (two first runs at once each make one; either serves)."""
        if self._impl is None:
            spec, x = self.spec, self._x
            impl: Windows | Shifts | Taps | Direct | FftConv
            if self.method == "fft":
                padded = padded_copy(x, spec.pads, spec.padding_mode)
                impl = FftConv(spec, padded, self.output_size)
            elif self.method == "direct":
                try:
                    impl = Direct(spec, x, self.output_size)
                except _direct_compile.Unusable:
                    if self._forced:
                        raise
                    # nothing computed yet, so no bits to keep: the pick without direct
                    choose_method.cache_clear()
                    self.method = choose_method(spec, x.shape[1], x.shape[2])
                    return self._kernel()
            else:
                kernel = {"windows": Windows, "shifts": Shifts, "taps": Taps}[self.method]
                impl = kernel(spec, x, self.output_size)
            # blocks of filters multiplied together, never split or merged across runs
            opg, size = spec.out_per_group, impl.block
            self._blocks = [
                (g, start, min(start + size, (g + 1) * opg))
                for g in range(spec.groups)
                for start in range(g * opg, (g + 1) * opg, size)
            ]
            self._impl = impl
        return self._impl

    @property
    def window_matrix_bytes(self) -> int:
        """Size the window matrix would have: (C_in·kH·kW) × (H_out·W_out) values."""
        kh, kw = self.spec.kernel_size
        oh, ow = self.output_size
        return self.spec.in_channels * kh * kw * oh * ow * self.dtype.itemsize

    @property
    def cache_bytes(self) -> int:
        """Most memory this engine keeps for weight edits: the window matrix (windows, within
        ``WINDOW_MATRIX_BUDGET``) or the input spectrum (fft); shifts, taps and direct keep
        nothing."""
        spec = self.spec
        if self.method == "fft":
            return spectrum_bytes(spec, self.output_size, self.dtype)
        h, w = self._x.shape[1:]
        if self.method == "windows" and keeps_matrix(spec, h, w, self.dtype.itemsize):
            return self.window_matrix_bytes
        return 0

    @property
    def edit_cache_missing(self) -> int:
        """Bytes the next partial run must build before it can compute (the window matrix on
        the first edit after a new input or layer); 0 when what edits need is there."""
        impl = self._impl
        if self.method != "windows" or (isinstance(impl, Windows) and impl.has_matrix):
            return 0
        return self.cache_bytes

    def estimate_ms(self, channels: Sequence[int] | None = None) -> float:
        """Estimated milliseconds of ``run`` for ``channels`` (None: all) once the edit cache
        is built (``edit_cache_missing`` prices building it), from the fitted cost model; for
        direct, plus making its kernel if this session has not yet (``_direct.prepare_ms``)."""
        h, w = self._x.shape[1:]
        prepare = _direct.prepare_ms(self.spec, self.dtype) if self.method == "direct" else 0.0
        return prepare + run_ms(self.method, self.spec, h, w, channels)

    def prepare_edits(self) -> None:
        """Build what partial runs keep (the window matrix), so the first edit is as cheap as
        any other: a GUI runs this on its worker once the outputs are computed."""
        impl = self._kernel()
        if isinstance(impl, Windows):
            impl.keep_matrix()

    def run(
        self,
        weight: np.ndarray,
        bias: np.ndarray | None,
        channels: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Output channels ``channels`` (default all) as a (len, H_out, W_out) array."""
        spec = self.spec
        weight = np.asarray(weight, dtype=self.dtype)
        bias = None if bias is None else np.asarray(bias, dtype=self.dtype)
        oh, ow = self.output_size
        everything = range(spec.out_channels)
        wanted = everything if channels is None else [int(o) for o in channels]
        if not wanted:
            return np.empty((0, oh, ow), dtype=self.dtype)
        if not all(0 <= o < spec.out_channels for o in wanted):
            raise IndexError(f"channels {list(wanted)} outside 0..{spec.out_channels - 1}")
        impl = self._kernel()
        assert self._blocks is not None
        if list(wanted) == list(everything):
            out = np.empty((spec.out_channels, oh, ow), dtype=self.dtype)
            impl.run(weight, bias, self._blocks, out)
            return out
        if isinstance(impl, Windows):
            impl.keep_matrix()
        return self._subset(impl, weight, bias, wanted)

    def _subset(
        self,
        impl: Windows | Shifts | Taps | Direct | FftConv,
        weight: np.ndarray,
        bias: np.ndarray | None,
        wanted: Sequence[int],
    ) -> np.ndarray:
        """Outputs of filters ``wanted``, in that order: their whole blocks computed (the same
        products as a full run), then the wanted rows picked."""
        assert self._blocks is not None
        opg, size = self.spec.out_per_group, impl.block
        needed = sorted({(o // opg, (o % opg) // size) for o in wanted})
        blocks, rows, slot = [], [], {}
        for g, b in needed:
            _, first, stop = self._blocks[g * -(-opg // size) + b]
            blocks.append((g, len(rows), len(rows) + stop - first))
            for o in range(first, stop):
                slot[o] = len(rows)
                rows.append(o)
        oh, ow = self.output_size
        products = np.empty((len(rows), oh, ow), dtype=self.dtype)
        impl.run(weight[rows], None if bias is None else bias[rows], blocks, products)
        picks = [slot[o] for o in wanted]
        if picks == list(range(len(rows))):
            return products
        return products[picks]
