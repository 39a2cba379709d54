"""An obviously-correct convolution written as plain loops, to check the model against."""

from __future__ import annotations

import math

import numpy as np


def padded_value(x: np.ndarray, c: int, r: int, q: int, mode: str) -> float:
    """x[c, r, q], an out-of-range (r, q) resolved by the padding mode one axis at a time."""
    _, height, width = x.shape
    rr, qq = fold_index(r, height, mode), fold_index(q, width, mode)
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


def fold_index(i: int, size: int, mode: str) -> int | None:
    """The pixel an unpadded-axis coordinate reads under a padding mode; None for zeros."""
    if 0 <= i < size:
        return i
    if mode == "zeros":
        return None
    if mode == "replicate":
        return 0 if i < 0 else size - 1
    if mode == "circular":
        return i % size
    while not 0 <= i < size:  # reflect: mirror about the edge pixels without repeating them
        i = -i if i < 0 else 2 * (size - 1) - i
    return i


def reference_receptive_masks(input_size, specs, layer, first, last):
    """Masks of the pixels output pixels first…last (inclusive corners) of ``layer`` read, on
    each layer's input (index 0 = the image), walking back one layer at a time, pixel by pixel.

    Conv2d: each marked output pixel, each tap, the padded position it lands on, the pixel the
    padding mode copies there. ConvTranspose2d: each input pixel, each tap, the output pixel it
    paints: marked if that output is.
    """
    sizes = [tuple(input_size)]
    for spec in specs[: layer + 1]:
        sizes.append(spec.output_size(*sizes[-1]))
    mask = np.zeros(sizes[layer + 1], dtype=bool)
    mask[first[0] : last[0] + 1, first[1] : last[1] + 1] = True
    masks = []
    for j in range(layer, -1, -1):
        spec, (height, width) = specs[j], sizes[j]
        (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
        read = np.zeros((height, width), dtype=bool)
        if spec.transposed:
            ph, pw = spec.padding
            for r in range(height):
                for q in range(width):
                    for a in range(kh):
                        for b in range(kw):
                            row, col = r * sh - ph + a * dh, q * sw - pw + b * dw
                            if 0 <= row < mask.shape[0] and 0 <= col < mask.shape[1]:
                                read[r, q] |= bool(mask[row, col])
        else:
            top, _, left, _ = spec.pads
            for r, q in np.argwhere(mask).tolist():
                for i in range(kh):
                    for k in range(kw):
                        row = fold_index(r * sh - top + i * dh, height, spec.padding_mode)
                        col = fold_index(q * sw - left + k * dw, width, spec.padding_mode)
                        if row is not None and col is not None:
                            read[row, col] = True
        masks.append(read)
        mask = read
    return masks[::-1]
