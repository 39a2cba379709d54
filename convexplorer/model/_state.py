"""The explorer state: the one object that owns the input, the layer, its weights and outputs.

Every change goes through a method here, is validated before anything is touched (a refused change
leaves the state exactly as it was), and is announced as a ``Change``. Outputs are derived: an
edit marks the affected output channels stale. Reading never computes: ``output`` returns the
ready values or None. Whoever owns the state decides where to compute: a GUI through
``pending_job`` / ``accept`` (off its UI thread when large), a script through ``compute``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._conv import as_float_image
from ._dot import DotProduct, dot_product_for
from ._events import Change, ChangeKind, Observable
from ._outputs import ACTIVATIONS, ChannelResult, ComputeJob, LayerOutputs, ValueRange
from ._painting import Painter
from ._pool import pool_dot_product, pool_weight
from ._preset_layer import preset_applied
from ._reshape import reshape_weights
from ._scatter import ScatterStep, scatter_step, transposed_dot_product
from ._spec import LayerSpec

DTYPE = np.float32
#: Largest magnitude accepted for weights, biases and inputs: far beyond any teaching use, and
#: small enough that float32 sums of products cannot overflow to infinity.
MAX_MAGNITUDE = 1e6


class OutputsNotReady(RuntimeError):
    """Outputs were read before they were computed (reading never computes)."""

    def __init__(self, stale: tuple[int, ...]) -> None:
        super().__init__(
            f"output channels {list(stale)} are not computed yet; call compute() first"
        )
        self.stale = stale


def _finite(values: np.ndarray, what: str) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{what} must be finite numbers (no NaN or infinity)")
    if values.size and np.abs(values).max() > MAX_MAGNITUDE:
        raise ValueError(f"{what} must lie between -{MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g}")
    return values


#: Input versions are unique across states, so a view that switches from one layer of a stack to
#: another never mistakes a new input for the one it showed.
_INPUT_VERSIONS = itertools.count(1)


def checked_image(image: np.ndarray) -> np.ndarray:
    """``image`` as the state holds an input — (C, H, W) float32, finite, within the bounds —
    or ValueError saying what is wrong."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[None]
    image = as_float_image(image)
    if min(image.shape) < 1:
        raise ValueError(f"the input is empty (shape {image.shape})")
    if not np.isfinite(image).all():
        raise ValueError("input values must be finite numbers (no NaN or infinity)")
    if image.size and np.abs(image).max() > MAX_MAGNITUDE:
        raise ValueError(f"input values must lie between -{MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g}")
    return np.ascontiguousarray(image, dtype=DTYPE)


def _channel_ranges(image: np.ndarray) -> np.ndarray:
    return np.stack([image.min(axis=(1, 2)), image.max(axis=(1, 2))], axis=1)


def _readonly(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True)
class Snapshot:
    """Everything an edit can change, for undo: restoring it puts the state back exactly."""

    image: np.ndarray
    spec: LayerSpec
    weight: np.ndarray
    bias: np.ndarray | None
    activation: str


