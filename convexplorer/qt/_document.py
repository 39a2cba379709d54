"""The document: the one door to the explorer state, with undo, the unsaved mark and signals.

The state is a stack of layers (``Network``; a lone layer is a stack of one). Views and the app
hold a ``Document`` and read through its ``view`` (a read-only ``StateView`` of the selected
layer, so every view of one layer follows the selection) and ``stack`` (the whole stack, read-only).
Every change is a command here, and each command does the same four things in one place: check
(the state refuses bad values and changes nothing), apply, record its undo step with a label, and
mark the document modified. The state's changes come back as signals precise enough for a view to
redraw only what changed, and stale outputs are computed by the scheduler, layer after layer
(never by a read).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from ..model import (
    ActivationStep,
    Change,
    ChangeKind,
    ExplorerState,
    LayerSetup,
    LayerSpec,
    LayerStep,
    Network,
    NetworkSnapshot,
    NetworkView,
    StackStep,
    StateView,
    Step,
    UndoHistory,
    WeightStep,
    activation_title,
    layer_name,
)
from ._compute import SYNC_LIMIT_MS, OutputScheduler


def preset_label(name: str, out_channel: int | None = None, in_channel: int | None = None) -> str:
    """The undo step's name for a preset on a slice, a filter or the whole layer."""
    if out_channel is None:
        where = "the whole layer"
    else:
        where = f"filter {out_channel}" + ("" if in_channel is None else f" · in {in_channel}")
    return f"Apply {name[:1].upper() + name[1:]} to {where}"


@dataclass(frozen=True)
class _Aside:
    """The session a lesson put aside: what ``come_back`` restores."""

    snapshot: NetworkSnapshot
    selections: tuple[tuple[int, tuple[int, int]], ...]  # each layer's filter and position
    history: UndoHistory


