"""'What am I looking at?': the window explained in terms of the layer it shows right now."""

from __future__ import annotations

from html import escape

from ..model import StateView


def guide_html(state: StateView) -> str:
    """A short guide whose numbers are the current layer's, so it answers the student's case."""
    spec = state.spec
    c, h, w = state.image.shape
    oh, ow = state.output_size
    kh, kw = spec.kernel_size
    per_filter = spec.weights_per_filter
    seen = (
        f"all {c} input channels"
        if spec.groups == 1
        else f"{spec.in_per_group} of the {c} input channels (groups={spec.groups})"
    )
    bias = " plus one bias" if spec.bias else ""
    return f"""
<h3>What am I looking at?</h3>
<p><b>The layer:</b> {escape(spec.describe())}.</p>
<p><b>Kernel editor</b> — one <i>row</i> per filter (output channel), one <i>column</i> per
input channel. A filter is not one {kh}×{kw} matrix: it is a stack of {spec.in_per_group}
kernels of {kh}×{kw}, one for each input channel it sees ({seen}), that is {per_filter}
weights{bias}. Type into a cell, nudge it with the mouse wheel, or right-click for presets.</p>
<p><b>How {c} channels become 1:</b> at every position each kernel slice is multiplied
element-wise with its own input channel's window and summed; the per-channel sums are added
together with the bias. So one filter always makes <i>one</i> output channel, however many input
channels there are — an RGB image convolved with one filter is no longer RGB.</p>
<p><b>Outputs</b> — {spec.out_channels} filter{"s" if spec.out_channels != 1 else ""} make
{spec.out_channels} output channel{"s" if spec.out_channels != 1 else ""}, each {oh}×{ow}
(the input is {h}×{w}; padding, stride and dilation set the size). Blue is negative, red
positive, white zero. Click a panel to select its filter.</p>
<p><b>Sliding window</b> — steps the selected filter across the input and spells out each
dot product with its real numbers. Press Space to play, ←/→ to step, and "Jump to strongest
response" to see where the filter finds its feature best.</p>
<p>The numbers are exactly PyTorch's <code>torch.nn.Conv2d</code> with the same settings
(cross-correlation: the kernel is not flipped). <b>File → Copy as PyTorch</b> gives the code.</p>
"""
