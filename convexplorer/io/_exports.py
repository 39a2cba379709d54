"""Saving output channels as PNG files, one per channel, without Qt.

Two mappings. Greyscale (the default) stretches each channel's range to black–white:
min → 0, max → 255. With a colour lookup table (e.g. the app's diverging map,
``diverging_colormap().getLookupTable(nPts=256)``) the scale is centred on 0, as the output panel
shows it: −L → first colour, 0 → middle, +L → last, with L = max |value|. ``shared_scale`` uses one
range for all channels so they can be compared. Each file records its mapping in a tEXt chunk.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from convexplorer import __version__

from ._png_write import write_png


def channel_pixels(
    values: np.ndarray, low: float, high: float, colormap: np.ndarray | None = None
) -> np.ndarray:
    """uint8 pixels for ``values`` on the scale [low, high]: (H, W) grey or (H, W, 3) colour.

    A scale of zero width maps everything to the middle.
    """
    values = np.asarray(values, dtype=np.float64)
    if high > low:
        t = np.clip((values - low) / (high - low), 0.0, 1.0)
    else:
        t = np.full(values.shape, 0.5)
    if colormap is None:
        return np.round(t * 255).astype(np.uint8)
    lut = np.asarray(colormap)
    if lut.ndim != 2 or lut.shape[1] not in (3, 4) or len(lut) < 2:
        raise ValueError(f"a colour lookup table is (N, 3) or (N, 4), got shape {lut.shape}")
    return lut[np.round(t * (len(lut) - 1)).astype(np.intp), :3].astype(np.uint8)


def save_output_pngs(
    directory: str | os.PathLike[str],
    outputs: np.ndarray,
    *,
    stem: str = "output",
    colormap: np.ndarray | None = None,
    shared_scale: bool = False,
) -> list[Path]:
    """Write ``outputs`` (C, H, W) as ``<stem>_00.png``, ``<stem>_01.png``, …; returns the paths.

    Each file is written atomically; an existing file of the same name is replaced.
    """
    outputs = np.asarray(outputs)
    if outputs.ndim != 3 or min(outputs.shape) < 1:
        raise ValueError(f"outputs must be a non-empty (C, H, W) array, got {outputs.shape}")
    digits = max(2, len(str(len(outputs) - 1)))
    paths = []
    for o, channel in enumerate(outputs):
        scope = outputs if shared_scale else channel
        if colormap is None:
            low, high = float(scope.min()), float(scope.max())
            mapping = f"{low:.6g} is black, {high:.6g} is white"
        else:
            limit = float(np.abs(scope).max()) or 1.0
            low, high = -limit, limit
            mapping = f"{low:.6g} is the first colour, 0 the middle, {high:.6g} the last"
        path = Path(directory) / f"{stem}_{o:0{digits}d}.png"
        text = {
            "Software": f"convexplorer {__version__}",
            "Description": f"output channel {o}: {mapping}",
        }
        write_png(path, channel_pixels(channel, low, high, colormap), text)
        paths.append(path)
    return paths
