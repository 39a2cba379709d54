"""What a lesson can ask about the layer on the screen: named quantities and named checks.

A lesson file names them (``"quantity": "weights_per_filter"``, ``"check": "strongest_on_up_line"``)
and the text's placeholders use the quantities (``{weights_per_filter}``), so every number a
lesson says or expects is read from the live state, never written into the lesson. Reading never
computes: a quantity or check that needs outputs gives None while they are stale, and whoever
asked evaluates again when the outputs arrive.

Most quantities read the selected layer (a ``StateView``); a few read the stack around it (which
layer is selected, the receptive field through the layers up to it) from a ``NetworkView``. A
view read without its stack counts as a stack of that one layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..model import LayerSpec, NetworkView, StateView, check_chain, receptive_field

#: A typed answer within this fraction of the expected value (or ``ABSOLUTE_TOLERANCE``) counts:
#: a learner reads "0.7854" off the screen and types 0.785.
RELATIVE_TOLERANCE = 0.005
ABSOLUTE_TOLERANCE = 0.01


class Stack(NamedTuple):
    """What the stack quantities read: the input's shape, every layer's spec, the selected one."""

    input_shape: tuple[int, int, int]
    specs: tuple[LayerSpec, ...]
    selected: int


def stack_of(view: StateView, stack: NetworkView | None) -> Stack:
    """The stack around ``view``: ``stack`` itself, or ``view``'s layer alone when there is none."""
    if stack is None:
        return Stack(view.image.shape, (view.spec,), 0)  # type: ignore[arg-type]
    return Stack(stack.layer(0).image.shape, stack.specs, stack.selected)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Quantity:
    """A number read from the state; ``exact``: a count that must be typed exactly.
    ``read`` takes the selected layer's view, or the ``Stack`` when ``of_stack``."""

    description: str
    read: Callable[..., float | int | None]
    exact: bool = True
    of_stack: bool = False

    def matches(self, answer: float, expected: float) -> bool:
        if self.exact:
            return answer == expected
        return abs(answer - expected) <= max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * abs(expected))


def _spec(read: Callable[[LayerSpec], int]) -> Callable[[StateView], int]:
    return lambda view: read(view.spec)


def _dense_weights(spec: LayerSpec) -> int:
    """The weights the layer would have with groups=1: every filter on every channel."""
    kh, kw = spec.kernel_size
    return spec.out_channels * spec.in_channels * kh * kw


def _weight_count(spec: LayerSpec) -> int:
    return spec.out_channels * spec.weights_per_filter


def _strongest(view: StateView) -> float | None:
    """The largest output of the selected filter, None while it is being computed."""
    found = view.output_range(view.selected_filter)
    return None if found is None else float(found[1])


