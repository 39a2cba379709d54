"""A preset applied to a layer's weight arrays, without a state: what ``apply_preset`` writes.

``ExplorerState.apply_preset`` uses it for the learner's layer; a lesson uses it to build the
weights of a scene before the document applies the whole scene as one undo step.
"""

from __future__ import annotations

import numpy as np

from ._presets import preset_bias, preset_weights
from ._spec import LayerSpec


def preset_applied(
    spec: LayerSpec,
    weight: np.ndarray,
    bias: np.ndarray | None,
    name: str,
    out_channel: int | None = None,
    in_channel: int | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray | None]:
    """New (weight, bias) arrays with a named preset on a slice (both indices), a filter
    (``out_channel``) or the whole layer; the given arrays are not changed.

    ``in_channel`` is an absolute input channel the filter must see. A filter or layer preset
    also sets the bias the preset defines (e.g. Kaiming's uniform draw).
    """
    if in_channel is not None and out_channel is None:
        raise ValueError("a kernel slice needs both out_channel and in_channel")
    filters = range(spec.out_channels) if out_channel is None else [out_channel]
    for o in filters:
        if not 0 <= o < spec.out_channels:
            raise ValueError(f"filter {o} does not exist; the layer has {spec.out_channels}")
    if name == "grayscale" and spec.in_channels != 3:
        raise ValueError(
            f"grayscale mixes R, G and B: it needs a 3-channel input, this one has "
            f"{spec.in_channels}"
        )
    rng = np.random.default_rng(seed)
    kh, kw = spec.kernel_size
    fan_in = spec.init_fan_in  # PyTorch's: ConvTranspose2d counts its own way
    weight = np.array(weight, copy=True)
    bias = None if bias is None else np.array(bias, copy=True)
    for o in filters:
        seen = spec.filter_input_channels(o)
        if in_channel is not None:
            if in_channel not in seen:
                raise ValueError(
                    f"filter {o} does not see input channel {in_channel} "
                    f"(it sees {seen.start}–{seen.stop - 1})"
                )
            slot = in_channel - seen.start
            values = preset_weights(name, [in_channel], kh, kw, fan_in=fan_in, rng=rng)
            weight[o, slot] = values[0]
            continue
        weight[o] = preset_weights(name, list(seen), kh, kw, fan_in=fan_in, rng=rng)
        if bias is not None:
            bias[o] = preset_bias(name, fan_in=fan_in, rng=rng)
    return weight, bias
