"""The layer's settings as a form: every change is proposed to the model, which may refuse it.

A refused combination stays visible in the form with the model's message beside it, while the model
keeps the old layer — the user can finish a two-step change (e.g. channels, then groups).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...model import (
    ACTIVATIONS,
    MAX_CHANNELS,
    MAX_DILATION,
    MAX_KERNEL,
    MAX_PADDING,
    MAX_STRIDE,
    PADDING_MODES,
    LayerSpec,
    NetworkView,
    StateView,
)
from ...qt import Document
from ..elided_label import ElidedLabel
from ..elided_lines import ElidedLinesLabel
from ..pool_words import POOL_PADDING_MODES
from ..style import (
    ACTIVATION_LABELS,
    ACTIVATION_TIPS,
    ERROR_TEXT,
    layer_shapes,
    plural,
    text_css,
)
from ._pair_spin import PairSpin

_PADDING_KINDS = ("numbers", "valid", "same")
#: The lines the summary under the form asks for, whatever the layer (a stack's first line and a
#: conv's shapes and parameters fit at the dock's usual width; a pool's longer words elide). A
#: short window gives it fewer (but SUMMARY_LINES_AT_LEAST: 3 at 1280×800) rather than squeeze the
#: form's rows.
SUMMARY_LINES = 4
SUMMARY_LINES_AT_LEAST = 3
#: The layer kinds the form offers, by PyTorch's module names.
LAYER_KINDS = ("Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d")
#: The pool each kind is (``LayerSpec.pool``).
_POOLS = {"MaxPool2d": "max", "AvgPool2d": "avg"}
#: Why a pool layer has no use for a row, said in its tooltip while it is greyed out.
POOL_REASONS = {
    "out_channels": "A pool works on each channel on its own: out channels follow in channels",
    "groups": "A pool works on each channel on its own: groups = in channels",
    "bias": "A pool has no parameters, so no bias",
    "flip_kernel": "A pool has no kernel to flip",
    "padding_kind": "PyTorch's pools take the padding as numbers only (no 'same' or 'valid')",
    "padding_mode": POOL_PADDING_MODES,
    "dilation": "AvgPool2d has no dilation (MaxPool2d has)",
}


def in_channels_tip(layer: int, channels: int) -> str:
    """Why the in-channels are not the form's to set: the input fixes them, or the layer before."""
    if layer == 0:
        return "Input channels come from the input image (or array stack)"
    return (
        f"Layer {layer + 1} reads the {channels} maps layer {layer} makes: change layer "
        f"{layer}'s out channels (or put a layer between them) to change this"
    )


def layer_summary(view: StateView, stack: NetworkView | None = None) -> str:
    """Shapes and parameter count in words, e.g. '3×256×256 → 2×254×254 · 2 filters …'; in a
    stack of several layers it first says where the layer's input comes from."""
    shapes = layer_shapes(view.image.shape, view.spec.out_channels, view.output_size)
    where = "" if stack is None or len(stack) < 2 else f"{stack_words(stack)} · "
    return f"{where}{shapes} · {view.spec.describe()}"


def stack_words(stack: NetworkView) -> str:
    """The selected layer's place in the stack in words: 'layer 2 of 4 reads the 32 maps
    layer 1 made → 1 map' (the first layer reads 'the 3-channel input')."""
    index, spec = stack.selected, stack.layer(stack.selected).spec
    kind = "" if spec.kind == "Conv2d" else f" ({spec.kind})"
    source = (
        f"the {spec.in_channels}-channel input"
        if index == 0
        else f"the {plural(spec.in_channels, 'map')} layer {index} made"
    )
    return (
        f"layer {index + 1} of {len(stack)}{kind} reads {source} → "
        f"{plural(spec.out_channels, 'map')}"
    )


class SummaryLabel(ElidedLabel):
    """The layer summary as a status-bar item: at most ``WIDTH`` px, elided, the rest in its
    tooltip, so status messages beside it keep their room."""

    WIDTH = 320

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent, whole_in_tooltip=True)
        self.setObjectName("layerSummaryStatus")
        self.setAccessibleName("Layer summary")
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), self.WIDTH), hint.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(min(super().sizeHint().width(), 80), super().minimumSizeHint().height())


