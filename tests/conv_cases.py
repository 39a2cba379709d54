"""Random convolution layers for the engine's property tests (methods, bits, the direct kernel)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from hypothesis import strategies as st

from convexplorer.model import LayerSpec


def layer_and_input(
    draw: Callable,
    channels: tuple[int, int, int],
    max_dilation: int,
    slack: int,
    dtypes: Sequence[type],
) -> tuple[LayerSpec, np.ndarray, np.ndarray, np.ndarray | None]:
    """For (c_in, c_out, groups): a kernel up to 5×5, dilation, padding mode, an input ``slack``
    pixels larger than the kernel's reach at most, 'same' padding or padding and stride, one of
    ``dtypes``, and random input, weights and (or not) bias."""
    c_in, c_out, groups = channels
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    dh, dw = draw(st.integers(1, max_dilation)), draw(st.integers(1, max_dilation))
    mode = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    low_h, low_w = max(2, dh * (kh - 1) + 1), max(2, dw * (kw - 1) + 1)
    height = draw(st.integers(low_h, low_h + slack))
    width = draw(st.integers(low_w, low_w + slack))
    if draw(st.booleans()):
        padding: object = "same"
        stride = (1, 1)
    else:
        padding = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
        stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    spec = LayerSpec(c_in, c_out, (kh, kw), stride, padding, mode, (dh, dw), groups, True)
    try:
        spec.check_image(height, width)
    except ValueError:
        spec = spec.replace(padding=(0, 0), stride=stride)
    dtype = draw(st.sampled_from(list(dtypes)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((c_in, height, width)).astype(dtype)
    weight = rng.standard_normal(spec.weight_shape).astype(dtype)
    bias = rng.standard_normal(c_out).astype(dtype) if draw(st.booleans()) else None
    return spec, x, weight, bias


@st.composite
def layers(draw):
    """A random valid layer and input, with enough filters per group for several product blocks
    (and partial ones) and up to 16 channels per group (K up to 400 terms per sum)."""
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.sampled_from([1, 1, 2, 3, 8, 16]))
    c_out = groups * draw(st.integers(1, 9))
    dtypes = [np.float32, np.float32, np.float64]
    return layer_and_input(draw, (c_in, c_out, groups), 2, 10, dtypes)
