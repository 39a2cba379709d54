"""Files in and out: sessions, arrays, weights, PyTorch/NumPy snippets, output PNGs, and the
check of the outputs against PyTorch (which runs the PyTorch snippet).

Pure python + numpy (no Qt): every reader checks a file before the state is touched, and every
way a file can be unusable comes out as a ``FileFormatError`` naming the file and the reason.
Image decoding needs Qt and lives in ``convexplorer.app._image_files``.
"""

from ._arrays import (
    ACCEPTED_SHAPES,
    ARRAY_SUFFIXES,
    ArrayMember,
    InputLoad,
    is_array_file,
    npz_members,
    read_array,
)
from ._atomic import atomic_write_bytes, atomic_write_text
from ._checkpoint import torch_available
from ._errors import TORCH_HINT, TORCH_INSTALL, FileFormatError, TorchUnavailable
from ._gif import encode_gif, png_sequence_names, write_gif, write_png_sequence
from ._model_layers import (
    BATCHNORM_EPS,
    CheckpointConv,
    ImportedLayers,
    LayerChoice,
    chain_problem,
    default_choice,
    fold_batchnorm,
    import_layers,
    list_checkpoint_convs,
    run_problem,
    run_specs,
)
from ._network_session import Selection, load_network_session, save_network_session
from ._png_write import encode_png, write_png
from ._resize import DOWNSCALE_LONG_SIDE, DOWNSCALE_MAX_VALUES, downscale, suggest_downscale
from ._sequential import sequential_snippet
from ._session import (
    FORMAT_VERSION,
    SESSION_SUFFIX,
    SessionData,
    check_session,
    is_session_file,
    load_session,
    save_session,
)
from ._snippets import float32_literal, numpy_snippet, pytorch_snippet
from ._torch_check import (
    BIT_IDENTICAL,
    DIFFERS,
    FAILED,
    ROUNDING,
    TORCH_NEEDED,
    ChannelDifference,
    CheckJob,
    TorchCheck,
    check_against_pytorch,
    run_check,
)
from ._weights import (
    ImportedWeights,
    WeightEntry,
    WeightImport,
    adopted_spec,
    export_bias,
    export_layer_weights,
    export_network_weights,
    export_weights,
    list_conv_weights,
    plan_weight_import,
    read_bias,
    read_weights,
    weights_mismatch,
)

__all__ = [
    "ACCEPTED_SHAPES",
    "ARRAY_SUFFIXES",
    "BATCHNORM_EPS",
    "BIT_IDENTICAL",
    "DIFFERS",
    "DOWNSCALE_LONG_SIDE",
    "DOWNSCALE_MAX_VALUES",
    "FAILED",
    "FORMAT_VERSION",
    "ROUNDING",
    "SESSION_SUFFIX",
    "TORCH_HINT",
    "TORCH_INSTALL",
    "TORCH_NEEDED",
    "ArrayMember",
    "ChannelDifference",
    "CheckJob",
    "CheckpointConv",
    "FileFormatError",
    "ImportedLayers",
    "ImportedWeights",
    "InputLoad",
    "LayerChoice",
    "Selection",
    "SessionData",
    "TorchCheck",
    "TorchUnavailable",
    "WeightEntry",
    "WeightImport",
    "adopted_spec",
    "atomic_write_bytes",
    "atomic_write_text",
    "chain_problem",
    "check_against_pytorch",
    "check_session",
    "default_choice",
    "downscale",
    "encode_gif",
    "encode_png",
    "export_bias",
    "export_layer_weights",
    "export_network_weights",
    "export_weights",
    "float32_literal",
    "fold_batchnorm",
    "import_layers",
    "is_array_file",
    "is_session_file",
    "list_checkpoint_convs",
    "list_conv_weights",
    "load_network_session",
    "load_session",
    "npz_members",
    "numpy_snippet",
    "plan_weight_import",
    "png_sequence_names",
    "pytorch_snippet",
    "read_array",
    "read_bias",
    "read_weights",
    "run_check",
    "run_problem",
    "run_specs",
    "save_network_session",
    "save_session",
    "sequential_snippet",
    "suggest_downscale",
    "torch_available",
    "weights_mismatch",
    "write_gif",
    "write_png",
    "write_png_sequence",
]
