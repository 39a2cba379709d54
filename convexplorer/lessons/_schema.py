"""Lessons as data: one JSON file each, read and checked here into plain frozen values.

A lesson file is ``{"title", "question", "steps": [...]}``; a step has ``text`` (placeholders
such as ``{weights_per_filter}`` are filled with the live numbers), optionally a ``scene`` to set
up, a ``highlight`` (a widget's object name), and at most one question: ``ask`` (a number the
learner types, compared with a named quantity) or ``task`` (something to do, confirmed by a named
check or a quantity reaching a value), with a ``hint``, an optional ``solution`` ("Show me") and
an ``explain`` shown once it is answered. A scene sets up one layer (``layer``, ``presets``,
``activation``) or a stack (``layers``: a list of those three, each layer reading what the one
before makes; ``select.layer`` names the layer to show, 1 for the first, as the app names them).
Anything unknown — a key, a sample, a preset, a
placeholder, a check — is refused with the file and the field named, so a typo fails a test
instead of a learner.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..model import ACTIVATIONS, MAX_LAYERS, PADDING_MODES, POOLS, PRESET_NAMES, SAMPLE_NAMES
from ._measures import CHECKS, QUANTITIES


class LessonError(ValueError):
    """A lesson file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class PresetUse:
    """A preset on the whole layer (``filter`` None), one filter, or one slice of it."""

    preset: str
    filter: int | None = None
    in_channel: int | None = None
    seed: int = 0


@dataclass(frozen=True)
class StackLayer:
    """One layer of a stack scene: LayerSpec's arguments (in_channels from the layer before;
    a pool's out_channels and groups too), presets on zero weights, the activation."""

    layer: Mapping[str, Any]
    presets: tuple[PresetUse, ...] = ()
    activation: str = "none"


@dataclass(frozen=True)
class Scene:
    """What a step sets up. Absent parts: the input and layer stay, the weights stay if the
    layer does (else zeros), the activation is 'none', filter 0 is selected. With ``layers``
    the scene is a whole stack, and ``selected_layer`` (0-based) is the one shown."""

    sample: str | None = None
    with_mirror: bool = False  # the sample plus its left-right mirror image
    layer: Mapping[str, Any] | None = None  # LayerSpec's arguments, in_channels from the input
    presets: tuple[PresetUse, ...] | None = None  # on zero weights and biases, in order
    activation: str = "none"
    selected_filter: int = 0
    position: tuple[int, int] | None = None
    label: str | None = None  # the undo step's name; default "Lesson: <title>"
    layers: tuple[StackLayer, ...] | None = None
    selected_layer: int = 0


@dataclass(frozen=True)
class Solution:
    """What "Show me" does for a task: a preset on a filter, new layer settings, or selecting
    a layer of the stack (``select_layer``: 0-based; the file says 1 for the first)."""

    preset: PresetUse | None = None
    layer: Mapping[str, Any] | None = None
    select_layer: int | None = None


@dataclass(frozen=True)
class Question:
    """``ask``: type the value of ``quantity``. ``task``: make ``check`` true, or make
    ``quantity`` equal ``equals``."""

    kind: str  # "ask" or "task"
    hint: str
    quantity: str | None = None
    equals: float | None = None
    check: str | None = None
    solution: Solution | None = None  # every task has one


@dataclass(frozen=True)
class Step:
    text: str
    scene: Scene | None = None
    highlight: str | None = None
    question: Question | None = None
    explain: str = ""


@dataclass(frozen=True)
class Lesson:
    id: str  # the file's name without .json: the key its progress is remembered under
    title: str
    question: str
    steps: tuple[Step, ...]


LAYER_KEYS = (
    "out_channels",
    "kernel_size",
    "stride",
    "padding",
    "padding_mode",
    "dilation",
    "groups",
    "bias",
    "pool",  # "max" / "avg": MaxPool2d / AvgPool2d (out_channels = groups = the input's channels)
)


