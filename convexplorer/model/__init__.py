"""The convolution model: pure numpy, no Qt — the single source of truth every view observes."""

from ._conv import conv2d
from ._dot import DotProduct, dot_product_at
from ._events import Change, ChangeKind
from ._outputs import ComputeJob, LayerOutputs
from ._presets import PRESET_NAMES, kernel_preset, preset_description
from ._samples import SAMPLE_NAMES, load_sample, sample_description
from ._spec import PADDING_MODES, LayerSpec
from ._state import ACTIVATIONS, ExplorerState, Snapshot

__all__ = [
    "ACTIVATIONS",
    "PADDING_MODES",
    "PRESET_NAMES",
    "SAMPLE_NAMES",
    "Change",
    "ChangeKind",
    "ComputeJob",
    "DotProduct",
    "ExplorerState",
    "LayerOutputs",
    "LayerSpec",
    "Snapshot",
    "conv2d",
    "dot_product_at",
    "kernel_preset",
    "load_sample",
    "preset_description",
    "sample_description",
]
