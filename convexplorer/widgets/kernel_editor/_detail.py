"""The numbers of one slice (and its filter's bias) beside the thumbnails of a large layer."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ..retire import retire
from ..style import channel_label
from ._context import EditorContext
from ._slice_model import BiasModel, SliceModel
from ._slice_view import SliceView
from ._thumbnail import BIAS


class DetailEditor(QWidget):
    """Edits the slice (filter, input channel) the user clicked; follows the selected filter."""

    sliceFocused = Signal(int, int)  # filter, input channel (BIAS: its bias)
    menuRequested = Signal(int, int, QPoint)

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kernelDetail")
        self._context = context
        self._title = QLabel(self)
        self._title.setTextFormat(Qt.TextFormat.RichText)
        self._body = QGridLayout()
        self._body.setContentsMargins(0, 0, 0, 0)
        self._body.setHorizontalSpacing(4)
        self._body.setVerticalSpacing(4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 2, 2)
        layout.addWidget(self._title)
        layout.addLayout(self._body)
        layout.addStretch(1)
        self._shown: tuple[int, int] | None = None
        self._views: list[SliceView] = []
        self._bias_label: QLabel | None = None
        self._layout_of: tuple[int, int, bool] | None = None  # (kH, kW, bias) the views fit

    @property
    def shown(self) -> tuple[int, int] | None:
        """(filter, input channel) being edited."""
        return self._shown

    def view_for(self, in_channel: int) -> SliceView:
        """The bias view for ``BIAS`` (when the layer has one), else the slice's numbers."""
        return self._views[-1] if in_channel == BIAS else self._views[0]

    def layer_changed(self) -> None:
        """Another layer is shown: the next ``show_slice`` reads its numbers, even for the same
        (filter, input channel)."""
        self._shown = None

    def show_slice(self, out_channel: int, in_channel: int) -> None:
        """Edit weight[out_channel, ·] for absolute ``in_channel`` (and the filter's bias).

        The views are kept when the kernel size and the bias stay (another filter, or another
        layer of a stack): their models read the new slice, which costs far less than new
        views."""
        if self._shown == (out_channel, in_channel):
            return
        spec = self._context.view.spec
        self._shown = (out_channel, in_channel)
        kh, kw = spec.kernel_size
        self._title.setText(
            f"<b>filter {out_channel}</b> · "
            f"{channel_label(in_channel, photo=self._context.view.input_is_photo)}"
            f" · {kh}×{kw}"
        )
        if self._views and self._layout_of == (kh, kw, spec.bias):
            self._retarget(out_channel, in_channel)
        else:
            self._build(out_channel, in_channel)

    def _retarget(self, out_channel: int, in_channel: int) -> None:
        model = self._views[0].number_model()
        assert isinstance(model, SliceModel)
        model.retarget(out_channel, in_channel)
        if self._bias_label is not None:
            bias = self._views[-1].number_model()
            assert isinstance(bias, BiasModel)
            bias.retarget(out_channel)
            self._bias_label.setToolTip(_bias_tip(out_channel))

    def _build(self, out_channel: int, in_channel: int) -> None:
        spec = self._context.view.spec
        while self._body.count():
            item = self._body.takeAt(0)
            widget = None if item is None else item.widget()
            if widget is not None:
                retire(widget)
        self._views, self._bias_label = [], None
        kh, kw = spec.kernel_size
        self._layout_of = (kh, kw, spec.bias)
        left = Qt.AlignmentFlag.AlignLeft
        view = self._add_view(SliceModel(self._context, out_channel, in_channel))
        view.setObjectName("kernelDetailSlice")
        if spec.bias:  # above the kernel: visible even when a large kernel scrolls sideways
            bias = self._add_view(BiasModel(self._context, out_channel))
            bias.setObjectName("kernelDetailBias")
            label = self._bias_label = QLabel("bias", self)
            label.setToolTip(_bias_tip(out_channel))
            self._body.addWidget(label, 0, 0)
            self._body.addWidget(bias, 0, 1, left)
        self._body.addWidget(view, 1, 0, 1, 3, left | Qt.AlignmentFlag.AlignTop)
        self._body.setColumnStretch(2, 1)
        for index in range(self._body.count()):
            item = self._body.itemAt(index)
            widget = None if item is None else item.widget()
            if widget is not None and self.isVisible():
                widget.show()  # now, not when the layout gets to it: a click focuses it at once

    def _add_view(self, model: SliceModel | BiasModel) -> SliceView:
        """A view over ``model``; what it reports is read from the model when it happens (the
        model may have been pointed at another slice since)."""
        view = SliceView(model, self)

        def where() -> tuple[int, int]:
            return model.out_channel, model.in_channel if isinstance(model, SliceModel) else BIAS

        view.focused.connect(lambda: self.sliceFocused.emit(*where()))
        view.customContextMenuRequested.connect(
            lambda pos: self.menuRequested.emit(*where(), view.viewport().mapToGlobal(pos))
        )
        self._views.append(view)
        return view

    def refresh(self, channels: list[int]) -> None:
        if self._shown is not None and self._shown[0] in channels:
            for view in self._views:
                view.number_model().refresh()


def _bias_tip(out_channel: int) -> str:
    return f"Added to every output value of filter {out_channel}"
