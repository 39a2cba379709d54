"""An obviously-correct convolution written as plain loops, to check the model against."""

from __future__ import annotations

import math

import numpy as np


def padded_value(x: np.ndarray, c: int, r: int, q: int, mode: str) -> float:
    """x[c, r, q], an out-of-range (r, q) resolved by the padding mode one axis at a time."""
    _, height, width = x.shape

    def fold(i: int, size: int) -> int | None:
        if 0 <= i < size:
            return i
        if mode == "zeros":
            return None
        if mode == "replicate":
            return 0 if i < 0 else size - 1
        if mode == "circular":
            return i % size
        # reflect: mirror about the edge pixels without repeating them
        while not 0 <= i < size:
            i = -i if i < 0 else 2 * (size - 1) - i
        return i

    rr, qq = fold(r, height), fold(q, width)
    if rr is None or qq is None:
        return 0.0
    return float(x[c, rr, qq])


def reference_conv2d(x, weight, bias, stride, pads, dilation, groups, mode):
    """Loops over every output value; pads = (top, bottom, left, right)."""
    _, height, width = x.shape
    c_out, c_in_g, kh, kw = weight.shape
    (sh, sw), (dh, dw) = stride, dilation
    top, bottom, left, right = pads
    oh = (height + top + bottom - dh * (kh - 1) - 1) // sh + 1
    ow = (width + left + right - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((c_out, oh, ow))
    out_per_group = c_out // groups
    for o in range(c_out):
        first = (o // out_per_group) * c_in_g
        for r in range(oh):
            for q in range(ow):
                total = 0.0 if bias is None else float(bias[o])
                for k in range(c_in_g):
                    for i in range(kh):
                        for j in range(kw):
                            value = padded_value(
                                x, first + k, r * sh - top + i * dh, q * sw - left + j * dw, mode
                            )
                            total += value * float(weight[o, k, i, j])
                out[o, r, q] = total
    return out


def reference_convolve2d(x, weight, bias, stride, pads, dilation, groups, mode):
    """Textbook convolution as loops: each weight w[m, n] meets the pixel (kH−1−m, kW−1−n)
    dilated steps into the window, i.e. the kernel is flipped in both axes."""
    _, height, width = x.shape
    c_out, c_in_g, kh, kw = weight.shape
    (sh, sw), (dh, dw) = stride, dilation
    top, bottom, left, right = pads
    oh = (height + top + bottom - dh * (kh - 1) - 1) // sh + 1
    ow = (width + left + right - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((c_out, oh, ow))
    out_per_group = c_out // groups
    for o in range(c_out):
        first = (o // out_per_group) * c_in_g
        for r in range(oh):
            for q in range(ow):
                total = 0.0 if bias is None else float(bias[o])
                for k in range(c_in_g):
                    for m in range(kh):
                        for n in range(kw):
                            row = r * sh - top + (kh - 1 - m) * dh
                            col = q * sw - left + (kw - 1 - n) * dw
                            value = padded_value(x, first + k, row, col, mode)
                            total += value * float(weight[o, k, m, n])
                out[o, r, q] = total
    return out


def reference_conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation):
    """Transposed convolution as a scatter: each input pixel times the kernel, added into the
    output at stride-spaced spots; ``weight`` in PyTorch's layout (C_in, C_out/groups, kH, kW)."""
    c_in, height, width = x.shape
    _, out_per_group, kh, kw = weight.shape
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = stride, padding, output_padding, dilation
    oh = (height - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    ow = (width - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    out = np.zeros((out_per_group * groups, oh, ow))
    in_per_group = c_in // groups
    for i in range(c_in):
        group = i // in_per_group
        for r in range(height):
            for q in range(width):
                for k in range(out_per_group):
                    o = group * out_per_group + k
                    for a in range(kh):
                        for b in range(kw):
                            row, col = r * sh - ph + a * dh, q * sw - pw + b * dw
                            if 0 <= row < oh and 0 <= col < ow:
                                out[o, row, col] += float(x[i, r, q]) * float(weight[i, k, a, b])
    if bias is not None:
        out += np.asarray(bias, dtype=np.float64)[:, None, None]
    return out


def reference_activation(values, name: str) -> np.ndarray:
    """PyTorch's activations by their definitions, one value at a time in float64 (``math``):
    ReLU max(x, 0); LeakyReLU x for x > 0, else 0.01·x; sigmoid 1/(1 + e^−x), written with
    e^x/(1 + e^x) below 0 so that it never overflows; tanh."""

    def one(x: float) -> float:
        if name == "none":
            return x
        if name == "relu":
            return max(x, 0.0)
        if name == "leaky_relu":
            return x if x > 0 else 0.01 * x
        if name == "sigmoid":
            return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
        if name == "tanh":
            return math.tanh(x)
        raise ValueError(name)

    flat = [one(float(x)) for x in np.asarray(values).ravel()]
    return np.array(flat, dtype=np.float64).reshape(np.shape(values))


def reference_pool2d(x, pool, kernel_size, stride, padding, dilation):
    """MaxPool2d / AvgPool2d as loops (PyTorch's defaults: ceil_mode=False,
    count_include_pad=True): max over the window's taps inside the image (padding is −∞), or
    the sum of the taps inside it (padding is 0) over kH·kW, in float64."""
    channels, height, width = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    oh = (height + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (width + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((channels, oh, ow))
    for c in range(channels):
        for r in range(oh):
            for q in range(ow):
                inside = [
                    float(x[c, rr, qq])
                    for i in range(kh)
                    for j in range(kw)
                    for rr, qq in [(r * sh - ph + i * dh, q * sw - pw + j * dw)]
                    if 0 <= rr < height and 0 <= qq < width
                ]
                if pool == "max":
                    out[c, r, q] = max(inside, default=-np.inf)
                else:
                    out[c, r, q] = sum(inside) / (kh * kw)
    return out
