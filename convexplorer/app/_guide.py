"""'What am I looking at?': the window explained in terms of the layer it shows right now.

Every sentence is built from the layer's own counts (one channel or many, grouped or depthwise,
one filter or many), so it is true for the layer on the screen, not only for an RGB example.
"""

from __future__ import annotations

from html import escape

from ..model import ACTIVATIONS, LayerSpec, NetworkView, StateView, textbook_field_size
from ..widgets.pool_words import pool_output, pool_padding
from ..widgets.style import ACTIVATION_NAMES, ACTIVATION_TIPS, plural

#: The sliding window's button that jumps to the largest output (its label on the screen).
STRONGEST_LABEL = "Strongest"


def _filter_sentence(spec: LayerSpec) -> str:
    """What one filter is: one kernel or a stack of them, on which input channels."""
    kh, kw = spec.kernel_size
    c, k, g = spec.in_channels, spec.in_per_group, spec.groups
    if c == 1:
        seen = "the one input channel"
    elif g == 1:
        seen = f"all {c} input channels"
    elif k == 1:
        seen = f"one of the {c} input channels (groups={g}, depthwise: each filter its own channel)"
    else:
        seen = f"{k} of the {c} input channels (groups={g}: each filter sees its group only)"
    weights = plural(spec.weights_per_filter, "weight") + (" plus one bias" if spec.bias else "")
    if k == 1:
        return f"A filter is one {kh}×{kw} kernel on {seen}: {weights}."
    return (
        f"A filter is not one {kh}×{kw} matrix: it is a stack of {k} kernels of {kh}×{kw}, one "
        f"for each input channel it sees — {seen} — that is {weights}."
    )


def _sum_paragraph(spec: LayerSpec, channels: int, photo: bool) -> str:
    """How the channels a filter reads become its one output value (``photo``: the layer reads
    the colour picture, ``StateView.input_is_photo``)."""
    k = spec.in_per_group
    bias = ", plus the bias" if spec.bias else ""
    if k == 1:
        heading = "How one output value is made"
        how = (
            f"at every position the kernel is multiplied element-wise with the window of its "
            f"input channel and the products are summed{bias}."
        )
    else:
        heading = f"How {k} channels become 1"
        how = (
            "at every position each kernel slice is multiplied element-wise with its own input "
            f"channel's window and summed; the {k} channel sums are added together{bias}."
        )
    if channels == 1:
        return f"<p><b>{heading}:</b> {how} One filter makes <i>one</i> output channel.</p>"
    if photo:
        example = "an RGB image convolved with one filter is no longer RGB"
    else:
        example = f"a {channels}-channel input convolved with one filter gives one channel"
    return (
        f"<p><b>{heading}:</b> {how} So one filter always makes <i>one</i> output channel, "
        f"however many input channels there are — {example}.</p>"
    )


def _block(spec: LayerSpec) -> str:
    """How W looks with groups: block-diagonal over every input channel."""
    if spec.groups == 1:
        return ""
    return f", block-diagonal over all {spec.in_channels} input channels with groups={spec.groups}"


def _stack_paragraph(stack: NetworkView | None) -> str:
    """Where the layer on the screen sits in a stack of several, and what the stack adds."""
    if stack is None or len(stack) < 2:
        return ""
    index, count = stack.selected, len(stack)
    spec = stack.layer(index).spec
    source = (
        f"the {spec.in_channels}-channel input"
        if index == 0
        else f"the {plural(spec.in_channels, 'map')} layer {index} made"
    )
    feeds = f"feed layer {index + 2}" if index + 1 < count else "are the network's output"
    try:
        fh, fw = textbook_field_size(stack.specs[: index + 1])
        field = f" — through the layers up to this one, a pixel sees {fh}×{fw} of the image"
    except ValueError:  # a transposed layer: the strip still outlines the exact field
        field = ""
    return f"""
<p><b>A stack of {count} layers</b> — the window shows layer {index + 1}: it reads {source}
and its {plural(spec.out_channels, "map")} {feeds}. The <b>Network</b> strip shows every layer's
maps; click a column to work on that layer, and use the <b>Layers</b> menu (or right-click) to
add, duplicate, remove or move one. Hover an output pixel: its receptive field is outlined on
the input and on every earlier map in the strip{field}. Sessions keep the whole stack, and
<b>File → Copy as PyTorch</b> writes it as one <code>nn.Sequential</code>.</p>"""


