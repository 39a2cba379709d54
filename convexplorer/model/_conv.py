"""``conv2d`` with ``torch.nn.functional.conv2d``'s numbers, and the engine that makes edits cheap.

The engine keeps the input-side work for one input and one layer, and computes with the method
``choose_method`` picks for the layer's shape (benchmarks/README.md has the measurements):

- ``"windows"``: im2col. Copy every output pixel's receptive field into a column and let BLAS do
  one matrix product, a cache-sized tile of columns at a time. The first partial run (a weight
  edit) keeps the whole window matrix, if it fits ``WINDOW_MATRIX_BUDGET``, so later edits are one
  matrix-vector product with no copying.
- ``"shifts"``: im2col on the flattened padded image. Tap (i, j)'s row of the window matrix is the
  image shifted by i·W_padded + j, copied as one long run; the product also yields junk values
  between image rows, dropped afterwards. Cheapest when a group has few channels (depthwise).
- ``"fft"``: products of spectra (``_fft.FftConv``), for large kernels.

Padding is done group by group into a reused buffer, so a depthwise layer's padded channel is
still in cache when its windows are copied.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Sequence

import numpy as np

from ._fft import FftConv, spectrum_bytes, transform_shape
from ._spec import LayerSpec

#: Largest window matrix the engine keeps for edits, in bytes; above it, an edit re-copies windows.
WINDOW_MATRIX_BUDGET = 64 * 2**20

#: Bytes of windows copied per tile: small enough to stay in a core's L2 cache while BLAS reads it.
TILE_BYTES = 2**20

METHODS = ("windows", "shifts", "fft")

Groups = Sequence[tuple[int, int, int]]


def as_float_image(x: np.ndarray) -> np.ndarray:
    """A (C, H, W) float array: float32/float64 kept, anything else becomes float32."""
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"the input must be 3-D (C, H, W), got shape {x.shape}")
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float32)
    return x


def spec_from_arrays(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    stride: int | tuple[int, int],
    padding: int | tuple[int, int] | str,
    dilation: int | tuple[int, int],
    groups: int,
    padding_mode: str,
) -> LayerSpec:
    """The LayerSpec that ``conv2d``'s arguments describe, checked against the arrays' shapes."""
    if weight.ndim != 4:
        raise ValueError(f"weight must be 4-D (C_out, C_in/groups, kH, kW), got {weight.shape}")
    c_out, c_in_g, kh, kw = weight.shape
    spec = LayerSpec(
        in_channels=x.shape[0],
        out_channels=c_out,
        kernel_size=(kh, kw),
        stride=stride,
        padding=padding,
        padding_mode=padding_mode,
        dilation=dilation,
        groups=groups,
        bias=bias is not None,
    )
    if c_in_g != spec.in_per_group:
        raise ValueError(
            f"weight has {c_in_g} input channels per filter but the input has {x.shape[0]} "
            f"channels and groups={groups}, so each filter needs {spec.in_per_group}"
        )
    if bias is not None and bias.shape != (c_out,):
        raise ValueError(f"bias must have shape ({c_out},) for {c_out} filters, got {bias.shape}")
    spec.check_image(x.shape[1], x.shape[2])
    return spec


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """2-D cross-correlation of a (C_in, H, W) input, exactly as ``nn.Conv2d`` computes it."""
    x = as_float_image(x)
    weight = np.asarray(weight)
    bias = None if bias is None else np.asarray(bias)
    spec = spec_from_arrays(x, weight, bias, stride, padding, dilation, groups, padding_mode)
    return ConvEngine(spec, x).run(weight, bias)


#: Milliseconds per unit of each cost feature (see ``cost_features``), per method and job,
#: fitted by benchmarks/calibrate_conv.py to timings on a 2-core AVX-512 Xeon with numpy's
#: OpenBLAS. Only the ranking of the estimates matters, so other machines rank alike.
COST_COEFFICIENTS: dict[tuple[str, str], tuple[float, ...]] = {
    ("windows", "full"): (0.0292, 9.55e-07, 1.61e-07, 2.74e-08, 0.00185),
    ("windows", "edit"): (0.00927, 7.98e-07, 8.74e-08, 8.93e-08, 0.0144),
    ("shifts", "full"): (0.0256, 1.01e-06, 1.1e-07, 2.54e-08, 0.000691),
    ("shifts", "edit"): (0.0113, 5.65e-07, 7.8e-08, 7.8e-08, 0.0113),
    ("fft", "full"): (0.0769, 5.31e-07, 2.17e-07, 9.89e-08, 2.08e-06),
    ("fft", "edit"): (0.0352, 0, 1.57e-07, 1.72e-07, 1.89e-06),
}


def cost_features(
    method: str, spec: LayerSpec, height: int, width: int, filters: int | None = None
) -> tuple[float, ...]:
    """What a run costs, in the units ``COST_COEFFICIENTS`` prices: all filters (a full run on
    a new engine) or ``filters`` of one group (an edit, with the method's cache already built).

    im2col: (1, values padded, window values copied, multiply-adds, groups);
    fft: (1, forward transforms, inverse transforms, kernel-spectrum work, spectrum products),
    a transform of N values counted as N·log2(N).
    """
    full = filters is None
    n = spec.out_channels if full else filters
    groups = spec.groups if full else 1
    cg = spec.in_per_group
    (kh, kw), (sh, sw) = spec.kernel_size, spec.stride
    oh, ow = spec.output_size(height, width)
    top, bottom, left, right = spec.pads
    hp, wp = height + top + bottom, width + left + right
    taps = cg * kh * kw
    if method == "fft":
        nh, nw = transform_shape(spec, (oh, ow))
        transform = nh * nw * math.log2(nh * nw)
        half = nh * (nw // 2 + 1)
        forward = spec.in_channels * transform if full else 0.0
        return (1.0, forward, n * transform, n * cg * half * kh, n * cg * half)
    if method == "shifts":
        pixels = ((oh - 1) * sh) * wp + (ow - 1) * sw + 1
    else:
        pixels = oh * ow
        if not full and _keeps_matrix(spec, spec.in_channels * kh * kw * oh * ow * 4):
            return (1.0, 0.0, 0.0, n * taps * pixels, 0.0)  # the kept window matrix, read once
    padded = groups * cg * hp * wp
    return (1.0, padded, groups * taps * pixels, n * taps * pixels, groups)


def estimate_ms(
    method: str, spec: LayerSpec, height: int, width: int, filters: int | None = None
) -> float:
    """Estimated run time of ``method`` on this layer (see ``cost_features``)."""
    coefficients = COST_COEFFICIENTS[method, "full" if filters is None else "edit"]
    features = cost_features(method, spec, height, width, filters)
    return sum(c * f for c, f in zip(coefficients, features, strict=True))


@functools.lru_cache(maxsize=256)
def choose_method(spec: LayerSpec, height: int, width: int, filters: int | None = None) -> str:
    """The method with the lowest estimated time for a full run (``filters=None``) or an edit.

    "shifts" competes only for stride 1 with one input channel per group (depthwise), the
    only layers where it measured faster than "windows".
    """
    candidates = ["windows", "fft"]
    if spec.stride == (1, 1) and spec.in_per_group == 1:
        candidates.append("shifts")
    return min(candidates, key=lambda m: estimate_ms(m, spec, height, width, filters))


def pad_into(out: np.ndarray, x: np.ndarray, pads: tuple[int, int, int, int], mode: str) -> None:
    """Write x (C, H, W) padded by (top, bottom, left, right) into out, as ``pad_image`` does.

    Zero padding leaves out's border untouched (allocate out with np.zeros); the other modes fill
    it axis by axis, as PyTorch and np.pad do. Slices instead of np.pad: its overhead dominates
    small inputs. Valid for padding PyTorch allows (``LayerSpec.check_image``).
    """
    top, _, left, _ = pads
    _, h, w = x.shape
    out[:, top : top + h, left : left + w] = x
    if mode != "zeros":
        _fill_border(out[:, :, left : left + w].swapaxes(0, 1), top, h, mode)
        _fill_border(out.transpose(2, 0, 1), left, w, mode)


def _fill_border(a: np.ndarray, before: int, size: int, mode: str) -> None:
    """Fill a[:before] and a[before + size:] from the interior a[before : before + size]."""
    after = a.shape[0] - before - size
    end = before + size
    if mode == "replicate":
        a[:before] = a[before]
        a[end:] = a[end - 1]
    elif mode == "circular":
        a[:before] = a[size : size + before]
        a[end:] = a[before : before + after]
    elif mode == "reflect":
        a[:before] = a[2 * before : before : -1]
        stop = end - 2 - after
        a[end:] = a[end - 2 : stop if stop >= 0 else None : -1]
    else:
        raise ValueError(f"padding_mode={mode!r} is unknown")


def _view(base: np.ndarray, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
    """A read-only strided view of the C-contiguous ``base`` (as_strided, minus its overhead)."""
    view = np.ndarray(shape, base.dtype, base, 0, strides)
    view.flags.writeable = False
    return view


def _padded(spec: LayerSpec, x: np.ndarray) -> np.ndarray:
    """The whole input padded, in a new array."""
    padded = np.zeros((x.shape[0], *_padded_size(spec, x)), dtype=x.dtype)
    pad_into(padded, x, spec.pads, spec.padding_mode)
    return padded


def _keeps_matrix(spec: LayerSpec, matrix_bytes: int) -> bool:
    """Whether "windows" keeps its window matrix for edits: only when it fits the budget and
    serves several filters per group (depthwise windows each serve one filter: nothing saved)."""
    return spec.out_per_group > 1 and matrix_bytes <= WINDOW_MATRIX_BUDGET


def _padded_size(spec: LayerSpec, x: np.ndarray) -> tuple[int, int]:
    top, bottom, left, right = spec.pads
    return (x.shape[1] + top + bottom, x.shape[2] + left + right)


class _Scratch(threading.local):
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


class _Im2col:
    """What both window-matrix methods share: the input, group-by-group padding, bias by BLAS."""

    def __init__(self, spec: LayerSpec, x: np.ndarray, output_size: tuple[int, int]) -> None:
        self._spec = spec
        self._x = x
        self._dtype = x.dtype
        self.output_size = output_size
        kh, kw = spec.kernel_size
        self._rows = spec.in_per_group * kh * kw
        self._padded_shape = _padded_size(spec, x)
        self._scratch = _Scratch()

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

    def _with_bias(
        self, weight: np.ndarray, bias: np.ndarray | None, size: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(filters × rows weights, an empty rows × size column buffer); with a bias, both get one
        more row: the bias column times a row of ones adds the bias inside the product."""
        n, k = weight.shape[0], self._rows
        w = weight.reshape(n, k)
        columns = self._scratch.get("columns", (k + (bias is not None), size), self._dtype)
        if bias is not None:
            columns[k] = 1
            w = np.concatenate([w, bias[:, None]], axis=1)
        return w, columns


class _Windows(_Im2col):
    """im2col with exact windows: any stride; a full run goes tile by tile, edits keep a cache."""

    def __init__(self, spec: LayerSpec, x: np.ndarray, output_size: tuple[int, int]) -> None:
        super().__init__(spec, x, output_size)
        oh, ow = output_size
        kh, kw = spec.kernel_size
        self._matrix: np.ndarray | None = None
        self.keeps_matrix = _keeps_matrix(
            spec, spec.in_channels * kh * kw * oh * ow * x.dtype.itemsize
        )

    def _windows(self, padded: np.ndarray) -> np.ndarray:
        """[c, i, j, r, q] = padded[c, r·sh + i·dh, q·sw + j·dw]: tap (i, j) of pixel (r, q)."""
        spec = self._spec
        (kh, kw), (dh, dw), (sh, sw) = spec.kernel_size, spec.dilation, spec.stride
        s_c, s_r, s_q = padded.strides
        return _view(
            padded,
            (padded.shape[0], kh, kw, *self.output_size),
            (s_c, s_r * dh, s_q * dw, s_r * sh, s_q * sw),
        )

    def _tiles(self, filters: int) -> list[tuple[slice, slice, slice]]:
        """(rows, cols, flat pixels) blocks whose windows fill about TILE_BYTES: whole output rows
        when one row's windows fit, else pieces of one row.

        With 16 or more filters per product the arithmetic per copied window outweighs cache
        misses, and 4× larger tiles (fewer BLAS calls, each waking its threads) measured faster.
        """
        oh, ow = self.output_size
        size = TILE_BYTES * (4 if filters >= 16 else 1)
        column = self._rows * self._dtype.itemsize
        if column * ow <= size:
            step = max(1, size // (column * ow))
            spans = [(r, min(oh, r + step), 0, ow) for r in range(0, oh, step)]
        else:
            step = max(1, size // column)
            spans = [
                (r, r + 1, c, min(ow, c + step)) for r in range(oh) for c in range(0, ow, step)
            ]
        return [
            (slice(r0, r1), slice(c0, c1), slice(r0 * ow + c0, (r1 - 1) * ow + c1))
            for r0, r1, c0, c1 in spans
        ]

    def keep_matrix(self) -> None:
        """Build the whole (groups, C_in/groups·kH·kW, H_out·W_out) window matrix for reuse."""
        if self._matrix is None and self.keeps_matrix:
            windows = self._windows(_padded(self._spec, self._x))
            matrix = np.empty(windows.shape, dtype=self._dtype)
            np.copyto(matrix, windows)
            self._matrix = matrix.reshape(self._spec.groups, self._rows, -1)

    def run(
        self, weight: np.ndarray, bias: np.ndarray | None, groups: Groups, dest: np.ndarray
    ) -> None:
        """Fill dest (n, H_out, W_out) with filters ``weight`` (n, C_in/g, kH, kW); ``groups``
        lists (group, first, stop): filters first..stop-1 belong to that group."""
        flat = dest.reshape(dest.shape[0], -1)
        if self._matrix is not None:
            w = weight.reshape(weight.shape[0], self._rows)
            for g, first, stop in groups:
                np.matmul(w[first:stop], self._matrix[g], out=flat[first:stop])
            if bias is not None:
                flat += bias[:, None]
            return
        tiles = self._tiles(max(stop - first for _, first, stop in groups))
        w, columns = self._with_bias(weight, bias, tiles[0][2].stop - tiles[0][2].start)
        padded = self._buffer(self._spec.in_per_group)
        windows = self._windows(padded)
        k, shape = self._rows, windows.shape[:3]
        # per tile: where its windows go, the product's input, which pixels, which output columns
        plan = [
            (
                columns[:k, : p.stop - p.start].reshape(*shape, r.stop - r.start, c.stop - c.start),
                columns[:, : p.stop - p.start],
                (Ellipsis, r, c),
                p,
            )
            for r, c, p in tiles
        ]
        pad_group = self._padder(padded)
        for g, first, stop in groups:
            pad_group(g)
            wg, out = w[first:stop], flat[first:stop]
            for target, block, pixels, where in plan:
                np.copyto(target, windows[pixels])
                np.matmul(wg, block, out=out[:, where])


class _Shifts(_Im2col):
    """im2col on the flattened padded image: long contiguous copies, junk columns dropped."""

    def __init__(self, spec: LayerSpec, x: np.ndarray, output_size: tuple[int, int]) -> None:
        super().__init__(spec, x, output_size)
        (oh, ow), (sh, sw) = output_size, spec.stride
        # the output on the stride-1 grid spans these rows and columns of it
        self._grid = ((oh - 1) * sh + 1, (ow - 1) * sw + 1)

    def run(
        self, weight: np.ndarray, bias: np.ndarray | None, groups: Groups, dest: np.ndarray
    ) -> None:
        """Fill dest (n, H_out, W_out) with filters ``weight`` (n, C_in/g, kH, kW); ``groups``
        lists (group, first, stop): filters first..stop-1 belong to that group."""
        spec = self._spec
        (kh, kw), (dh, dw), (sh, sw) = spec.kernel_size, spec.dilation, spec.stride
        (oh, _), (gh, gw) = self.output_size, self._grid
        _, wp = self._padded_shape
        # output rows per tile: its stride-1 rows, as one flat run, fill about TILE_BYTES
        step = max(1, TILE_BYTES // (self._rows * sh * wp * self._dtype.itemsize))
        tiles = [(r, min(oh, r + step)) for r in range(0, oh, step)]
        span = ((tiles[0][1] - 1) * sh + 1) * wp
        w, columns = self._with_bias(weight, bias, span)
        largest = max(stop - first for _, first, stop in groups)
        products = self._scratch.get("products", (largest, span), self._dtype)
        padded = self._buffer(spec.in_per_group)
        flat = padded.reshape(padded.shape[0], -1)
        item = self._dtype.itemsize
        shifted = _view(
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
                    columns[: self._rows, :length].reshape(*shifted.shape[:3], length),
                    shifted[..., r0 * sh * wp : r0 * sh * wp + length],
                    columns[:, :length],
                    products[:, :length],
                    products[:, : rows * wp].reshape(-1, rows, wp)[:, ::sh, :gw:sw],
                    slice(r0, r1),
                )
            )
        pad_group = self._padder(padded)
        for g, first, stop in groups:
            pad_group(g)
            wg, n = w[first:stop], stop - first
            for target, source, block, product, grid, rows in plan:
                np.copyto(target, source)
                np.matmul(wg, block, out=product[:n])
                dest[first:stop, rows] = grid[:n]


class ConvEngine:
    """Convolves one input with one layer's settings, for any weights, caching the input side.

    A full run (every filter: a new input or layer) and a partial run (a weight edit) may use
    different methods, each the faster one for its job (``method`` and ``edit_method``); passing
    ``method`` forces one method for both.
    """

    def __init__(self, spec: LayerSpec, x: np.ndarray, method: str | None = None) -> None:
        if method is not None and method not in METHODS:
            raise ValueError(f"method={method!r} is unknown; use one of {METHODS}")
        self.spec = spec
        self.dtype = x.dtype
        self.output_size = spec.output_size(x.shape[1], x.shape[2])
        h, w = x.shape[1:]
        self.method = method or choose_method(spec, h, w)
        self.edit_method = method or choose_method(spec, h, w, filters=1)
        self._x = x
        self._impls: dict[str, _Windows | _Shifts | FftConv] = {}

    def _impl(self, method: str) -> _Windows | _Shifts | FftConv:
        """The method's state, made on first use (a full-run-only engine never pays for edits)."""
        impl = self._impls.get(method)
        if impl is None:
            spec, x = self.spec, self._x
            if method == "fft":
                impl = FftConv(spec, _padded(spec, x), self.output_size)
            else:
                impl = (_Windows if method == "windows" else _Shifts)(spec, x, self.output_size)
            self._impls[method] = impl
        return impl

    @property
    def window_matrix_bytes(self) -> int:
        """Size the window matrix would have: (C_in·kH·kW) × (H_out·W_out) values."""
        kh, kw = self.spec.kernel_size
        oh, ow = self.output_size
        return self.spec.in_channels * kh * kw * oh * ow * self.dtype.itemsize

    @property
    def cache_bytes(self) -> int:
        """Most memory this engine keeps for weight edits: the window matrix (windows, within
        ``WINDOW_MATRIX_BUDGET``) or the input spectrum (fft); shifts keeps nothing."""
        spec = self.spec
        total = 0
        if "fft" in (self.method, self.edit_method):
            total += spectrum_bytes(spec, self.output_size, self.dtype)
        if self.edit_method == "windows" and _keeps_matrix(spec, self.window_matrix_bytes):
            total += self.window_matrix_bytes
        return total

    def run(
        self,
        weight: np.ndarray,
        bias: np.ndarray | None,
        channels: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Output channels ``channels`` (default all) as a (len, H_out, W_out) array."""
        spec = self.spec
        opg = spec.out_per_group
        weight = np.asarray(weight, dtype=self.dtype)
        bias = None if bias is None else np.asarray(bias, dtype=self.dtype)
        oh, ow = self.output_size
        if channels is None or list(channels) == list(range(spec.out_channels)):
            out = np.empty((spec.out_channels, oh, ow), dtype=self.dtype)
            groups = [(g, g * opg, (g + 1) * opg) for g in range(spec.groups)]
            self._impl(self.method).run(weight, bias, groups, out)
            return out
        channels = list(channels)
        if not channels:
            return np.empty((0, oh, ow), dtype=self.dtype)
        impl = self._impl(self.edit_method)
        if isinstance(impl, _Windows):
            impl.keep_matrix()
        # filters of one group side by side, so each group is one matrix product
        order = sorted(range(len(channels)), key=lambda slot: channels[slot] // opg)
        chosen = [channels[slot] for slot in order]
        groups: list[tuple[int, int, int]] = []
        for i, o in enumerate(chosen):
            if groups and groups[-1][0] == o // opg:
                groups[-1] = (o // opg, groups[-1][1], i + 1)
            else:
                groups.append((o // opg, i, i + 1))
        dest = np.empty((len(chosen), oh, ow), dtype=self.dtype)
        impl.run(weight[chosen], None if bias is None else bias[chosen], groups, dest)
        if order == sorted(order):
            return dest
        out = np.empty_like(dest)
        out[order] = dest
        return out
