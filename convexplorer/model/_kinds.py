"""Which engine runs a layer: ``ConvEngine`` for Conv2d, ``TransposeEngine`` for ConvTranspose2d,
``PoolEngine`` for MaxPool2d / AvgPool2d.

All take the weights in the explorer's layout and have the face ``LayerOutputs`` uses (run,
output_size, dtype, prepare_edits, edit_cache_missing), so outputs, jobs and undo treat the
kinds alike.
"""

from __future__ import annotations

import numpy as np

from ._conv import ConvEngine
from ._pool import PoolEngine
from ._spec import LayerSpec
from ._transpose import TransposeEngine

Engine = ConvEngine | TransposeEngine | PoolEngine


def make_engine(spec: LayerSpec, x: np.ndarray) -> Engine:
    """The engine for ``spec``'s kind on input ``x``."""
    if spec.pool:
        return PoolEngine(spec, x)
    return TransposeEngine(spec, x) if spec.transposed else ConvEngine(spec, x)
