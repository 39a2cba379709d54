"""What's This? texts: every part of the window explained with the numbers it shows right now.

Each function reads the read-only ``StateView`` when asked (cheap string formatting), so a text
is never stale; numbers and channel names go through ``widgets.style`` like everywhere else.
``_whats_this`` decides which function answers for the widget (and position) clicked.
"""

from __future__ import annotations

from html import escape

from ..model import ACTIVATIONS, LayerSpec, StateView, tap_in_use
from ..widgets.style import (
    ACTIVATION_LABELS,
    ACTIVATION_NAMES,
    ACTIVATION_TIPS,
    activated_text,
    after_activation,
    channel_label,
    equation_numbers,
    layer_shapes,
    number,
    plural,
    shape_text,
)
from ._explain_pool import (
    pool_control_text,
    pool_editor_text,
    pool_sliding_text,
    pool_window_part_text,
)

Pixel = tuple[int, int]


def _title(text: str) -> str:
    return f"<b>{escape(text)}</b>"


def _channels(view: StateView, channels: range) -> str:
    """'all 3 input channels', 'input channel 2 (B)', 'input channels 4–7'."""
    count = view.image.shape[0]
    if len(channels) == count:
        return "the one input channel" if count == 1 else f"all {count} input channels"
    if len(channels) == 1:
        name = channel_label(channels.start, photo=view.input_is_photo).removeprefix("in ")
        return f"input channel {name}"
    return f"input channels {channels.start}–{channels.stop - 1}"


def _parameters(spec: LayerSpec) -> str:
    weights = plural(spec.weights_per_filter, "weight")
    return f"{weights} + 1 bias" if spec.bias else f"{weights}, no bias"


def _filter_sentence(view: StateView, o: int) -> str:
    """'filter 2 applied to all 3 input channels; 27 weights + 1 bias' (a transposed layer's
    output channel is painted by its input channels instead)."""
    spec = view.spec
    channels = _channels(view, spec.filter_input_channels(o))
    if spec.transposed:
        return f"kernel {o} painted by {channels}; {_parameters(spec)}"
    return f"filter {o} applied to {channels}; {_parameters(spec)}"


# ---- the output size and the settings that make it ------------------------------------------


