"""Table models over one kernel slice (kH×kW) or one bias (1×1), reading and writing the state.

They are adapters, not copies: ``data`` reads ``view.weight`` / ``view.bias`` each time (colours
are cached until ``refresh``), and ``setData`` writes through the document's commands (one
undoable step each). A refused value emits ``refused`` with the cell and the reason, so the view
can point at the cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from ..style import INK_DARK, INK_LIGHT, dark_ink, diverging_colors, exact_text, number
from ._clipboard import block_to_text, text_to_block
from ._context import EditorContext, slice_name

_Index = QModelIndex | QPersistentModelIndex
_ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.EditRole,
    Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.ToolTipRole,
]


@dataclass(frozen=True)
class _Cells:
    values: np.ndarray
    text: list[list[str]]
    background: list[list[QBrush]]
    foreground: list[list[QBrush]]

    @classmethod
    def of(cls, values: np.ndarray, limit: float) -> _Cells:
        """Texts, the diverging map's colours and the ink on them, for a block at once."""
        rgb = diverging_colors(values, limit)
        ink = {True: QBrush(INK_DARK), False: QBrush(INK_LIGHT)}
        return cls(
            values=values,
            text=[[number(v) for v in line] for line in values.tolist()],
            background=[[QBrush(QColor(*map(int, c))) for c in line] for line in rgb],
            foreground=[[ink[bool(d)] for d in line] for line in dark_ink(rgb)],
        )


class NumberModel(QAbstractTableModel):
    """A small editable block of numbers living in the state; subclasses say which numbers."""

    refused = Signal(int, int, str)  # row, column, why
    what = "weight"  # the cells' numbers in words, for messages

    def __init__(self, context: EditorContext, out_channel: int) -> None:
        super().__init__()
        self.context = context
        self.out_channel = out_channel
        self._cells: _Cells | None = None

    # ---- what subclasses define -----------------------------------------------------------------

    def values(self) -> np.ndarray:
        """The block as a 2-D array, read from the state."""
        raise NotImplementedError

    def _set_cell(
        self, row: int, column: int, value: float, label: str, merge_key: str | None
    ) -> bool:
        """The document command writing one cell; False if the value already was so."""
        raise NotImplementedError

    def _set_block(self, block: np.ndarray, label: str) -> bool:
        """The document command writing the whole block."""
        raise NotImplementedError

    def _cell_name(self, row: int, column: int) -> str:
        raise NotImplementedError

    @property
    def title(self) -> str:
        raise NotImplementedError

    # ---- Qt model -------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.cells.values.shape[0]

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.cells.values.shape[1]

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        cells = self.cells
        if role == Qt.ItemDataRole.DisplayRole:
            return cells.text[row][column]
        if role == Qt.ItemDataRole.EditRole:
            return float(cells.values[row, column])
        if role == Qt.ItemDataRole.BackgroundRole:
            return cells.background[row][column]
        if role == Qt.ItemDataRole.ForegroundRole:
            return cells.foreground[row][column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{self._cell_name(row, column)} = {exact_text(cells.values[row, column])}\n"
                "Type a number; Enter commits and moves on. Turn the wheel over a number to "
                "nudge it by ±0.1 (Ctrl: ±0.01). Right-click for presets."
            )
        return None

    def setData(self, index: _Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.refused.emit(index.row(), index.column(), f"{value!r} is not a number")
            return False
        return self.write(index.row(), index.column(), number)

    # ---- editing --------------------------------------------------------------------------------

    def write(self, row: int, column: int, value: float) -> bool:
        """Set one cell as an undoable edit; False (and ``refused``) if the state refuses."""
        label = f"Set {self._cell_name(row, column)} to {number(value)}"
        return self._edit(row, column, lambda: self._set_cell(row, column, value, label, None))

    def nudge(self, row: int, column: int, delta: float) -> bool:
        """Add ``delta`` to a cell; consecutive nudges of one cell undo as one step."""
        value = round(float(self.values()[row, column]) + delta, 6)  # no 0.30000001 drift
        name = self._cell_name(row, column)
        return self._edit(
            row,
            column,
            lambda: self._set_cell(row, column, value, f"Nudge {name}", f"nudge {name}"),
        )

    def copy_text(self) -> str:
        """The block as clipboard text (tab-separated rows)."""
        return block_to_text(self.values())

    def paste_text(self, text: str) -> bool:
        """Replace the block with clipboard text; ValueError (and no change) if it does not fit."""
        block = text_to_block(text, self.values().shape)
        return self._edit(0, 0, lambda: self._set_block(block, f"Paste into {self.title}"))

    def _edit(self, row: int, column: int, command: Callable[[], bool]) -> bool:
        """Run a document command; a refusal is emitted with the cell it concerns."""
        try:
            command()
        except ValueError as error:
            self.refused.emit(row, column, str(error))
            return False
        return True

    def refresh(self) -> None:
        """The state changed these numbers (or the colour scale): repaint every cell."""
        self._cells = None
        rows, columns = self.rowCount(), self.columnCount()
        if rows and columns:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, columns - 1), _ROLES)

    def _retargeted(self, change: Callable[[], None]) -> None:
        """Point the model at other numbers (``change`` sets which): a reset, so its views
        drop an open edit, their current cell and selection, as new views would."""
        self.beginResetModel()
        change()
        self._cells = None
        self.endResetModel()

    @property
    def cells(self) -> _Cells:
        """What the cells show, computed once per ``refresh`` (painting asks many times)."""
        if self._cells is None:
            self._cells = _Cells.of(np.array(self.values(), dtype=np.float64), self.context.limit)
        return self._cells