class _Reader:
    """Reads one file's JSON with a path to every field, for messages like
    ``03_diagonal.json: steps[2].task.check: unknown check 'x'``."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, where: str, message: str) -> LessonError:
        return LessonError(f"{self.file}: {where}: {message}")

    def table(self, value: Any, where: str, required: set[str], optional: set[str]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, f"must be an object, got {type(value).__name__}")
        missing = sorted(required - value.keys())
        if missing:
            raise self.fail(where, f"lacks {', '.join(missing)}")
        unknown = sorted(value.keys() - required - optional)
        if unknown:
            known = ", ".join(sorted(required | optional))
            raise self.fail(f"{where}.{unknown[0]}", f"unknown field; known fields: {known}")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "must be a non-empty text")
        try:
            fields = [name for _, name, _, _ in string.Formatter().parse(value) if name is not None]
        except ValueError as error:
            raise self.fail(where, f"braces do not pair up ({error})") from None
        for name in fields:
            if name not in QUANTITIES:
                raise self.fail(
                    where, f"unknown placeholder {{{name}}}; known: {', '.join(QUANTITIES)}"
                )
        return value

    def integer(self, value: Any, where: str, low: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(where, f"must be an integer ≥ {low}, got {value!r}")
        return value

    def name(self, value: Any, where: str, known: Mapping | tuple, what: str) -> str:
        if value not in known:
            raise self.fail(where, f"unknown {what} {value!r}; known: {', '.join(known)}")
        return value

    # ---- parts -----------------------------------------------------------------------------

    def preset(self, value: Any, where: str) -> PresetUse:
        table = self.table(value, where, {"preset"}, {"filter", "in_channel", "seed"})
        use = PresetUse(
            self.name(table["preset"], f"{where}.preset", PRESET_NAMES, "preset"),
            None if "filter" not in table else self.integer(table["filter"], f"{where}.filter"),
            None
            if "in_channel" not in table
            else self.integer(table["in_channel"], f"{where}.in_channel"),
            self.integer(table.get("seed", 0), f"{where}.seed"),
        )
        if use.in_channel is not None and use.filter is None:
            raise self.fail(where, "in_channel needs filter too (a slice is a filter's)")
        return use

    def layer(self, value: Any, where: str) -> dict[str, Any]:
        table = self.table(value, where, set(), set(LAYER_KEYS))
        for key in ("padding_mode",):
            if key in table:
                self.name(table[key], f"{where}.{key}", PADDING_MODES, "padding mode")
        if "pool" in table:
            self.name(table["pool"], f"{where}.pool", POOLS, "pool")
        return {key: tuple(v) if isinstance(v, list) else v for key, v in table.items()}

    def presets(self, value: Any, where: str) -> tuple[PresetUse, ...]:
        if not isinstance(value, list):
            raise self.fail(where, "must be a list")
        return tuple(self.preset(p, f"{where}[{i}]") for i, p in enumerate(value))

    def activation(self, value: Any, where: str) -> str:
        return self.name(value, where, ACTIVATIONS, "activation")

    def stack(self, value: Any, where: str) -> tuple[StackLayer, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, "must be a non-empty list of layers")
        if len(value) > MAX_LAYERS:
            raise self.fail(where, f"has {len(value)} layers: at most {MAX_LAYERS}")
        layers = []
        for index, entry in enumerate(value):
            at = f"{where}[{index}]"
            table = self.table(entry, at, {"layer"}, {"presets", "activation"})
            layers.append(
                StackLayer(
                    self.layer(table["layer"], f"{at}.layer"),
                    self.presets(table.get("presets", []), f"{at}.presets"),
                    self.activation(table.get("activation", "none"), f"{at}.activation"),
                )
            )
        return tuple(layers)

    def scene(self, value: Any, where: str) -> Scene:
        table = self.table(
            value,
            where,
            set(),
            {
                "sample",
                "with_mirror",
                "layer",
                "layers",
                "presets",
                "activation",
                "select",
                "label",
            },
        )
        if "layers" in table:
            one = sorted({"layer", "presets", "activation"} & table.keys())
            if one:
                raise self.fail(
                    f"{where}.{one[0]}", "a stack scene sets it per layer, inside layers"
                )
        layers = None if "layers" not in table else self.stack(table["layers"], f"{where}.layers")
        presets = table.get("presets")
        select = self.table(
            table.get("select", {}), f"{where}.select", set(), {"filter", "position", "layer"}
        )
        selected_layer = self.integer(select.get("layer", 1), f"{where}.select.layer", 1) - 1
        if selected_layer >= (1 if layers is None else len(layers)):
            raise self.fail(f"{where}.select.layer", "names a layer the scene does not have")
        position = select.get("position")
        if position is not None and (
            not isinstance(position, list)
            or len(position) != 2
            or not all(isinstance(p, int) and p >= 0 for p in position)
        ):
            raise self.fail(f"{where}.select.position", "must be [row, column]")
        with_mirror = table.get("with_mirror", False)
        if not isinstance(with_mirror, bool):
            raise self.fail(f"{where}.with_mirror", "must be true or false")
        if with_mirror and "sample" not in table:
            raise self.fail(f"{where}.with_mirror", "needs a sample to mirror")
        return Scene(
            sample=None
            if "sample" not in table
            else self.name(table["sample"], f"{where}.sample", SAMPLE_NAMES, "sample"),
            with_mirror=with_mirror,
            layer=None if "layer" not in table else self.layer(table["layer"], f"{where}.layer"),
            presets=None if presets is None else self.presets(presets, f"{where}.presets"),
            activation=self.activation(table.get("activation", "none"), f"{where}.activation"),
            selected_filter=self.integer(select.get("filter", 0), f"{where}.select.filter"),
            position=None if position is None else (position[0], position[1]),
            label=None if "label" not in table else self.text(table["label"], f"{where}.label"),
            layers=layers,
            selected_layer=selected_layer,
        )

    def solution(self, value: Any, where: str) -> Solution:
        table = self.table(value, where, set(), {"preset", "layer", "select_layer"})
        if len(table) != 1:
            raise self.fail(where, "must name exactly one of preset, layer, select_layer")
        if "preset" in table:
            return Solution(preset=self.preset(table["preset"], f"{where}.preset"))
        if "select_layer" in table:
            number = self.integer(table["select_layer"], f"{where}.select_layer", 1)
            return Solution(select_layer=number - 1)
        return Solution(layer=self.layer(table["layer"], f"{where}.layer"))

    def question(self, value: Any, where: str, kind: str) -> Question:
        if kind == "ask":
            table = self.table(value, where, {"quantity", "hint"}, set())
        else:
            # a task has a solution: "Show me" can always do it, so no step is a dead end
            table = self.table(value, where, {"hint", "solution"}, {"check", "quantity", "equals"})
            if ("check" in table) == ("quantity" in table) or ("quantity" in table) != (
                "equals" in table
            ):
                raise self.fail(where, "needs either check, or quantity with equals")
        equals = table.get("equals")
        if equals is not None and (isinstance(equals, bool) or not isinstance(equals, int | float)):
            raise self.fail(f"{where}.equals", f"must be a number, got {equals!r}")
        return Question(
            kind=kind,
            hint=self.text(table["hint"], f"{where}.hint"),
            quantity=None
            if "quantity" not in table
            else self.name(table["quantity"], f"{where}.quantity", QUANTITIES, "quantity"),
            equals=equals,
            check=None
            if "check" not in table
            else self.name(table["check"], f"{where}.check", CHECKS, "check"),
            solution=None
            if "solution" not in table
            else self.solution(table["solution"], f"{where}.solution"),
        )

    def step(self, value: Any, where: str) -> Step:
        table = self.table(value, where, {"text"}, {"scene", "highlight", "ask", "task", "explain"})
        if "ask" in table and "task" in table:
            raise self.fail(where, "asks one question at most: ask or task, not both")
        kind = "ask" if "ask" in table else "task" if "task" in table else None
        highlight = table.get("highlight")
        if highlight is not None and (not isinstance(highlight, str) or not highlight):
            raise self.fail(f"{where}.highlight", "must be a widget's object name")
        return Step(
            text=self.text(table["text"], f"{where}.text"),
            scene=None if "scene" not in table else self.scene(table["scene"], f"{where}.scene"),
            highlight=highlight,
            question=None if kind is None else self.question(table[kind], f"{where}.{kind}", kind),
            explain=""
            if "explain" not in table
            else self.text(table["explain"], f"{where}.explain"),
        )

    def lesson(self, value: Any, lesson_id: str) -> Lesson:
        table = self.table(value, "lesson", {"title", "question", "steps"}, set())
        steps = table["steps"]
        if not isinstance(steps, list) or not steps:
            raise self.fail("steps", "must be a non-empty list")
        parsed = tuple(self.step(s, f"steps[{i}]") for i, s in enumerate(steps))
        if parsed[0].scene is None:
            raise self.fail("steps[0].scene", "the first step must set up a scene")
        return Lesson(
            id=lesson_id,
            title=self.text(table["title"], "title"),
            question=self.text(table["question"], "question"),
            steps=parsed,
        )


def parse_lesson(text: str, file: str) -> Lesson:
    """One lesson from the JSON ``text`` of ``file`` (its name is the lesson's id)."""
    reader = _Reader(file)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise LessonError(f"{file}: not valid JSON: {error}") from None
    return reader.lesson(value, Path(file).stem)


def load_lessons(folder: Path | None = None) -> tuple[Lesson, ...]:
    """Every lesson in ``folder`` (default: the ones that ship), in file-name order."""
    source = files("convexplorer.lessons").joinpath("data") if folder is None else folder
    found = sorted(
        (entry for entry in source.iterdir() if entry.name.endswith(".json")),
        key=lambda entry: entry.name,
    )
    return tuple(parse_lesson(entry.read_text(encoding="utf-8"), entry.name) for entry in found)