def size_formula(view: StateView) -> str:
    """PyTorch's output-size formula per axis, written out with this layer's numbers."""
    spec = view.spec
    _, h, w = view.image.shape
    if spec.transposed:
        return _transposed_size_formula(view)
    top, bottom, left, right = spec.pads
    (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
    oh, ow = view.output_size
    rows = f"⌊({h} + {top} + {bottom} − {dh}·({kh} − 1) − 1) / {sh}⌋ + 1 = {oh}"
    cols = f"⌊({w} + {left} + {right} − {dw}·({kw} − 1) − 1) / {sw}⌋ + 1 = {ow}"
    return (
        "Output size = ⌊(input + padding − dilation·(kernel − 1) − 1) / stride⌋ + 1:<br>"
        f"rows {rows}<br>columns {cols}"
    )


def _transposed_size_formula(view: StateView) -> str:
    """ConvTranspose2d's formula: the inverse of Conv2d's, plus output_padding."""
    spec = view.spec
    _, h, w = view.image.shape
    (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
    (ph, pw), (oph, opw) = spec.padding, spec.output_padding  # type: ignore[misc]
    oh, ow = view.output_size
    rows = f"({h} − 1)·{sh} − 2·{ph} + {dh}·({kh} − 1) + {oph} + 1 = {oh}"
    cols = f"({w} − 1)·{sw} − 2·{pw} + {dw}·({kw} − 1) + {opw} + 1 = {ow}"
    return (
        "Output size (ConvTranspose2d) = (input − 1)·stride − 2·padding + dilation·(kernel − 1) "
        f"+ output_padding + 1:<br>rows {rows}<br>columns {cols}"
    )


def control_text(view: StateView, name: str) -> str | None:
    """A layer control (by object name, ``Height``/``Width`` spin boxes by their pair)."""
    spec = view.spec
    if spec.pool and (pooled := pool_control_text(view, name)) is not None:
        return pooled
    c, h, w = view.image.shape
    (kh, kw), (dh, dw) = spec.kernel_size, spec.dilation
    formula = f"<p>{size_formula(view)}</p>"
    texts = {
        "inChannels": (
            f"{_title(f'In channels: {c}')} — set by the input ({c} × {h} × {w}), not chosen: "
            f"every {'output channel' if spec.transposed else 'filter'} has one {kh}×{kw} "
            f"kernel slice per input channel it {'is painted by' if spec.transposed else 'sees'} "
            f"({spec.in_per_group} here)."
        ),
        "outChannels": (
            f"{_title(f'Out channels: {spec.out_channels}')} — the number of "
            + (
                f"output channels, each painted with its own kernel: {spec.out_channels} kernels × "
                if spec.transposed
                else f"filters. Each filter makes one output channel: {spec.out_channels} "
                "filters × "
            )
            + f"{spec.weights_per_filter} weights"
            + (" + 1 bias each" if spec.bias else "")
            + "."
        ),
        "kernelSize": (
            f"{_title(f'Kernel {kh}×{kw}')} — each "
            f"{'output channel' if spec.transposed else 'filter'} holds a {kh}×{kw} slice of "
            f"weights per input channel it {'is painted by' if spec.transposed else 'sees'}: "
            f"{spec.in_per_group} × {kh}×{kw} = "
            f"{spec.weights_per_filter} weights.{formula}"
        ),
        "stride": (
            f"{_title(f'Stride {shape_text(*spec.stride)}')} — " + _stride_words(spec) + formula
        ),
        "paddingKind": _padding_text(view) + formula,
        "padding": _padding_text(view) + formula,
        "paddingMode": _padding_mode_text(spec),
        "dilation": (
            f"{_title(f'Dilation {shape_text(*spec.dilation)}')} — neighbouring kernel taps are "
            f"{plural(dh, 'row')} and {plural(dw, 'column')} apart, so a {kh}×{kw} kernel covers "
            f"{shape_text(*spec.effective_kernel_size)} "
            f"{'output pixels where it is painted' if spec.transposed else 'input pixels'} with "
            f"the same {kh * kw} weights.{formula}"
        ),
        "groups": _groups_text(view),
        "layerKind": _kind_text(view),
        "flipKernel": _flip_text(spec),
        "outputPadding": _output_padding_text(spec) + (formula if spec.transposed else ""),
        "bias": (
            f"{_title('Bias: ' + ('on' if spec.bias else 'off'))} — "
            + (
                f"one number per {'output channel' if spec.transposed else 'filter'} "
                f"({spec.out_channels} in all), added once to every output value after the "
                "channel sums."
                if spec.bias
                else "no bias: an output value is the sum of its products alone."
            )
        ),
        "activation": _activation_text(view.activation),
    }
    return texts.get(name)


def _activation_text(activation: str) -> str:
    """The activation chosen, what it does, and the others there are."""
    others = ", ".join(ACTIVATION_LABELS[a] for a in ACTIVATIONS if a != activation)
    return (
        f"{_title(f'Activation: {ACTIVATION_LABELS[activation]}')} — "
        f"{escape(ACTIVATION_TIPS[activation])}. It is applied to every output value after the "
        f"bias; the sliding window shows the sum, then the value after it. Also offered: "
        f"{escape(others)}."
    )


#: Layer controls (object names) with a text of their own; a test keeps this complete.
CONTROL_NAMES = (
    "inChannels",
    "outChannels",
    "kernelSize",
    "stride",
    "paddingKind",
    "padding",
    "paddingMode",
    "dilation",
    "groups",
    "bias",
    "activation",
    "layerKind",
    "flipKernel",
    "outputPadding",
)


def _stride_words(spec: LayerSpec) -> str:
    sh, sw = spec.stride
    if spec.transposed:
        return (
            f"each input pixel's painted patch lands {plural(sh, 'row')} below the patch of the "
            f"pixel above it and {plural(sw, 'column')} right of its left neighbour's; a larger "
            "stride spreads the patches apart and enlarges the output (upsampling)."
        )
    return (
        f"the window moves {plural(sh, 'pixel')} down per output row and "
        f"{plural(sw, 'pixel')} right per output column; a larger stride skips "
        "positions and shrinks the output."
    )


def _padding_mode_text(spec: LayerSpec) -> str:
    title = _title(f"Padding mode: {spec.padding_mode}")
    if spec.transposed:
        return (
            f"{title} — hidden: ConvTranspose2d has no padding modes. Its padding adds no "
            "border at all; it crops the painted output."
        )
    return (
        f"{title} — what the border added around the input holds: zeros, a mirror of the edge "
        "(reflect), the edge pixel repeated (replicate) or the opposite side (circular)."
        + (" This layer has no padding, so it changes nothing." if not any(spec.pads) else "")
    )


def _kind_text(view: StateView) -> str:
    spec = view.spec
    size = layer_shapes(view.image.shape, spec.out_channels, view.output_size)
    if spec.transposed:
        torch_shape = shape_text(*spec.torch_weight_shape)
        how = (
            "each input pixel scales the kernel and adds it into the output, "
            f"{shape_text(*spec.stride)} apart, overlaps summing up — the other way round from "
            f"Conv2d, so a stride enlarges the output ({size}). PyTorch stores its weights as "
            f"(in, out/groups, kH, kW) = {torch_shape}; the kernel editor keeps one row per output "
            "channel."
        )
    else:
        how = (
            "the kernel slides over the input and each window position makes one output value "
            f"(cross-correlation, as PyTorch computes it): {size}. ConvTranspose2d runs it the "
            "other way round: input pixels paint scaled kernels into a larger output."
        )
    return f"{_title(f'Kind: {spec.kind}')} — {how}"


def _flip_text(spec: LayerSpec) -> str:
    kh, kw = spec.kernel_size
    corner = (
        f"w[…, 0, 0] is used at tap ({kh - 1}, {kw - 1}) and w[…, {kh - 1}, {kw - 1}] at (0, 0)"
    )
    if spec.flip_kernel:
        what = (
            f"textbook convolution: the layer computes with every {kh}×{kw} kernel flipped "
            f"in both axes ({corner}); the kernel editor keeps the weights as you typed them. "
            f"PyTorch's {spec.kind} does not flip: Copy as PyTorch hands it weight.flip(-2, -1)."
        )
    else:
        what = (
            f"the kernel is used as typed, as PyTorch's {spec.kind} does (cross-"
            f"correlation). Tick it for textbook convolution, the kernel flipped in both axes "
            f"({corner})."
        )
    return f"{_title('Flip kernel: ' + ('on' if spec.flip_kernel else 'off'))} — {what}"


def _output_padding_text(spec: LayerSpec) -> str:
    oph, opw = spec.output_padding
    title = _title(f"Output padding {oph}×{opw}")
    if not spec.transposed:
        return f"{title} — hidden: ConvTranspose2d only; Conv2d has none."
    return (
        f"<p>{title} — {plural(oph, 'extra row')} at the bottom and "
        f"{plural(opw, 'extra column')} on the right of the output. A stride-s Conv2d maps "
        "several input sizes to one output size; output padding picks which one this layer "
        "gives back. Each must be smaller than the stride or the dilation "
        f"({shape_text(*spec.stride)}, {shape_text(*spec.dilation)}).</p>"
    )


def _padding_text(view: StateView) -> str:
    spec = view.spec
    if spec.transposed:
        return _transposed_padding_text(spec)
    top, bottom, left, right = spec.pads
    kind = spec.padding if isinstance(spec.padding, str) else shape_text(*spec.padding)
    if not any(spec.pads):
        added = "no border: the window stays inside the input, so the output is smaller"
    else:
        added = (
            f"a border of {plural(top, 'row')} on top, {bottom} below, "
            f"{plural(left, 'column')} left and {right} right ({spec.padding_mode})"
        )
    same = " ('same' keeps the input's size; an odd extra goes bottom/right)"
    return f"<p>{_title(f'Padding {kind}')} — {added}{same if spec.padding == 'same' else ''}.</p>"


def _transposed_padding_text(spec: LayerSpec) -> str:
    ph, pw = spec.padding  # type: ignore[misc]
    if (ph, pw) == (0, 0):
        cut = "nothing is cropped: the output keeps every painted pixel"
    else:
        cut = (
            f"it crops {plural(ph, 'row')} off the top and the bottom and "
            f"{plural(pw, 'column')} off each side of the painted output, so the output shrinks"
        )
    return (
        f"<p>{_title(f'Padding {shape_text(ph, pw)}')} — ConvTranspose2d's padding adds no "
        f"border: {cut} (numbers only; 'same' and 'valid' are Conv2d's).</p>"
    )


def _groups_text(view: StateView) -> str:
    spec = view.spec
    g, cin = spec.groups, spec.in_channels
    noun, sees = ("output channel", "is painted by") if spec.transposed else ("filter", "sees")
    if g == 1:
        how = f"every {noun} {sees} all {cin} input channels"
    else:
        how = (
            f"the {cin} input channels and {spec.out_channels} {noun}s split into {g} groups: "
            f"each {noun} {sees} only its group's {plural(spec.in_per_group, 'channel')}"
            + (" (depthwise)" if spec.in_per_group == 1 else "")
        )
    full = spec.out_channels * cin * spec.kernel_size[0] * spec.kernel_size[1]
    saved = full - spec.out_channels * spec.weights_per_filter
    saving = f"; that saves {saved} of {full} weights against groups=1" if saved else ""
    return f"{_title(f'Groups: {g}')} — {how}{saving}."


# ---- the kernel editor -------------------------------------------------------------------------


def tap_place(i: int, j: int, kh: int, kw: int) -> str:
    """Where tap (i, j) sits in the window: 'top-left', 'centre', 'row 2, col 3'."""

    def side(index: int, size: int, first: str, last: str) -> str | None:
        if size == 1 or 2 * index == size - 1:
            return ""
        return first if index == 0 else last if index == size - 1 else None

    vertical = side(i, kh, "top", "bottom")
    horizontal = side(j, kw, "left", "right")
    if vertical is None or horizontal is None:
        return f"row {i}, col {j} of the window"
    if not vertical and not horizontal:
        return "the window's centre" if kh * kw > 1 else "the window's only pixel"
    return "the window's " + "-".join(part for part in (vertical, horizontal) if part)


def weight_text(
    view: StateView, o: int, slot: int, i: int, j: int, pixel: Pixel | None = None
) -> str:
    """One weight: what it belongs to and which pixel it multiplies at the current position
    (for a transposed layer: where it paints input ``pixel``, the painting view's)."""
    spec = view.spec
    if spec.transposed:
        return _transposed_weight_text(view, o, slot, i, j, pixel or (0, 0))
    channel = spec.filter_input_channels(o).start + slot
    kh, kw = spec.kernel_size
    value = float(view.weight[o, slot, i, j])
    name = channel_label(channel, photo=view.input_is_photo).removeprefix("in ")
    ui, uj = tap_in_use(spec, i, j)  # the tap it multiplies: mirrored when the layer flips
    flipped = (
        f" (the layer flips the kernel, textbook convolution: typed at {tap_place(i, j, kh, kw)},"
        f" used at tap ({ui}, {uj}))"
        if spec.flip_kernel
        else ""
    )
    text = (
        f"{_title(f'w[{o}, {slot}, {i}, {j}] = {number(value)}')}: filter {o}'s weight for "
        f"input channel {name} at row {i}, col {j} — multiplies the input pixel at "
        f"{tap_place(ui, uj, kh, kw)}{flipped}."
    )
    dot = view.dot_product(o, view.position)
    row, col = int(dot.tap_rows[ui, uj]), int(dot.tap_cols[ui, uj])
    source = "the padding" if dot.in_padding[ui, uj] else "the input"
    return text + (
        f"<p>At the sliding window's position out({dot.row}, {dot.col}) that is {source} at "
        f"(row {row}, col {col}) = {number(dot.patch[slot][ui, uj])}, so this weight adds "
        f"{number(dot.products[slot][ui, uj])} to output channel {o}.</p>"
    )


def _transposed_weight_text(
    view: StateView, o: int, slot: int, i: int, j: int, pixel: Pixel
) -> str:
    """A transposed layer's weight: nothing slides; every input pixel of its channel scales it
    into one spot of its painted patch."""
    spec = view.spec
    channel = spec.filter_input_channels(o).start + slot
    (sh, sw), (dh, dw) = spec.stride, spec.dilation
    (ph, pw), (oh, ow) = spec.padding, view.output_size  # type: ignore[misc]
    value = view.weight[o, slot, i, j]
    name = channel_label(channel, photo=view.input_is_photo).removeprefix("in ")
    ui, uj = tap_in_use(spec, i, j)
    torch_index = f"weight[{channel}, {o % spec.out_per_group}, {i}, {j}]"
    flipped = (
        f" The layer flips the kernel (textbook convolution), so it is painted at tap ({ui}, {uj})."
        if spec.flip_kernel
        else ""
    )
    text = (
        f"{_title(f'w[{o}, {slot}, {i}, {j}] = {number(float(value))}')}: output channel {o}'s "
        f"weight for input channel {name} at row {i}, col {j} — PyTorch's {torch_index}. Every "
        f"pixel of input channel {name} multiplies it and adds the product into output channel "
        f"{o}, {plural(ui * dh, 'row')} and {plural(uj * dw, 'column')} from where that "
        f"pixel's patch starts.{flipped}"
    )
    r, q = pixel
    x = view.image[channel, r, q]
    product = x * value  # in float32, as the painting view's scaled kernel
    at_r, at_c = r * sh - ph + ui * dh, q * sw - pw + uj * dw
    lands = (
        f"adds {number(float(product))} to out({at_r}, {at_c})"
        if 0 <= at_r < oh and 0 <= at_c < ow
        else f"would add {number(float(product))} at ({at_r}, {at_c}), cropped off the output"
    )
    return text + (
        f"<p>At the painting view's input pixel ({r}, {q}): x = {number(float(x))}, so this "
        f"weight {lands}.</p>"
    )


def bias_text(view: StateView, o: int) -> str:
    bias = view.bias
    value = number(float(bias[o])) if bias is not None else "—"
    return (
        f"{_title(f'bias[{o}] = {value}')}: added once to every value of output channel {o}, "
        "after the channel sums — it shifts the whole map up or down, whatever the input."
    )


def filter_text(view: StateView, o: int) -> str:
    spec = view.spec
    kh, kw = spec.kernel_size
    title = f"Kernel {o}" if spec.transposed else f"Filter {o}"
    return (
        f"{_title(title)} makes output channel {o}: {_filter_sentence(view, o)} "
        f"({plural(spec.in_per_group, 'slice')} of {kh}×{kw}). "
        "Click to select it."
    )


def absent_text(view: StateView, o: int, c: int) -> str:
    spec = view.spec
    return (
        f"{_title(f'No weights: filter {o} × in {c}')} — with groups={spec.groups}, filter {o} "
        f"sees only {_channels(view, spec.filter_input_channels(o))}; input channel {c} feeds "
        "other filters."
    )


def kernel_editor_text(view: StateView) -> str:
    spec = view.spec
    if spec.pool:
        return pool_editor_text(view)
    if spec.transposed:
        o_pg = spec.out_per_group
        where = (
            "row o, column i is PyTorch's weight[i, o]"
            if spec.groups == 1
            else f"row o, column i (input channel c of o's group) is PyTorch's weight[c, o mod "
            f"{o_pg}]"
        )
        layout = (
            f"the weight tensor {spec.weight_shape} in the explorer's layout (output channels, "
            "input channels per group, kernel rows, columns): one row per output channel, one "
            f"column per input channel it is painted by. PyTorch's ConvTranspose2d stores it "
            f"the other way round, {spec.torch_weight_shape} (in, out/groups, kH, kW): {where}; "
            "exports and Copy as PyTorch convert."
        )
    else:
        layout = (
            f"the weight tensor {spec.weight_shape} in PyTorch's layout (filters, input channels "
            "per filter, kernel rows, columns): one row per filter, one column per input channel."
        )
    flipped = (
        " The layer computes with every slice flipped in both axes (textbook convolution); the "
        "editor shows them as typed."
        if spec.flip_kernel
        else ""
    )
    return (
        f"{_title('Kernel editor')} — {layout}{flipped} {escape(spec.describe())}. Type into a "
        "cell, turn the wheel over it, or apply a preset."
    )


def preset_text(view: StateView) -> str:
    o = view.selected_filter
    return (
        f"{_title('Presets')} — classic kernels (edges, blur, sharpen, diagonals, luma) to put "
        f"into a slice, the selected filter ({o}) or the whole layer of "
        f"{plural(view.spec.out_channels, 'filter')}; each is one undoable step."
    )


def kernel_scale_text(view: StateView) -> str:
    weights = view.weight
    limit = float(abs(weights).max()) if weights.size else 0.0
    return (
        f"{_title('Weight colours')} — blue negative, white 0, red positive, on ±{number(limit)} "
        "(the largest |weight| of the layer)."
    )


# ---- inputs and outputs ---------------------------------------------------------------------


def input_text(view: StateView, channel: int | None, pixel: Pixel | None) -> str:
    """An input panel: ``channel`` None is the photo's RGB composite."""
    c, h, w = view.image.shape
    spec = view.spec
    if channel is None:
        text = (
            f"{_title('The input as a colour image')}: its 3 channels R, G, B ({h}×{w}) "
            "together. The layer never sees this picture: each filter reads the channels as "
            "separate grids of numbers."
        )
        if pixel is not None:
            values = ", ".join(
                f"{channel_label(k, photo=view.input_is_photo)} {number(view.image[k][pixel])}"
                for k in range(c)
            )
            text += f"<p>At (row {pixel[0]}, col {pixel[1]}): {values}.</p>"
        return text
    readers = [o for o in range(spec.out_channels) if channel in spec.filter_input_channels(o)]
    low, high = (float(v) for v in view.input_ranges[channel])
    noun = "output channel" if spec.transposed else "filter"
    read = (
        f"all {plural(len(readers), noun)}"
        if len(readers) == spec.out_channels
        else f"{noun if len(readers) == 1 else noun + 's'} {', '.join(map(str, readers))}"
    )
    name = channel_label(channel, photo=view.input_is_photo).removeprefix("in ")
    kh, kw = spec.kernel_size
    how = (
        f"Each pixel paints {read}, through their own {kh}×{kw} slice for this channel"
        if spec.transposed
        else f"Read by {read}, each through its own {kh}×{kw} slice for this channel"
    )
    text = (
        f"{_title(f'Input channel {name}')}: "
        f"{h}×{w} values from {number(low)} to {number(high)}. {how}."
    )
    if pixel is not None:
        text += f"<p>At (row {pixel[0]}, col {pixel[1]}): {number(view.image[channel][pixel])}.</p>"
    return text


def output_text(view: StateView, o: int, pixel: Pixel | None) -> str:
    spec = view.spec
    oh, ow = view.output_size
    text = f"{_title(f'Output channel {o}')} = {_filter_sentence(view, o)}."
    values = view.output(o)
    if values is None:
        return text + "<p>Being computed…</p>"
    after = after_activation(view.activation)
    made = (
        "Every input pixel paints a scaled kernel into it, "
        f"{shape_text(*spec.stride)} apart (the stride); each value sums what lands on it."
        if spec.transposed
        else f"One value per window position (stride {shape_text(*spec.stride)})."
    )
    text += (
        f"<p>{oh}×{ow} values{after}, from {number(float(values.min()))} to "
        f"{number(float(values.max()))}. {made}</p>"
    )
    if pixel is not None and pixel[0] < oh and pixel[1] < ow and spec.transposed:
        dot = view.dot_product(o, pixel)
        landing = int((~dot.in_padding).sum())
        bias = f" + bias {number(dot.bias)}" if view.bias is not None else ""
        text += (
            f"<p>At (row {pixel[0]}, col {pixel[1]}): {number(float(values[pixel]))} = the sum "
            f"of {plural(landing * len(dot.input_channels), 'product')}{bias}: {landing} of "
            f"the {dot.kernel.shape[1] * dot.kernel.shape[2]} kernel taps land here from an "
            f"input pixel, on each of {plural(len(dot.input_channels), 'input channel')}. The "
            "painting view shows the pixels adding up.</p>"
        )
    elif pixel is not None and pixel[0] < oh and pixel[1] < ow:
        dot = view.dot_product(o, pixel)
        bias = f" + bias {number(dot.bias)}" if view.bias is not None else ""
        text += (
            f"<p>At (row {pixel[0]}, col {pixel[1]}): {number(float(values[pixel]))} = the sum "
            f"of {plural(len(dot.input_channels), 'channel sum')}{bias}. Click to watch it "
            "computed in the sliding window.</p>"
        )
    return text


def colour_bar_text(view: StateView, o: int, levels: tuple[float, float] | None) -> str:
    low, high = levels if levels is not None else (0.0, 0.0)
    signed = "blue negative, white 0, red positive" if low < 0 < high else "dark low, light high"
    return (
        f"{_title(f'Colour bar of output channel {o}')} — {signed}, from {number(low)} to "
        f"{number(high)}. View → Shared scale puts every output on one scale."
    )


def input_scale_text(view: StateView) -> str:
    low = float(view.input_ranges[:, 0].min())
    high = float(view.input_ranges[:, 1].max())
    return (
        f"{_title('Input scale')} — every input channel is drawn on this one scale, from "
        f"{number(low)} to {number(high)}, so channels compare at a glance."
    )


def shared_scale_text(view: StateView) -> str:
    return (
        f"{_title('Shared scale')} — on: one colour scale for all "
        f"{plural(view.spec.out_channels, 'output')}, to compare how strongly the filters "
        "respond; off: each map on its own scale, to see its detail."
    )


# ---- panels as a whole -----------------------------------------------------------------------


def dock_text(view: StateView, name: str) -> str | None:
    """A whole panel, by the object name of its view."""
    spec = view.spec
    c, h, w = view.image.shape
    oh, ow = view.output_size
    texts = {
        "layerControls": (
            f"{_title('Layer')} — nn.{spec.kind}'s settings: {escape(spec.describe())}. "
            f"Input {shape_text(c, h, w)} → output {shape_text(spec.out_channels, oh, ow)}."
        ),
        "inputView": (
            f"{_title('Input')} — {c}×{h}×{w}: {plural(c, 'channel')} of {h}×{w} numbers, each "
            "its own panel. "
            + (
                "Each pixel paints every output channel of its group through that channel's "
                "kernel slice for it."
                if spec.transposed
                else "A filter reads each channel it sees through its own kernel slice."
            )
        ),
        "outputPanels": (
            f"{_title('Output channels')} — {spec.out_channels}×{oh}×{ow}: one map per "
            f"{'kernel' if spec.transposed else 'filter'}, each {oh}×{ow}. One "
            f"{'kernel' if spec.transposed else 'filter'} makes one output channel however many "
            "input channels it reads."
        ),
        "kernelEditor": kernel_editor_text(view),
        "networkStrip": (
            f"{_title('Network')} — the stack of layers, left to right: the input, then what "
            "each layer makes of what the layer before made, its maps small, with its output "
            "shape and parameter count. Click a layer to work on it: the kernel editor, the "
            "layer form, the sliding window and the output panels follow. The selected layer "
            f"is an nn.{spec.kind} reading {plural(spec.in_channels, 'channel')} and making "
            f"{spec.out_channels}. Right-click a layer (or the Layers menu) to add, duplicate, "
            "move or remove one; each is one undo step."
        ),
        "slidingWindowView": sliding_text(view),
    }
    return texts.get(name)


def sliding_text(view: StateView, pixel: Pixel | None = None) -> str:
    """The sliding window's dock; for a transposed layer its painting view at input ``pixel``."""
    if view.spec.transposed:
        return painting_text(view, pixel or (0, 0))
    if view.spec.pool:
        return pool_sliding_text(view)
    o, (row, col) = view.selected_filter, view.position
    dot = view.dot_product()
    flipped = ", flipped: textbook convolution" if view.spec.flip_kernel else ""
    return (
        f"{_title('Sliding window')} — filter {o} at output position ({row}, {col}): the "
        f"window on each of its {plural(len(dot.input_channels), 'input channel')}, the products "
        f"with the kernel (as used"
        f"{flipped}), their sums, and the value {number(dot.value)} they make. Space plays, "
        "←/→ step."
    )


def painting_text(view: StateView, pixel: Pixel) -> str:
    """The transposed layer's painting view as a whole, at input pixel ``pixel``."""
    spec, o = view.spec, view.selected_filter
    _, h, w = view.image.shape
    channels = _channels(view, spec.filter_input_channels(o))
    return (
        f"{_title('Painting (ConvTranspose2d)')} — nothing slides: the view steps through the "
        f"{h * w} input pixels in raster order (now ({pixel[0]}, {pixel[1]})). Each pixel's "
        f"values on {channels} multiply output channel {o}'s kernel slices, the scaled slices "
        f"add up to one patch, and the patch is added into the output, "
        f"{shape_text(*spec.stride)} apart from its neighbours' (the stride). After the last "
        "pixel the map is the layer's output. Space plays, ←/→ step a pixel, ↑/↓ a row."
    )


# ---- the sliding window's parts ---------------------------------------------------------------


def _row_channel(view: StateView, slot: int) -> str:
    dot = view.dot_product()
    slot = min(max(slot, 0), len(dot.input_channels) - 1)
    return channel_label(dot.input_channels[slot], photo=view.input_is_photo)


def window_part_text(view: StateView, part: str, slot: int | None = None) -> str | None:
    """A part of the sliding window (by object name); ``slot``: the channel row it belongs to."""
    if view.spec.pool and (pooled := pool_window_part_text(view, part)) is not None:
        return pooled
    dot = view.dot_product()
    o, kh, kw = dot.out_channel, *view.spec.kernel_size
    where = f"out({dot.row}, {dot.col})"
    s = 0 if slot is None else min(max(slot, 0), len(dot.input_channels) - 1)
    channel = _row_channel(view, s)
    taps = kh * kw
    sums = dot.channel_sums
    texts = {
        "windowInput": (
            f"{_title(f'Input under the window, {channel}')} — the {taps} input values the "
            f"{kh}×{kw} kernel covers for {where} (amber: taken from the padding)."
        ),
        "kernelGrid": (
            f"{_title(f'Kernel slice, filter {o} · {channel}')} — the {taps} weights filter {o} "
            f"uses on {channel}; the same at every position."
            + (
                " Textbook convolution: the typed slice flipped in both axes, as it multiplies."
                if view.spec.flip_kernel
                else ""
            )
        ),
        "windowProducts": (
            f"{_title(f'Products, {channel}')} — input value × weight, tap by tap: {taps} "
            f"products whose sum is {number(float(sums[s]))}."
        ),
        "channelSum": (
            f"{_title(f'Σ {channel} = {number(float(sums[s]))}')} — this channel's share of "
            f"{where}: the sum of its {taps} products."
        ),
        "windowNeighbourhood": (
            f"{_title(f'The window on {channel}')} — the input around {where}; outlined: the "
            f"{taps} pixels the kernel taps read."
        ),
        "slidingWindowEquation": _equation_text(view),
        "channelSums": (
            f"{_title('Channel sums')} — one bar per input channel filter {o} reads: "
            f"{len(sums)} sums from {number(float(sums.min()))} to {number(float(sums.max()))}, "
            "added together (plus the bias) to make the output value. Hover a bar for its row."
        ),
        "slidingWindowOverview": (
            f"{_title('The whole input')} — with the window of {where} on it (padding and "
            "dilated taps included), beside the output map filling in."
        ),
        "outputMap": (
            f"{_title(f'Output map of filter {o}')} — {view.output_size[0]}×"
            f"{view.output_size[1]}; the marked pixel is {where}, written when the window gets "
            "there. Click to move the window; drag a rectangle to play only that region."
        ),
        "slidingHeader": sliding_text(view),
    }
    return texts.get(part)


def _equation_text(view: StateView) -> str:
    """The equation line in words, with the texts the line itself shows (they add up)."""
    dot = view.dot_product()
    bias = None if view.bias is None else dot.bias
    numbers = equation_numbers(
        [*dot.channel_sums.tolist(), *([] if bias is None else [bias])], dot.value
    )
    photo = view.input_is_photo
    terms = [
        f"Σ {channel_label(c, photo=photo)} ({t})"
        for c, t in zip(dot.input_channels, numbers.terms, strict=False)
    ]
    if len(terms) > 6:  # as the line itself does when it runs out of room
        terms = [*terms[:3], f"… {len(terms) - 4} more …", terms[-1]]
    if bias is not None:
        terms.append(f"bias ({numbers.terms[-1]})")
    activated = view.output(dot.out_channel)
    relu = (
        f", then {ACTIVATION_NAMES[view.activation]} gives "
        f"{activated_text(numbers, view.activation, float(activated[dot.row, dot.col]))}"
        if view.activation != "none" and activated is not None
        else ""
    )
    sums = len(dot.input_channels)
    return (
        f"{_title(f'out({dot.row}, {dot.col}) of filter {dot.out_channel}')} = "
        f"{' + '.join(terms)} {'=' if numbers.adds_up else '≈'} {numbers.total}{relu}: each "
        f"input channel's sum of products ({sums} of them) added up"
        f"{', plus the bias' if bias is not None else ''}."
    )


def transport_text(view: StateView, name: str) -> str | None:
    """The sliding window's transport bar: buttons, speed, scrubber and position."""
    oh, ow = view.output_size
    count = oh * ow
    row, col = view.position
    index = row * ow + col
    texts = {
        "first": "First position (Home): the window's top-left output, (0, 0).",
        "back": "Step back (←) one output position; ↑/↓ move a row.",
        "play": f"Play / pause (Space): step through all {count} positions of the {oh}×{ow} map.",
        "forward": "Step forward (→) one output position; ↑/↓ move a row.",
        "last": f"Last position (End): ({oh - 1}, {ow - 1}).",
        "wholeMap": "Whole map (Esc): play every position again, not only a dragged region.",
        "strongest": (
            f"Strongest: jump to where filter {view.selected_filter} responds most — the "
            "largest value of its output map."
        ),
        "byChannel": "By channel: inside each position, add the input channels one at a time.",
        "export": "Export…: save the animation over a range of positions as a GIF or PNGs.",
        "playbackSpeed": (
            f"Speed in output positions per second; this map has {count} positions ({oh}×{ow})."
        ),
        "positionScrubber": (
            f"Every output position in raster order: now {index + 1} of {count}, "
            f"(row {row}, col {col}). Drag to scrub."
        ),
        "windowPosition": (
            f"The window's output position (row {row}, col {col}): number {index + 1} of "
            f"{count}, counting along rows."
        ),
    }
    text = texts.get(name)
    return None if text is None else f"{_title('Transport')} — {text}"


def status_text(view: StateView) -> str:
    shapes = layer_shapes(view.image.shape, view.spec.out_channels, view.output_size)
    return (
        f"{_title('Status bar')} — messages about what you hover or do on the left; on the "
        f"right the layer in one line: {shapes}, "
        f"{view.spec.parameter_count} parameters. 'computing…' shows while outputs are computed."
    )
