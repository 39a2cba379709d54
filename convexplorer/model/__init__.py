"""The convolution model: pure numpy, no Qt — the single source of truth every view observes."""

from ._conv import conv2d
from ._dot import DotProduct, dot_product_at
from ._events import Change, ChangeKind
from ._history import (
    UNDO_MEMORY_LIMIT,
    ActivationStep,
    SnapshotStep,
    Step,
    UndoHistory,
    WeightStep,
)
from ._outputs import PREVIEW_SIDE, ComputeJob, LayerOutputs
from ._preset_layer import preset_applied
from ._presets import PRESET_NAMES, kernel_preset, preset_description, resolve_preset
from ._reach import reached_outputs, taps_reading
from ._samples import SAMPLE_NAMES, load_sample, sample_description
from ._spec import (
    MAX_CHANNELS,
    MAX_DILATION,
    MAX_INPUT_VALUES,
    MAX_KERNEL,
    MAX_PADDING,
    MAX_SIDE,
    MAX_STRIDE,
    PADDING_MODES,
    LayerSpec,
    check_input_size,
)
from ._state import ACTIVATIONS, MAX_MAGNITUDE, ExplorerState, OutputsNotReady, Snapshot
from ._view import StateView

__all__ = [
    "ACTIVATIONS",
    "MAX_CHANNELS",
    "MAX_DILATION",
    "MAX_INPUT_VALUES",
    "MAX_KERNEL",
    "MAX_MAGNITUDE",
    "MAX_PADDING",
    "MAX_SIDE",
    "MAX_STRIDE",
    "PADDING_MODES",
    "PRESET_NAMES",
    "PREVIEW_SIDE",
    "SAMPLE_NAMES",
    "UNDO_MEMORY_LIMIT",
    "ActivationStep",
    "Change",
    "ChangeKind",
    "ComputeJob",
    "DotProduct",
    "ExplorerState",
    "LayerOutputs",
    "LayerSpec",
    "OutputsNotReady",
    "Snapshot",
    "SnapshotStep",
    "StateView",
    "Step",
    "UndoHistory",
    "WeightStep",
    "check_input_size",
    "conv2d",
    "dot_product_at",
    "kernel_preset",
    "load_sample",
    "preset_applied",
    "preset_description",
    "reached_outputs",
    "resolve_preset",
    "sample_description",
    "taps_reading",
]
