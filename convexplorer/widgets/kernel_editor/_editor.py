"""The kernel editor: every filter's weights and bias, editable, coloured, with presets.

Small layers show every number (``NumericGrid``); large ones show colour thumbnails with the clicked
slice's numbers beside them (``ThumbnailGrid`` + ``DetailEditor``). The selected filter lives in the
state; the editor only remembers which input channel of it was last clicked, a view detail.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QPoint, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import (
    QGuiApplication,
    QKeySequence,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...model import PRESET_NAMES, LayerSpec, kernel_preset, preset_description
from ...qt import Document, preset_label
from ..elided_label import ElidedLabel
from ..retire import retire
from ..style import ERROR_TEXT, HINT_TEXT, text_css
from ._context import EditorContext, sees_text, slice_name
from ._detail import DetailEditor
from ._grid import NumericGrid
from ._legend import ScaleLegend
from ._pool_page import PoolPage
from ._slice_model import SliceModel
from ._thumbnail import BIAS, ThumbnailGrid, uses_thumbnails

SCOPES = ("slice", "filter", "layer")
EDITING_TIPS = (
    "Typing starts an edit; Enter commits and moves to the next tap (after the last, to "
    "the next slice); Tab moves on to the next slice; Esc drops the edit. Turn the wheel "
    "over a number to nudge it by ±0.1 (Ctrl: ±0.01). Ctrl+C / Ctrl+V copy and paste a "
    "whole slice as tab-separated rows."
)
#: Where a transposed layer's weights sit in PyTorch, said where the editor's layout is shown.
TRANSPOSED_LAYOUT = (
    "PyTorch stores ConvTranspose2d weights as (in, out/groups, kH, kW): row o column i here "
    "is weight[i, o] (o counted within its group). Files, sessions and Copy as PyTorch use "
    "PyTorch's layout."
)
PRESET_PLACEHOLDER = "choose a preset…"
_DETAIL_SHARE = 0.5  # the detail pane gets its full width, up to this share of the editor
_SIDE = 4  # the toolbar's and hint's side margins; the grid keeps as much for its band


def _scroll(widget: QWidget, resizable: bool) -> QScrollArea:
    area = QScrollArea()
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidgetResizable(resizable)
    area.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    area.setWidget(widget)
    return area


class KernelEditor(QWidget):
    """One row per filter, one column per input channel plus the bias; edits are commands."""

    statusMessage = Signal(str)
    refusalCleared = Signal(str)  # a refusal reported earlier no longer stands: take it down

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kernelEditor")
        self._document = document
        self._context = EditorContext(
            document, self._report, self.statusMessage.emit, self._clear_refusal
        )
        self._refusal: str | None = None  # the refusal the hint line shows, if any
        self._preset_matched = True  # the preset box shows what matches (not the user's pick)
        self._matched_filter = -1
        self._in_channel = 0  # input channel of the current slice (of the selected filter)
        self._grid: NumericGrid | None = None
        self._thumbnails: ThumbnailGrid | None = None
        self._detail: DetailEditor | None = None
        self._body: QWidget | None = None
        self._split_pending = False  # the thumbnails/detail split waits for a real width
        self._thumbnail_area: QScrollArea | None = None
        self._body_spec: LayerSpec | None = None  # the layer the body was built for

        self._preset = QComboBox(self)
        self._preset.setObjectName("kernelPresetCombo")
        self._preset.setAccessibleName("Kernel preset")
        self._preset.setPlaceholderText(PRESET_PLACEHOLDER)
        for row, name in enumerate(PRESET_NAMES):
            self._preset.addItem(name)
            self._preset.setItemData(row, preset_description(name), Qt.ItemDataRole.ToolTipRole)
        self._preset.setCurrentIndex(-1)
        self._preset.currentIndexChanged.connect(self._preset_picked)  # matching blocks it
        self._apply_buttons: dict[str, QToolButton] = {}
        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(_SIDE, 0, _SIDE, 0)
        toolbar.setSpacing(4)
        toolbar.addWidget(QLabel("Preset", self))
        toolbar.addWidget(self._preset)
        toolbar.addWidget(QLabel("apply to", self))
        for scope in SCOPES:
            button = QToolButton(self)
            button.setText(scope)
            button.setObjectName(f"kernelApply_{scope}")
            button.setAccessibleName(f"Apply the preset to the {scope}")
            button.clicked.connect(partial(self._apply_from_toolbar, scope))
            toolbar.addWidget(button)
            self._apply_buttons[scope] = button
        self._preset_shown()
        toolbar.addStretch(1)
        self._legend = ScaleLegend(self)
        # One line, elided if need be, so a long refusal never pushes the grid down (the full
        # text is on the status bar and beside the refused cell).
        self._hint = ElidedLabel(parent=self)
        self._hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._hint.setObjectName("kernelHint")
        self._hint.setAccessibleName("Kernel editor hint")
        self._hint.setToolTip(EDITING_TIPS)
        hint_row = QHBoxLayout()
        hint_row.setContentsMargins(_SIDE, 0, _SIDE, 0)
        hint_row.addWidget(self._hint, 1)
        hint_row.addWidget(self._legend, 0, Qt.AlignmentFlag.AlignTop)
        self._layout = QVBoxLayout(self)
        # No side margins here: the body's own (the grid's room for its band) would double them
        # and make the scroll area a few pixels too narrow for slices that fit (issue: a
        # horizontal scrollbar under the default layer's three 3×3 slices at 1280×800).
        self._layout.setContentsMargins(0, 4, 0, 4)
        self._layout.setSpacing(3)
        self._layout.addLayout(toolbar)
        self._layout.addLayout(hint_row)

        document.weightsChanged.connect(self._weights_changed)
        document.layerChanged.connect(self._rebuild)
        document.selectionChanged.connect(self._selection_changed)
        document.layerChanged.connect(self._match_preset)
        self._rebuild()
        self._match_preset()

    def sizeHint(self) -> QSize:
        return QSize(600, 350)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._split_pending and self.isVisible():
            self._fit_detail()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._split_pending:
            self._fit_detail()

    def _fit_detail(self) -> None:
        """Split so the detail slice shows whole if it takes at most half the editor; else it
        scrolls. Done once per layer and size, so a splitter the user dragged stays put."""
        body, detail = self._body, self._detail
        if not isinstance(body, QSplitter) or detail is None:
            return
        width = min(detail.minimumSizeHint().width() + 4, int(_DETAIL_SHARE * self.width()))
        body.setSizes([max(self.width() - width, 1), width])
        self._split_pending = not self.isVisible()

    # ---- public ---------------------------------------------------------------------------------

    @property
    def uses_thumbnails(self) -> bool:
        """True when the layer shows as colour thumbnails with a detail editor."""
        return self._thumbnails is not None

    @property
    def thumbnails(self) -> ThumbnailGrid | None:
        return self._thumbnails

    @property
    def detail(self) -> DetailEditor | None:
        return self._detail

    def current_slice(self) -> tuple[int, int]:
        """(selected filter, input channel last clicked in it, or its first one)."""
        state = self._document.view
        o = state.selected_filter
        seen = state.spec.filter_input_channels(o)
        return o, self._in_channel if self._in_channel in seen else seen.start

    def apply_preset(
        self, name: str, scope: str, out_channel: int | None = None, in_channel: int | None = None
    ) -> bool:
        """Apply preset ``name`` to a slice, a filter or the layer as one undoable step.

        A refusal (e.g. grayscale on a non-RGB channel) shows the model's reason, changes nothing.
        """
        if scope == "filter":
            in_channel = None
        elif scope == "layer":
            out_channel, in_channel = None, None
        label = preset_label(name, out_channel, in_channel)  # the undo step's own name
        try:
            changed = self._document.apply_preset(name, out_channel, in_channel)
        except ValueError as error:
            self._report(f"{label}: refused — {error}")
            return False
        self.statusMessage.emit(label if changed else f"{label}: the weights were already so")
        return changed

    def preset_menu(self, out_channel: int, in_channel: int) -> QMenu:
        """A cell's context menu: presets for its slice, its filter or the layer; copy, paste."""
        spec = self._document.view.spec
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        seen = in_channel in spec.filter_input_channels(out_channel)
        titles = {
            "slice": f"Preset for {slice_name(out_channel, in_channel, spec.transposed)}",
            "filter": f"Preset for filter {out_channel}",
            "layer": "Preset for the whole layer",
        }
        for scope in SCOPES:
            if scope == "slice" and not seen:
                continue
            submenu = menu.addMenu(titles[scope])
            submenu.setToolTipsVisible(True)
            for name in PRESET_NAMES:
                action = submenu.addAction(name)
                action.setToolTip(preset_description(name))
                action.triggered.connect(
                    partial(self.apply_preset, name, scope, out_channel, in_channel)
                )
        if seen:
            menu.addSeparator()
            copy = menu.addAction("Copy slice", partial(self._copy, out_channel, in_channel))
            copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
            paste = menu.addAction("Paste slice", partial(self._paste, out_channel, in_channel))
            paste.setShortcut(QKeySequence(QKeySequence.StandardKey.Paste))
        return menu

    # ---- building -------------------------------------------------------------------------------

    def _rebuild(self) -> None:
        """Shapes may have changed: show the current layer, in the body on show if it fits the
        layer (thumbnails: any layer that uses them; numbers: the same shapes), else in a new
        one — the layers of a stack often share their shapes, and building is what a layer
        switch would wait for."""
        self._context.update_limit()
        self._legend.set_limit(self._context.limit)
        spec = self._document.view.spec
        pool = bool(spec.pool)
        self._legend.setVisible(not pool)
        self._preset.setEnabled(not pool)  # a pool has no weights for a preset
        if self._reuse_body(spec):
            self._show_guidance()
            self._show_current()
            return
        if self._body is not None:
            self._layout.removeWidget(self._body)
            retire(self._body)
        self._grid = self._thumbnails = self._detail = None
        self._body_spec = spec
        if pool:
            self._body = _scroll(PoolPage(spec), resizable=True)
        elif uses_thumbnails(spec):
            self._thumbnails = ThumbnailGrid(self._context)
            self._thumbnails.sliceClicked.connect(partial(self._thumbnail_chosen, focus=True))
            self._thumbnails.sliceStepped.connect(partial(self._thumbnail_chosen, focus=False))
            self._thumbnails.menuRequested.connect(self._show_menu)
            self._detail = DetailEditor(self._context)
            self._detail.sliceFocused.connect(self._slice_focused)
            self._detail.menuRequested.connect(self._show_menu)
            self._detail.show_slice(*self.current_slice())
            thumbnails = self._thumbnail_area = _scroll(self._thumbnails, resizable=False)
            for bar in (thumbnails.horizontalScrollBar(), thumbnails.verticalScrollBar()):
                bar.valueChanged.connect(self._thumbnails.update)  # re-pin the labels
            splitter = QSplitter(Qt.Orientation.Horizontal)
            splitter.setChildrenCollapsible(False)
            splitter.addWidget(thumbnails)
            splitter.addWidget(_scroll(self._detail, resizable=True))
            splitter.setStretchFactor(0, 1)
            splitter.setStretchFactor(1, 0)
            self._body = splitter
            self._split_pending = True
        else:
            self._grid = NumericGrid(self._context)
            self._grid.sliceFocused.connect(self._slice_focused)
            self._grid.filterClicked.connect(self._select)
            self._grid.menuRequested.connect(self._show_menu)
            self._body = _scroll(self._grid, resizable=False)
        self._layout.addWidget(self._body, 1)
        if self._split_pending and self.isVisible():
            self._fit_detail()
        self._show_guidance()
        self._show_current()

    def _reuse_body(self, spec: LayerSpec) -> bool:
        """Show ``spec``'s layer in the body on show, if it fits it; False if it does not."""
        shown, self._body_spec = self._body_spec, spec
        thumbnails = self._thumbnails is not None and self._detail is not None
        if spec.pool or not (
            (thumbnails and uses_thumbnails(spec)) or (self._grid is not None and spec == shown)
        ):
            return False
        assert self._body is not None
        for view in self._body.findChildren(QAbstractItemView):
            # An open edit belongs to the layer shown before: dropped unsaved, as ``retire``
            # drops it, and quietly (its view must not select its filter on the way out).
            with QSignalBlocker(view):
                view.reset()
        if self._thumbnails is not None and self._detail is not None:
            self._thumbnails.set_layer()
            self._detail.layer_changed()
            self._detail.show_slice(*self.current_slice())
            self._split_pending = True  # split for this layer, as a new body is
            if self.isVisible():
                self._fit_detail()
            if self._thumbnail_area is not None:  # from the top left, as a new grid starts
                for bar in (
                    self._thumbnail_area.horizontalScrollBar(),
                    self._thumbnail_area.verticalScrollBar(),
                ):
                    bar.setValue(0)
            return True
        assert self._grid is not None
        self._grid.label_columns()  # layer 1's inputs are the photo's colours, later ones maps
        self._grid.refresh(range(spec.out_channels))
        return True

    # ---- model -> view --------------------------------------------------------------------------

    def _weights_changed(self, channels: list[int]) -> None:
        self._clear_refusal()
        if self._document.view.selected_filter in channels:
            self._match_preset()
        if self._context.update_limit():
            self._legend.set_limit(self._context.limit)
            channels = list(range(self._document.view.spec.out_channels))
        for part in (self._grid, self._thumbnails, self._detail):
            if part is not None:
                part.refresh(channels)

    def _selection_changed(self, out_channel: int, row: int, column: int) -> None:
        self._clear_refusal()
        if out_channel != self._matched_filter:  # not per window step: the filter is the same
            self._match_preset()
        self._show_current()

    def _show_current(self) -> None:
        o, c = self.current_slice()
        if self._grid is not None:
            self._grid.set_selected(o)
        if self._thumbnails is not None and self._detail is not None:
            self._thumbnails.set_current(o, c)
            self._detail.show_slice(o, c)
            if self._thumbnail_area is not None:  # follow the selection, clear of the labels
                x, y, x_margin, y_margin = self._thumbnails.reveal(o, c)
                self._thumbnail_area.ensureVisible(x, y, x_margin, y_margin)
        transposed = self._document.view.spec.transposed
        tips = {
            "slice": f"Apply the preset to the current slice ({slice_name(o, c, transposed)})",
            "filter": f"Apply the preset to every slice of filter {o} (and set its bias)",
            "layer": "Apply the preset to every filter of the layer",
        }
        for scope, button in self._apply_buttons.items():
            button.setToolTip(tips[scope])

    def _report(self, message: str) -> None:
        """A refusal: in red where the guidance line is, and on the status bar."""
        self._refusal = message
        self._hint.setText(message)
        self._hint.setStyleSheet(text_css(ERROR_TEXT))
        self.statusMessage.emit(message)

    def _clear_refusal(self) -> None:
        """The user moved on (Esc, an edit that went through, another filter or position): the
        red hint goes, and so does the status-bar message if it still shows the refusal."""
        if self._refusal is not None:
            message, self._refusal = self._refusal, None
            self._show_guidance()
            self.refusalCleared.emit(message)

    # ---- the preset box -------------------------------------------------------------------------

    def _match_preset(self) -> None:
        """Show the kernel preset every slice of the selected filter is, if any; otherwise the
        placeholder — unless the user picked one, which stays until the filter changes."""
        state = self._document.view
        spec, o = state.spec, state.selected_filter
        self._matched_filter = o
        if spec.pool:  # fixed weights: no preset is "chosen"
            with QSignalBlocker(self._preset):
                self._preset.setCurrentIndex(-1)
            self._preset_matched = True
            self._preset_shown()
            return
        weights = state.weight[o]
        kh, kw = spec.kernel_size
        matched = -1
        for row, name in enumerate(PRESET_NAMES):
            try:
                kernel = kernel_preset(name, kh, kw).astype(weights.dtype)
            except ValueError:
                continue  # a filter-level preset (grayscale, kaiming): not one kernel
            if (weights == kernel).all():
                matched = row
                break
        if matched >= 0 or self._preset_matched:
            with QSignalBlocker(self._preset):
                self._preset.setCurrentIndex(matched)
            self._preset_matched = True
            self._preset_shown()

    def _preset_picked(self, row: int) -> None:
        """The user (or a script) chose a preset to apply: it stays while the weights change."""
        self._preset_matched = False
        self._preset_shown()

    def _preset_shown(self) -> None:
        """Tooltip for the preset shown; nothing to apply while the placeholder shows."""
        name = self._preset.currentText()
        chosen = self._preset.currentIndex() >= 0 and not self._document.view.spec.pool
        self._preset.setToolTip(
            f"Preset: {preset_description(name)}"
            if chosen
            else "Choose a preset, then apply it to the slice, the filter or the layer"
        )
        for button in self._apply_buttons.values():
            button.setEnabled(chosen)

    def _show_guidance(self) -> None:
        """The hint line's resting text: how to edit (it never collapses, so nothing jumps)."""
        if self._thumbnails is not None:
            text = "Click a patch to edit · right-click: presets"
        else:
            text = "Type or wheel over a cell · right-click: presets"
        spec = self._document.view.spec
        transposed = spec.transposed
        if transposed:  # the rows are output channels, unlike PyTorch's ConvTranspose2d layout
            text = "Row o, column i is PyTorch's weight[i, o]"
        if spec.pool:
            text = f"A {spec.kind} layer has no weights to edit"
        self._hint.setText(text)
        self._hint.setToolTip(
            f"{TRANSPOSED_LAYOUT}\n\n{EDITING_TIPS}" if transposed else EDITING_TIPS
        )
        self._hint.setStyleSheet(text_css(HINT_TEXT))

    # ---- view -> model --------------------------------------------------------------------------

    def _select(self, out_channel: int) -> None:
        self._document.select(out_channel=out_channel)
        self._show_current()

    def _slice_focused(self, out_channel: int, in_channel: int) -> None:
        if in_channel != BIAS:
            self._in_channel = in_channel
        self._select(out_channel)

    def _thumbnail_chosen(self, out_channel: int, in_channel: int, focus: bool) -> None:
        spec = self._document.view.spec
        if in_channel != BIAS and in_channel not in spec.filter_input_channels(out_channel):
            self.statusMessage.emit(sees_text(spec, out_channel))
        self._slice_focused(out_channel, in_channel)
        if focus and self._detail is not None:
            self._detail.view_for(in_channel).setFocus(Qt.FocusReason.MouseFocusReason)

    def _apply_from_toolbar(self, scope: str) -> None:
        if self._preset.currentIndex() < 0:
            return
        o, c = self.current_slice()
        self.apply_preset(self._preset.currentText(), scope, o, c)

    def _show_menu(self, out_channel: int, in_channel: int, where: QPoint) -> None:
        if in_channel == BIAS:
            in_channel = self.current_slice()[1]
        self._slice_focused(out_channel, in_channel)
        self.preset_menu(out_channel, in_channel).exec(where)

    def _copy(self, out_channel: int, in_channel: int) -> None:
        model = SliceModel(self._context, out_channel, in_channel)
        QGuiApplication.clipboard().setText(model.copy_text())
        self.statusMessage.emit(f"Copied {model.title} as tab-separated numbers")

    def _paste(self, out_channel: int, in_channel: int) -> None:
        model = SliceModel(self._context, out_channel, in_channel)
        try:
            model.paste_text(QGuiApplication.clipboard().text())
        except ValueError as error:
            self._report(str(error))
