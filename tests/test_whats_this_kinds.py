"""What's This? for flipped (textbook) and transposed layers, the painting view and the matrix view:
every text says what the layer of that kind really does, with numbers checked against the model."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QWidget

from convexplorer.app import _explain as explain
from convexplorer.model import ExplorerState, LayerSpec, StateView, load_sample, to_torch_layout
from convexplorer.widgets.style import number

from . import test_whats_this as base
from .test_whats_this import ask, plain, slice_view

window = base.window  # the same window fixture: the default layer at 1280×800


def use_layer(window, **changes) -> StateView:
    document = window.document
    document.set_layer(document.view.spec.replace(**changes))
    window.settle()
    return document.view


def cell_text(window, o: int, slot: int, i: int, j: int) -> str:
    channel = window.document.view.spec.filter_input_channels(o)[slot]
    view = slice_view(window, f"kernelSlice_{o}_{channel}")
    centre = view.visualRect(view.model().index(i, j)).center()
    return plain(ask(window, view.viewport(), centre))


# ---- the layer form ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes", [{}, {"flip_kernel": True}, {"transposed": True, "stride": 2, "output_padding": 1}]
)
def test_every_control_speaks_of_its_own_kind(window, changes):
    view = use_layer(window, **changes)
    generic = explain.dock_text(view, "layerControls")
    assert f"nn.{view.spec.kind}'s settings" in generic
    for name in explain.CONTROL_NAMES:
        text = explain.control_text(view, name)
        assert text and text != generic, name


def test_the_new_controls_give_their_numbers(window):
    controls = window.layer_controls
    kind = plain(ask(window, controls.kind, QPoint(3, 3)))
    assert "Kind: Conv2d" in kind and "cross-correlation" in kind
    flip = plain(ask(window, controls.flip_kernel, QPoint(3, 3)))
    assert "Flip kernel: off" in flip and "w[…, 0, 0] is used at tap (2, 2)" in flip
    padding = plain(ask(window, controls.output_padding, QPoint(3, 3)))
    assert "hidden: ConvTranspose2d only" in padding
    use_layer(window, transposed=True, stride=(2, 3), output_padding=(1, 2), flip_kernel=True)
    kind = plain(ask(window, controls.kind, QPoint(3, 3)))
    assert "Kind: ConvTranspose2d" in kind and "(in, out/groups, kH, kW) = 3×2×3×3" in kind
    assert "Flip kernel: on" in plain(ask(window, controls.flip_kernel, QPoint(3, 3)))
    padding = plain(ask(window, controls.output_padding.spins[1], QPoint(3, 3)))
    assert "Output padding 1×2" in padding and "2 extra columns on the right" in padding
    w = window.document.view.image.shape[2]
    ow = window.document.view.output_size[1]
    assert f"({w} − 1)·3 − 2·0 + 1·(3 − 1) + 2 + 1 = {ow}" in padding
    stride = plain(ask(window, controls.stride.spins[0], QPoint(3, 3)))
    assert "enlarges the output" in stride and "window moves" not in stride
    mode = plain(ask(window, controls.padding_mode, QPoint(3, 3)))
    assert "no padding modes" in mode


_TRANSPOSED = re.compile(
    r"\((\d+) − 1\)·(\d+) − 2·(\d+) \+ (\d+)·\((\d+) − 1\) \+ (\d+) \+ 1 = (\d+)"
)


@settings(max_examples=40, deadline=None)
@given(
    k=st.integers(1, 5),
    s=st.integers(1, 3),
    p=st.integers(0, 1),
    d=st.integers(1, 2),
    h=st.integers(5, 12),
    data=st.data(),
)
def test_the_transposed_size_formula_adds_up_to_the_output_size(k, s, p, d, h, data):
    op = data.draw(st.integers(0, max(s, d) - 1))
    image = load_sample("shapes")[:, :h, : h + 2]
    spec = LayerSpec(
        3, 2, kernel_size=(k, k + 1), stride=(s, 1), padding=(p, 0), dilation=(d, 1),
        transposed=True, output_padding=(op, 0),
    )  # fmt: skip
    view = StateView(ExplorerState(image, spec))
    text = explain.size_formula(view)
    assert "ConvTranspose2d" in text
    found = _TRANSPOSED.findall(text)
    assert len(found) == 2
    for numbers, expected in zip(found, view.output_size, strict=True):
        size, stride, pad, dil, kernel, out_pad, result = map(int, numbers)
        assert (size - 1) * stride - 2 * pad + dil * (kernel - 1) + out_pad + 1 == result
        assert result == expected


# ---- the kernel editor ------------------------------------------------------------------------


def test_a_flipped_kernel_cell_names_the_tap_it_really_multiplies(window):
    view = use_layer(window, flip_kernel=True, padding=1)
    window.document.select(position=(5, 7))
    text = cell_text(window, 1, 0, 0, 0)
    assert "w[1, 0, 0, 0]" in text and "the window's bottom-right" in text
    assert "used at tap (2, 2)" in text
    dot = view.dot_product(1, (5, 7))
    assert f"(row {int(dot.tap_rows[2, 2])}, col {int(dot.tap_cols[2, 2])})" in text
    assert f"adds {number(dot.products[0][2, 2])} to output channel 1" in text
    assert dot.products[0][2, 2] == np.float32(dot.patch[0][2, 2] * view.weight[1, 0, 0, 0])


@pytest.mark.parametrize("groups", [1, 3])
def test_a_transposed_kernel_cell_says_where_it_paints_the_painting_pixel(window, groups):
    view = use_layer(
        window, transposed=True, stride=2, padding=1, output_padding=1, groups=groups,
        out_channels=3, flip_kernel=groups == 3,
    )  # fmt: skip
    painting = window.sliding_window.painting
    painting.go_to(5 * view.image.shape[2] + 9)
    o, slot, i, j = 2, 0, 0, 1
    text = cell_text(window, o, slot, i, j)
    assert "window" not in text  # nothing slides
    step = view.scatter_step(painting.pixel, o)
    ui, uj = (2, 1) if view.spec.flip_kernel else (i, j)
    row, col = int(step.out_rows[ui]), int(step.out_cols[uj])
    assert f"adds {number(float(step.scaled[slot][ui, uj]))} to out({row}, {col})" in text
    # the PyTorch index the text gives holds this weight
    c, k = map(int, re.search(r"PyTorch's weight\[(\d+), (\d+), 0, 1\]", text).groups())
    assert to_torch_layout(view.spec, view.weight)[c, k, i, j] == view.weight[o, slot, i, j]


def test_the_editor_explains_the_transposed_layout(window):
    view = use_layer(window, transposed=True)
    editor = plain(ask(window, window.kernel_editor, QPoint(2, 2)))
    assert "in PyTorch's layout" not in editor
    assert "row o, column i is PyTorch's weight[i, o]" in editor and "(3, 2, 3, 3)" in editor
    torch = to_torch_layout(view.spec, view.weight)
    assert np.array_equal(torch[1, 0], view.weight[0, 1])  # row 0, column 1 = weight[1, 0]
    use_layer(window, groups=3, out_channels=3)
    editor = plain(ask(window, window.kernel_editor, QPoint(2, 2)))
    assert "is PyTorch's weight[c, o mod 1]" in editor


# ---- outputs and the painting view ------------------------------------------------------------


def test_a_transposed_output_value_counts_the_products_that_land_on_it(window):
    view = use_layer(window, transposed=True, stride=2, out_channels=2)
    o, pixel = 1, (7, 10)
    text = explain.output_text(view, o, pixel)
    dot = view.dot_product(o, pixel)
    landing = int((~dot.in_padding).sum())  # taps landing here from a whole input pixel
    assert 0 < landing < 9  # stride 2: not every tap of the 3×3 kernel
    assert f"the sum of {landing * 3} products" in plain(text)
    assert "window position" not in text and "sliding window" not in text


def test_every_part_of_the_painting_view_explains_itself(window):
    view = use_layer(window, transposed=True, stride=2, output_padding=1, padding=1)
    painting = window.sliding_window.painting
    assert painting.isVisible()
    painting.go_to(3 * view.image.shape[2] + 4)
    step = painting.scatter_step
    whole = explain.painting_text(view, painting.pixel)
    assert "now (3, 4)" in whole
    expected = {
        "paintingHeader": "Painting (ConvTranspose2d)",
        "paintingChannel": "in 0 (R)",
        "paintingValue": f"x = {number(float(step.values[0]))}",
        "paintingKernel": "Kernel slice, output channel 0 · in 0 (R)",
        "paintingScaled": "Scaled slice, in 0 (R)",
        "paintingAdded": "Added by pixel (3, 4)",
        "paintingBefore": "Output before",
        "paintingAfter": "Output after",
        "paintingInput": "outlined: pixel (3, 4)",
        "paintingOutput": f"the {int(step.inside.sum())} cells pixel (3, 4) adds to",
        "paintingOutputCaption": "Output channel 0 so far",
    }
    for name, words in expected.items():
        part = painting.findChild(QWidget, name)
        assert part is not None and part.isVisible(), name
        assert words in plain(ask(window, part)), name
    h, w = view.image.shape[1:]
    transport = painting.controls
    assert f"paint all {h * w} pixels" in plain(
        ask(window, transport.findChild(QWidget, "paintPlayButton"))
    )
    scrubbed = plain(ask(window, transport.scrubber))
    assert f"{3 * w + 4 + 1} of {h * w}" in scrubbed and "input pixel" in scrubbed
    assert "input pixels per second" in plain(ask(window, transport.speed))


# ---- the matrix view --------------------------------------------------------------------------


def test_the_matrix_view_and_its_cells(window):
    window.matrix.toggle.trigger()
    matrix = window.matrix.view
    window.settle()
    assert matrix.isVisible()
    whole = plain(ask(window, matrix.header))
    assert "W is 2 × 27" in whole and "columns" in whole
    picture = matrix.picture
    for cell in (("W", 1, 13), ("X", 4, 0), ("Y", 0, 1)):
        centre = picture.mapFromScene(picture.cell_centre(cell))
        text = plain(ask(window, picture.viewport(), centre))
        assert f"{cell[0]}:" in text and matrix.describe(cell) in text, cell
    assert "Columns shown" in plain(ask(window, matrix.scrollbar))
    use_layer(window, flip_kernel=True)
    assert "W holds every kernel flipped" in plain(ask(window, matrix.header))


def test_no_text_of_a_transposed_layer_speaks_of_a_sliding_window(window):
    """Read every text once with a transposed layer: none describes Conv2d's sliding window."""
    view = use_layer(window, transposed=True, stride=2, output_padding=1)
    texts = [explain.control_text(view, name) for name in explain.CONTROL_NAMES]
    texts += [
        explain.dock_text(view, name)
        for name in ("layerControls", "inputView", "outputPanels", "kernelEditor")
    ]
    texts += [
        explain.sliding_text(view, (1, 2)),
        explain.weight_text(view, 0, 1, 2, 0, (1, 2)),
        explain.filter_text(view, 1),
        explain.output_text(view, 0, (3, 3)),
        explain.input_text(view, 1, (2, 2)),
        explain.kernel_editor_text(view),
    ]
    for text in texts:
        words = plain(text)
        for wrong in ("window position", "window moves", "the window's", "nn.Conv2d", "Filter "):
            assert wrong not in words, (wrong, words)