class LayerControls(QWidget):
    """Out channels, kernel, stride, padding, dilation, groups, bias, activation, and a summary."""

    statusMessage = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerControls")
        self._document = document

        self.in_channels = QLabel(self)
        self.in_channels.setObjectName("inChannels")
        self.kind = QComboBox(self)
        self.kind.addItems(LAYER_KINDS)
        self.kind.setToolTip(
            "Conv2d slides the kernel over the input. ConvTranspose2d runs it the other way "
            "round: each input pixel scales the kernel and adds it into the output, stride "
            "apart (upsampling, as in decoders). PyTorch has no 'same' padding and no padding "
            "modes for it. MaxPool2d / AvgPool2d keep the largest value / the mean of each "
            "window of one channel: no weights; choosing one sets stride = kernel, PyTorch's "
            "default"
        )
        self.out_channels = QSpinBox(self)
        self.out_channels.setRange(1, MAX_CHANNELS)
        self.out_channels.setKeyboardTracking(False)
        self.out_channels.setToolTip("Output channels = number of filters")
        self.kernel_size = PairSpin(1, MAX_KERNEL, "Kernel size", "kernelSize", self)
        self.stride = PairSpin(1, MAX_STRIDE, "Stride", "stride", self)
        self.padding_kind = QComboBox(self)
        self.padding_kind.addItems(_PADDING_KINDS)
        self.padding_kind.setToolTip(
            "Padding: explicit numbers, 'valid' (none) or 'same' (output as large as the input)"
        )
        self.padding = PairSpin(0, MAX_PADDING, "Padding", "padding", self)
        self.padding_mode = QComboBox(self)
        self.padding_mode.addItems(PADDING_MODES)
        self.padding_mode.setToolTip("What the padding border is filled with")
        self.output_padding = PairSpin(0, MAX_STRIDE - 1, "Output padding", "outputPadding", self)
        self.output_padding.setToolTip(
            "ConvTranspose2d only: extra rows/columns on the bottom/right of the output (must "
            "be smaller than the stride or the dilation), e.g. 1 with a 3×3 kernel, stride 2 "
            "and padding 1 for an exact 2× upsampling"
        )
        self.dilation = PairSpin(1, MAX_DILATION, "Dilation", "dilation", self)
        self.groups = QSpinBox(self)
        self.groups.setRange(1, MAX_CHANNELS)
        self.groups.setKeyboardTracking(False)
        self.groups.setToolTip(
            "Groups: each filter sees in_channels/groups inputs (groups = in_channels: depthwise)"
        )
        self.bias = QCheckBox("bias", self)
        self.bias.setToolTip("Add one learnable bias per filter")
        self.flip_kernel = QCheckBox("flip kernel (textbook)", self)
        self.flip_kernel.setToolTip(
            "PyTorch's Conv2d computes cross-correlation: the kernel slides as typed. Textbooks "
            "define convolution with the kernel flipped in both axes. Tick to compute that; "
            "the kernel editor keeps the weights as you typed them"
        )
        self.activation = QComboBox(self)
        for index, name in enumerate(ACTIVATIONS):  # labels shown, the model's names as data
            self.activation.addItem(ACTIVATION_LABELS[name], name)
            self.activation.setItemData(index, ACTIVATION_TIPS[name], Qt.ItemDataRole.ToolTipRole)
        self.activation.setToolTip(
            "Activation applied to every output value after the bias, as PyTorch's module "
            "after the layer: none, ReLU, LeakyReLU, sigmoid or tanh"
        )
        for widget, name, accessible in (
            (self.kind, "layerKind", "Layer kind"),
            (self.out_channels, "outChannels", "Output channels"),
            (self.padding_kind, "paddingKind", "Padding kind"),
            (self.padding_mode, "paddingMode", "Padding mode"),
            (self.groups, "groups", "Groups"),
            (self.bias, "bias", "Bias"),
            (self.flip_kernel, "flipKernel", "Flip kernel (textbook convolution)"),
            (self.activation, "activation", "Activation"),
        ):
            widget.setObjectName(name)
            widget.setAccessibleName(accessible)
        self.error = QLabel(self)
        self.error.setObjectName("layerError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(text_css(ERROR_TEXT))
        self.error.hide()
        self.revert = QPushButton("Revert", self)
        self.revert.setToolTip("Show the layer the model holds again")
        self.revert.hide()
        # A fixed number of lines: a summary that wraps to more or fewer lines on another layer
        # must not move the form's rows (the whole text is in its tooltip). Three at the least:
        # it is the form's answer to "what does this layer's kernel look like".
        self.summary = ElidedLinesLabel(SUMMARY_LINES, self, at_least=SUMMARY_LINES_AT_LEAST)
        self.summary.setObjectName("layerSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        padding_row = QHBoxLayout()
        padding_row.setSpacing(4)
        padding_row.addWidget(self.padding_kind)
        padding_row.addWidget(self.padding)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.setVerticalSpacing(2)
        form.addRow("Kind", self.kind)
        form.addRow("In channels", self.in_channels)
        form.addRow("Out channels", self.out_channels)
        form.addRow("Kernel", self.kernel_size)
        form.addRow("Stride", self.stride)
        form.addRow("Padding", padding_row)
        # Each kind uses one of these two rows (ConvTranspose2d has no padding modes, Conv2d no
        # output padding): only it shows, so the form keeps its height and the sliding window
        # its room below.
        form.addRow("Pad mode", self.padding_mode)
        form.addRow("Output pad", self.output_padding)
        self._form = form
        form.addRow("Dilation", self.dilation)
        form.addRow("Groups", self.groups)
        switches = QHBoxLayout()  # one row: the form must not grow taller than the dock's room
        switches.setSpacing(12)
        switches.addWidget(self.bias)
        switches.addWidget(self.flip_kernel)
        form.addRow("", switches)
        form.addRow("Activation", self.activation)
        error_row = QHBoxLayout()
        error_row.addWidget(self.error, 1)
        error_row.addWidget(self.revert, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(form)
        layout.addLayout(error_row)
        layout.addWidget(self.summary)
        layout.addStretch(1)

        for signal in (
            self.kind.currentIndexChanged,
            self.output_padding.valueChanged,
            self.out_channels.valueChanged,
            self.kernel_size.valueChanged,
            self.stride.valueChanged,
            self.padding_kind.currentIndexChanged,
            self.padding.valueChanged,
            self.padding_mode.currentIndexChanged,
            self.dilation.valueChanged,
            self.groups.valueChanged,
            self.bias.toggled,
            self.flip_kernel.toggled,
        ):
            signal.connect(self._propose)
        self.activation.currentIndexChanged.connect(self._set_activation)
        self.revert.clicked.connect(self.show_model)
        document.layerChanged.connect(self.show_model)
        document.inputChanged.connect(self.show_model)
        document.activationChanged.connect(self.show_model)
        self.show_model()

    # ---- model -> form --------------------------------------------------------------------------

    def show_model(self) -> None:
        """Show the model's layer in every control and clear any refused proposal."""
        state = self._document.view
        spec = state.spec
        channels, height, width = state.image.shape
        layer = self._document.stack.selected
        source = "input" if layer == 0 else f"layer {layer}:"
        self.in_channels.setText(f"{channels}  ({source} {channels} × {height} × {width})")
        self.in_channels.setToolTip(in_channels_tip(layer, channels))
        with QSignalBlocker(self.kind):
            self.kind.setCurrentText(spec.kind)
        self.output_padding.set_value(spec.output_padding)
        self._enable_for_kind(spec.transposed, spec.pool)
        with QSignalBlocker(self.out_channels):
            self.out_channels.setValue(spec.out_channels)
        self.kernel_size.set_value(spec.kernel_size)
        self.stride.set_value(spec.stride)
        kind = spec.padding if isinstance(spec.padding, str) else "numbers"
        with QSignalBlocker(self.padding_kind):
            self.padding_kind.setCurrentText(kind)
        self.padding.set_value(spec.padding if isinstance(spec.padding, tuple) else (0, 0))
        self.padding.setEnabled(kind == "numbers" or spec.transposed)
        with QSignalBlocker(self.padding_mode):
            self.padding_mode.setCurrentText(spec.padding_mode)
        self.dilation.set_value(spec.dilation)
        with QSignalBlocker(self.groups):
            self.groups.setValue(spec.groups)
        with QSignalBlocker(self.bias):
            self.bias.setChecked(spec.bias)
        with QSignalBlocker(self.flip_kernel):
            self.flip_kernel.setChecked(spec.flip_kernel)
        with QSignalBlocker(self.activation):
            self.activation.setCurrentIndex(self.activation.findData(state.activation))
        self._show_error("")
        self.summary.setText(layer_summary(self._document.view, self._document.stack))

    # ---- form -> model --------------------------------------------------------------------------

    def proposed_spec(self) -> LayerSpec:
        """The layer the form shows; raises ValueError with the model's message if impossible.

        A ConvTranspose2d takes padding numbers and zeros only (PyTorch's rule), so choosing it
        turns 'valid'/'same' into the numbers they stand for and the padding mode into zeros;
        a Conv2d has no output padding.
        """
        transposed = self.kind.currentText() == "ConvTranspose2d"
        pool = _POOLS.get(self.kind.currentText(), "")
        kind = self.padding_kind.currentText()
        padding: tuple[int, int] | str = self.padding.value() if kind == "numbers" else kind
        mode = self.padding_mode.currentText()
        if transposed:
            padding = self._padding_numbers()
            mode = "zeros"
        self._enable_for_kind(transposed, pool)
        self.padding.setEnabled(kind == "numbers" or transposed or bool(pool))
        if pool:
            return self._pool_spec(pool)
        return self._document.view.spec.replace(
            out_channels=self.out_channels.value(),
            kernel_size=self.kernel_size.value(),
            stride=self.stride.value(),
            padding=padding,
            padding_mode=mode,
            dilation=self.dilation.value(),
            groups=self.groups.value(),
            bias=self.bias.isChecked(),
            flip_kernel=self.flip_kernel.isChecked(),
            transposed=transposed,
            output_padding=self.output_padding.value() if transposed else (0, 0),
            pool="",
        )

    def _pool_spec(self, pool: str) -> LayerSpec:
        """The pool the form shows: channel-wise, no bias, padding numbers and zeros. Coming
        from a convolution it takes PyTorch's defaults, stride = kernel and no padding."""
        current = self._document.view.spec
        kernel = self.kernel_size.value()
        if current.pool:
            stride, padding = self.stride.value(), self._padding_numbers()
        else:
            stride, padding = kernel, (0, 0)
        channels = current.in_channels
        return current.replace(
            out_channels=channels,
            kernel_size=kernel,
            stride=stride,
            padding=padding,
            padding_mode="zeros",
            dilation=self.dilation.value() if pool == "max" else (1, 1),
            groups=channels,
            bias=False,
            flip_kernel=False,
            transposed=False,
            output_padding=(0, 0),
            pool=pool,
        )

    def _padding_numbers(self) -> tuple[int, int]:
        """The padding as numbers: the spins, or what 'valid' / 'same' pads before the input."""
        kind = self.padding_kind.currentText()
        if kind == "numbers":
            return self.padding.value()
        if kind == "valid":
            return (0, 0)
        same = LayerSpec(
            1, 1, self.kernel_size.value(), dilation=self.dilation.value(), padding="same"
        )
        top, _, left, _ = same.pads
        return (top, left)

    def _enable_for_kind(self, transposed: bool, pool: str = "") -> None:
        """Grey out what the kind has no use for, saying why in the tooltips; of the padding mode
        and the output padding (one row each), show only the kind's own."""
        self.output_padding.setEnabled(transposed)
        self.padding_kind.setEnabled(not transposed)
        self.padding_mode.setEnabled(not transposed)
        self._form.setRowVisible(self.padding_mode, not transposed)
        self._form.setRowVisible(self.output_padding, transposed)
        for name, reason in POOL_REASONS.items():
            widget = getattr(self, name)
            unused = bool(pool) and (name != "dilation" or pool == "avg")
            parts = [widget, *widget.spins] if isinstance(widget, PairSpin) else [widget]
            for part in parts:
                if part.property("kindTip") is None:  # the row's own tooltip, kept once
                    part.setProperty("kindTip", part.toolTip())
                own = part.property("kindTip")
                part.setToolTip(f"{own}. {reason}" if unused else own)
            if unused:
                widget.setEnabled(False)
            elif name not in ("padding_kind", "padding_mode"):  # those follow transposed
                widget.setEnabled(True)

    def _propose(self) -> None:
        try:
            self._document.set_layer(self.proposed_spec())
        except ValueError as error:
            self._show_error(str(error))
            self.statusMessage.emit(f"Layer not changed: {error}")

    def _set_activation(self, index: int) -> None:
        self._document.set_activation(self.activation.itemData(index))

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.revert.setVisible(bool(message))