def guide_html(state: StateView, stack: NetworkView | None = None) -> str:
    """A short guide whose numbers are the current layer's, so it answers the student's case;
    with ``stack`` (of several layers) it also says where this layer sits in it."""
    spec = state.spec
    c, h, w = state.image.shape
    oh, ow = state.output_size
    filters = plural(spec.out_channels, "filter")
    outputs = plural(spec.out_channels, "output channel")
    each = "each " if spec.out_channels != 1 else ""
    makes = "makes" if spec.out_channels == 1 else "make"
    activation = _activation_sentence(state.activation)
    return f"""
<h3>What am I looking at?</h3>
<p><b>The layer:</b> {escape(spec.describe())}.</p>{_stack_paragraph(stack)}
<p><b>Kernel editor</b> — one <i>row</i> per filter (output channel), one <i>column</i> per
input channel. {_filter_sentence(spec)} Type into a cell, turn the mouse wheel over a number to
nudge it, or right-click for presets.</p>
{_sum_paragraph(spec, c, state.input_is_photo)}
<p><b>Outputs</b> — {filters} {makes} {outputs}, {each}{oh}×{ow}
(the input is {h}×{w}; padding, stride and dilation set the size). Blue is negative, red
positive, white zero. Click a panel to select its filter; hover a pixel to see, on the input,
every pixel it reads (its receptive field).{activation}</p>
<p><b>Sliding window</b> — steps the selected filter across the input and spells out each
dot product with its real numbers; beside them, the whole input with the window on it and the
output map filling in. Press <b>Space</b> to play or pause, <b>←/→</b> to step, <b>↑/↓</b> to move
a row (<b>PgUp/PgDn</b> ten rows), <b>Home/End</b> for the first or last position — anywhere in
the window, except while typing in a field. Drag a rectangle on the output map to play only that
region (<b>Esc</b>: the whole map again), and press "{STRONGEST_LABEL}" to jump to where the
filter finds its feature best (its largest output). Hover a weight to see the pixel it
multiplies; hover an input pixel to see the outputs it feeds.</p>
{_matrix_paragraph(spec)}
{_pytorch_paragraph(spec)}
<p><b>Tools → Check Against PyTorch</b> runs that code and compares every output. Press
<b>Shift+F1</b> and click anything to ask what it is.</p>
<p>New to this? <b>Help → Lessons</b> walks through the classic questions step by step, in this
window, and gives your own work back untouched when you leave.</p>
"""


def _activation_sentence(activation: str) -> str:
    """What the activation chosen does to the outputs, or that one can be chosen."""
    if activation == "none":
        *first, last = (ACTIVATION_NAMES[a] for a in ACTIVATIONS[1:])
        return f" The <b>Activation</b> setting puts {', '.join(first)} or {last} after the layer."
    return f" They are shown after the activation — {escape(ACTIVATION_TIPS[activation])}."


def _matrix_paragraph(spec: LayerSpec) -> str:
    """The matrix view's W for this layer (a transposed layer or a max pool is not drawn as one
    multiply)."""
    if spec.transposed or spec.pool == "max":
        return ""
    return (
        "<p><b>Matrix view</b> (View menu) — the same layer as the one matrix multiply frameworks "
        f"compute: the weights W ({spec.out_channels} × {spec.weights_per_filter}{_block(spec)}) "
        "times the unrolled windows X, one column per output position, plus the bias, is Y. The "
        "current position's column and the selected filter's row move as you step.</p>"
    )


def _pytorch_paragraph(spec: LayerSpec) -> str:
    """Which PyTorch layer the numbers are, and whether the kernel is flipped."""
    if spec.pool:
        winner = "; the sliding window outlines the winner in green" if spec.pool == "max" else ""
        what = f"each output is {pool_output(spec)}; padding {pool_padding(spec.pool)}{winner}"
        return (
            f"<p><b>Pooling:</b> this layer is PyTorch's <code>torch.nn.{spec.kind}</code> with "
            f"its defaults (stride = kernel when chosen, <code>ceil_mode=False</code>): {what}. "
            "It has no weights, so the kernel editor explains it instead of offering cells; "
            "choose the Kind in the Layer panel. <b>File → Copy as PyTorch</b> gives the "
            "code.</p>"
        )
    if spec.transposed:
        flipped = (
            " with each kernel flipped in both axes (textbook convolution; the snippet loads "
            "<code>weight.flip(-2, -1)</code>)"
            if spec.flip_kernel
            else ""
        )
        return (
            "<p><b>Transposed convolution:</b> this layer is PyTorch's "
            "<code>torch.nn.ConvTranspose2d</code>" + flipped + ". Each input pixel scales the "
            "kernel and adds it into the output, stride apart, overlaps summing up — the "
            "sliding window steps through the input pixels and paints the output with the real "
            "numbers; hover an input pixel, a weight or an output pixel there to see what it "
            "touches, and <b>Export…</b> saves the painting as a GIF. PyTorch stores its "
            "weights as (in, out/groups, kH, kW); the kernel editor "
            "keeps one row per output channel, so its row o, column i is PyTorch's "
            "<code>weight[i, o]</code>. Files and <b>File → Copy as PyTorch</b> use PyTorch's "
            "layout.</p>"
        )
    if not spec.flip_kernel:
        return (
            "<p>The numbers are exactly PyTorch's <code>torch.nn.Conv2d</code> with the same "
            "settings (cross-correlation: the kernel is not flipped). <b>File → Copy as "
            "PyTorch</b> gives the code.</p>"
        )
    return (
        "<p><b>Textbook convolution</b> is on: the layer slides each kernel flipped in both "
        "axes, as textbooks define convolution; the kernel editor keeps the weights you typed, "
        "and the sliding window shows the flipped kernel it multiplies. PyTorch's "
        "<code>torch.nn.Conv2d</code> computes cross-correlation (no flip), so <b>File → Copy "
        "as PyTorch</b> loads <code>weight.flip(-2, -1)</code> to give the same numbers.</p>"
    )
