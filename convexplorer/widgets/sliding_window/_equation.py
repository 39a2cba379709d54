"""The running total as one line with the model's numbers: channel sums + bias = value.

The numbers share one precision chosen so that the terms as written add up to the total as
written (``style.equation_numbers``); the tooltip gives every number exactly. The line is never
clipped mid-number: when the full sum does not fit, middle terms give way to "… n more …", and at
the narrowest only the count of channels remains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from ..style import (
    ACTIVATION_NAMES,
    MINUS_INFINITY,
    EquationNumbers,
    activated_text,
    after_activation,
    equation_numbers,
    exact_text,
    number,
    plural,
)


@dataclass(frozen=True)
class Equation:
    """The numbers of one output value, as the model computed them."""

    channels: tuple[int, ...]
    sums: tuple[float, ...]
    bias: float | None  # None: the layer has no bias
    value: float
    activation: str  # the model's name of the activation ("none", "relu", "tanh", …)
    output: float | None  # the output map's value after the activation, when computed
    stage: int | None  # channel-by-channel mode: channels 0..stage added so far
    #: A max pool's window values (padding: −∞): the line reads "max(…) = value" instead.
    taps: tuple[float, ...] | None = None

    @cached_property
    def numbers(self) -> EquationNumbers:
        """The texts of the channel sums, the bias (last, if any) and the value: they add up."""
        return sum_numbers(self.sums, self.bias, self.value)

    def variants(self) -> list[str]:
        """Renderings from the most to the least detailed; the label shows the first that fits."""
        if self.taps is not None:
            return self._max_variants(self.taps)
        count = len(self.sums) if self.stage is None else self.stage + 1
        texts = self.numbers.terms
        terms = [f"Σ in {c} ({t})" for c, t in zip(self.channels, texts, strict=False)]
        terms = terms[:count]
        tail = self._tail()
        lines = [" + ".join(terms) + tail]
        for shown in range(count - 3, 0, -1):
            hidden = count - shown - 1
            lines.append(" + ".join([*terms[:shown], f"… {hidden} more …", terms[-1]]) + tail)
        lines.append(self._summary(count) + tail)
        return list(dict.fromkeys(lines))

    def _max_variants(self, taps: tuple[float, ...]) -> list[str]:
        """max(a, b, …) = value, eliding middle taps when it does not fit."""
        texts = [MINUS_INFINITY if math.isinf(t) else number(t) for t in taps]
        tail = f" = {number(self.value)}"
        if self.activation != "none":
            tail += f"  →  {ACTIVATION_NAMES[self.activation]}({number(self.value)})"
            if self.output is not None:
                tail += f" = {number(self.output)}"
        lines = [f"max({', '.join(texts)}){tail}"]
        for shown in range(len(texts) - 3, 0, -1):
            hidden = len(texts) - shown - 1
            lines.append(
                f"max({', '.join([*texts[:shown], f'… {hidden} more …', texts[-1]])}){tail}"
            )
        lines.append(f"max over {plural(len(texts), 'tap')}{tail}")
        return list(dict.fromkeys(lines))

    def _summary(self, count: int) -> str:
        return f"Σ over {plural(count, 'input channel')}"

    def _tail(self) -> str:
        if self.stage is not None:
            left = len(self.sums) - self.stage - 1
            if left:
                return f" + … ({plural(left, 'channel')} to go)"
            return " + bias …" if self.bias is not None else " = …"
        numbers = self.numbers
        tail = "" if self.bias is None else f" + bias {numbers.terms[-1]}"
        tail += f" {'=' if numbers.adds_up else '≈'} {numbers.total}"
        if self.activation != "none":
            tail += f"  →  {ACTIVATION_NAMES[self.activation]}({numbers.total})"
            if self.output is not None:
                tail += f" = {activated_text(numbers, self.activation, self.output)}"
        return tail

    def exact_lines(self) -> list[str]:
        """Every number of the sum exactly (float32 values), for the tooltip."""
        if self.taps is not None:
            values = ", ".join(
                MINUS_INFINITY if math.isinf(t) else exact_text(t) for t in self.taps
            )
            lines = [f"window = {values}", f"max = {exact_text(self.value)}"]
        else:
            lines = [
                f"Σ in {c} = {exact_text(s)}" for c, s in zip(self.channels, self.sums, strict=True)
            ]
            if self.bias is not None:
                lines.append(f"bias = {exact_text(self.bias)}")
            lines.append(f"total = {exact_text(self.value)}")
        if self.activation != "none" and self.output is not None:
            lines.append(f"output{after_activation(self.activation)} = {exact_text(self.output)}")
        return lines


def sum_numbers(sums: tuple[float, ...], bias: float | None, value: float) -> EquationNumbers:
    """The texts of one output's sum (channel sums, then the bias if any), as every view shows
    them: the equation and each channel's "Σ =" use these, so they always read the same."""
    return equation_numbers([*sums, *([] if bias is None else [bias])], value)


class EquationLabel(QLabel):
    """Shows the most detailed rendering of an ``Equation`` that fits its width."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.setFont(font)
        self._variants: list[str] = [""]

    def sizeHint(self) -> QSize:
        return QSize(200, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        """Steady: it picks the variant that fits the width it gets, so it needs no more."""
        return QSize(40, super().minimumSizeHint().height())

    def set_equation(self, equation: Equation) -> None:
        self._variants = equation.variants()
        note = (
            ""
            if equation.numbers.adds_up
            else "\n(≈: even at these digits the rounded terms miss the rounded total)"
        )
        exact = "\n".join(equation.exact_lines())
        self.setToolTip(f"{self._variants[0]}{note}\n\nExactly:\n{exact}")
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """Binary search for the most detailed variant that fits (variants only get shorter)."""
        metrics = QFontMetrics(self.font())
        room = self.contentsRect().width() - 4
        variants = self._variants
        lo, hi = 0, len(variants)  # the answer lies in [lo, hi); hi means "none fits"
        while lo < hi:
            middle = (lo + hi) // 2
            if metrics.horizontalAdvance(variants[middle]) <= room:
                hi = middle
            else:
                lo = middle + 1
        if lo < len(variants):
            text = variants[lo]
        else:
            text = metrics.elidedText(variants[-1], Qt.TextElideMode.ElideRight, room)
        if text != self.text():
            self.setText(text)
