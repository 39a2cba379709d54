"""Lesson scenes that are stacks (lesson 8): the file format, the stack they build, the receptive
field quantities (against ``model.receptive_field`` and the textbook sum), and the runner: one
undo step per scene, "Show me" selects the layer, old one-layer files still load."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from convexplorer.app.main_window import MainWindow
from convexplorer.lessons import (
    LessonError,
    Scene,
    StackLayer,
    build_stack,
    parse_lesson,
    read_quantity,
)
from convexplorer.model import (
    ExplorerState,
    LayerSpec,
    Network,
    NetworkView,
    StateView,
    load_sample,
    textbook_field_size,
)
from tests.window_support import settings_in, shown_window

CONV = {"layer": {"out_channels": 2, "kernel_size": 3, "padding": 1}, "activation": "relu"}
POOL = {"layer": {"kernel_size": 2, "stride": 2, "pool": "max"}}
STACK_LESSON = {
    "title": "A stack",
    "question": "How far?",
    "steps": [
        {
            "text": "Layer {layer_number} of {layer_count} sees {field_h}×{field_w}.",
            "scene": {
                "sample": "shapes",
                "layers": [CONV, POOL, CONV],
                "select": {"layer": 1},
            },
        },
        {
            "text": "Select layer 3.",
            "task": {
                "quantity": "layer_number",
                "equals": 3,
                "hint": "Click it.",
                "solution": {"select_layer": 3},
            },
        },
    ],
}


def parsed(data: dict):
    return parse_lesson(json.dumps(data), "98_stack.json")


def network_of(scene: Scene) -> Network:
    network = Network([ExplorerState(load_sample("shapes"), LayerSpec(3, 2))])
    network.restore(build_stack(scene, NetworkView(network)))
    return network


def test_a_stack_scene_reads_into_layers_and_a_1_based_layer_selection():
    scene = parsed(STACK_LESSON).steps[0].scene
    assert scene.layers is not None and len(scene.layers) == 3
    assert scene.layers[1] == StackLayer({"kernel_size": 2, "stride": 2, "pool": "max"})
    assert scene.selected_layer == 0
    assert parsed(STACK_LESSON).steps[1].question.solution.select_layer == 2


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (lambda s: s.update(layer={"out_channels": 1}), "scene.layer", "inside layers"),
        (lambda s: s.update(activation="relu"), "scene.activation", "inside layers"),
        (lambda s: s.update(layers=[]), "scene.layers", "non-empty list"),
        (lambda s: s["layers"][0].update(bias=False), "layers[0].bias", "unknown field"),
        (lambda s: s["layers"][1].update(layer={"pool": "min"}), "layers[1].layer.pool", "pool"),
        (lambda s: s.update(select={"layer": 4}), "scene.select.layer", "does not have"),
        (lambda s: s.update(select={"layer": 0}), "scene.select.layer", "≥ 1"),
    ],
)
def test_a_bad_stack_scene_is_refused_naming_the_field(change, field, reason):
    data = copy.deepcopy(STACK_LESSON)
    change(data["steps"][0]["scene"])
    with pytest.raises(LessonError, match=r"98_stack.json: steps\[0\]") as error:
        parsed(data)
    assert field in str(error.value) and reason in str(error.value)


def test_old_one_layer_files_still_read_as_before():
    data = copy.deepcopy(STACK_LESSON)
    data["steps"][0]["scene"] = {"sample": "shapes", "layer": {"out_channels": 2}}
    scene = parsed(data).steps[0].scene
    assert scene.layers is None and scene.selected_layer == 0 and scene.layer == {"out_channels": 2}


def test_a_stack_scene_builds_the_stack_a_pool_keeping_the_channels():
    network = network_of(parsed(STACK_LESSON).steps[0].scene)
    specs = NetworkView(network).specs
    assert [s.kind for s in specs] == ["Conv2d", "MaxPool2d", "Conv2d"]
    assert (specs[1].in_channels, specs[1].out_channels, specs[1].groups) == (2, 2, 2)
    assert specs[2].in_channels == 2
    assert network.layers[1].activation == "none" and network.layers[2].activation == "relu"
    bad = Scene(layers=(StackLayer({"out_channels": 2, "kernel_size": 31, "dilation": 4}),))
    with pytest.raises(ValueError, match="layer 1 cannot run"):
        build_stack(bad, NetworkView(network))


STACKS = [
    [CONV],
    [CONV, CONV],
    [CONV, POOL, CONV],
    [{"layer": {"out_channels": 1, "kernel_size": 3, "dilation": 2, "padding": 2}}],
    [CONV, {"layer": {"out_channels": 1, "kernel_size": 3, "stride": 2}}, CONV],
    [{"layer": {"out_channels": 1, "kernel_size": [3, 5], "dilation": [1, 3], "padding": 4}}],
]


@pytest.mark.parametrize("layers", STACKS)
def test_the_field_quantities_are_the_model_s_receptive_field_and_the_textbook_sum(layers):
    data = {"sample": "shapes", "layers": layers, "select": {"layer": len(layers)}}
    reader_lesson = copy.deepcopy(STACK_LESSON)
    reader_lesson["steps"][0]["scene"] = data
    network = network_of(parsed(reader_lesson).steps[0].scene)
    view, stack = StateView(network), NetworkView(network)
    size = (read_quantity("field_h", view, stack), read_quantity("field_w", view, stack))
    assert size == textbook_field_size(stack.specs)
    assert read_quantity("layer_number", view, stack) == len(layers)
    assert read_quantity("layer_count", view, stack) == len(layers)
    # The pixels one output reads, counted by brute force: every tap of every layer walked back.
    rows, cols = {0}, {0}
    for spec in reversed(stack.specs):
        (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.stride, spec.dilation
        rows = {r * sh + i * dh for r in rows for i in range(kh)}
        cols = {c * sw + j * dw for c in cols for j in range(kw)}
    assert read_quantity("field_pixels", view, stack) == len(rows) * len(cols)


def test_a_view_without_its_stack_counts_as_a_stack_of_one():
    spec = LayerSpec(1, 1, 3, dilation=2)
    view = StateView(ExplorerState(np.zeros((1, 12, 12), np.float32), spec))
    assert read_quantity("layer_number", view) == read_quantity("layer_count", view) == 1
    assert (read_quantity("field_h", view), read_quantity("field_pixels", view)) == (5, 9)


# ---- in the window ------------------------------------------------------------------------------


@pytest.fixture
def window(qtbot, tmp_path) -> MainWindow:
    return shown_window(qtbot, settings_in(tmp_path))


def test_a_stack_scene_is_one_undo_step_and_show_me_selects_the_layer(window, qtbot):
    runner = window.lessons.runner
    document = window.document
    lesson = parsed(STACK_LESSON)
    runner.lessons = (*runner.lessons, lesson)  # as if it shipped
    runner.start(lesson)
    assert document.undo_count == 1 and document.undo_label == "Lesson: A stack"
    assert len(document.stack) == 3 and document.stack.selected == 0
    assert window.docks["network"].isVisible()  # the strip shows a lesson's stack
    assert runner.fill(runner.step.text) == "Layer 1 of 3 sees 3×3."
    runner.next()
    runner.show_me()
    qtbot.waitUntil(lambda: runner.solved)
    assert document.stack.selected == 2 and document.undo_count == 1  # selecting is no edit
    runner.leave()
    assert len(document.stack) == 1 and not document.is_aside
