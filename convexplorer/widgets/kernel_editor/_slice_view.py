"""One kernel slice (or bias) as a small grid of coloured, editable numbers.

Keyboard: arrows move, typing starts an edit, Enter commits and steps to the next tap; after the
last tap Enter, like Tab, moves on to the next slice; Esc drops the edit and any refusal shown.
The wheel nudges the cell under the pointer, as the hint says (no click first); a burst of notches
on one cell is one undo step.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QTableView,
    QToolTip,
    QWidget,
)

from ..style import REFUSED_BORDER
from ._delegate import NumberDelegate
from ._slice_model import NumberModel, SliceModel

NUDGE_STEP = 0.1
FINE_NUDGE_STEP = 0.01
_WHEEL_CLICK = 120  # angleDelta units of one wheel notch
_FLASH_MS = 1500


def cell_font(widget: QWidget) -> QFont:
    """A slightly smaller font than ``widget``'s, so three 3×3 slices and a bias fit 600 px."""
    font = QFont(widget.font())
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * 0.9)
    else:
        font.setPixelSize(max(8, round(font.pixelSize() * 0.9)))
    return font


def cell_size(widget: QWidget) -> QSize:
    """The size of one number cell in ``cell_font(widget)``: room for '−0.299' and the margins."""
    metrics = QFontMetrics(cell_font(widget))
    return QSize(metrics.horizontalAdvance("−0.299") + 4, metrics.height() + 4)


class SliceView(QTableView):
    """A kH×kW (or 1×1) table over a ``NumberModel``; ``focused`` fires when the user enters it."""

    focused = Signal()

    def __init__(self, model: NumberModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._delegate = NumberDelegate(self)
        self.setItemDelegate(self._delegate)
        model.setParent(self)  # the view owns its adapter model
        self.setModel(model)
        self._flash: QPersistentModelIndex | None = None
        self._flash_timer = QTimer(self)
        self._flash_timer.setSingleShot(True)
        self._flash_timer.setInterval(_FLASH_MS)
        self._flash_timer.timeout.connect(self._end_flash)
        self._wheel = 0
        self._cell = cell_size(self)
        self.setFont(cell_font(self))
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.hide()
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setMinimumSectionSize(1)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.Box)
        self.setLineWidth(1)
        self.setWordWrap(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._delegate.refused.connect(lambda message: self.refuse(self.currentIndex(), message))
        model.refused.connect(lambda r, c, message: self.refuse(model.index(r, c), message))
        model.dataChanged.connect(self._end_flash)  # a later edit that went through
        # Hovering a weight shows, in the other views, the input pixel it multiplies.
        self.setMouseTracking(True)
        self.entered.connect(self._hover_weight)
        self.fit_cells()

    def number_model(self) -> NumberModel:
        model = self.model()
        assert isinstance(model, NumberModel)
        return model

    def fit_cells(self) -> None:
        """Size every cell for a compact number and the view to its cells (no scrolling)."""
        cell = self._cell
        model = self.number_model()
        self.horizontalHeader().setDefaultSectionSize(cell.width())
        self.verticalHeader().setDefaultSectionSize(cell.height())
        frame = 2 * self.frameWidth()
        self.setFixedSize(
            model.columnCount() * cell.width() + frame, model.rowCount() * cell.height() + frame
        )

    # ---- hover ----------------------------------------------------------------------------------

    def _hover_weight(self, index: QModelIndex) -> None:
        model = self.number_model()
        if isinstance(model, SliceModel):  # a bias multiplies nothing
            document = model.context.document
            document.hover_weight(model.out_channel, model.slot, index.row(), index.column())

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        if isinstance(self.number_model(), SliceModel):
            self.number_model().context.document.hover_weight(None)

    # ---- refusals -------------------------------------------------------------------------------

    def refuse(self, index: QModelIndex | QPersistentModelIndex, message: str) -> None:
        """Outline the cell in red for a moment, tell the user why, and report it."""
        if index.isValid():
            self._flash = QPersistentModelIndex(index)
            self._flash_timer.start()
            self.viewport().update()
            corner = self.viewport().mapToGlobal(self.visualRect(index).bottomLeft())
            QToolTip.showText(corner, message, self.viewport())
        self.number_model().context.report(message)

    def _end_flash(self) -> None:
        self._flash = None
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._flash is not None and self._flash.isValid():
            painter = QPainter(self.viewport())
            painter.setPen(QPen(QColor(REFUSED_BORDER), 3))
            painter.drawRect(self.visualRect(QModelIndex(self._flash)).adjusted(1, 1, -2, -2))

    # ---- clipboard ------------------------------------------------------------------------------

    def copy_block(self) -> None:
        model = self.number_model()
        QGuiApplication.clipboard().setText(model.copy_text())
        model.context.inform(f"Copied {model.title} as tab-separated numbers")

    def paste_block(self) -> bool:
        try:
            return self.number_model().paste_text(QGuiApplication.clipboard().text())
        except ValueError as error:
            self.refuse(self.currentIndex(), str(error))
            return False

    # ---- keyboard and wheel ---------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_block()
        elif event.matches(QKeySequence.StandardKey.Paste):
            self.paste_block()
        elif (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.state() != QAbstractItemView.State.EditingState
            and self.currentIndex().isValid()
        ):
            self.edit(self.currentIndex())
        else:
            super().keyPressEvent(event)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        """Enter commits and steps to the next tap, so a kernel can be typed in one go."""
        if hint != QAbstractItemDelegate.EndEditHint.SubmitModelCache:
            super().closeEditor(editor, hint)
            if hint == QAbstractItemDelegate.EndEditHint.RevertModelCache:  # Esc: never mind
                self._end_flash()
                self.number_model().context.clear()
            return
        super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        current = self.currentIndex()
        rows, columns = self.model().rowCount(), self.model().columnCount()
        step = current.row() * columns + current.column() + 1
        if step == rows * columns:  # the last tap: on to the next slice, as Tab does
            self.focusNextChild()
            return
        self.setCurrentIndex(self.model().index(step // columns, step % columns))

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        """Tab past the last tap (Shift+Tab before the first) leaves the slice for the next one."""
        current = self.currentIndex()
        rows, columns = self.model().rowCount(), self.model().columnCount()
        action = QAbstractItemView.CursorAction
        if current.isValid():
            if cursorAction == action.MoveNext and (current.row(), current.column()) == (
                rows - 1,
                columns - 1,
            ):
                return QModelIndex()
            if cursorAction == action.MovePrevious and (current.row(), current.column()) == (0, 0):
                return QModelIndex()
        return super().moveCursor(cursorAction, modifiers)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        model = self.model()
        if event.reason() == Qt.FocusReason.BacktabFocusReason:
            self.setCurrentIndex(model.index(model.rowCount() - 1, model.columnCount() - 1))
        elif event.reason() == Qt.FocusReason.TabFocusReason or not self.currentIndex().isValid():
            self.setCurrentIndex(model.index(0, 0))
        self.focused.emit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if not index.isValid():
            event.ignore()
            return
        delta = event.angleDelta()
        self._wheel += delta.y() or delta.x()
        notches = int(self._wheel / _WHEEL_CLICK)
        self._wheel -= notches * _WHEEL_CLICK
        if notches:
            fine = event.modifiers() & Qt.KeyboardModifier.ControlModifier
            step = FINE_NUDGE_STEP if fine else NUDGE_STEP
            self.setCurrentIndex(index)
            self.number_model().nudge(index.row(), index.column(), notches * step)
        event.accept()
