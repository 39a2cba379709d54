"""What's This? texts for the views of the other layer kinds: the transposed layer's painting view
and the matrix view (``Y = W · X + b``).

Like ``_explain``, every text is built when asked from the read-only state; the painting view's
texts also take the frame it shows (the model's ``ScatterStep``) and the matrix view's the cell
description it writes itself, so the words match what is on the screen.
"""

from __future__ import annotations

from ..model import ScatterStep, StateView
from ..widgets.style import ACTIVATION_NAMES, channel_label, number, plural, shape_text
from ._explain import _title, painting_text

Pixel = tuple[int, int]

# ---- the painting view (ConvTranspose2d) -------------------------------------------------------


def _count(view: StateView) -> tuple[int, int, int]:
    _, h, w = view.image.shape
    return h, w, h * w


def painting_part_text(
    view: StateView, step: ScatterStep, name: str, slot: int | None = None
) -> str | None:
    """A part of the painting view (by object name) showing ``step``; ``slot``: its channel row."""
    spec = view.spec
    o, (r, q) = step.out_channel, (step.row, step.col)
    kh, kw = spec.kernel_size
    h, w, count = _count(view)
    s = 0 if slot is None else min(max(slot, 0), len(step.input_channels) - 1)
    channel = step.input_channels[s]
    photo = view.input_is_photo
    label = channel_label(channel, photo=photo)
    landed = int(step.inside.sum())
    flipped = (
        " As used: the typed slice flipped in both axes (textbook convolution)."
        if spec.flip_kernel
        else ""
    )
    scaled = step.scaled[s]
    texts = {
        "paintingHeader": painting_text(view, (r, q)),
        "paintingChannel": (
            f"{_title(label)} — one of the {plural(len(step.input_channels), 'input channel')} "
            f"output channel {o} is painted by: its row shows pixel ({r}, {q})'s value × its "
            "kernel slice = the scaled slice."
        ),
        "paintingValue": (
            f"{_title(f'x = {number(float(step.values[s]))}')} — input pixel ({r}, {q}) on "
            f"{label}: it scales every weight of the slice for this channel."
        ),
        "paintingKernel": (
            f"{_title(f'Kernel slice, output channel {o} · {label}')} — {kh * kw} weights, the "
            f"same for every input pixel; as typed, PyTorch's weight[{channel}, "
            f"{o % spec.out_per_group}].{flipped}"
        ),
        "paintingScaled": (
            f"{_title(f'Scaled slice, {label}')} — x × each weight: {kh * kw} products from "
            f"{number(float(scaled.min()))} to {number(float(scaled.max()))}."
        ),
        "paintingMore": (
            f"{_title('More input channels')} — only the first rows are drawn; the patch added "
            f"sums all {len(step.input_channels)} scaled slices."
        ),
        "paintingAdded": (
            f"{_title(f'Added by pixel ({r}, {q})')} — the scaled slices summed over "
            f"{plural(len(step.input_channels), 'input channel')}: a {kh}×{kw} patch added into "
            f"output channel {o} from ({int(step.out_rows[0])}, {int(step.out_cols[0])}) on, taps "
            f"{shape_text(*spec.dilation)} apart; {landed} of its {kh * kw} cells land on the "
            "output" + (" (the rest are cropped off)." if landed < kh * kw else ".")
        ),
        "paintingBefore": (
            f"{_title('Output before')} — output channel {o} under the {kh}×{kw} spots pixel "
            f"({r}, {q}) paints, after every earlier pixel in raster order (and the bias); "
            "'off': the spot is cropped off the output."
        ),
        "paintingAfter": (
            f"{_title('Output after')} — output before + added: those spots once pixel "
            f"({r}, {q}) is painted."
        ),
        "paintingInput": (
            f"{_title(f'The input, {channel_label(step.input_channels[0], photo=photo)}')}"
            f" — {h}×{w}; outlined: pixel ({r}, {q}), the one painting now (number "
            f"{r * w + q + 1} of {count} in raster order)."
        ),
        "paintingOutput": _painted_text(view, step),
        "paintingOutputCaption": _painted_text(view, step),
    }
    return texts.get(name)


