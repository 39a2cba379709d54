"""The kernel grid as numbers: one row per filter (under a line with its bias), a column per input.

Cells of input channels a filter does not see (groups > 1) are hatched placeholders, so standard,
grouped and depthwise layers have visibly different shapes. Used when the whole layer fits.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QWidget,
)

from ..style import (
    ABSENT_SLICE_HATCH,
    GRID_GREY,
    HINT_TEXT,
    SELECTED_ROW_BAND,
    channel_label,
    kernel_row_label,
    text_css,
)
from ._context import EditorContext, parameter_text, sees_text
from ._slice_model import BiasModel, SliceModel
from ._slice_view import SliceView, cell_size


class RowHeader(QWidget):
    """One line over a filter's slices: 'filter 0', its editable bias, its parameter count.

    A line above the row, not a column beside it, keeps the grid narrow enough for a side dock.
    Clicking it selects the filter.
    """

    clicked = Signal()

    def __init__(
        self, out_channel: int, context: EditorContext, bias: SliceView | None, parent: QWidget
    ) -> None:
        super().__init__(parent)
        spec = context.view.spec
        self._out_channel = out_channel
        self._transposed = spec.transposed
        self.setObjectName(f"kernelRowHeader_{out_channel}")
        kh, kw = spec.kernel_size
        makes = (
            f"Output channel {out_channel} of the transposed layer: each pixel of a channel it "
            f"sees adds its value × that channel's kernel here (PyTorch: weight[i, "
            f"{out_channel % (spec.out_channels // spec.groups)}] for each input channel i it sees)"
            if spec.transposed
            else f"Filter {out_channel} makes output channel {out_channel}"
        )
        self.setToolTip(
            f"{makes}: "
            f"{spec.in_per_group} channel(s) × {kh}×{kw} weights"
            + (" + 1 bias" if spec.bias else "")
            + f" = {spec.weights_per_filter + int(spec.bias)} parameters.\n"
            + sees_text(spec, out_channel)
            + ". Click to select it."
        )
        self._name = QLabel(self)
        params = QLabel(parameter_text(spec), self)
        params.setStyleSheet(text_css(HINT_TEXT))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self._name)
        if bias is not None:
            label = QLabel("bias", self)
            label.setToolTip("The bias, added to every output value of this filter")
            layout.addWidget(label)
            layout.addWidget(bias)
        layout.addWidget(params)
        layout.addStretch(1)
        self.set_selected(False)

    def set_selected(self, selected: bool) -> None:
        name = kernel_row_label(self._out_channel, self._transposed)
        self._name.setText(f"<b>{name}</b>" if selected else name)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.clicked.emit()
        event.accept()


class AbsentSlice(QWidget):
    """A hatched gap where a filter has no weights for an input channel."""

    def __init__(self, size: QSize, tooltip: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFixedSize(size)
        self.setToolTip(tooltip)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QBrush(ABSENT_SLICE_HATCH, Qt.BrushStyle.BDiagPattern))
        painter.setPen(QPen(GRID_GREY, 1, Qt.PenStyle.DashLine))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))


class NumericGrid(QWidget):
    """Every slice and bias as an editable ``SliceView``; the selected filter's row is banded.

    Tab order runs along a filter's row: its bias, then its slices, then the next filter.
    """

    sliceFocused = Signal(int, int)  # filter, absolute input channel (-1: its bias)
    filterClicked = Signal(int)
    menuRequested = Signal(int, int, QPoint)  # filter, input channel (-1: bias), global position

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kernelGrid")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._context = context
        spec = context.view.spec
        kh, kw = spec.kernel_size
        cell = cell_size(self)
        slice_size = QSize(kw * cell.width() + 2, kh * cell.height() + 2)
        self._columns = spec.in_channels
        layout = QGridLayout(self)
        layout.setContentsMargins(4, 0, 4, 4)
        layout.setHorizontalSpacing(6)
        layout.setVerticalSpacing(2)
        top = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
        self._labels: list[QLabel] = []
        for c in range(spec.in_channels):
            label = QLabel(self)
            label.setToolTip(f"Kernel slices applied to input channel {c}")
            layout.addWidget(label, 0, c, Qt.AlignmentFlag.AlignCenter)
            self._labels.append(label)
        self.label_columns()
        self._headers: list[RowHeader] = []
        self._views: list[list[SliceView]] = []
        for o in range(spec.out_channels):
            views = []
            bias = None
            if spec.bias:
                bias = self._slice_view(BiasModel(context, o), o, -1)
                bias.setObjectName(f"kernelBias_{o}")
                views.append(bias)
            header = RowHeader(o, context, bias, self)
            header.setContentsMargins(0, 6, 0, 0)
            header.clicked.connect(lambda o=o: self.filterClicked.emit(o))
            layout.addWidget(header, 2 * o + 1, 0, 1, spec.in_channels)
            self._headers.append(header)
            seen = spec.filter_input_channels(o)
            for c in range(spec.in_channels):
                if c in seen:
                    view = self._slice_view(SliceModel(context, o, c), o, c)
                    view.setObjectName(f"kernelSlice_{o}_{c}")
                    layout.addWidget(view, 2 * o + 2, c, top)
                    views.append(view)
                else:
                    absent = AbsentSlice(slice_size, sees_text(spec, o), self)
                    absent.setObjectName(f"kernelAbsent_{o}_{c}")
                    absent.setAccessibleName(
                        f"filter {o} has no weights for input channel {c}: {sees_text(spec, o)}"
                    )
                    layout.addWidget(absent, 2 * o + 2, c, top)
            self._views.append(views)
        self._selected = -1
        self.set_selected(context.view.selected_filter)

    def _slice_view(self, model: SliceModel | BiasModel, o: int, c: int) -> SliceView:
        view = SliceView(model, self)
        view.focused.connect(lambda: self.sliceFocused.emit(o, c))
        view.customContextMenuRequested.connect(
            lambda pos: self.menuRequested.emit(o, c, view.viewport().mapToGlobal(pos))
        )
        return view

    def label_columns(self) -> None:
        """Name the columns for the layer shown: ``in 1 (G)`` only when it reads the photo (a
        grid reused for another layer of the same shape may read maps instead)."""
        photo = self._context.view.input_is_photo
        for c, label in enumerate(self._labels):
            label.setText(channel_label(c, photo=photo))

    def refresh(self, channels: Iterable[int]) -> None:
        """Repaint the cells of these filters from the state."""
        for o in channels:
            for view in self._views[o]:
                view.number_model().refresh()

    def set_selected(self, out_channel: int) -> None:
        if out_channel == self._selected:
            return
        for o, header in enumerate(self._headers):
            header.set_selected(o == out_channel)
        self._selected = out_channel
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        layout = self.layout()
        assert isinstance(layout, QGridLayout)
        row = 2 * self._selected + 1
        if not 0 < row < layout.rowCount():
            return
        band = layout.cellRect(row, 0).united(layout.cellRect(row + 1, self._columns - 1))
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(SELECTED_ROW_BAND)
        painter.drawRoundedRect(band.adjusted(-3, 3, 3, 3), 4, 4)
