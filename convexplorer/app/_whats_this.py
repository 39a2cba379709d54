"""Help → What's This? (Shift+F1): click any part of the window to hear what it is, numbers and all.

One hook answers for the whole window: while What's This mode is on, an application event filter
takes the ``QEvent.WhatsThis`` / ``QueryWhatsThis`` that Qt sends to the widget under the mouse,
finds what is there — walking up from that widget and using the position where it matters (which
panel, which pixel, which kernel cell) — and asks ``_explain`` for the text, built from the state
at that moment. No widget carries a What's This text that could go stale, and the filter is
installed only while the mode is on, so the thousands of events of a normal frame never meet it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, Signal
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QStatusBar,
    QWhatsThis,
    QWidget,
)

from ..widgets.matrix_view import unsupported_reason
from . import _explain as explain
from . import _explain_views as views
from ._window_parts import ExplainedWindow

if TYPE_CHECKING:
    from ..widgets.image_panels import PanelGrid

_HELP_EVENTS = (QEvent.Type.WhatsThis, QEvent.Type.QueryWhatsThis)


class WhatsThis(QObject):
    """The What's This? action and the hook that answers it; ``answered`` carries each text."""

    answered = Signal(str)

    def __init__(self, window: ExplainedWindow) -> None:
        super().__init__(window)
        self._window = window
        self._view = window.document.view
        self.last_text = ""
        self.action = QWhatsThis.createAction(window)  # "What's This?", Shift+F1
        self.action.setStatusTip("Click any part of the window to learn what it is")
        self.action.triggered.connect(self._listen)

    def _listen(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _HELP_EVENTS and isinstance(event, QHelpEvent):
            if not isinstance(watched, QWidget):
                return False
            text = self.explain(watched, event.pos())
            if text is None:
                return False  # not ours: Qt goes on to the parent, or says there is no help
            if event.type() == QEvent.Type.WhatsThis:
                self.last_text = text
                QWhatsThis.showText(event.globalPos(), text, watched)
                self.answered.emit(text)
            event.accept()
            return True
        if not QWhatsThis.inWhatsThisMode():
            self._stop_listening()
        return False

    def _stop_listening(self) -> None:
        """The mode ended (answered, or Esc): the filter goes until the next time."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    # ---- what is where ---------------------------------------------------------------------------

    def explain(self, widget: QWidget, pos: QPoint) -> str | None:
        """The text for the point ``pos`` (in ``widget``'s coordinates) of a widget of the window:
        the first of ``widget`` and its ancestors that knows what is there answers."""
        chain: list[tuple[QWidget, QPoint]] = []
        current: QWidget | None = widget
        while current is not None:
            chain.append((current, pos))
            if current is self._window:
                break
            pos = current.mapToParent(pos)
            current = current.parentWidget()
        if current is not self._window:
            return None  # another window (a dialog, a floating dock's twin): not ours
        for part, where in chain:
            text = self._text_of(part, where)
            if text:
                return text
        return None

    def _text_of(self, widget: QWidget, pos: QPoint) -> str | None:
        view, window = self._view, self._window
        for grid, answer in (
            (window.output_panels.grid, self._output_panel),
            (window.input_view.grid, self._input_panel),
        ):
            if widget is grid.view.viewport():
                return answer(grid, pos)
        if isinstance(widget, QAbstractItemView):
            return self._kernel_cell(widget, pos)
        if isinstance(widget, QDockWidget):
            inner = widget.widget()
            return None if inner is None else self._whole(inner.objectName())
        if isinstance(widget, QStatusBar):
            return explain.status_text(view)
        sliding, matrix = window.sliding_window, window.matrix.view
        if widget is matrix.picture.viewport():
            cell = matrix.picture.hit(matrix.picture.mapToScene(pos))
            return None if cell is None else views.matrix_cell_text(cell[0], matrix.describe(cell))
        if widget in (matrix.scrollbar, matrix.span):
            return views.matrix_columns_text(view, matrix.columns)
        if widget is sliding.painting or sliding.painting.isAncestorOf(widget):
            return self._painting_part(widget)
        if sliding.isAncestorOf(widget):
            text = self._sliding_part(widget)
            if text:
                return text
        return self._named(widget, pos)

    def _whole(self, name: str) -> str | None:
        """A whole panel by its view's object name: a dock's title bar, or the view itself."""
        view, window = self._view, self._window
        if name == "slidingWindowView":
            return explain.sliding_text(view, window.sliding_window.painting.pixel)
        if name in ("matrixView", "matrixCaption"):
            matrix = window.matrix.view
            return views.matrix_text(view, matrix.columns, unsupported_reason(view.spec))
        return explain.dock_text(view, name)

    def _named(self, widget: QWidget, pos: QPoint) -> str | None:
        """Parts known by their object name (or, for a few labels, by being that label)."""
        view, window = self._view, self._window
        name = widget.objectName()
        controls = window.layer_controls
        if widget is controls.in_channels:
            name = "inChannels"
        if controls.isAncestorOf(widget) and name in explain.CONTROL_NAMES:
            return explain.control_text(view, name)
        if widget is window.input_view.legend:
            return explain.input_scale_text(view)
        kind, _, numbers = name.partition("_")
        if kind == "kernelRowHeader":
            return explain.filter_text(view, int(numbers))
        if kind == "kernelAbsent":
            o, c = (int(n) for n in numbers.split("_"))
            return explain.absent_text(view, o, c)
        if name == "kernelThumbnails":
            return self._thumbnail(widget, pos)
        if name == "kernelPresetCombo" or kind == "kernelApply":
            return explain.preset_text(view)
        if name == "kernelScale":
            return explain.kernel_scale_text(view)
        if name == "sharedScale":
            return explain.shared_scale_text(view)
        return self._whole(name)

    def _sliding_part(self, widget: QWidget) -> str | None:
        sliding = self._window.sliding_window
        controls = sliding.controls
        if widget is sliding.output_map or widget in (
            sliding.output_caption,
            sliding.output_title,
        ):
            name = "outputMap"
        elif widget is sliding.header:
            name = "slidingHeader"
        elif widget is controls.position:
            name = "windowPosition"
        else:
            name = widget.objectName().removesuffix("Button")
        text = explain.transport_text(self._view, name)
        if text:
            return text
        slot = widget.property("slot")
        return explain.window_part_text(self._view, name, slot if isinstance(slot, int) else None)

    def _painting_part(self, widget: QWidget) -> str | None:
        """A part of the transposed layer's painting view (its transport bar included)."""
        painting = self._window.sliding_window.painting
        step = painting.scatter_step
        if step is None:
            return None
        if widget is painting.controls.position:
            name = "windowPosition"
        else:
            name = widget.objectName().removesuffix("Button")
        text = views.painting_transport_text(self._view, painting.pixel, name)
        if text:
            return text
        if name == "paintingView":
            return explain.painting_text(self._view, painting.pixel)
        slot = widget.property("slot")
        return views.painting_part_text(
            self._view, step, name, slot if isinstance(slot, int) else None
        )

    def _kernel_cell(self, table: QAbstractItemView, pos: QPoint) -> str | None:
        """A kernel editor cell: the weight (or the bias) under ``pos``."""
        model = table.model()
        o = getattr(model, "out_channel", None)
        if o is None:
            return None
        slot = getattr(model, "slot", None)
        if slot is None:
            return explain.bias_text(self._view, o)
        index = table.indexAt(table.viewport().mapFrom(table, pos))
        if not index.isValid():
            return explain.filter_text(self._view, o)
        return explain.weight_text(
            self._view, o, slot, index.row(), index.column(), self._painting_pixel()
        )

    def _painting_pixel(self) -> tuple[int, int]:
        """The input pixel the painting view shows (a transposed layer's weights speak of it)."""
        return self._window.sliding_window.painting.pixel

    def _thumbnail(self, grid: QWidget, pos: QPoint) -> str | None:
        tap = grid.tap_at(pos)  # type: ignore[attr-defined]
        if tap is not None:
            return explain.weight_text(self._view, *tap, pixel=self._painting_pixel())
        hit = grid.hit(pos)  # type: ignore[attr-defined]
        if hit is None:
            return explain.kernel_editor_text(self._view)
        o, c = hit
        if 0 <= c < self._view.spec.in_channels:
            return explain.absent_text(self._view, o, c)
        return explain.bias_text(self._view, o)

    def _output_panel(self, grid: PanelGrid, pos: QPoint) -> str | None:
        scene = grid.view.mapToScene(pos)
        index = grid.panel_at(scene)
        if index < 0:
            return None
        panel = grid.panels[index]
        if panel.bar is not None and panel.bar.sceneBoundingRect().contains(scene):
            return explain.colour_bar_text(self._view, index, panel.levels())
        return explain.output_text(self._view, index, panel.pixel_at(scene))

    def _input_panel(self, grid: PanelGrid, pos: QPoint) -> str | None:
        scene = grid.view.mapToScene(pos)
        index = grid.panel_at(scene)
        if index < 0:
            return None
        composite = self._view.input_is_photo  # the input view shows the photo first
        channel = index - 1 if composite else index
        pixel = grid.panels[index].pixel_at(scene)
        return explain.input_text(self._view, None if channel < 0 else channel, pixel)
