"""What's This? texts for pooling layers (MaxPool2d, AvgPool2d): what each part means when the
layer keeps the largest value, or the mean, of each window of one channel.

``_explain`` asks here first when the layer is a pool; None means the general text holds.
"""

from __future__ import annotations

from html import escape

from ..model import StateView
from ..widgets.pool_words import TIE_RULE, pool_output, pool_padding
from ..widgets.style import MINUS_INFINITY, channel_label, layer_shapes, number


def _title(text: str) -> str:
    return f"<b>{escape(text)}</b>"


def pool_kind_text(view: StateView) -> str:
    spec = view.spec
    size = layer_shapes(view.image.shape, spec.out_channels, view.output_size)
    return (
        f"{_title(f'Kind: {spec.kind}')} — no weights: each output is {pool_output(spec)} "
        f"({size}); out c reads in c only, so out channels = in channels = groups; padding "
        f"{pool_padding(spec.pool)}. Choosing a pool sets stride = kernel, PyTorch's default "
        "(ceil_mode=False)."
    )


def pool_control_text(view: StateView, name: str) -> str | None:
    """The controls whose meaning a pool changes (None: the general text)."""
    spec = view.spec
    kind = spec.kind
    texts = {
        "layerKind": pool_kind_text(view),
        "outChannels": (
            f"{_title(f'Out channels: {spec.out_channels}')} — a {kind} pools each input channel "
            "on its own, so there is one output channel per input channel (greyed out: it "
            "follows the input)."
        ),
        "groups": (
            f"{_title(f'Groups: {spec.groups}')} — a {kind} is channel-wise (out c reads in c "
            "only), as a depthwise conv with groups = in channels."
        ),
        "bias": f"{_title('Bias: off')} — a {kind} has no parameters, so no bias.",
        "flipKernel": f"{_title('Flip kernel: off')} — a {kind} has no kernel to flip.",
        "paddingMode": (
            f"{_title('Pad mode: zeros')} — PyTorch's {kind} takes no padding mode: its "
            f"padding {pool_padding(spec.pool)}."
        ),
    }
    if spec.pool == "avg":
        texts["dilation"] = f"{_title('Dilation: 1')} — AvgPool2d has no dilation in PyTorch."
    return texts.get(name)


def pool_editor_text(view: StateView) -> str:
    spec = view.spec
    return (
        f"{_title('Kernel editor')} — a {spec.kind} has no weights to edit: each output is "
        f"{pool_output(spec)}. {escape(spec.describe())}. Switch the Kind back to Conv2d for "
        "weights."
    )


def pool_sliding_text(view: StateView) -> str:
    o, (row, col) = view.selected_filter, view.position
    dot = view.dot_product()
    if view.spec.pool == "max":
        how = (
            f"the window on in {o}, its winner outlined in green (the largest; {TIE_RULE}), and "
            f"max(…) = {number(dot.value)}"
        )
    else:
        how = (
            f"the window on in {o}, times the fixed weights 1/{dot.kernel[0].size}, and their sum "
            f"{number(dot.value)}: the window's mean"
        )
    return (
        f"{_title(f'Sliding window ({view.spec.kind})')} — output channel {o} at ({row}, {col}): "
        f"{how}. Space plays, ←/→ step."
    )


def pool_window_part_text(view: StateView, part: str) -> str | None:
    """Parts of the sliding window whose meaning a pool changes (None: the general text)."""
    dot = view.dot_product()
    channel = channel_label(dot.input_channels[0], photo=view.input_is_photo)
    where = f"out({dot.row}, {dot.col})"
    taps = dot.kernel[0].size
    if view.spec.pool == "avg":
        texts = {
            "kernelGrid": (
                f"{_title(f'Fixed weights 1/{taps}')} — an average pool is the dot product with "
                f"these weights: the same at every position, never edited."
            ),
            "channelSum": (
                f"{_title(f'Σ {channel} = {number(dot.value)}')} — the sum of the {taps} "
                f"products: the mean of the window, {where}."
            ),
        }
        return texts.get(part)
    values = ", ".join(
        MINUS_INFINITY if v == float("-inf") else number(v) for v in dot.patch[0].ravel()
    )
    texts = {
        "windowInput": (
            f"{_title(f'Input under the window, {channel}')} — the {taps} values {where} chooses "
            f"from (padding {pool_padding('max')}); outlined in green: tap {dot.winner}, the "
            f"largest ({TIE_RULE})."
        ),
        "channelSum": (
            f"{_title(f'max = {number(dot.value)}')} — the largest of the window's {taps} "
            f"values: {where}."
        ),
        "slidingWindowEquation": (
            f"{_title(f'{where} of channel {dot.out_channel}')} = max({values}) = "
            f"{number(dot.value)}."
        ),
    }
    return texts.get(part)