class ExplorerState:
    """Input, layer, weights, biases, activation, selection and the outputs derived from them."""

    def __init__(
        self,
        image: np.ndarray,
        spec: LayerSpec | None = None,
        weight: np.ndarray | None = None,
        bias: np.ndarray | None = None,
        activation: str = "none",
    ) -> None:
        image = self._checked_image(image)
        spec = spec or LayerSpec(image.shape[0], 1)
        self._check_fit(spec, image)
        if weight is None:
            weight = np.zeros(spec.weight_shape, dtype=DTYPE)
        if bias is None and spec.bias:
            bias = np.zeros(spec.out_channels, dtype=DTYPE)
        weight, bias = self.checked_weights(spec, weight, bias)
        self.check_activation(activation)
        self.changes = Observable()
        self._image = image
        self._input_ranges = _channel_ranges(image)
        self._input_version = next(_INPUT_VERSIONS)
        self._spec = spec
        self._weight = weight
        self._bias = bias
        self._activation = activation
        self._selected_filter = 0
        self._position = (0, 0)
        self._painter: Painter | None = None  # the painting view's frames, kept while current
        self._adopt_outputs(LayerOutputs(spec, image, activation))

    # ---- reading ------------------------------------------------------------------------------

    @property
    def input_version(self) -> int:
        """Counts new inputs: a view compares it to know whether the input it shows is current."""
        return self._input_version

    @property
    def input_ranges(self) -> np.ndarray:
        """(C_in, 2) min and max of each input channel, measured once per input (read-only)."""
        return _readonly(self._input_ranges)

    @property
    def image(self) -> np.ndarray:
        """The (C_in, H, W) float32 input (read-only)."""
        return _readonly(self._image)

    @property
    def spec(self) -> LayerSpec:
        return self._spec

    @property
    def weight(self) -> np.ndarray:
        """(C_out, C_in/groups, kH, kW), read-only: change it through the setters."""
        return _readonly(self._weight)

    @property
    def bias(self) -> np.ndarray | None:
        return None if self._bias is None else _readonly(self._bias)

    @property
    def activation(self) -> str:
        return self._activation

    @property
    def selected_filter(self) -> int:
        return self._selected_filter

    @property
    def position(self) -> tuple[int, int]:
        """The sliding window's output position (row, col)."""
        return self._position

    @property
    def output_size(self) -> tuple[int, int]:
        return self._outputs.output_size

    def is_ready(self, out_channel: int) -> bool:
        """True when output channel ``out_channel`` is current (not waiting to be computed)."""
        self._check_filter(out_channel)
        return self._outputs.is_ready(out_channel)

    def raw_output(self, out_channel: int) -> np.ndarray | None:
        """Output channel before the activation, or None while it waits to be computed."""
        self._check_filter(out_channel)
        raw = self._outputs.raw(out_channel)
        return None if raw is None else _readonly(raw)

    def output(self, out_channel: int) -> np.ndarray | None:
        """Output channel after the activation (what its panel shows), or None if not ready."""
        self._check_filter(out_channel)
        shown = self._outputs.shown(out_channel)
        return None if shown is None else _readonly(shown)

    def output_preview(self, out_channel: int) -> tuple[np.ndarray, int] | None:
        """``output(out_channel)`` averaged down to at most ``PREVIEW_SIDE`` a side, and the
        step (1: the output itself); computed with it, None while it is not ready."""
        self._check_filter(out_channel)
        found = self._outputs.shown_preview(out_channel)
        return None if found is None else (_readonly(found[0]), found[1])

    def output_range(self, out_channel: int) -> ValueRange | None:
        """(min, max) of ``output(out_channel)``, computed with it; None while it is not ready."""
        self._check_filter(out_channel)
        return self._outputs.shown_range(out_channel)

    def outputs(self) -> np.ndarray:
        """All output channels, (C_out, H_out, W_out), after the activation, read-only (a full
        run's are handed on without a copy; ``np.array`` makes one to change); they must be ready.

        Raises ``OutputsNotReady`` naming the stale channels: call ``compute`` first.
        """
        if self.stale_channels:
            raise OutputsNotReady(self.stale_channels)
        block = self._outputs.shown_block()
        if block is None:
            block = np.stack([self.output(o) for o in range(self._spec.out_channels)])
        return _readonly(block)

    def output_ranges(self) -> np.ndarray:
        """(C_out, 2) [min, max] of each ``output``, as ``output_range`` gives them (no pass over
        the values); they must be ready."""
        if self.stale_channels:
            raise OutputsNotReady(self.stale_channels)
        count = self._spec.out_channels
        return np.array([self._outputs.shown_range(o) for o in range(count)], dtype=np.float64)

    def compute(self) -> np.ndarray:
        """Compute every stale channel now (one engine run) and return ``outputs()`` (read-only):
        for scripts.

        A GUI computes through ``pending_job`` and ``accept`` instead, where it chooses the thread.
        """
        job = self.pending_job()
        if job is not None:
            self.accept(job, job.run())
        return self.outputs()

    def dot_product(
        self, out_channel: int | None = None, position: tuple[int, int] | None = None
    ) -> DotProduct:
        """The dot product behind one output value (default: the selection)."""
        o = self._selected_filter if out_channel is None else out_channel
        row, col = self._position if position is None else position
        if self._spec.pool:
            return pool_dot_product(self._spec, self._image, o, row, col)
        dot_for = transposed_dot_product if self._spec.transposed else dot_product_for
        return dot_for(self._spec, self._image, self._weight, self._bias, o, row, col)

    def scatter_step(self, pixel: tuple[int, int], out_channel: int | None = None) -> ScatterStep:
        """A transposed layer's frame: what input pixel ``pixel`` paints into output channel
        ``out_channel`` (default: the selected one) and that channel's sum so far."""
        if not self._spec.transposed:
            raise ValueError("input pixels paint the output only in a ConvTranspose2d layer")
        o = self._selected_filter if out_channel is None else out_channel
        self._check_filter(o)
        row, col = pixel
        spec, image, weight, bias = self._spec, self._image, self._weight, self._bias
        painter = self._painter
        if painter is None or not painter.matches(spec, image, weight, bias, o):
            # the finished output, when ready, is the engine's: the painter need not paint it
            painter = Painter(spec, image, weight, bias, o, self._outputs.raw(o))
            self._painter = painter
        return scatter_step(spec, image, weight, bias, o, row, col, painter)

    # ---- computing outputs ---------------------------------------------------------------------

    @property
    def stale_channels(self) -> tuple[int, ...]:
        return self._outputs.stale

    def pending_job(self, channels: Sequence[int] | None = None) -> ComputeJob | None:
        """A job computing the stale channels (or the stale ones among ``channels``)."""
        return self._outputs.job(self._weight, self._bias, channels)

    def warm_up_job(self) -> ComputeJob | None:
        """Once every output is current: a job building what weight edits keep, so the first
        edit after a new layer or input is as quick as the next (None: nothing to build)."""
        return self._outputs.warm_up_job()

    def accept(self, job: ComputeJob, result: dict[int, ChannelResult]) -> tuple[int, ...]:
        """Store the job's channels that are still current and return them; stale ones drop."""
        return self._outputs.accept(job, result)

    # ---- editing weights ------------------------------------------------------------------------

    def set_weight(self, out_channel: int, slot: int, i: int, j: int, value: float) -> None:
        """Set weight[out_channel, slot, i, j] (PyTorch's indexing).

        ``slot`` counts the filter's own input channels; it reads absolute input channel
        ``spec.filter_input_channels(out_channel)[slot]`` (the same with groups=1).
        """
        self._refuse_pool_edit()
        self._check_filter(out_channel)
        if not (0 <= slot < self._spec.in_per_group):
            raise ValueError(f"filter {out_channel} has no input-channel slot {slot}")
        kh, kw = self._spec.kernel_size
        if not (0 <= i < kh and 0 <= j < kw):
            raise ValueError(f"tap ({i}, {j}) is outside the {kh}×{kw} kernel")
        value = float(_finite(value, "a weight"))
        if self._weight[out_channel, slot, i, j] == DTYPE(value):
            return
        self._weight[out_channel, slot, i, j] = value
        self._weights_changed((out_channel,))

    def set_kernel(self, out_channel: int, slot: int, values: np.ndarray) -> None:
        """Replace one kernel slice, weight[out_channel, slot] (kH, kW)."""
        self._refuse_pool_edit()
        self._check_filter(out_channel)
        if not (0 <= slot < self._spec.in_per_group):
            raise ValueError(f"filter {out_channel} has no input-channel slot {slot}")
        values = _finite(values, "kernel values")
        if values.shape != self._spec.kernel_size:
            raise ValueError(
                f"a kernel slice must be {self._spec.kernel_size}, got shape {values.shape}"
            )
        if np.array_equal(self._weight[out_channel, slot], values.astype(DTYPE)):
            return
        self._weight[out_channel, slot] = values
        self._weights_changed((out_channel,))

    def set_bias(self, out_channel: int, value: float) -> None:
        self._refuse_pool_edit()
        self._check_filter(out_channel)
        if self._bias is None:
            raise ValueError("this layer has no bias; turn the bias on first")
        value = float(_finite(value, "a bias"))
        if self._bias[out_channel] == DTYPE(value):
            return
        self._bias[out_channel] = value
        self._weights_changed((out_channel,))

    def set_weights(self, weight: np.ndarray, bias: np.ndarray | None = None) -> None:
        """Replace every weight (and the bias, when the layer has one and ``bias`` is given)."""
        self._refuse_pool_edit()
        if bias is None and self._bias is not None:
            bias = self._bias
        weight, bias = self.checked_weights(self._spec, weight, bias)
        changed = tuple(
            o
            for o in range(self._spec.out_channels)
            if not np.array_equal(weight[o], self._weight[o])
            or (bias is not None and bias[o] != self._bias[o])  # type: ignore[index]
        )
        if not changed:
            return
        self._weight, self._bias = weight, bias
        self._weights_changed(changed)

    def patch(
        self,
        weight_index: np.ndarray,
        weight_values: np.ndarray,
        bias_index: np.ndarray,
        bias_values: np.ndarray,
    ) -> None:
        """Set weights at flat indices (into the (C_out, C_in/groups, kH, kW) array) and biases
        at filter indices: how an undo step puts back exactly what it recorded."""
        self._refuse_pool_edit()
        weight_index = np.asarray(weight_index, dtype=np.int64)
        bias_index = np.asarray(bias_index, dtype=np.int64)
        if weight_index.size and not (
            0 <= weight_index.min() <= weight_index.max() < self._weight.size
        ):
            raise ValueError(f"weight indices must lie in 0..{self._weight.size - 1}")
        if bias_index.size and (
            self._bias is None or not (0 <= bias_index.min() <= bias_index.max() < self._bias.size)
        ):
            raise ValueError("bias indices do not fit this layer")
        weight_values = _finite(weight_values, "weights").astype(DTYPE)
        bias_values = _finite(bias_values, "biases").astype(DTYPE)
        if weight_values.shape != weight_index.shape or bias_values.shape != bias_index.shape:
            raise ValueError("a patch needs one value per index")
        per_filter = self._weight[0].size
        filters = set((weight_index // per_filter).tolist()) | set(bias_index.tolist())
        self._weight.reshape(-1)[weight_index] = weight_values
        if bias_index.size:
            self._bias[bias_index] = bias_values  # type: ignore[index]
        if filters:
            self._weights_changed(tuple(sorted(filters)))

    def apply_preset(
        self,
        name: str,
        out_channel: int | None = None,
        in_channel: int | None = None,
        seed: int = 0,
    ) -> None:
        """Apply a named preset to a slice (both indices), a filter (``out_channel``) or the layer.

        ``in_channel`` is an absolute input channel; it must be one the filter sees. A filter or
        layer preset also sets the bias the preset defines (e.g. Kaiming's uniform draw).
        """
        self._refuse_pool_edit()
        if out_channel is not None:
            self._check_filter(out_channel)
        self.set_weights(
            *preset_applied(
                self._spec, self._weight, self._bias, name, out_channel, in_channel, seed
            )
        )

    # ---- changing the input, the layer, the activation ------------------------------------------

    def set_image(self, image: np.ndarray) -> None:
        """A new input. A different channel count adapts the layer's in_channels (if it can)."""
        image = self._checked_image(image)
        spec = self._spec
        if image.shape[0] != spec.in_channels:
            spec = spec.replace(in_channels=image.shape[0])
        self._check_fit(spec, image)
        weight, bias = reshape_weights(self._spec, self._weight, self._bias, spec)
        outputs = LayerOutputs(spec, image, self._activation)
        ranges = _channel_ranges(image)
        layer_changed = spec != self._spec
        self._image, self._input_ranges = image, ranges
        self._input_version = next(_INPUT_VERSIONS)
        self._spec, self._weight, self._bias = spec, weight, bias
        self._adopt_outputs(outputs)
        self.changes.emit(Change(ChangeKind.LAYER if layer_changed else ChangeKind.INPUT))

    def feed(self, image: np.ndarray, ranges: np.ndarray | None = None) -> None:
        """The output of the layer before, in a stack: a new input of the channel count the
        layer expects, finite (the stack checked), beyond the bound a typed input keeps (deep
        stacks grow). Weights and settings stay. ``ranges``: its channels' [min, max] when the
        layer before knows them (``output_ranges``), which spares two passes over the values."""
        if image.shape[0] != self._spec.in_channels or image.ndim != 3:
            raise ValueError(
                f"the layer expects {self._spec.in_channels} input channels, got {image.shape}"
            )
        image = np.ascontiguousarray(image, dtype=DTYPE)
        self._check_fit(self._spec, image)
        outputs = LayerOutputs(self._spec, image, self._activation)
        if ranges is None:
            ranges = _channel_ranges(image)
        elif np.shape(ranges) != (image.shape[0], 2):
            raise ValueError(f"ranges must be (channels, 2) [min, max], got {np.shape(ranges)}")
        self._image, self._input_ranges = image, np.asarray(ranges, dtype=image.dtype)
        self._input_version = next(_INPUT_VERSIONS)
        self._adopt_outputs(outputs)
        self.changes.emit(Change(ChangeKind.INPUT))

    def holds_image(self, image: np.ndarray) -> bool:
        """Whether ``image`` is the very array this state holds as its input."""
        return image is self._image

    def set_spec(self, spec: LayerSpec) -> None:
        """New layer settings; weights that still fit are kept. Refused if the input cannot run."""
        if spec == self._spec:
            return
        if spec.in_channels != self._image.shape[0]:
            raise ValueError(
                f"the input has {self._image.shape[0]} channels but the layer expects "
                f"in_channels={spec.in_channels}"
            )
        self._check_fit(spec, self._image)
        weight, bias = reshape_weights(self._spec, self._weight, self._bias, spec)
        outputs = LayerOutputs(spec, self._image, self._activation)
        self._spec, self._weight, self._bias = spec, weight, bias
        self._adopt_outputs(outputs)
        self.changes.emit(Change(ChangeKind.LAYER))

    def load(
        self,
        image: np.ndarray,
        spec: LayerSpec,
        weight: np.ndarray,
        bias: np.ndarray | None,
        image_checked: bool = False,
    ) -> None:
        """Replace input, layer and weights at once (opening a session or importing weights).

        Everything is checked and built before anything is assigned: a refusal (or running out
        of memory while building) leaves the state as it was. ``image_checked``: ``image`` came
        from ``checked_image`` already (a stack checks a whole snapshot first; scanning a large
        input twice cost an opened session a few ms of stall).
        """
        if image is not self._image and not image_checked:  # the input held was checked
            image = self._checked_image(image)
        self._load_checked_image(image, spec, weight, bias)

    def load_layer(self, spec: LayerSpec, weight: np.ndarray, bias: np.ndarray | None) -> None:
        """New settings and weights on the input held (its version and ranges stay)."""
        self._load_checked_image(self._image, spec, weight, bias)

    def _load_checked_image(
        self, image: np.ndarray, spec: LayerSpec, weight: np.ndarray, bias: np.ndarray | None
    ) -> None:
        """``load`` for an input already checked (the one held, or a snapshot's: scanning a
        large input for NaN again would stall an undo for nothing)."""
        self._check_fit(spec, image)
        weight, bias = self.checked_weights(spec, weight, bias)
        outputs = LayerOutputs(spec, image, self._activation)
        new_input = image is not self._image
        ranges = _channel_ranges(image) if new_input else self._input_ranges
        if new_input:
            self._image, self._input_ranges = image, ranges
            self._input_version = next(_INPUT_VERSIONS)
        self._spec, self._weight, self._bias = spec, weight, bias
        self._adopt_outputs(outputs)
        self.changes.emit(Change(ChangeKind.LAYER))

    def set_activation(self, activation: str) -> None:
        self.check_activation(activation)
        if activation == self._activation:
            return
        self._activation = activation
        self._outputs.set_activation(activation)
        self.changes.emit(Change(ChangeKind.ACTIVATION))

    def select(
        self, out_channel: int | None = None, position: tuple[int, int] | None = None
    ) -> None:
        """Select a filter and/or a sliding-window position; the one shared selection."""
        o = self._selected_filter if out_channel is None else out_channel
        self._check_filter(o)
        row, col = self._position if position is None else (int(position[0]), int(position[1]))
        oh, ow = self.output_size
        if not (0 <= row < oh and 0 <= col < ow):
            raise ValueError(f"position ({row}, {col}) is outside the {oh}×{ow} output")
        if (o, (row, col)) == (self._selected_filter, self._position):
            return
        self._selected_filter, self._position = o, (row, col)
        self.changes.emit(Change(ChangeKind.SELECTION))

    def snapshot(self) -> Snapshot:
        """A copy of what edits change (the image is shared: the state never mutates it)."""
        return Snapshot(
            image=self._image,
            spec=self._spec,
            weight=self._weight.copy(),
            bias=None if self._bias is None else self._bias.copy(),
            activation=self._activation,
        )

    def restore(self, snapshot: Snapshot) -> None:
        """Return to a snapshot, announcing only what differs: a weight undo stays a weight edit."""
        if snapshot.image is self._image and snapshot.spec == self._spec:
            if not self._spec.pool:  # a pool's weights are fixed: nothing to put back
                self.set_weights(snapshot.weight, snapshot.bias)
        else:
            self._load_checked_image(snapshot.image, snapshot.spec, snapshot.weight, snapshot.bias)
        self.set_activation(snapshot.activation)

    # ---- internals ------------------------------------------------------------------------------

    def _refuse_pool_edit(self) -> None:
        """A pool layer's weights are fixed (``pool_weight``): every edit is refused, unapplied."""
        spec = self._spec
        if not spec.pool:
            return
        kh, kw = spec.kernel_size
        if spec.pool == "max":
            what = f"each output is the largest value in its {kh}×{kw} window of one channel"
        else:
            what = f"each output is the mean of its {kh}×{kw} window (fixed weights 1/{kh * kw})"
        raise ValueError(f"a {spec.kind} layer has no weights to edit: {what}")

    def _weights_changed(self, channels: tuple[int, ...]) -> None:
        self._outputs.invalidate(channels)
        self.changes.emit(Change(ChangeKind.WEIGHTS, channels))

    def _adopt_outputs(self, outputs: LayerOutputs) -> None:
        """New outputs, all stale; clamp the selection into the new output."""
        self._outputs = outputs
        self._painter = None
        oh, ow = self._outputs.output_size
        self._selected_filter = min(self._selected_filter, self._spec.out_channels - 1)
        self._position = (min(self._position[0], oh - 1), min(self._position[1], ow - 1))

    def _check_filter(self, out_channel: int) -> None:
        if not (0 <= out_channel < self._spec.out_channels):
            raise ValueError(
                f"filter {out_channel} does not exist; the layer has {self._spec.out_channels}"
            )

    @staticmethod
    def _checked_image(image: np.ndarray) -> np.ndarray:
        return checked_image(image)

    @staticmethod
    def _check_fit(spec: LayerSpec, image: np.ndarray) -> None:
        if spec.in_channels != image.shape[0]:
            raise ValueError(
                f"the layer expects {spec.in_channels} input channels, the input has "
                f"{image.shape[0]}"
            )
        spec.check_image(image.shape[1], image.shape[2])

    @staticmethod
    def checked_weights(
        spec: LayerSpec, weight: np.ndarray, bias: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        if spec.pool:  # fixed weights, whatever was given
            return pool_weight(spec), None
        weight = _finite(weight, "weights")
        if weight.shape != spec.weight_shape:
            raise ValueError(
                f"weights must have shape {spec.weight_shape} for this layer, got {weight.shape}"
            )
        if spec.bias:
            bias = np.zeros(spec.out_channels) if bias is None else _finite(bias, "biases")
            if bias.shape != (spec.out_channels,):
                raise ValueError(f"biases must have shape ({spec.out_channels},), got {bias.shape}")
            bias = bias.astype(DTYPE)
        else:
            bias = None
        return weight.astype(DTYPE), bias

    @staticmethod
    def check_activation(activation: str) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}"
            )