def centre_field(stack: Stack):
    """The receptive field of the selected layer's centre output pixel (``model.receptive_field``:
    the exact walk back through every layer up to it)."""
    used = stack.specs[: stack.selected + 1]
    _, height, width = check_chain(stack.input_shape, used)[-1]
    return receptive_field(stack.input_shape, used, stack.selected, (height // 2, width // 2))


def _field_size(axis: int) -> Callable[[Stack], int]:
    """Rows (0) or columns (1) one output pixel of the selected layer spans on the image, as if
    the image went on for ever (padding read as image): the textbook receptive field."""
    return lambda stack: centre_field(stack).theoretical_size[axis]


def _field_pixels(stack: Stack) -> int:
    """Pixels of the (unbounded) image one output pixel reads: a dilation's holes left out."""
    field = centre_field(stack)
    return len(field.theoretical_rows) * len(field.theoretical_cols)


STACK_QUANTITIES: dict[str, Quantity] = {
    "layer_number": Quantity(
        "the selected layer (1 is the first)", lambda s: s.selected + 1, of_stack=True
    ),
    "layer_count": Quantity("layers in the stack", lambda s: len(s.specs), of_stack=True),
    "field_h": Quantity(
        "image rows one pixel of the selected layer sees", _field_size(0), of_stack=True
    ),
    "field_w": Quantity(
        "image columns one pixel of the selected layer sees", _field_size(1), of_stack=True
    ),
    "field_pixels": Quantity(
        "image pixels one pixel of the selected layer reads", _field_pixels, of_stack=True
    ),
}


QUANTITIES: dict[str, Quantity] = {
    "in_channels": Quantity("input channels", _spec(lambda s: s.in_channels)),
    "out_channels": Quantity("output channels (filters)", _spec(lambda s: s.out_channels)),
    "in_per_group": Quantity(
        "input channels each filter sees (kernel slices per filter)",
        _spec(lambda s: s.in_per_group),
    ),
    "out_per_group": Quantity("filters per group", _spec(lambda s: s.out_per_group)),
    "groups": Quantity("groups", _spec(lambda s: s.groups)),
    "kernel_h": Quantity("kernel height", _spec(lambda s: s.kernel_size[0])),
    "kernel_w": Quantity("kernel width", _spec(lambda s: s.kernel_size[1])),
    "stride_h": Quantity("vertical stride", _spec(lambda s: s.stride[0])),
    "padding_h": Quantity("padding on top", _spec(lambda s: s.pads[0])),
    "dilation_h": Quantity("vertical dilation", _spec(lambda s: s.dilation[0])),
    "effective_kernel_h": Quantity(
        "rows the dilated kernel spans", _spec(lambda s: s.effective_kernel_size[0])
    ),
    "effective_kernel_w": Quantity(
        "columns the dilated kernel spans", _spec(lambda s: s.effective_kernel_size[1])
    ),
    "weights_per_filter": Quantity("weights in one filter", _spec(lambda s: s.weights_per_filter)),
    "weight_count": Quantity("weights in the layer (no biases)", _spec(_weight_count)),
    "dense_weight_count": Quantity(
        "weights the layer would have with groups=1", _spec(_dense_weights)
    ),
    "weights_saved": Quantity(
        "weights saved by the groups", _spec(lambda s: _dense_weights(s) - _weight_count(s))
    ),
    "bias_count": Quantity("biases", _spec(lambda s: s.out_channels if s.bias else 0)),
    "parameter_count": Quantity("weights plus biases", _spec(lambda s: s.parameter_count)),
    "input_height": Quantity("input rows", lambda view: int(view.image.shape[1])),
    "input_width": Quantity("input columns", lambda view: int(view.image.shape[2])),
    "output_height": Quantity("output rows", lambda view: view.output_size[0]),
    "output_width": Quantity("output columns", lambda view: view.output_size[1]),
    "max_output": Quantity("the selected filter's largest output", _strongest, exact=False),
    **STACK_QUANTITIES,
}


# ---- checks: has the learner done what the step asks? -------------------------------------------


def _diagonal_down_kernel(view: StateView) -> bool:
    """Filter 0's first kernel is a ↘ detector: every weight on the diagonal from top-left to
    bottom-right is larger than every weight off it."""
    kernel = np.asarray(view.weight[0, 0], dtype=np.float64)
    if kernel.shape[0] != kernel.shape[1] or kernel.shape[0] < 2:
        return False
    on = np.eye(kernel.shape[0], dtype=bool)
    return bool(kernel[on].min() > kernel[~on].max())


def line_pixels(image: np.ndarray, direction: str) -> np.ndarray:
    """(H, W) mask of the lit pixels (> 0.5 in channel 0) that belong to a ↘ or ↗ line: a lit
    neighbour continues them along that diagonal."""
    lit = np.asarray(image[0]) > 0.5
    step = 1 if direction == "↘" else -1  # column change per row down
    follows = np.zeros_like(lit)
    h, w = lit.shape
    for dr in (-1, 1):
        dc = dr * step
        rows_to, rows_from = slice(max(0, -dr), h - max(0, dr)), slice(max(0, dr), h - max(0, -dr))
        cols_to, cols_from = slice(max(0, -dc), w - max(0, dc)), slice(max(0, dc), w - max(0, -dc))
        follows[rows_to, cols_to] |= lit[rows_from, cols_from]
    return lit & follows


def strongest_centres(view: StateView, out_channel: int = 0) -> np.ndarray | None:
    """(n, 2) input pixels under the kernel's centre tap where ``out_channel`` responds most
    strongly (every tie); None while the output is being computed."""
    output = view.output(out_channel)
    if output is None:
        return None
    peak = float(output.max())
    rows, cols = np.nonzero(output >= peak - 1e-6 * max(1.0, abs(peak)))
    spec = view.spec
    top, _, left, _ = spec.pads
    (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
    centre_rows = rows * sh - top + dh * ((kh - 1) // 2)
    centre_cols = cols * sw - left + dw * ((kw - 1) // 2)
    return np.stack([centre_rows, centre_cols], axis=1)


def _strongest_on_up_line(view: StateView) -> bool | None:
    """Filter 0 responds most strongly on the ↗ line, and only there (a tie with the ↘ line or
    the background does not count)."""
    centres = strongest_centres(view)
    if centres is None:
        return None
    up = line_pixels(view.image, "↗")
    h, w = up.shape
    inside = (centres[:, 0] >= 0) & (centres[:, 0] < h) & (centres[:, 1] >= 0) & (centres[:, 1] < w)
    if not inside.all():
        return False
    return bool(up[centres[:, 0], centres[:, 1]].all())


def _output_as_large_as_input(view: StateView) -> bool:
    return view.output_size == tuple(view.image.shape[1:])


#: Named checks of what the learner did: True (done), False (not yet), None (outputs not ready).
CHECKS: dict[str, tuple[str, Callable[[StateView], bool | None]]] = {
    "diagonal_down_kernel": (
        "filter 0's kernel is larger on the ↘ diagonal than anywhere off it",
        _diagonal_down_kernel,
    ),
    "strongest_on_up_line": (
        "filter 0's strongest response lies on the ↗ line only",
        _strongest_on_up_line,
    ),
    "output_as_large_as_input": (
        "the output has as many rows and columns as the input",
        _output_as_large_as_input,
    ),
}


def read_quantity(
    name: str, view: StateView, stack: NetworkView | None = None
) -> float | int | None:
    """Quantity ``name`` of the selected layer, or of the stack around it."""
    quantity = QUANTITIES[name]
    return quantity.read(stack_of(view, stack) if quantity.of_stack else view)


def run_check(name: str, view: StateView) -> bool | None:
    return CHECKS[name][1](view)


def placeholder_values(view: StateView, stack: NetworkView | None = None) -> dict[str, str]:
    """Every quantity as text for a lesson's placeholders; '…' while one is being computed."""
    values = {}
    for name in QUANTITIES:
        value = read_quantity(name, view, stack)
        values[name] = "…" if value is None else format_number(value)
    return values


def format_number(value: float) -> str:
    """A count as an integer, a value with up to four significant digits."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"
