"""The convolution model: pure numpy, no Qt — the single source of truth every view observes."""

from ._activations import (
    LEAKY_SLOPE,
    Activation,
    activate,
    activated_bound,
    activated_range,
    activation_info,
    activation_title,
    evaluation_error,
)
from ._conv import conv2d
from ._direct import import_compiler, prepare_kernel
from ._dot import DotProduct, dot_product_at
from ._events import Change, ChangeKind
from ._flip import kernel_in_use, tap_in_use
from ._history import (
    UNDO_MEMORY_LIMIT,
    ActivationStep,
    SnapshotStep,
    Step,
    UndoHistory,
    WeightStep,
)
from ._network import LayerJob, Network
from ._outputs import PREVIEW_SIDE, ChannelResult, ComputeJob, LayerOutputs
from ._painting import PaintedSoFar
from ._pool import PoolEngine, pool2d, pool_dot_product, pool_weight
from ._preset_layer import preset_applied
from ._presets import PRESET_NAMES, kernel_preset, preset_description, resolve_preset
from ._reach import reached_outputs, taps_reading
from ._receptive import FieldBox, ReceptiveField, receptive_field, textbook_field_size
from ._rounding import (
    absolute_sums,
    fft_bound,
    gamma,
    output_bound,
    sum_terms,
    unit_roundoff,
    uses_fft,
)
from ._samples import SAMPLE_NAMES, load_sample, sample_description
from ._scatter import ScatterStep, painted_so_far, scatter_step, transposed_dot_product
from ._scenes import SCENE_NAMES, BuiltScene, NamedFilter, edge_and_colour_bank, load_scene
from ._spec import (
    MAX_CHANNELS,
    MAX_DILATION,
    MAX_INPUT_VALUES,
    MAX_KERNEL,
    MAX_PADDING,
    MAX_SIDE,
    MAX_STRIDE,
    PADDING_MODES,
    POOLS,
    LayerSpec,
    check_input_size,
)
from ._stack import (
    MAX_LAYERS,
    LayerSetup,
    NetworkSnapshot,
    check_chain,
    layer_name,
    next_layer,
)
from ._stack_steps import LayerStep, StackStep
from ._state import ACTIVATIONS, MAX_MAGNITUDE, ExplorerState, OutputsNotReady, Snapshot
from ._transpose import conv_transpose2d, from_torch_layout, to_torch_layout
from ._unfold import (
    Tap,
    Unfolded,
    tap_at,
    tap_of_row,
    typed_weight,
    unfold,
    weight_column,
    weight_matrix,
)
from ._view import NetworkView, StateView

__all__ = [
    "ACTIVATIONS",
    "LEAKY_SLOPE",
    "MAX_CHANNELS",
    "MAX_DILATION",
    "MAX_INPUT_VALUES",
    "MAX_KERNEL",
    "MAX_LAYERS",
    "MAX_MAGNITUDE",
    "MAX_PADDING",
    "MAX_SIDE",
    "MAX_STRIDE",
    "PADDING_MODES",
    "POOLS",
    "PRESET_NAMES",
    "PREVIEW_SIDE",
    "SAMPLE_NAMES",
    "SCENE_NAMES",
    "UNDO_MEMORY_LIMIT",
    "Activation",
    "ActivationStep",
    "BuiltScene",
    "Change",
    "ChangeKind",
    "ChannelResult",
    "ComputeJob",
    "DotProduct",
    "ExplorerState",
    "FieldBox",
    "LayerJob",
    "LayerOutputs",
    "LayerSetup",
    "LayerSpec",
    "LayerStep",
    "NamedFilter",
    "Network",
    "NetworkSnapshot",
    "NetworkView",
    "OutputsNotReady",
    "PaintedSoFar",
    "PoolEngine",
    "ReceptiveField",
    "ScatterStep",
    "Snapshot",
    "SnapshotStep",
    "StackStep",
    "StateView",
    "Step",
    "Tap",
    "UndoHistory",
    "Unfolded",
    "WeightStep",
    "absolute_sums",
    "activate",
    "activated_bound",
    "activated_range",
    "activation_info",
    "activation_title",
    "check_chain",
    "check_input_size",
    "conv2d",
    "conv_transpose2d",
    "dot_product_at",
    "edge_and_colour_bank",
    "evaluation_error",
    "fft_bound",
    "from_torch_layout",
    "gamma",
    "import_compiler",
    "kernel_in_use",
    "kernel_preset",
    "layer_name",
    "load_sample",
    "load_scene",
    "next_layer",
    "output_bound",
    "painted_so_far",
    "pool2d",
    "pool_dot_product",
    "pool_weight",
    "prepare_kernel",
    "preset_applied",
    "preset_description",
    "reached_outputs",
    "receptive_field",
    "resolve_preset",
    "sample_description",
    "scatter_step",
    "sum_terms",
    "tap_at",
    "tap_in_use",
    "tap_of_row",
    "taps_reading",
    "textbook_field_size",
    "to_torch_layout",
    "transposed_dot_product",
    "typed_weight",
    "unfold",
    "unit_roundoff",
    "uses_fft",
    "weight_column",
    "weight_matrix",
]
