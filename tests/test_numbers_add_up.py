"""The sliding window's arithmetic holds for the numbers it shows, not only for the exact values.

A student checks "Σ in 0 (a) + Σ in 1 (b) + bias c = d" and "p × k = q" with the texts on the
screen; these tests do the same for many random layers, weights, inputs and positions, reading
the texts back from the real view (no rounding rule is re-implemented here: only exact decimal
arithmetic on the texts, half to even).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pytest

from convexplorer.model import ACTIVATIONS, ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.sliding_window import SlidingWindowView
from convexplorer.widgets.style import ACTIVATION_NAMES, EQUATION_EXTRA_DECIMALS, equation_numbers


def exact(text: str) -> Decimal:
    """The number a text shows, with its precision."""
    return Decimal(text.replace("−", "-"))


def unit(text: str) -> Decimal:
    """One unit of the last digit a text shows (``2.8`` → 0.1, ``1.23e5`` → 1000)."""
    return Decimal(1).scaleb(exact(text).as_tuple().exponent)


def assert_faithful(text: str, value: float, units: Decimal = Decimal("0.5")) -> None:
    """``text`` is ``value`` rounded to the digits it shows (within ``units`` of its last one)."""
    assert abs(exact(text) - Decimal(float(value))) <= units * unit(text), (text, value)


def random_layer(rng: np.random.Generator) -> tuple[LayerSpec, str]:
    in_channels = int(rng.choice([1, 2, 3, 4]))
    groups = int(rng.choice([g for g in (1, 2, 4) if in_channels % g == 0]))
    spec = LayerSpec(
        in_channels,
        groups * int(rng.integers(1, 3)),
        kernel_size=(int(rng.integers(1, 5)), int(rng.integers(1, 5))),
        padding=int(rng.integers(0, 2)),
        groups=groups,
        bias=bool(rng.random() < 0.7),
    )
    return spec, str(rng.choice(["none", "relu"]))


def equation_parts(
    text: str,
) -> tuple[list[str], str | None, str, str, tuple[str, str] | None]:
    """(channel-sum texts, bias text, "=" or "≈", total text, (function, its value) of the
    activation step) of an equation line."""
    sums = re.findall(r"Σ in \d+ \(([^)]+)\)", text)
    bias = re.search(r"bias (\S+)", text)
    total = re.search(r" ([=≈]) (\S+?)(?:  →|$)", text)
    step = re.search(r"  →  (\w+)\((\S+)\) = (\S+)$", text)
    assert sums and total, text
    if step:
        assert step.group(2) == total.group(2), text
    return (
        sums,
        bias.group(1) if bias else None,
        total.group(1),
        total.group(2),
        (step.group(1), step.group(3)) if step else None,
    )


def check_frame(view: SlidingWindowView, document: Document) -> None:
    state = document.view
    dot = state.dot_product()
    full = view.equation.toolTip().splitlines()[0]  # the whole line (what shows when it fits)
    assert view.equation_text() == full
    sums, bias, sign, total, step = equation_parts(full)

    # The equation: the texts add up, and each is its value rounded to the digits shown.
    terms = [*sums, *([bias] if bias is not None else [])]
    assert len({exact(t).as_tuple().exponent for t in [*terms, total]}) == 1, full
    if sign == "=":
        assert sum(exact(t) for t in terms) == exact(total), full
    else:  # allowed only once the rule has grown the precision as far as it may
        assert unit(total) <= Decimal(10) ** (-2 - EQUATION_EXTRA_DECIMALS), full
    for text, value in zip(sums, dot.channel_sums.tolist(), strict=True):
        assert_faithful(text, value)
    if bias is not None:
        assert_faithful(bias, dot.bias)
    assert_faithful(total, dot.value)
    assert (step is None) == (state.activation == "none"), full
    if step is not None:  # ReLU and LeakyReLU of the total as written; the others as computed
        function, after = step
        assert function == ACTIVATION_NAMES[state.activation], full
        if state.activation == "relu":
            assert exact(after) == max(exact(total), Decimal(0)), full
        elif state.activation == "leaky_relu":
            slope = Decimal(1) if exact(total) > 0 else Decimal("0.01")
            assert exact(after) == exact(total) * slope, full
        else:
            assert_faithful(after, state.output(dot.out_channel)[dot.row, dot.col])

    # Each row: its "Σ =" is the equation's term, and every product is its factors' product.
    for slot, row in enumerate(view.channel_texts()):
        assert row["sum"] == f"Σ = {sums[slot]}"
        patch, kernel, products = (np.array(row[k]) for k in ("patch", "kernel", "products"))
        for index in np.ndindex(products.shape):
            p, k, q = patch[index], kernel[index], products[index]
            assert_faithful(p, dot.patch[slot][index])
            assert_faithful(k, dot.kernel[slot][index])
            assert_faithful(q, dot.products[slot][index], units=Decimal(1))
            shown_product = (exact(p) * exact(k)).quantize(unit(q), rounding=ROUND_HALF_EVEN)
            assert shown_product == exact(q), (p, k, q)


@pytest.mark.parametrize("seed", range(6))
def test_shown_sums_and_products_add_up_on_random_frames(qtbot, seed):
    rng = np.random.default_rng(seed)
    spec, activation = random_layer(rng)
    if seed >= 3:  # the other activations' steps as well
        activation = ACTIVATIONS[seed - 1]
    image = (rng.random((spec.in_channels, 9, 11)) * 10.0 ** rng.integers(-1, 2)).astype(np.float32)
    state = ExplorerState(image, spec, activation=activation)
    document = Document(state)
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.resize(1800, 500)
    view.show()
    qtbot.waitExposed(view)
    oh, ow = document.view.output_size
    for _ in range(4):
        scale = 10.0 ** rng.integers(-3, 2)
        weight = (rng.normal(0, 1, document.view.weight.shape) * scale).astype(np.float32)
        bias = None
        if spec.bias:
            bias = (rng.normal(0, 1, spec.out_channels) * scale).astype(np.float32)
        document.set_weights(weight, bias, "random weights")
        document.wait_until_idle()
        for _ in range(6):
            position = (int(rng.integers(oh)), int(rng.integers(ow)))
            document.select(out_channel=int(rng.integers(spec.out_channels)), position=position)
            check_frame(view, document)


@pytest.mark.parametrize(
    ("terms", "total"),
    [
        ([-0.00389, -0.00391, -0.0238], -0.0316),
        ([1.23e-6, 4.5e-7], 1.68e-6),
        ([123456.7, -0.5], 123456.2),
        ([0.0, 0.0], 0.0),
    ],
)
def test_the_equation_rule_writes_one_precision_that_adds_up(terms, total):
    total = float(sum(np.float32(t) for t in terms))
    terms = [float(np.float32(t)) for t in terms]
    numbers = equation_numbers(terms, total)
    texts = [*numbers.terms, numbers.total]
    assert len({exact(t).as_tuple().exponent for t in texts}) == 1, texts
    assert numbers.adds_up and sum(map(exact, numbers.terms)) == exact(numbers.total), texts
    assert all(len(t) <= 12 for t in texts), texts  # a shared power of ten, not 30 zeros