class SliceModel(NumberModel):
    """weight[out_channel, slot] for the absolute input channel ``in_channel``."""

    def __init__(self, context: EditorContext, out_channel: int, in_channel: int) -> None:
        super().__init__(context, out_channel)
        self.in_channel = in_channel
        self.slot = in_channel - context.view.spec.filter_input_channels(out_channel).start

    def retarget(self, out_channel: int, in_channel: int) -> None:
        """Show another slice of the same kernel size (another filter, channel or layer)."""

        def change() -> None:
            self.out_channel, self.in_channel = out_channel, in_channel
            seen = self.context.view.spec.filter_input_channels(out_channel)
            self.slot = in_channel - seen.start

        self._retargeted(change)

    def values(self) -> np.ndarray:
        return self.context.view.weight[self.out_channel, self.slot]

    def _set_cell(
        self, row: int, column: int, value: float, label: str, merge_key: str | None
    ) -> bool:
        document, o, slot = self.context.document, self.out_channel, self.slot
        return document.set_weight(o, slot, row, column, value, label, merge_key)

    def _set_block(self, block: np.ndarray, label: str) -> bool:
        return self.context.document.set_kernel(self.out_channel, self.slot, block, label)

    def _cell_name(self, row: int, column: int) -> str:
        return f"weight[{self.out_channel}, {self.slot}, {row}, {column}]"

    @property
    def title(self) -> str:
        return slice_name(self.out_channel, self.in_channel, self.context.view.spec.transposed)


class BiasModel(NumberModel):
    """bias[out_channel] as a 1×1 block (only for layers with a bias)."""

    what = "bias"

    def retarget(self, out_channel: int) -> None:
        """Show another filter's bias (in this layer or another)."""
        self._retargeted(lambda: setattr(self, "out_channel", out_channel))

    def values(self) -> np.ndarray:
        bias = self.context.view.bias
        assert bias is not None, "BiasModel needs a layer with a bias"
        return bias[self.out_channel : self.out_channel + 1, None]

    def _set_cell(
        self, row: int, column: int, value: float, label: str, merge_key: str | None
    ) -> bool:
        return self.context.document.set_bias(self.out_channel, value, label, merge_key)

    def _set_block(self, block: np.ndarray, label: str) -> bool:
        return self._set_cell(0, 0, float(block[0, 0]), label, None)

    def _cell_name(self, row: int, column: int) -> str:
        return f"bias[{self.out_channel}]"

    @property
    def title(self) -> str:
        return f"bias of filter {self.out_channel}"
