"""A stack of layers where each layer's input is the output of the one before.

Every layer is an ``ExplorerState`` (weights, settings, activation, selection, outputs), so
everything one layer can do, each layer of a stack does. The network adds the wiring: when a
layer's outputs change, every later layer's input is out of date ("waiting"); whoever computes
(``next_job`` / ``accept``, or ``compute`` in a script) works front to back and feeds each finished
layer's outputs to the next. Later layers keep showing their previous outputs while they wait.

Changes are announced as ``Change``s carrying the layer's index; ``STACK`` means layers were
added, removed, reordered or replaced, ``LAYER_SELECTED`` that another layer is the selected one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._events import Change, ChangeKind, Observable
from ._outputs import ChannelResult, ComputeJob
from ._reshape import reshape_weights
from ._spec import LayerSpec
from ._stack import MAX_LAYERS, LayerSetup, NetworkSnapshot, check_chain, layer_name
from ._state import ExplorerState, checked_image


@dataclass(frozen=True)
class LayerJob:
    """A compute job of one layer of the stack (the layer itself, not its index: a job whose
    layer was removed or replaced meanwhile is dropped)."""

    layer: ExplorerState
    job: ComputeJob

    @property
    def cost(self) -> float:
        return self.job.cost

    def run(self) -> dict[int, ChannelResult]:
        return self.job.run()


def _placeholder(shape: tuple[int, int, int]) -> np.ndarray:
    """What a layer holds as input until the layer before has computed its real one."""
    return np.zeros(shape, dtype=np.float32)


class Network:
    """An input and a stack of layers; ``current`` is the selected layer."""

    def __init__(self, layers: Sequence[ExplorerState], selected: int = 0) -> None:
        if not layers:
            raise ValueError("a stack needs at least one layer")
        check_chain(layers[0].image.shape, [layer.spec for layer in layers])  # type: ignore[arg-type]
        self.changes = Observable()
        self._layers: list[ExplorerState] = []
        self._waiting: list[bool] = []
        self._problems: list[str] = []
        self._selected = 0
        self._adopt(list(layers), [False] + [True] * (len(layers) - 1))
        self._selected = min(max(selected, 0), len(layers) - 1)

    @classmethod
    def from_snapshot(cls, snapshot: NetworkSnapshot) -> Network:
        shapes = check_chain(snapshot.image.shape, [s.spec for s in snapshot.layers])  # type: ignore[arg-type]
        layers = [_built(snapshot.layers[0], snapshot.image)]
        layers += [
            _built(setup, _placeholder(shape))
            for setup, shape in zip(snapshot.layers[1:], shapes, strict=False)
        ]
        return cls(layers, snapshot.selected_layer)

    # ---- reading ------------------------------------------------------------------------------

    @property
    def layers(self) -> tuple[ExplorerState, ...]:
        return tuple(self._layers)

    def __len__(self) -> int:
        return len(self._layers)

    @property
    def selected(self) -> int:
        return self._selected

    @property
    def current(self) -> ExplorerState:
        return self._layers[self._selected]

    @property
    def image(self) -> np.ndarray:
        """The stack's input (layer 1's), read-only."""
        return self._layers[0].image

    def is_waiting(self, index: int) -> bool:
        """True while layer ``index``'s input is not yet the current output of the layer before."""
        return self._waiting[index]

    def problem(self, index: int) -> str:
        """Why layer ``index`` cannot run on what the layer before made ('' when it can)."""
        return self._problems[index]

    @property
    def is_current(self) -> bool:
        """Every layer fed and computed."""
        return not any(self._waiting) and not any(layer.stale_channels for layer in self._layers)

    def has_work(self) -> bool:
        """Whether anything can still be computed (a layer whose input it cannot run on stops
        the layers after it)."""
        for index, layer in enumerate(self._layers):
            if self._waiting[index]:
                return not self._problems[index]
            if layer.stale_channels:
                return True
        return False

    def snapshot(self) -> NetworkSnapshot:
        """A copy of what edits change (the input shared: it is never mutated)."""
        taken = [layer.snapshot() for layer in self._layers]
        setups = tuple(LayerSetup(t.spec, t.weight, t.bias, t.activation) for t in taken)
        return NetworkSnapshot(taken[0].image, setups, self._selected)

    # ---- computing ------------------------------------------------------------------------------

    def next_job(self) -> LayerJob | None:
        """The first layer's stale work, front to back; a layer whose input waits is fed first
        (every layer before it is then finished). None: every layer is current."""
        for index, layer in enumerate(self._layers):
            if self._waiting[index] and not self._feed(index):
                return None  # it cannot run on what it was given; later layers wait too
            job = layer.pending_job()
            if job is not None:
                return LayerJob(layer, job)
        return None

    def warm_up_job(self) -> LayerJob | None:
        """What the selected layer's weight edits keep, once every layer is current."""
        if not self.is_current:
            return None
        job = self.current.warm_up_job()
        return None if job is None else LayerJob(self.current, job)

    def accept(
        self, job: LayerJob, result: dict[int, ChannelResult]
    ) -> tuple[int, tuple[int, ...]]:
        """Store a job's results: (the layer's index, the channels now ready); (-1, ()) when
        its layer is no longer in the stack."""
        for index, layer in enumerate(self._layers):
            if layer is job.layer:
                return index, layer.accept(job.job, result)
        return -1, ()

    def compute(self) -> np.ndarray:
        """Compute every layer now and return the last one's outputs: for scripts and tests."""
        while (job := self.next_job()) is not None:
            self.accept(job, job.run())
        for index, problem in enumerate(self._problems):
            if problem:
                raise ValueError(f"{layer_name(index)}: {problem}")
        return self._layers[-1].outputs()

    # ---- changing -------------------------------------------------------------------------------

    def select_layer(self, index: int) -> None:
        if not 0 <= index < len(self._layers):
            raise ValueError(f"{layer_name(index)} does not exist; the stack has {len(self)}")
        if index != self._selected:
            self._selected = index
            self.changes.emit(Change(ChangeKind.LAYER_SELECTED, layer=index))

    def set_input(self, image: np.ndarray) -> None:
        """A new input for layer 1 (a different channel count adapts its in_channels); refused,
        with nothing changed, if a later layer cannot run on what it would then receive."""
        checked = checked_image(image)
        first = self._layers[0]
        spec = first.spec
        if checked.shape[0] != spec.in_channels:
            spec = spec.replace(in_channels=checked.shape[0])
        specs = [spec, *(layer.spec for layer in self._layers[1:])]
        shapes = check_chain(checked.shape, specs)  # type: ignore[arg-type]
        first.set_image(checked)
        self._fit_later(0, specs, shapes)

    def set_spec(self, index: int, spec: LayerSpec) -> None:
        """New settings for one layer. A new channel count carries on to the next layers (their
        in_channels follow, weights that still fit kept); refused in words if the stack would
        then not chain."""
        self._check_index(index)
        layer = self._layers[index]
        if spec == layer.spec:
            return
        specs = self._specs_with(index, spec)
        shapes = check_chain(self._layers[0].image.shape, specs)  # type: ignore[arg-type]
        layer.set_spec(spec)
        self._fit_later(index, specs, shapes)

    def restore(self, snapshot: NetworkSnapshot) -> None:
        """Become ``snapshot``. A layer whose input keeps its size stays the same object (views,
        selection and, when nothing about it changed, its outputs stay); the others are built
        anew. Checked first: a refusal changes nothing."""
        specs = [setup.spec for setup in snapshot.layers]
        shapes = check_chain(snapshot.image.shape, specs)  # type: ignore[arg-type]
        inputs = [snapshot.image.shape, *shapes[:-1]]
        snapshot = self._checked(snapshot)
        kept: list[ExplorerState] = []
        for index, setup in enumerate(snapshot.layers):
            old = self._layers[index] if index < len(self._layers) else None
            if old is not None and old.image.shape == inputs[index]:
                kept.append(old)  # the same object, so views and selection stay with it
            else:
                image = snapshot.image if index == 0 else _placeholder(inputs[index])  # type: ignore[arg-type]
                kept.append(_built(setup, image, old))
        replaced = [
            not (index < len(self._layers) and layer is self._layers[index])
            for index, layer in enumerate(kept)
        ]
        if any(replaced) or len(kept) != len(self._layers):
            waiting, changed = [False], replaced[0]
            for index in range(1, len(kept)):
                waiting.append(changed or replaced[index] or self._waiting[index])
                changed = changed or replaced[index]
            self._adopt(kept, waiting)
            self._selected = min(max(snapshot.selected_layer, 0), len(kept) - 1)
            self.changes.emit(Change(ChangeKind.STACK))
        first, setup = kept[0], snapshot.layers[0]
        if not first.holds_image(snapshot.image):
            first.load(snapshot.image, setup.spec, setup.weight, setup.bias, image_checked=True)
        for layer, setup in zip(kept, snapshot.layers, strict=True):
            if layer.spec != setup.spec:
                layer.load_layer(setup.spec, setup.weight, setup.bias)
        for layer, setup in zip(kept, snapshot.layers, strict=True):
            if not setup.spec.pool:  # a pool's weights are its spec's, and it refuses edits
                layer.set_weights(setup.weight, setup.bias)
            layer.set_activation(setup.activation)
        self.select_layer(min(max(snapshot.selected_layer, 0), len(kept) - 1))

    def replace_layer(self, index: int, setup: LayerSetup) -> None:
        """Layer ``index`` with new settings and its own weights; the layers after it take the
        channel count it makes. Checked before anything changes."""
        self._check_index(index)
        layers = list(self.snapshot().layers)
        layers[index] = setup
        specs = self._specs_with(index, setup.spec)
        for later in range(index + 1, len(layers)):
            if specs[later] != layers[later].spec:
                held = layers[later]
                weight, bias = reshape_weights(held.spec, held.weight, held.bias, specs[later])
                layers[later] = LayerSetup(specs[later], weight, bias, held.activation)
        self._restructure(layers, index)

    def _checked(self, snapshot: NetworkSnapshot) -> NetworkSnapshot:
        """``snapshot`` with every array checked as a layer takes it, before anything changes."""
        image = snapshot.image
        if not self._layers[0].holds_image(image):
            image = checked_image(image)
        setups = []
        for index, setup in enumerate(snapshot.layers):
            try:
                weight, bias = ExplorerState.checked_weights(setup.spec, setup.weight, setup.bias)
                ExplorerState.check_activation(setup.activation)
            except ValueError as error:
                raise ValueError(f"{layer_name(index)}: {error}") from None
            setups.append(LayerSetup(setup.spec, weight, bias, setup.activation))
        return NetworkSnapshot(image, tuple(setups), snapshot.selected_layer)

    def insert_layer(self, index: int, setup: LayerSetup) -> None:
        """Put a new layer at ``index`` (0: before the first; ``len``: after the last)."""
        if not 0 <= index <= len(self._layers):
            raise ValueError(f"a layer can go at positions 1 to {len(self) + 1}")
        if len(self._layers) >= MAX_LAYERS:
            raise ValueError(f"the stack already has {MAX_LAYERS} layers, the most it can hold")
        layers = list(self.snapshot().layers)
        layers.insert(index, setup)
        self._restructure(layers, index)

    def remove_layer(self, index: int) -> None:
        self._check_index(index)
        if len(self._layers) == 1:
            raise ValueError("the stack needs at least one layer: this is its only one")
        layers = list(self.snapshot().layers)
        del layers[index]
        self._restructure(layers, min(index, len(layers) - 1))

    def move_layer(self, index: int, to: int) -> None:
        """Move layer ``index`` to position ``to``."""
        self._check_index(index)
        self._check_index(to)
        if index == to:
            return
        layers = list(self.snapshot().layers)
        layers.insert(to, layers.pop(index))
        self._restructure(layers, to)

    def duplicate_layer(self, index: int) -> None:
        """A copy of layer ``index`` right after it (its weights too)."""
        self._check_index(index)
        self.insert_layer(index + 1, self.snapshot().layers[index])

    # ---- internals ------------------------------------------------------------------------------

    def _restructure(self, layers: list[LayerSetup], selected: int) -> None:
        taken = self.snapshot()
        self.restore(NetworkSnapshot(taken.image, tuple(layers), selected))

    def _check_index(self, index: int) -> None:
        if not 0 <= index < len(self._layers):
            raise ValueError(f"{layer_name(index)} does not exist; the stack has {len(self)}")

    def _specs_with(self, index: int, spec: LayerSpec) -> list[LayerSpec]:
        """The stack's settings with layer ``index`` set to ``spec`` and the channel count it
        makes carried on: pools pass it through, the next conv layer takes it as in_channels."""
        specs = [layer.spec for layer in self._layers]
        specs[index] = spec
        channels = spec.out_channels
        for later in range(index + 1, len(specs)):
            following = specs[later]
            if following.in_channels == channels:
                break
            try:
                if _is_channelwise(following):
                    specs[later] = following.replace(
                        in_channels=channels, out_channels=channels, groups=channels
                    )
                else:
                    specs[later] = following.replace(in_channels=channels)
            except ValueError as error:
                raise ValueError(
                    f"{layer_name(later)} cannot take the {channels} channels "
                    f"{layer_name(later - 1)} would make: {error}"
                ) from None
            if not _is_channelwise(following):
                break
            channels = specs[later].out_channels
        return specs

    def _fit_later(
        self, index: int, specs: list[LayerSpec], shapes: list[tuple[int, int, int]]
    ) -> None:
        """After layer ``index`` changed: later layers take their new settings (weights that
        fit kept) and a placeholder of their new input size, until the layer before feeds them."""
        for later in range(index + 1, len(self._layers)):
            layer, spec, size = self._layers[later], specs[later], shapes[later - 1]
            if spec != layer.spec or layer.image.shape != size:
                weight, bias = reshape_weights(layer.spec, layer.weight, layer.bias, spec)
                layer.load(_placeholder(size), spec, weight, bias)

    def _adopt(self, layers: list[ExplorerState], waiting: list[bool]) -> None:
        """Hold ``layers``; a layer already held keeps its one listener."""
        new = [layer for layer in layers if not any(layer is held for held in self._layers)]
        self._layers = layers
        self._waiting = waiting
        self._problems = [""] * len(layers)
        for layer in new:
            layer.changes.connect(lambda change, layer=layer: self._layer_changed(layer, change))

    def _layer_changed(self, layer: ExplorerState, change: Change) -> None:
        try:
            index = next(i for i, held in enumerate(self._layers) if held is layer)
        except StopIteration:
            return  # a layer no longer in the stack
        if change.kind is not ChangeKind.SELECTION:
            for later in range(index + 1, len(self._layers)):
                self._waiting[later] = True
                self._problems[later] = ""
        self.changes.emit(dataclasses.replace(change, layer=index))

    def _feed(self, index: int) -> bool:
        """Give layer ``index`` the outputs of the layer before; False if it cannot run on them."""
        before = self._layers[index - 1]
        ranges = before.output_ranges()  # a NaN or an infinity shows in its channel's range
        if not np.isfinite(ranges).all():
            self._problems[index] = (
                f"{layer_name(index - 1)} made values beyond float32's range (±3.4e38); "
                "scale its weights down"
            )
            return False
        self._problems[index] = ""
        self._waiting[index] = False
        self._layers[index].feed(before.outputs(), ranges)
        return True


def _is_channelwise(spec: LayerSpec) -> bool:
    """A layer whose out_channels follow its in_channels (a pool): it passes a count through."""
    return bool(spec.pool)


def _built(
    setup: LayerSetup, image: np.ndarray, replacing: ExplorerState | None = None
) -> ExplorerState:
    """A layer; one that takes another's place keeps its selection (clamped to the new shapes)."""
    layer = ExplorerState(image, setup.spec, setup.weight, setup.bias, setup.activation)
    if replacing is not None:
        oh, ow = layer.output_size
        row, col = replacing.position
        layer.select(
            min(replacing.selected_filter, setup.spec.out_channels - 1),
            (min(row, oh - 1), min(col, ow - 1)),
        )
    return layer
