"""What's This? texts: every part of the window explained with the numbers it shows right now.

Each function reads the read-only ``StateView`` when asked (cheap string formatting), so a text
is never stale; numbers and channel names go through ``widgets.style`` like everywhere else.
``_whats_this`` decides which function answers for the widget (and position) clicked.
"""

from __future__ import annotations

from html import escape

from ..model import LayerSpec, StateView
from ..widgets.style import channel_label, equation_numbers, number

Pixel = tuple[int, int]


def _title(text: str) -> str:
    return f"<b>{escape(text)}</b>"


def _plural(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _channels(view: StateView, channels: range) -> str:
    """'all 3 input channels', 'input channel 2 (B)', 'input channels 4–7'."""
    count = view.image.shape[0]
    if len(channels) == count:
        return "the one input channel" if count == 1 else f"all {count} input channels"
    if len(channels) == 1:
        return f"input channel {channel_label(channels.start, count).removeprefix('in ')}"
    return f"input channels {channels.start}–{channels.stop - 1}"


def _parameters(spec: LayerSpec) -> str:
    weights = _plural(spec.weights_per_filter, "weight")
    return f"{weights} + 1 bias" if spec.bias else f"{weights}, no bias"


def _filter_sentence(view: StateView, o: int) -> str:
    """'filter 2 applied to all 3 input channels; 27 weights + 1 bias'."""
    spec = view.spec
    return (
        f"filter {o} applied to {_channels(view, spec.filter_input_channels(o))}; "
        f"{_parameters(spec)}"
    )


# ---- the output size and the settings that make it ------------------------------------------


def size_formula(view: StateView) -> str:
    """PyTorch's output-size formula per axis, written out with this layer's numbers."""
    spec = view.spec
    _, h, w = view.image.shape
    top, bottom, left, right = spec.pads
    (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
    oh, ow = view.output_size
    rows = f"⌊({h} + {top} + {bottom} − {dh}·({kh} − 1) − 1) / {sh}⌋ + 1 = {oh}"
    cols = f"⌊({w} + {left} + {right} − {dw}·({kw} − 1) − 1) / {sw}⌋ + 1 = {ow}"
    return (
        "Output size = ⌊(input + padding − dilation·(kernel − 1) − 1) / stride⌋ + 1:<br>"
        f"rows {rows}<br>columns {cols}"
    )


def _axis_pair(pair: tuple[int, int]) -> str:
    return f"{pair[0]}×{pair[1]}"


def control_text(view: StateView, name: str) -> str | None:
    """A layer control (by object name, ``Height``/``Width`` spin boxes by their pair)."""
    spec = view.spec
    c, h, w = view.image.shape
    (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
    formula = f"<p>{size_formula(view)}</p>"
    texts = {
        "inChannels": (
            f"{_title(f'In channels: {c}')} — set by the input ({c} × {h} × {w}), not chosen: "
            f"every filter has one {kh}×{kw} kernel per input channel it sees "
            f"({spec.in_per_group} here)."
        ),
        "outChannels": (
            f"{_title(f'Out channels: {spec.out_channels}')} — the number of filters. Each "
            f"filter makes one output channel: {spec.out_channels} filters × "
            f"{spec.weights_per_filter} weights" + (" + 1 bias each" if spec.bias else "") + "."
        ),
        "kernelSize": (
            f"{_title(f'Kernel {kh}×{kw}')} — each filter holds a {kh}×{kw} slice of weights per "
            f"input channel it sees: {spec.in_per_group} × {kh}×{kw} = "
            f"{spec.weights_per_filter} weights.{formula}"
        ),
        "stride": (
            f"{_title(f'Stride {_axis_pair(spec.stride)}')} — the window moves {sh} "
            f"pixel{'s' if sh != 1 else ''} down per output row and {sw} "
            f"pixel{'s' if sw != 1 else ''} right per output column; a larger stride skips "
            f"positions and shrinks the output.{formula}"
        ),
        "paddingKind": _padding_text(view) + formula,
        "padding": _padding_text(view) + formula,
        "paddingMode": (
            f"{_title(f'Padding mode: {spec.padding_mode}')} — what the border added around the "
            "input holds: zeros, a mirror of the edge (reflect), the edge pixel repeated "
            "(replicate) or the opposite side (circular)."
            + (" This layer has no padding, so it changes nothing." if not any(spec.pads) else "")
        ),
        "dilation": (
            f"{_title(f'Dilation {_axis_pair(spec.dilation)}')} — neighbouring kernel taps are "
            f"{_plural(dh, 'row')} and {_plural(dw, 'column')} apart, so a {kh}×{kw} kernel covers "
            f"{_axis_pair(spec.effective_kernel_size)} input pixels with the same "
            f"{kh * kw} weights.{formula}"
        ),
        "groups": _groups_text(view),
        "bias": (
            f"{_title('Bias: ' + ('on' if spec.bias else 'off'))} — "
            + (
                f"one number per filter ({spec.out_channels} in all), added once to every output "
                "value after the channel sums."
                if spec.bias
                else "no bias: an output value is the sum of its products alone."
            )
        ),
        "activation": (
            f"{_title(f'Activation: {view.activation}')} — "
            + (
                "ReLU replaces every negative output value with 0 (after the bias)."
                if view.activation == "relu"
                else "none: the outputs are the sums as computed, negative values included."
            )
        ),
    }
    return texts.get(name)


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
)


def _padding_text(view: StateView) -> str:
    spec = view.spec
    top, bottom, left, right = spec.pads
    kind = spec.padding if isinstance(spec.padding, str) else _axis_pair(spec.padding)
    if not any(spec.pads):
        added = "no border: the window stays inside the input, so the output is smaller"
    else:
        added = (
            f"a border of {top} row{'s' if top != 1 else ''} on top, {bottom} below, {left} "
            f"column{'s' if left != 1 else ''} left and {right} right ({spec.padding_mode})"
        )
    same = " ('same' keeps the input's size; an odd extra goes bottom/right)"
    return f"<p>{_title(f'Padding {kind}')} — {added}{same if spec.padding == 'same' else ''}.</p>"


def _groups_text(view: StateView) -> str:
    spec = view.spec
    g, cin = spec.groups, spec.in_channels
    if g == 1:
        how = f"every filter sees all {cin} input channels"
    else:
        how = (
            f"the {cin} input channels and {spec.out_channels} filters split into {g} groups: "
            f"each filter sees only its group's {spec.in_per_group} channel"
            f"{'s' if spec.in_per_group != 1 else ''}"
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


def weight_text(view: StateView, o: int, slot: int, i: int, j: int) -> str:
    """One weight: what it belongs to and which pixel it multiplies at the current position."""
    spec = view.spec
    channel = spec.filter_input_channels(o).start + slot
    kh, kw = spec.kernel_size
    value = float(view.weight[o, slot, i, j])
    name = channel_label(channel, spec.in_channels).removeprefix("in ")
    text = (
        f"{_title(f'w[{o}, {slot}, {i}, {j}] = {number(value)}')}: filter {o}'s weight for "
        f"input channel {name} at row {i}, col {j} — multiplies the input pixel at "
        f"{tap_place(i, j, kh, kw)}."
    )
    dot = view.dot_product(o, view.position)
    row, col = int(dot.tap_rows[i, j]), int(dot.tap_cols[i, j])
    source = "the padding" if dot.in_padding[i, j] else "the input"
    return text + (
        f"<p>At the sliding window's position out({dot.row}, {dot.col}) that is {source} at "
        f"(row {row}, col {col}) = {number(dot.patch[slot][i, j])}, so this weight adds "
        f"{number(dot.products[slot][i, j])} to output channel {o}.</p>"
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
    return (
        f"{_title(f'Filter {o}')} makes output channel {o}: {_filter_sentence(view, o)} "
        f"({spec.in_per_group} slice{'s' if spec.in_per_group != 1 else ''} of {kh}×{kw}). "
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
    return (
        f"{_title('Kernel editor')} — the weight tensor {spec.weight_shape} in PyTorch's layout "
        f"(filters, input channels per filter, kernel rows, columns): one row per filter, one "
        f"column per input channel. {escape(spec.describe())}. Type into a cell, turn the wheel "
        "over it, or apply a preset."
    )


def preset_text(view: StateView) -> str:
    o = view.selected_filter
    return (
        f"{_title('Presets')} — classic kernels (edges, blur, sharpen, diagonals, luma) to put "
        f"into a slice, the selected filter ({o}) or the whole layer of "
        f"{_plural(view.spec.out_channels, 'filter')}; each is one undoable step."
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
    """An input panel: ``channel`` None is the RGB composite."""
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
                f"{channel_label(k, c)} {number(view.image[k][pixel])}" for k in range(c)
            )
            text += f"<p>At (row {pixel[0]}, col {pixel[1]}): {values}.</p>"
        return text
    readers = [o for o in range(spec.out_channels) if channel in spec.filter_input_channels(o)]
    low, high = (float(v) for v in view.input_ranges[channel])
    read = (
        f"all {_plural(len(readers), 'filter')}"
        if len(readers) == spec.out_channels
        else f"filter{'s' if len(readers) != 1 else ''} {', '.join(map(str, readers))}"
    )
    name = channel_label(channel, c).removeprefix("in ")
    text = (
        f"{_title(f'Input channel {name}')}: "
        f"{h}×{w} values from {number(low)} to {number(high)}. Read by {read}, each through "
        f"its own {spec.kernel_size[0]}×{spec.kernel_size[1]} slice for this channel."
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
    after = " after ReLU" if view.activation == "relu" else ""
    text += (
        f"<p>{oh}×{ow} values{after}, from {number(float(values.min()))} to "
        f"{number(float(values.max()))}. One value per window position "
        f"(stride {_axis_pair(spec.stride)}).</p>"
    )
    if pixel is not None and pixel[0] < oh and pixel[1] < ow:
        dot = view.dot_product(o, pixel)
        bias = f" + bias {number(dot.bias)}" if view.bias is not None else ""
        text += (
            f"<p>At (row {pixel[0]}, col {pixel[1]}): {number(float(values[pixel]))} = the sum "
            f"of {len(dot.input_channels)} channel sum"
            f"{'s' if len(dot.input_channels) != 1 else ''}{bias}. Click to watch it computed "
            "in the sliding window.</p>"
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
        f"{_plural(view.spec.out_channels, 'output')}, to compare how strongly the filters "
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
            f"{_title('Layer')} — nn.Conv2d's settings: {escape(spec.describe())}. "
            f"Input {c}×{h}×{w} → output {spec.out_channels}×{oh}×{ow}."
        ),
        "inputView": (
            f"{_title('Input')} — {c}×{h}×{w}: {_plural(c, 'channel')} of {h}×{w} numbers, each "
            "its own panel. A filter reads each channel it sees through its own kernel slice."
        ),
        "outputPanels": (
            f"{_title('Output channels')} — {spec.out_channels}×{oh}×{ow}: one map per filter, "
            f"each {oh}×{ow}. One filter makes one output channel however many input "
            "channels it reads."
        ),
        "kernelEditor": kernel_editor_text(view),
        "slidingWindowView": sliding_text(view),
    }
    return texts.get(name)


def sliding_text(view: StateView) -> str:
    o, (row, col) = view.selected_filter, view.position
    dot = view.dot_product()
    return (
        f"{_title('Sliding window')} — filter {o} at output position ({row}, {col}): the "
        f"window on each of its {len(dot.input_channels)} input channel"
        f"{'s' if len(dot.input_channels) != 1 else ''}, the products with the kernel, their "
        f"sums, and the value {number(dot.value)} they make. Space plays, ←/→ step."
    )


# ---- the sliding window's parts ---------------------------------------------------------------


def _row_channel(view: StateView, slot: int) -> str:
    dot = view.dot_product()
    slot = min(max(slot, 0), len(dot.input_channels) - 1)
    return channel_label(dot.input_channels[slot], view.image.shape[0])


def window_part_text(view: StateView, part: str, slot: int | None = None) -> str | None:
    """A part of the sliding window (by object name); ``slot``: the channel row it belongs to."""
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
    count = view.image.shape[0]
    terms = [
        f"Σ {channel_label(c, count)} ({t})"
        for c, t in zip(dot.input_channels, numbers.terms, strict=False)
    ]
    if len(terms) > 6:  # as the line itself does when it runs out of room
        terms = [*terms[:3], f"… {len(terms) - 4} more …", terms[-1]]
    if bias is not None:
        terms.append(f"bias ({numbers.terms[-1]})")
    relu = f", then ReLU gives {numbers.relu}" if view.activation == "relu" else ""
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
    c, h, w = view.image.shape
    oh, ow = view.output_size
    return (
        f"{_title('Status bar')} — messages about what you hover or do on the left; on the "
        f"right the layer in one line: {c}×{h}×{w} → {view.spec.out_channels}×{oh}×{ow}, "
        f"{view.spec.parameter_count} parameters. 'computing…' shows while outputs are computed."
    )