class Document(QObject):
    """A stack of layers behind commands; signals say what changed.

    The signals views of one layer hear are about the selected layer: ``weightsChanged`` /
    ``outputsChanged`` list its output channels (``outputsChanged`` only channels whose values
    are ready); ``layerChanged`` means shapes may differ and views rebuild — also when another
    layer is selected. The stack's own signals: ``stackChanged`` (layers added, removed, moved or
    replaced), ``layerSelected``, ``layerTouched`` (a layer's input, settings, weights or
    activation changed: it and every later layer are on their way) and ``layerOutputsChanged``
    (a layer's channels became ready).
    """

    inputChanged = Signal()
    layerChanged = Signal()
    weightsChanged = Signal(list)
    activationChanged = Signal()
    selectionChanged = Signal(int, int, int)  # filter, row, col
    outputsChanged = Signal(list)
    busyChanged = Signal(bool)
    computeFailed = Signal(str)  # computing outputs raised: what went wrong (stale until a change)
    historyChanged = Signal()  # undo/redo availability or labels
    modifiedChanged = Signal(bool)
    weightHovered = Signal(object)  # (filter, slot, i, j) under the mouse, or None
    stackChanged = Signal()
    layerSelected = Signal(int)
    layerTouched = Signal(int)
    layerOutputsChanged = Signal(int, list)

    def __init__(
        self,
        state: ExplorerState | Network,
        parent: QObject | None = None,
        sync_limit_ms: float = SYNC_LIMIT_MS,
    ) -> None:
        """``state``: one layer or a stack; ``sync_limit_ms``: the longest a job may be
        estimated to take and still run at once."""
        super().__init__(parent)
        network = state if isinstance(state, Network) else Network([state])
        self._network = network
        self.view = StateView(network)
        self.stack = NetworkView(network)
        self._history = UndoHistory()
        self._modified = False
        self._hovered_weight: tuple[int, int, int, int] | None = None
        self._aside: _Aside | None = None
        self._scheduler = OutputScheduler(network, self._published, self, sync_limit_ms)
        self._scheduler.busyChanged.connect(self.busyChanged)
        self._scheduler.failed.connect(self.computeFailed)
        network.changes.connect(self._on_change)
        self._scheduler.schedule()

    @property
    def _state(self) -> ExplorerState:
        """The selected layer: what the commands of one layer change."""
        return self._network.current

    # ---- history ------------------------------------------------------------------------------

    @property
    def can_undo(self) -> bool:
        return self._history.can_undo

    @property
    def can_redo(self) -> bool:
        return self._history.can_redo

    @property
    def undo_label(self) -> str:
        return self._history.undo_label

    @property
    def redo_label(self) -> str:
        return self._history.redo_label

    @property
    def undo_count(self) -> int:
        """Steps that can be undone."""
        return self._history.index

    @property
    def undo_bytes(self) -> int:
        """Memory the undo history keeps."""
        return self._history.nbytes

    @property
    def is_modified(self) -> bool:
        """True when the state differs from the last save (or open)."""
        return self._modified

    def undo(self) -> None:
        self._history.undo(self._network)
        self._history_moved()

    def redo(self) -> None:
        self._history.redo(self._network)
        self._history_moved()

    def mark_saved(self) -> None:
        """The state was just saved: it is the clean point of the history."""
        self._history.set_clean()
        self._history_moved()

    # ---- weight commands ------------------------------------------------------------------------

    def set_weight(
        self,
        out_channel: int,
        slot: int,
        i: int,
        j: int,
        value: float,
        label: str | None = None,
        merge_key: str | None = None,
    ) -> bool:
        """weight[out_channel, slot, i, j] = value (PyTorch indexing). False if it already was."""
        label = label or f"Set weight[{out_channel}, {slot}, {i}, {j}]"
        return self._edit_filters(
            label,
            [out_channel],
            lambda: self._state.set_weight(out_channel, slot, i, j, value),
            merge_key,
        )

    def set_kernel(
        self, out_channel: int, slot: int, values: np.ndarray, label: str | None = None
    ) -> bool:
        """Replace the kernel slice weight[out_channel, slot] (kH, kW), e.g. a paste."""
        label = label or f"Set kernel[{out_channel}, {slot}]"
        return self._edit_filters(
            label, [out_channel], lambda: self._state.set_kernel(out_channel, slot, values)
        )

    def set_bias(
        self,
        out_channel: int,
        value: float,
        label: str | None = None,
        merge_key: str | None = None,
    ) -> bool:
        label = label or f"Set bias[{out_channel}]"
        return self._edit_filters(
            label, [out_channel], lambda: self._state.set_bias(out_channel, value), merge_key
        )

    def set_weights(self, weight: np.ndarray, bias: np.ndarray | None, label: str) -> bool:
        """Replace every weight (and the bias when given), keeping the layer's shape."""
        every = range(self._state.spec.out_channels)
        return self._edit_filters(label, every, lambda: self._state.set_weights(weight, bias))

    def apply_preset(
        self,
        name: str,
        out_channel: int | None = None,
        in_channel: int | None = None,
        label: str | None = None,
    ) -> bool:
        """A named preset on a slice (both indices), a filter (``out_channel``) or the layer.
        Refused (ValueError, nothing changed) where the model refuses it, and grayscale on a
        layer whose 3 inputs are maps, not the photo's colours."""
        index = self._network.selected
        if name == "grayscale" and index > 0:  # a later layer's inputs are maps, not the photo
            raise ValueError(
                f"grayscale mixes a photo's R, G and B; {layer_name(index)} reads the maps "
                f"{layer_name(index - 1)} made, not colours"
            )
        if out_channel is None:
            filters: Sequence[int] = range(self._state.spec.out_channels)
        else:
            filters = [out_channel]
        return self._edit_filters(
            label or preset_label(name, out_channel, in_channel),
            filters,
            lambda: self._state.apply_preset(name, out_channel, in_channel),
        )

    # ---- layer, input, activation -------------------------------------------------------------

    def set_layer(self, spec: LayerSpec, label: str = "Change layer") -> bool:
        """New settings for the selected layer; weights that still fit are kept, and a new
        channel count carries on to the layers after it (refused in words if it cannot)."""
        index = self._network.selected
        return self._edit_stack(
            self._stage_label(label), lambda: self._network.set_spec(index, spec)
        )

    def set_activation(self, activation: str) -> bool:
        before = self._state.activation
        self._state.set_activation(activation)
        if activation == before:
            return False
        self._record(
            self._stage_label(f"Activation {activation_title(activation)}"),
            LayerStep(self._network.selected, ActivationStep(before, activation)),
        )
        return True

    def open_input(self, image: np.ndarray, label: str) -> bool:
        """A new input for the stack; a different channel count adapts layer 1's in_channels."""
        return self._edit_stack(label, lambda: self._network.set_input(image))

    def replace_layer(
        self, spec: LayerSpec, weight: np.ndarray, bias: np.ndarray | None, label: str
    ) -> bool:
        """New settings with their own weights for the selected layer (importing weights of
        another shape); the layers after it take its channel count."""
        index = self._network.selected
        setup = LayerSetup(spec, weight, bias, self._state.activation)
        return self._edit_stack(
            self._stage_label(label), lambda: self._network.replace_layer(index, setup)
        )

    # ---- the stack ------------------------------------------------------------------------------

    def select_layer(self, index: int) -> None:
        """Make layer ``index`` the one every view of one layer shows (not an edit)."""
        self._network.select_layer(index)

    def insert_layer(self, index: int, setup: LayerSetup, label: str | None = None) -> bool:
        """A new layer at position ``index`` (0: first), selected."""
        label = label or f"Insert {setup.spec.kind} as {layer_name(index)}"
        return self._edit_stack(label, lambda: self._network.insert_layer(index, setup))

    def remove_layer(self, index: int) -> bool:
        label = f"Remove {layer_name(index)}"
        return self._edit_stack(label, lambda: self._network.remove_layer(index))

    def move_layer(self, index: int, to: int) -> bool:
        label = f"Move {layer_name(index)} to position {to + 1}"
        return self._edit_stack(label, lambda: self._network.move_layer(index, to))

    def duplicate_layer(self, index: int) -> bool:
        label = f"Duplicate {layer_name(index)}"
        return self._edit_stack(label, lambda: self._network.duplicate_layer(index))

    def load_network(self, snapshot: NetworkSnapshot, label: str) -> bool:
        """Input and stack at once, as one undo step (a built-in scene, your own model's
        layers). Checked before anything changes."""
        return self._edit_stack(label, lambda: self._network.restore(snapshot))

    def network_snapshot(self) -> NetworkSnapshot:
        """The stack as it is (weights copied): what a session or a snippet writes."""
        return self._network.snapshot()

    def load_session(
        self,
        image: np.ndarray,
        spec: LayerSpec,
        weight: np.ndarray,
        bias: np.ndarray | None,
        activation: str,
        selected_filter: int,
        position: tuple[int, int],
    ) -> None:
        """Replace everything with a saved session: a fresh history, nothing unsaved.

        Checked before anything changes: a refusal raises ValueError and leaves all as it was.
        """
        snapshot = NetworkSnapshot(image, (LayerSetup(spec, weight, bias, activation),))
        self.load_network_session(snapshot, ((selected_filter, position),))

    def load_network_session(
        self,
        snapshot: NetworkSnapshot,
        selections: Sequence[tuple[int, tuple[int, int]]] = (),
    ) -> None:
        """Replace everything with a saved stack (``selections``: each layer's filter and
        position): a fresh history, nothing unsaved. Checked before anything changes: a refusal
        raises ValueError and leaves all as it was."""
        self._network.restore(snapshot)
        for index, (selected_filter, position) in enumerate(selections):
            if index < len(self._network):
                _select_clamped(self._network.layers[index], selected_filter, position)
        self._history.clear()
        self._history_moved()

    def set_scene(
        self,
        image: np.ndarray | None,
        spec: LayerSpec,
        weight: np.ndarray,
        bias: np.ndarray | None,
        activation: str,
        label: str,
    ) -> bool:
        """Input (None: keep it), layer, weights and activation at once, as ONE undo step (a
        lesson's scene: a stack of this one layer). Checked before anything changes: a refusal
        raises ValueError and leaves all as it was.
        """
        shown = self._network.snapshot().image if image is None else image
        scene = NetworkSnapshot(shown, (LayerSetup(spec, weight, bias, activation),))
        return self.load_network(scene, label)

    # ---- an excursion (a lesson): the session put aside, then back exactly as it was -----------

    @property
    def is_aside(self) -> bool:
        """True while the learner's own session is put aside (a lesson runs)."""
        return self._aside is not None

    def put_aside(self) -> None:
        """Keep the session to come back to — state, selection, undo history, modified mark —
        and start an excursion with an empty history of its own."""
        if self._aside is not None:
            raise RuntimeError("the session is already put aside")
        selections = tuple(
            (layer.selected_filter, layer.position) for layer in self._network.layers
        )
        self._aside = _Aside(self._network.snapshot(), selections, self._history)
        self._history = UndoHistory(self._history.limit)
        self._history_moved()

    def come_back(self) -> None:
        """End the excursion: the session put aside returns bit for bit, with its history."""
        aside = self._aside
        if aside is None:
            return
        self._aside = None
        self._network.restore(aside.snapshot)
        for layer, (selected_filter, position) in zip(
            self._network.layers, aside.selections, strict=True
        ):
            layer.select(selected_filter, position)
        self._history = aside.history
        self._history_moved()  # the modified mark is the history's: as it was

    # ---- selection (not an edit: no undo, not a modification) -----------------------------------

    def select(
        self, out_channel: int | None = None, position: tuple[int, int] | None = None
    ) -> None:
        """Select a filter and/or a sliding-window position: the one shared selection."""
        self._state.select(out_channel, position)

    # ---- hover (transient shared UI state: no undo, not a modification) -------------------------

    def hover_weight(self, out_channel: int | None, slot: int = 0, i: int = 0, j: int = 0) -> None:
        """The weight[out_channel, slot, i, j] under the mouse (None: no weight), for every view
        that shows what it touches; ``weightHovered`` fires only when it changes."""
        hovered = None if out_channel is None else (out_channel, slot, i, j)
        if hovered != self._hovered_weight:
            self._hovered_weight = hovered
            self.weightHovered.emit(hovered)

    @property
    def hovered_weight(self) -> tuple[int, int, int, int] | None:
        return self._hovered_weight

    # ---- computing ------------------------------------------------------------------------------

    def wait_until_idle(self) -> None:
        """Block until every output is current: for scripts, screenshots and tests."""
        self._scheduler.wait_until_idle()

    # ---- internals ------------------------------------------------------------------------------

    def _edit_filters(
        self,
        label: str,
        filters: Sequence[int],
        action: Callable[[], None],
        merge_key: str | None = None,
    ) -> bool:
        """Run a weight edit of ``filters``; record only what it changed."""
        state = self._state
        rows = [o for o in filters if 0 <= o < state.spec.out_channels]
        weight_before = state.weight[rows].copy()
        bias_before = None if state.bias is None else state.bias[rows].copy()
        action()
        step = WeightStep.between(
            rows,
            state.spec.weight_shape,
            weight_before,
            state.weight[rows],
            bias_before,
            None if state.bias is None else state.bias[rows],
        )
        if step is None:
            return False
        self._record(self._stage_label(label), LayerStep(self._network.selected, step), merge_key)
        return True

    def _edit_stack(self, label: str, action: Callable[[], None]) -> bool:
        """Run a change of the input, a layer's shape or the stack; record both sides."""
        before = self._network.snapshot()
        action()
        after = self._network.snapshot()
        if before.same_as(after):
            return False
        self._record(label, StackStep(before, after))
        return True

    def _stage_label(self, label: str) -> str:
        """An undo step's name says which layer it changed, once there is more than one."""
        if len(self._network) == 1:
            return label
        return f"{label} ({layer_name(self._network.selected)})"

    def _record(self, label: str, step: Step, merge_key: str | None = None) -> None:
        self._history.push(label, step, merge_key)
        self._history_moved()

    def _history_moved(self) -> None:
        self.historyChanged.emit()
        modified = not self._history.is_clean
        if modified != self._modified:
            self._modified = modified
            self.modifiedChanged.emit(modified)

    def _published(self, layer: int, channels: list[int]) -> None:
        self.layerOutputsChanged.emit(layer, channels)
        if layer == self._network.selected:
            self.outputsChanged.emit(channels)

    def _on_change(self, change: Change) -> None:
        kind, state = change.kind, self._state
        if kind is not ChangeKind.SELECTION:
            # Before the views hear of it: the flush is then queued ahead of the repaints they
            # ask for, so a cheap edit is computed and painted in one pass.
            self._scheduler.schedule(
                rebuilding=kind not in (ChangeKind.WEIGHTS, ChangeKind.ACTIVATION)
            )
        if kind in (ChangeKind.STACK, ChangeKind.LAYER_SELECTED):
            self._current_layer_changed(structure=kind is ChangeKind.STACK)
            return
        if change.layer is not None and kind is not ChangeKind.SELECTION:
            self.layerTouched.emit(change.layer)
        if change.layer is not None and change.layer != self._network.selected:
            return  # another layer: the stack's signals said it
        if kind in (ChangeKind.INPUT, ChangeKind.LAYER):
            self.hover_weight(None)  # its indices may not exist in the new shapes
        if kind is ChangeKind.INPUT:
            self.inputChanged.emit()
        elif kind is ChangeKind.LAYER:
            self.layerChanged.emit()
        elif kind is ChangeKind.WEIGHTS:
            channels = change.channels or range(state.spec.out_channels)
            self.weightsChanged.emit(list(channels))
        elif kind is ChangeKind.ACTIVATION:
            self.activationChanged.emit()
            ready = [o for o in range(state.spec.out_channels) if state.is_ready(o)]
            if ready:
                self.outputsChanged.emit(ready)
        elif kind is ChangeKind.SELECTION:
            row, col = state.position
            self.selectionChanged.emit(state.selected_filter, row, col)

    def _current_layer_changed(self, structure: bool) -> None:
        """Another layer is selected (or the stack was rebuilt): views of one layer rebuild on
        it and show what it has ready."""
        if structure:
            self.stackChanged.emit()
        self.hover_weight(None)
        state = self._state
        self.layerSelected.emit(self._network.selected)
        self.layerChanged.emit()
        row, col = state.position
        self.selectionChanged.emit(state.selected_filter, row, col)
        ready = [o for o in range(state.spec.out_channels) if state.is_ready(o)]
        if ready:
            self.outputsChanged.emit(ready)


def _select_clamped(layer: ExplorerState, selected_filter: int, position: tuple[int, int]) -> None:
    oh, ow = layer.output_size
    layer.select(
        min(max(selected_filter, 0), layer.spec.out_channels - 1),
        (min(max(position[0], 0), oh - 1), min(max(position[1], 0), ow - 1)),
    )
