"""Every view names the activation chosen: the layer form's list, the panels' caption and colours,
the sliding window's step, the painting view and the What's This texts; one undo step each."""

from __future__ import annotations

import re
from decimal import Decimal
from html import escape

import numpy as np
import pytest
from PySide6.QtCore import Qt

from convexplorer.app import _explain as explain
from convexplorer.app._explain_views import painting_part_text
from convexplorer.app._guide import guide_html
from convexplorer.model import ACTIVATIONS, ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.layer_controls import LayerControls
from convexplorer.widgets.looks import output_looks
from convexplorer.widgets.output_panels import OutputPanels
from convexplorer.widgets.sliding_window import SlidingWindowView
from convexplorer.widgets.style import (
    ACTIVATION_LABELS,
    ACTIVATION_NAMES,
    ACTIVATION_TIPS,
    DIVERGING,
    MINUS,
    SEQUENTIAL,
    EquationNumbers,
    activated_text,
    number,
)


def make_document(spec: LayerSpec | None = None, size=(12, 13)) -> Document:
    """A layer whose outputs straddle 0 (Kaiming weights on an input centred on 0)."""
    spec = spec or LayerSpec(3, 2, padding=1)
    image = np.random.default_rng(0).standard_normal((spec.in_channels, *size)).astype(np.float32)
    state = ExplorerState(image, spec)
    state.apply_preset("kaiming", seed=2)
    document = Document(state)
    document.wait_until_idle()
    return document


@pytest.fixture
def form(qtbot):
    """The layer form and the output panels, on one document."""
    document = make_document()
    controls, panels = LayerControls(document), OutputPanels(document)
    for widget in (controls, panels):
        qtbot.addWidget(widget)
        widget.show()
    return document, controls, panels


def choose(qtbot, document: Document, controls: LayerControls, label: str) -> None:
    """Pick ``label`` in the form's activation list, as a click on the item would."""
    combo = controls.activation
    index = combo.findText(label)
    assert index >= 0, label
    with qtbot.waitSignal(document.outputsChanged):
        combo.setCurrentIndex(index)


def test_the_list_shows_labels_with_a_tooltip_each_and_keeps_the_models_names(form):
    _, controls, _ = form
    combo = controls.activation
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "None",
        "ReLU",
        "LeakyReLU (slope 0.01)",
        "Sigmoid",
        "Tanh",
    ]
    assert [combo.itemData(i) for i in range(combo.count())] == list(ACTIVATIONS)
    tips = [combo.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(combo.count())]
    assert len(set(tips)) == len(tips) and all(tips)
    assert "nn.LeakyReLU(0.01)" in tips[2] and "(0, 1)" in tips[3] and "(−1, 1)" in tips[4]
    assert (
        set(ACTIVATION_LABELS) == set(ACTIVATION_NAMES) == set(ACTIVATION_TIPS) == set(ACTIVATIONS)
    )


def test_choosing_tanh_changes_the_state_and_the_caption_in_one_undo_step(form, qtbot):
    document, controls, panels = form
    steps = document.undo_count
    choose(qtbot, document, controls, "Tanh")
    view = document.view
    assert view.activation == "tanh" and document.undo_count == steps + 1
    assert "after tanh" in panels._shape_label.text()
    raw, shown = view.raw_output(0), view.output(0)
    np.testing.assert_array_equal(shown, np.tanh(raw))
    assert panels.panels[0].bar.colorMap() is DIVERGING  # tanh keeps the sign
    document.undo()
    qtbot.waitUntil(lambda: document.view.output(0) is not None)
    assert document.view.activation == "none" and controls.activation.currentText() == "None"
    assert "after" not in panels._shape_label.text()
    document.redo()
    assert document.view.activation == "tanh" and controls.activation.currentText() == "Tanh"


@pytest.mark.parametrize(
    ("label", "name", "colormap"),
    [("Sigmoid", "sigmoid", SEQUENTIAL), ("LeakyReLU (slope 0.01)", "LeakyReLU", DIVERGING)],
)
def test_each_activation_colours_by_its_sign(form, qtbot, label, name, colormap):
    document, controls, panels = form
    choose(qtbot, document, controls, label)
    assert f"after {name}" in panels._shape_label.text()
    for panel in panels.panels:
        assert panel.bar.colorMap() is colormap


def test_never_negative_activations_are_grey_and_signed_ones_diverge_below_zero():
    ranges = {0: (-0.5, 2.0), 1: (0.0, 1.0)}
    for activation, signed in (("relu", False), ("sigmoid", False), ("tanh", True)):
        looks = output_looks(ranges, activation, shared=False)
        assert (looks[0].colormap is DIVERGING) == signed, activation
        assert looks[1].colormap is SEQUENTIAL
    assert output_looks(ranges, "leaky_relu", shared=False)[0].colormap is DIVERGING


