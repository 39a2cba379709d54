"""The network strip: the input, then every layer's feature maps, left to right.

Each column says what the layer is, the shape it makes and its parameter count, and shows its maps
small (CNN Explainer's overview). Clicking a column selects that layer: the kernel editor, the
layer form, the sliding window and the output panels follow it. The strip's actions add, duplicate,
remove and move layers through the document, so each is one undo step and a refusal is said in
words. It reads only what is ready: a layer still waiting for the one before shows its previous
maps, marked "updating".
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QToolButton,
    QWidget,
)

from ...model import ReceptiveField, StateView, layer_name, next_layer
from ...qt import Document
from .. import style
from ..looks import input_looks, output_looks
from ..pending_edit import finish_typing
from ._column import StripColumn
from ._thumbs import THUMB_SIDE, photo, thumbnail

#: The input photo's room in the strip: as tall as two rows of maps, so the strip keeps its height.
PHOTO_HEIGHT = 2 * THUMB_SIDE + 1
PHOTO_WIDTH = 3 * THUMB_SIDE

#: A column's context menu (and the Layers menu): what can be done to the selected layer.
COLUMN_MENU = ("add", "duplicate", "remove", None, "left", "right")


def layer_detail(view: StateView) -> str:
    """What a layer is in one short line: 'Conv2d 3→16 3×3 · ReLU'."""
    spec = view.spec
    kh, kw = spec.kernel_size
    text = f"{spec.kind} {spec.in_channels}→{spec.out_channels} {kh}×{kw}"
    if spec.stride != (1, 1):
        text += f" /{spec.stride[0]}" if spec.stride[0] == spec.stride[1] else f" /{spec.stride}"
    if view.activation != "none":
        text += f" · {style.activation_label(view.activation)}"
    return text


class NetworkStrip(QWidget):
    """The stack at a glance, and the door to its structure (``actions``)."""

    statusMessage = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkStrip")
        self.setAccessibleName("Network strip")
        self._document = document
        self._columns: list[StripColumn] = []
        self._input = StripColumn(self)
        self._input_version = -1  # of the input the input column shows
        self._input.clicked.connect(
            lambda: self.statusMessage.emit("The input: click a layer to work on it")
        )
        self.actions_by_name = self._make_actions()

        self._add_button = QToolButton(self)  # after the last layer: where a new one goes
        self._add_button.setObjectName("addLayerButton")
        self._add_button.setText("+ layer")
        self._add_button.setToolTip(self.actions_by_name["add"].toolTip())
        self._add_button.setAccessibleName("Add layer after the selected one")
        self._add_button.clicked.connect(self.actions_by_name["add"].trigger)

        self._row = QHBoxLayout()
        self._row.setSpacing(3)
        self._row.setContentsMargins(0, 0, 0, 0)
        holder = QWidget(self)
        holder.setLayout(self._row)
        self._scroll = QScrollArea(self)
        self._scroll.setWidget(holder)
        self._scroll.setWidgetResizable(True)
        self._scroll.setObjectName("networkStripScroll")
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        # Never scrolled up and down: the strip is as tall as its tallest column (_fit_height).
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The row's new width comes before its new scroll range: the selected column is brought
        # into view when it is placed (_column_placed) and again when the range follows.
        self._scroll.horizontalScrollBar().rangeChanged.connect(self._keep_selected_in_view)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 0, 2, 0)
        layout.addWidget(self._scroll, 1)

        document.stackChanged.connect(self._rebuild)
        document.layerSelected.connect(self._show_selected)
        document.layerTouched.connect(self._touched)
        document.layerOutputsChanged.connect(self._outputs_ready)
        self._rebuild()

    # ---- actions --------------------------------------------------------------------------------

    def _make_actions(self) -> dict[str, QAction]:
        specs = {
            "add": ("&Add Layer After", self.add_layer, "Ctrl+Shift+N",
                    "Put a new 3×3 conv layer (then ReLU) after the selected one"),
            "duplicate": ("&Duplicate Layer", self.duplicate_layer, "Ctrl+Shift+D",
                          "Put a copy of the selected layer, weights and all, right after it"),
            "remove": ("&Remove Layer", self.remove_layer, "Ctrl+Shift+Backspace",
                       "Take the selected layer out of the stack"),
            "left": ("Move Layer &Earlier", lambda: self.move_layer(-1), "Ctrl+Shift+PgUp",
                     "Swap the selected layer with the one before it"),
            "right": ("Move Layer &Later", lambda: self.move_layer(1), "Ctrl+Shift+PgDown",
                      "Swap the selected layer with the one after it"),
            "previous": ("&Previous Layer", lambda: self.step_selection(-1), "Ctrl+PgUp",
                         "Work on the layer before this one"),
            "next": ("&Next Layer", lambda: self.step_selection(1), "Ctrl+PgDown",
                     "Work on the layer after this one"),
        }  # fmt: skip
        actions = {}
        for name, (text, slot, keys, tip) in specs.items():
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.setToolTip(f"{tip} ({QKeySequence(keys).toString()})")
            action.setStatusTip(tip)
            # Typing in progress belongs to the layer it was typed for, as a click would keep it.
            action.triggered.connect(finish_typing)
            action.triggered.connect(slot)
            actions[name] = action
        return actions

    def _refused(self, what: str, command) -> None:
        try:
            command()
        except ValueError as error:
            self.statusMessage.emit(f"{what}: {error}")

    def add_layer(self) -> None:
        stack = self._document.stack
        index = stack.selected
        made = stack.layer(index).spec.out_channels
        self._refused(
            "No layer added",
            lambda: self._document.insert_layer(index + 1, next_layer(made, seed=len(stack))),
        )

    def duplicate_layer(self) -> None:
        self._refused(
            "Not duplicated", lambda: self._document.duplicate_layer(self._document.stack.selected)
        )

    def remove_layer(self) -> None:
        self._refused(
            "Not removed", lambda: self._document.remove_layer(self._document.stack.selected)
        )

    def move_layer(self, step: int) -> None:
        index = self._document.stack.selected
        to = index + step
        if not 0 <= to < len(self._document.stack):
            self.statusMessage.emit(f"{layer_name(index).capitalize()} is already at that end")
            return
        self._refused("Not moved", lambda: self._document.move_layer(index, to))

    def step_selection(self, step: int) -> None:
        index = self._document.stack.selected + step
        if 0 <= index < len(self._document.stack):
            self._document.select_layer(index)

    # ---- showing --------------------------------------------------------------------------------

    @property
    def columns(self) -> list[StripColumn]:
        return list(self._columns)

    def _rebuild(self) -> None:
        while self._row.count():
            item = self._row.takeAt(0)
            widget = item.widget()
            keep = (self._input, self._add_button, *self._columns)
            if widget is not None and not any(widget is kept for kept in keep):
                widget.hide()  # out of sight now, not when the event loop deletes it
                widget.deleteLater()
        for column in self._columns[len(self._document.stack) :]:
            column.hide()
            column.deleteLater()
        del self._columns[len(self._document.stack) :]
        while len(self._columns) < len(self._document.stack):
            column = StripColumn(self)
            index = len(self._columns)
            column.clicked.connect(lambda index=index: self._document.select_layer(index))
            column.placed.connect(lambda column=column: self._column_placed(column))
            column.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            column.customContextMenuRequested.connect(
                lambda at, index=index: self._column_menu(index, at)
            )
            self._columns.append(column)
        self._row.addWidget(self._input)
        for column in self._columns:
            arrow = QLabel("→", self)
            arrow.setStyleSheet(style.text_css(style.HINT_TEXT))
            self._row.addWidget(arrow)
            self._row.addWidget(column)
            arrow.show()  # now, with the row, not when the layout gets to it
            column.show()
        self._row.addWidget(self._add_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self._row.addStretch(1)
        self._refresh_texts()
        self._show_input()
        for index in range(len(self._columns)):
            self._show_maps(index, range(self._document.stack.layer(index).spec.out_channels))
        self._show_selected(self._document.stack.selected)

    def _refresh_texts(self) -> None:
        stack = self._document.stack
        if len(self._columns) != len(stack):
            return  # a rebuild follows
        first = stack.layer(0)
        self._input.set_text(
            "Input",
            style.plural(first.image.shape[0], "channel"),
            style.shape_text(*first.image.shape),
            "What layer 1 reads",
        )
        for index, column in enumerate(self._columns):
            view = stack.layer(index)
            spec = view.spec
            shape = style.shape_text(spec.out_channels, *view.output_size)
            params = style.plural(spec.parameter_count, "parameter")
            waiting = " · updating" if stack.is_waiting(index) else ""
            problem = stack.problem(index)
            column.set_text(
                f"{layer_name(index).capitalize()}{waiting}",
                layer_detail(view),
                f"{shape} · {params}",
                problem or spec.describe(),
            )
            column.set_map_count(spec.out_channels)
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as the tallest column and a sideways scroll bar: a layer of 16 maps shows
        its second row of thumbnails, whatever height the dock was given for one row."""
        tallest = max(column.sizeHint().height() for column in (self._input, *self._columns))
        bar = self._scroll.horizontalScrollBar().sizeHint().height()
        self._scroll.setMinimumHeight(tallest + bar + 2 * self._scroll.frameWidth())

    def _show_input(self) -> None:
        view = self._document.stack.layer(0)
        if view.input_version == self._input_version:
            return  # an edit of layer 1's weights: the input is the one drawn
        self._input_version = view.input_version
        image = view.image
        looks = input_looks(view.input_ranges, photo=view.input_is_photo)
        if view.input_is_photo:  # the photo itself, where a receptive field can be seen on it
            picture = photo(image, looks[0].levels, PHOTO_HEIGHT, PHOTO_WIDTH)
            self._input.set_map_count(1, picture.size())
            self._input.set_map(0, picture, "The input photo", image.shape[1:])
            return
        self._input.set_map_count(image.shape[0])
        for channel in range(self._input.map_count):
            tip = style.channel_label(channel, photo=view.input_is_photo)
            picture = thumbnail(image[channel], looks[channel])
            self._input.set_map(channel, picture, tip, image.shape[1:])

    def _show_maps(self, index: int, channels) -> None:
        view = self._document.stack.layer(index)
        column = self._columns[index]
        ranges = {o: r for o in channels if (r := view.output_range(o)) is not None}
        looks = output_looks(ranges, view.activation, shared=False)
        for o in channels:
            if o >= column.map_count:
                continue
            found = view.output_preview(o)
            if found is None or o not in looks:
                continue
            picture = thumbnail(found[0], looks[o])
            column.set_map(o, picture, f"{layer_name(index)}, out {o}", view.output_size)

    def show_field(self, field: ReceptiveField | None) -> None:
        """Outline a receptive field on the image and on every layer's maps it reaches back
        through (``field.masks[j]`` is layer j's input: the input column, then the maps of the
        layer before); None: take it away. (The input view's readout says it in words.)"""
        marked = [self._input, *self._columns]
        for index, column in enumerate(marked):
            inside = field is not None and index < len(field.boxes)
            column.mark(field.boxes[index] if inside else None)  # type: ignore[union-attr]

    def _column_menu(self, index: int, at: QPoint) -> None:
        """Right-click on a layer: select it, then what can be done to it."""
        self._document.select_layer(index)
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one right-click, one menu
        for name in COLUMN_MENU:
            if name is None:
                menu.addSeparator()
            else:
                menu.addAction(self.actions_by_name[name])
        menu.popup(self._columns[index].mapToGlobal(at))

    def _show_selected(self, selected: int) -> None:
        for index, column in enumerate(self._columns):
            column.set_selected(index == selected)
        self.actions_by_name["left"].setEnabled(selected > 0)
        self.actions_by_name["right"].setEnabled(selected < len(self._columns) - 1)
        self.actions_by_name["previous"].setEnabled(selected > 0)
        self.actions_by_name["next"].setEnabled(selected < len(self._columns) - 1)
        self.actions_by_name["remove"].setEnabled(len(self._columns) > 1)
        self._keep_selected_in_view()

    def _keep_selected_in_view(self) -> None:
        selected = self._document.stack.selected
        if 0 <= selected < len(self._columns):
            self._scroll.ensureWidgetVisible(self._columns[selected])

    def _column_placed(self, column: StripColumn) -> None:
        """A new column is placed when the row is laid out, after the selection moved to it:
        the selected one, placed, is brought into view."""
        selected = self._document.stack.selected
        if 0 <= selected < len(self._columns) and self._columns[selected] is column:
            self._scroll.ensureWidgetVisible(column)

    def _touched(self, index: int) -> None:
        if index == 0:
            self._show_input()
        self._refresh_texts()

    def _outputs_ready(self, index: int, channels: list[int]) -> None:
        if index < len(self._columns):
            self._show_maps(index, channels)
            self._refresh_texts()