def _painted_text(view: StateView, step: ScatterStep) -> str:
    _, w, count = _count(view)
    oh, ow = view.output_size
    done = step.row * w + step.col + 1
    relu = (
        f" It is drawn before the {ACTIVATION_NAMES[view.activation]}: the sums as they "
        "grow, negative ones included."
        if view.activation != "none"
        else ""
    )
    return (
        f"{_title(f'Output channel {step.out_channel} so far')} — {oh}×{ow}, with the "
        f"patches of {done} of the {count} input pixels painted (plus the bias), on the finished "
        f"output's scale; outlined: the {int(step.inside.sum())} cells pixel ({step.row}, "
        f"{step.col}) adds to. After the last pixel it is the layer's output.{relu}"
    )


def painting_transport_text(view: StateView, pixel: Pixel, name: str) -> str | None:
    """The painting view's transport bar: it steps input pixels, not output positions."""
    h, w, count = _count(view)
    r, q = pixel
    index = r * w + q
    texts = {
        "paintFirst": "First pixel (Home): input pixel (0, 0).",
        "paintBack": "Step back (←) one input pixel; ↑/↓ move a row of input pixels.",
        "paintPlay": f"Play / pause (Space): paint all {count} pixels of the {h}×{w} input.",
        "paintForward": "Step forward (→) one input pixel; ↑/↓ move a row of input pixels.",
        "paintLast": (
            f"Last pixel (End): ({h - 1}, {w - 1}); after it the map is the layer's output."
        ),
        "playbackSpeed": f"Speed in input pixels per second; this input has {count} ({h}×{w}).",
        "positionScrubber": (
            f"Every input pixel in raster order: now {index + 1} of {count}, (row {r}, col {q})."
            " Drag to scrub."
        ),
        "windowPosition": (
            f"The painting input pixel (row {r}, col {q}): number {index + 1} of {count}, "
            "counting along rows."
        ),
    }
    text = texts.get(name)
    return None if text is None else f"{_title('Transport')} — {text}"


# ---- the matrix view -----------------------------------------------------------------------------


def matrix_text(view: StateView, columns: range, reason: str | None) -> str:
    """The matrix view as a whole; ``columns``: the output positions drawn; ``reason``: why the
    layer is not drawn (None: it is)."""
    spec = view.spec
    title = _title("Matrix view: Y = W · X + b")
    if reason is not None:
        return f"{title} — {reason}"
    kh, kw = spec.kernel_size
    oh, ow = view.output_size
    rows = spec.in_channels * kh * kw
    groups = (
        f" With groups={spec.groups} W is block-diagonal: a filter has weights for its group's "
        "channels only (hatched)."
        if spec.groups > 1
        else ""
    )
    flipped = (
        " Textbook convolution: W holds every kernel flipped in both axes, as it multiplies."
        if spec.flip_kernel
        else ""
    )
    shown = (
        f"Columns {columns.start}–{columns.stop - 1} of {oh * ow} are drawn"
        if len(columns)
        else "No column is drawn"
    )
    return (
        f"{title} — the layer as one matrix multiply, as frameworks compute it: W is "
        f"{spec.out_channels} × {rows} (one row per filter, C_in·kH·kW = "
        f"{spec.in_channels}·{kh}·{kw} columns), X is {rows} × {oh * ow} (one column per output "
        f"position: its window unrolled, im2col), Y is {spec.out_channels} × {oh * ow}, row o "
        f"being output channel o. {shown}.{groups}{flipped}"
    )


_MATRIX_ROLES = {
    "W": "the weights, one row per filter",
    "X": "the unrolled windows, one column per output position",
    "Y": "the outputs before the activation, one row per output channel",
    "b": "the biases, one per filter",
}


def matrix_cell_text(name: str, words: str) -> str:
    """A cell of W, X, Y or b: the matrix's role and the view's own words for the cell."""
    return f"{_title(f'{name}: {_MATRIX_ROLES[name]}')} — {words}."


def matrix_columns_text(view: StateView, columns: range) -> str:
    oh, ow = view.output_size
    drawn = f"{columns.start}–{columns.stop - 1}" if len(columns) else "none"
    return (
        f"{_title('Columns shown')} — output positions {drawn} of {oh * ow} ({oh}×{ow}, in raster "
        "order). Scroll to see others; stepping the sliding window brings its column back."
    )