# ---- the sliding window -------------------------------------------------------------------------


@pytest.fixture
def sliding(qtbot):
    document = make_document()
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.resize(1600, 450)
    view.show()
    qtbot.waitExposed(view)
    return document, view


def test_the_equation_spells_out_tanh_with_the_output_value(sliding, qtbot):
    document, view = sliding
    with qtbot.waitSignal(document.outputsChanged):
        document.set_activation("tanh")
    document.select(position=(5, 6))
    dot = document.view.dot_product()
    text = view.equation_text()
    step = re.search(r"→  tanh\((\S+)\) = (\S+)$", text)
    assert step, text
    assert step.group(2) == number(float(document.view.output(0)[5, 6]))
    assert step.group(2) == number(float(np.tanh(np.float32(dot.value))))
    assert "output after tanh = " in view.equation.toolTip()
    words = explain._equation_text(document.view)
    assert f", then tanh gives {step.group(2)}:" in words


def test_leaky_relu_scales_the_total_as_written(sliding, qtbot):
    """LeakyReLU(−1.23) = −0.0123: the step holds for the texts themselves."""
    document, view = sliding
    with qtbot.waitSignal(document.outputsChanged):
        document.set_activation("leaky_relu")
    raw = document.view.raw_output(0)
    row, col = (int(i) for i in np.unravel_index(np.argmin(raw), raw.shape))
    document.select(position=(row, col))
    step = re.search(r"LeakyReLU\((\S+)\) = (\S+)$", view.equation_text())
    assert step and step.group(1).startswith(MINUS)
    total = Decimal(step.group(1).replace(MINUS, "-"))
    assert Decimal(step.group(2).replace(MINUS, "-")) == total * Decimal("0.01")


def test_activated_texts():
    numbers = EquationNumbers(("1.5", f"{MINUS}2.75"), f"{MINUS}1.25", "0.00", True, -2)
    assert activated_text(numbers, "relu", 0.0) == "0.00"
    assert activated_text(numbers, "leaky_relu", -0.0125) == f"{MINUS}0.0125"
    assert activated_text(numbers, "tanh", -0.848283) == f"{MINUS}0.848"
    assert activated_text(numbers, "sigmoid", 0.2227) == "0.223"
    scaled = EquationNumbers(("1.5e5",), f"{MINUS}1.50e5", "0.00e5", True, 3)
    assert activated_text(scaled, "leaky_relu", -1500.0) == f"{MINUS}0.0150e5"


def test_the_painting_view_says_its_sums_come_before_the_activation(qtbot, monkeypatch):
    spec = LayerSpec(3, 2, kernel_size=3, stride=2, padding=1, output_padding=1, transposed=True)
    document = make_document(spec, size=(6, 7))
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.resize(1500, 460)
    view.show()
    with qtbot.waitSignal(document.outputsChanged):
        document.set_activation("sigmoid")
    painting = view.painting
    drawn = []
    picture = painting.output_picture
    show = picture.show_painted
    monkeypatch.setattr(picture, "show_painted", lambda *a: (drawn.append(a[2]), show(*a)))
    painting.go_to(9)
    assert "(before sigmoid)" in painting.output_caption.text()
    step = painting.scatter_step
    words = painting_part_text(document.view, step, "paintingOutput")
    assert "drawn before the sigmoid" in words
    # painted on the raw sums' scale, not the squashed (0, 1) of the outputs after sigmoid
    low, high = drawn[-1]
    peak = float(np.abs(step.so_far.final).max())
    assert (low, high) == pytest.approx((-peak, peak)) and peak > 1


# ---- What's This --------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_whats_this_names_the_activation_and_offers_the_others(activation):
    document = make_document()
    document.set_activation(activation)
    document.wait_until_idle()
    text = explain.control_text(document.view, "activation")
    assert f"Activation: {ACTIVATION_LABELS[activation]}" in text
    assert "Also offered" in text
    others = [ACTIVATION_LABELS[a] for a in ACTIVATIONS if a != activation]
    assert all(label in text for label in others)
    output = explain.output_text(document.view, 0, None)
    assert ("values after" in output) == (activation != "none")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_guide_says_what_the_activation_does(activation):
    document = make_document()
    document.set_activation(activation)
    text = guide_html(document.view)
    if activation == "none":
        assert "puts ReLU, LeakyReLU, sigmoid or tanh after the layer" in text
    else:
        assert f"shown after the activation — {escape(ACTIVATION_TIPS[activation])}" in text
