"""Which engine runs a layer: ``ConvEngine`` for Conv2d, ``TransposeEngine`` for ConvTranspose2d.

Both take the weights in the explorer's layout and have the face ``LayerOutputs`` uses (run,
output_size, dtype, prepare_edits, edit_cache_missing), so outputs, jobs and undo treat the two
kinds alike.
"""

from __future__ import annotations

import numpy as np

from ._conv import ConvEngine
from ._spec import LayerSpec
from ._transpose import TransposeEngine

Engine = ConvEngine | TransposeEngine


def make_engine(spec: LayerSpec, x: np.ndarray) -> Engine:
    """The engine for ``spec``'s kind on input ``x``."""
    return TransposeEngine(spec, x) if spec.transposed else ConvEngine(spec, x)
