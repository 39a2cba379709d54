"""What a pool computes and what its padding reads, in the words every view uses.

The kernel editor's page, the sliding window's header and tooltips, the layer form, the matrix
view, What's This? and the guide all say these things; writing each once here keeps them from
drifting apart (one view saying "−∞ never wins" while another forgets why). The model's own
sentences (``LayerSpec.describe``, its refusals) stay in the model, which cannot import this.
"""

from __future__ import annotations

from ..model import LayerSpec
from .style import MINUS_INFINITY

#: Which of equal largest values a max pool picks: the one PyTorch's index points at.
TIE_RULE = "on a tie the first in row-major order, as PyTorch picks"
#: Why a pool's padding mode is not the user's to choose (the layer form's greyed-out row).
POOL_PADDING_MODES = f"PyTorch's pools pad with {MINUS_INFINITY} (max) or zeros (avg) only"


def pool_output(spec: LayerSpec, channel: str = "one channel") -> str:
    """What each output of a pool is, after "each output is": 'the largest value of its 3×3
    window of one channel', or the mean, a depthwise conv with weights 1/9 (``channel``: which
    channel the window is on, e.g. 'in 2')."""
    kh, kw = spec.kernel_size
    if spec.pool == "max":
        return f"the largest value of its {kh}×{kw} window of {channel}"
    return (
        f"the mean of its {kh}×{kw} window of {channel} — a depthwise conv whose weights are all "
        f"1/{kh * kw}"
    )


def pool_padding(pool: str) -> str:
    """What a pool's padding does, after the word "padding": 'reads −∞, so it never wins'
    (max), or is read as 0 and counted in the mean (avg, PyTorch's count_include_pad=True)."""
    if pool == "max":
        return f"reads {MINUS_INFINITY}, so it never wins"
    return "reads 0 and counts in the mean (count_include_pad=True)"
