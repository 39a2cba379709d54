"""The scene the app opens with: chosen to answer "what does a kernel do with RGB?" at a glance."""

from __future__ import annotations

import numpy as np

from ..model import ExplorerState, LayerSpec, load_sample

DEFAULT_SAMPLE = "chelsea"
DIAGONAL = "diagonal ↘"


def default_state(image: np.ndarray | None = None, preset: str | None = None) -> ExplorerState:
    """3 → 2 channels, 3×3: filter 0 a ↘ diagonal detector on every channel, filter 1 luma.

    With another image or a ``preset`` (applied to the whole layer) the scene adapts: a non-RGB
    image gets the diagonal detector in every filter, since luma needs R, G and B.
    """
    image = load_sample(DEFAULT_SAMPLE) if image is None else image
    channels = image.shape[0] if image.ndim == 3 else 1
    state = ExplorerState(image, LayerSpec(channels, 2, kernel_size=3))
    if preset is not None:
        state.apply_preset(preset)
        return state
    state.apply_preset(DIAGONAL, out_channel=0)
    state.apply_preset("grayscale" if channels == 3 else DIAGONAL, out_channel=1)
    return state
