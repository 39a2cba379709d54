"""Lessons are data: every shipped file loads, names only things that exist, and a bad file is
refused with its name and the field at fault. The measures a lesson asks about are checked
against the layer's own arithmetic and against hand-made states."""

from __future__ import annotations

import copy
import json
import string

import numpy as np
import pytest

from convexplorer.app._lesson_runner import parse_answer
from convexplorer.lessons import (
    CHECKS,
    QUANTITIES,
    LessonError,
    Scene,
    build_scene,
    line_pixels,
    load_lessons,
    parse_lesson,
    placeholder_values,
    read_quantity,
    run_check,
)
from convexplorer.model import (
    ACTIVATIONS,
    PRESET_NAMES,
    SAMPLE_NAMES,
    ExplorerState,
    LayerSpec,
    StateView,
    kernel_preset,
    load_sample,
)

LESSON_TITLES = [
    "One filter spans every input channel",
    "32 channels in, 1 out",
    "The diagonal detector",
    "Several filters, several output channels",
    "Stride, padding and dilation",
    "Groups and depthwise convolution",
    "1×1 convolution",
    "The receptive field through a stack",
]

GOOD = {
    "title": "A lesson",
    "question": "Why?",
    "steps": [
        {
            "text": "{in_channels} channels in.",
            "scene": {"sample": "shapes", "layer": {"out_channels": 2}, "presets": []},
            "highlight": "kernelEditor",
            "ask": {"quantity": "weights_per_filter", "hint": "Count them."},
        },
        {
            "text": "Do it.",
            "task": {
                "check": "diagonal_down_kernel",
                "hint": "Type it.",
                "solution": {"preset": {"preset": "diagonal ↘", "filter": 0}},
            },
        },
    ],
}


def texts(lesson) -> list[str]:
    found = [lesson.title, lesson.question]
    for step in lesson.steps:
        found += [step.text, step.explain]
        if step.question is not None:
            found.append(step.question.hint)
    return [t for t in found if t]


def test_the_eight_lessons_of_the_issue_ship_in_order():
    lessons = load_lessons()
    assert [lesson.title for lesson in lessons] == LESSON_TITLES
    assert len({lesson.id for lesson in lessons}) == len(lessons)
    for lesson in lessons:
        assert 2 <= len(lesson.steps) <= 5, lesson.id  # a few short steps
        assert lesson.steps[0].scene is not None
        assert any(step.question is not None for step in lesson.steps), lesson.id


def test_every_name_a_lesson_uses_exists():
    """Samples, presets, quantities, checks and placeholders; widgets are checked by playing."""
    for lesson in load_lessons():
        for step in lesson.steps:
            scene = step.scene
            if scene is not None:
                assert scene.sample is None or scene.sample in SAMPLE_NAMES
                for use in scene.presets or ():
                    assert use.preset in PRESET_NAMES
            question = step.question
            if question is not None:
                assert question.quantity is None or question.quantity in QUANTITIES
                assert question.check is None or question.check in CHECKS
                if question.solution is not None and question.solution.preset is not None:
                    assert question.solution.preset.preset in PRESET_NAMES
        for text in texts(lesson):
            fields = {name for _, name, _, _ in string.Formatter().parse(text) if name}
            assert fields <= QUANTITIES.keys(), (lesson.id, fields - QUANTITIES.keys())


def test_every_lesson_text_fills_with_live_numbers():
    view = StateView(ExplorerState(load_sample("shapes"), LayerSpec(3, 2)))
    values = placeholder_values(view)
    for lesson in load_lessons():
        for text in texts(lesson):
            filled = text.format_map(values)
            assert "{" not in filled and "}" not in filled


def bad(mutate) -> dict:
    data = copy.deepcopy(GOOD)
    mutate(data)
    return data


def _set(path: list, value):
    def mutate(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _drop(path: list):
    def mutate(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


BAD_FILES = [
    (_set(["steps", 0, "scene", "sample"], "kitten"), "steps[0].scene.sample", "unknown sample"),
    (
        _set(["steps", 0, "scene", "presets"], [{"preset": "blurry"}]),
        "steps[0].scene.presets[0].preset",
        "unknown preset",
    ),
    (_set(["steps", 0, "text"], "{weights} weights"), "steps[0].text", "unknown placeholder"),
    (_set(["steps", 0, "text"], "a { b"), "steps[0].text", "braces"),
    (_set(["steps", 1, "task", "check"], "looks_nice"), "steps[1].task.check", "unknown check"),
    (
        _set(["steps", 0, "ask", "quantity"], "weights"),
        "steps[0].ask.quantity",
        "unknown quantity",
    ),
    (_set(["steps", 0, "colour"], "red"), "steps[0].colour", "unknown field"),
    (
        _set(["steps", 0, "scene", "layer"], {"kernel": 3}),
        "steps[0].scene.layer.kernel",
        "unknown field",
    ),
    (
        _set(["steps", 0, "scene", "layer"], {"padding_mode": "mirror"}),
        "steps[0].scene.layer.padding_mode",
        "unknown padding mode",
    ),
    (_set(["steps", 0, "scene", "activation"], "gelu"), "steps[0].scene.activation", "unknown"),
    (_set(["steps", 1, "ask"], {"quantity": "groups", "hint": "h"}), "steps[1]", "not both"),
    (_drop(["steps", 0, "scene"]), "steps[0].scene", "must set up a scene"),
    (_drop(["steps", 0, "ask", "hint"]), "steps[0].ask", "lacks hint"),
    (_drop(["steps", 1, "task", "solution"]), "steps[1].task", "lacks solution"),
    (_set(["steps", 1, "task", "equals"], 3), "steps[1].task", "either check"),
    (_set(["steps", 0, "highlight"], ""), "steps[0].highlight", "object name"),
    (_set(["steps"], []), "steps", "non-empty"),
    (_drop(["title"]), "lesson", "lacks title"),
    (
        _set(["steps", 1, "task", "solution"], {"preset": {"preset": "zeros"}, "layer": {}}),
        "steps[1].task.solution",
        "exactly one",
    ),
    (
        _set(["steps", 0, "scene", "select"], {"position": [1]}),
        "steps[0].scene.select.position",
        "[row, column]",
    ),
    (
        _set(["steps", 0, "scene", "presets"], [{"preset": "zeros", "in_channel": 1}]),
        "steps[0].scene.presets[0]",
        "needs filter",
    ),
]


def test_the_good_example_is_good():
    lesson = parse_lesson(json.dumps(GOOD), "99_example.json")
    assert lesson.id == "99_example" and len(lesson.steps) == 2


@pytest.mark.parametrize(("mutate", "field", "reason"), BAD_FILES)
def test_a_bad_lesson_file_is_refused_naming_the_file_and_the_field(mutate, field, reason):
    with pytest.raises(LessonError) as refused:
        parse_lesson(json.dumps(bad(mutate)), "99_broken.json")
    message = str(refused.value)
    assert message.startswith(f"99_broken.json: {field}"), message
    assert reason in message


def test_a_file_that_is_not_json_is_refused_by_name(tmp_path):
    (tmp_path / "01_fine.json").write_text(json.dumps(GOOD), encoding="utf-8")
    (tmp_path / "02_cut.json").write_text('{"title": "cut', encoding="utf-8")
    with pytest.raises(LessonError, match=r"^02_cut\.json: not valid JSON"):
        load_lessons(tmp_path)


def test_lessons_load_from_a_folder_in_file_name_order(tmp_path):
    for name in ("02_b.json", "01_a.json"):
        (tmp_path / name).write_text(json.dumps(GOOD), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a lesson", encoding="utf-8")
    assert [lesson.id for lesson in load_lessons(tmp_path)] == ["01_a", "02_b"]


# ---- answers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("288", 288.0), (" 6.0 ", 6.0), ("0,75", 0.75), ("−1", -1.0), ("1e3", 1000.0)],
)
def test_typed_numbers_are_read_as_people_type_them(text, value):
    assert parse_answer(text) == value


@pytest.mark.parametrize("text", ["", "six", "3 4", "--2"])
def test_what_is_no_number_is_not_taken_for_one(text):
    assert parse_answer(text) is None


def test_counts_must_be_exact_and_values_close():
    assert QUANTITIES["weights_per_filter"].matches(27, 27)
    assert not QUANTITIES["weights_per_filter"].matches(27.004, 27)
    assert QUANTITIES["max_output"].matches(0.785, 0.7854)
    assert not QUANTITIES["max_output"].matches(0.7, 0.7854)


# ---- quantities and checks ---------------------------------------------------------------------


def view_of(image, spec, weight=None, compute=True) -> StateView:
    state = ExplorerState(image, spec, weight)
    if compute:
        state.compute()
    return StateView(state)


@pytest.mark.parametrize(
    "spec",
    [
        LayerSpec(3, 2),
        LayerSpec(32, 8, kernel_size=3, groups=4, padding="same"),
        LayerSpec(4, 4, kernel_size=(3, 5), groups=4, bias=False, dilation=2, stride=2),
        LayerSpec(32, 4, kernel_size=1),
    ],
)
def test_layer_quantities_follow_pytorch_shapes(spec):
    image = np.zeros((spec.in_channels, 24, 24), np.float32)
    view = view_of(image, spec, compute=False)
    q = {name: read_quantity(name, view) for name in QUANTITIES if name != "max_output"}
    weight_shape = spec.weight_shape  # PyTorch's (C_out, C_in/groups, kH, kW)
    assert q["weight_count"] == int(np.prod(weight_shape))
    assert q["weights_per_filter"] == int(np.prod(weight_shape[1:]))
    assert q["in_per_group"] == weight_shape[1]
    assert q["parameter_count"] == q["weight_count"] + (spec.out_channels if spec.bias else 0)
    assert q["dense_weight_count"] == spec.out_channels * spec.in_channels * int(
        np.prod(weight_shape[2:])
    )
    assert q["weights_saved"] == q["dense_weight_count"] - q["weight_count"]
    # the output size by the formula the lesson teaches
    kh, sh, dh, ph = weight_shape[2], spec.stride[0], spec.dilation[0], spec.pads[0]
    assert q["effective_kernel_h"] == dh * (kh - 1) + 1
    if spec.padding != "same":
        assert q["output_height"] == (24 + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    assert (q["output_height"], q["output_width"]) == view.output_size


def test_the_strongest_output_waits_for_the_outputs():
    image = load_sample("corner diagonal")
    weight = kernel_preset("diagonal ↘", 3, 3)[None, None]
    assert read_quantity("max_output", view_of(image, LayerSpec(1, 1), weight, False)) is None
    # the stroke meets the three 2s on the diagonal: 6
    assert read_quantity("max_output", view_of(image, LayerSpec(1, 1), weight)) == 6.0


def both_strokes() -> np.ndarray:
    image = load_sample("corner diagonal")
    return np.clip(image + image[:, :, ::-1], 0, 1)


def test_lines_are_told_apart_by_direction():
    image = both_strokes()
    down, up = line_pixels(image, "↘"), line_pixels(image, "↗")
    assert {(r, c) for r, c in zip(*np.nonzero(down), strict=True)} == {
        (i, i) for i in range(24, 29)
    }
    assert {(r, c) for r, c in zip(*np.nonzero(up), strict=True)} == {
        (i, 31 - i) for i in range(24, 29)
    }


def kernel(rows) -> np.ndarray:
    return np.array(rows, np.float32)[None, None]


@pytest.mark.parametrize(
    ("weights", "on_up_line"),
    [
        ([[-1, -1, 2], [-1, 2, -1], [2, -1, -1]], True),  # anti-diagonal ↗
        ([[0, 0, 1], [0, 1, 0], [1, 0, 0]], True),  # drawn by hand
        ([[2, -1, -1], [-1, 2, -1], [-1, -1, 2]], False),  # ↘ finds the other stroke
        ([[0, 0, 0], [0, 1, 0], [0, 0, 0]], False),  # both strokes alike: a tie
        ([[0, 0, 0], [0, 0, 0], [0, 0, 0]], False),  # nothing found anywhere
    ],
)
def test_the_strongest_response_on_the_up_line_is_judged_from_the_outputs(weights, on_up_line):
    spec = LayerSpec(1, 1, padding="same")
    assert run_check("strongest_on_up_line", view_of(both_strokes(), spec, kernel(weights))) is (
        on_up_line
    )


@pytest.mark.parametrize("padding", ["valid", 2, "same"])
def test_the_up_line_check_follows_the_window_whatever_the_padding(padding):
    weights = kernel([[-1, -1, 2], [-1, 2, -1], [2, -1, -1]])
    view = view_of(both_strokes(), LayerSpec(1, 1, padding=padding), weights)
    assert run_check("strongest_on_up_line", view) is True


def test_a_check_on_outputs_waits_while_they_are_stale():
    view = view_of(both_strokes(), LayerSpec(1, 1), kernel(np.eye(3)[::-1]), compute=False)
    assert run_check("strongest_on_up_line", view) is None


@pytest.mark.parametrize(
    ("weights", "is_down"),
    [
        (np.eye(3), True),
        (3 * np.eye(3) - 1, True),
        (np.eye(3)[::-1], False),
        (np.ones((3, 3)), False),
        (np.zeros((3, 3)), False),
    ],
)
def test_a_hand_made_down_diagonal_is_recognised(weights, is_down):
    view = view_of(load_sample("corner diagonal"), LayerSpec(1, 1), kernel(weights), False)
    assert run_check("diagonal_down_kernel", view) is is_down


# ---- scenes -------------------------------------------------------------------------------------


def test_a_scene_keeps_an_equal_input_and_the_weights_of_an_equal_layer():
    state = ExplorerState(load_sample("corner diagonal"), LayerSpec(1, 1, padding="same"))
    state.set_weight(0, 0, 1, 1, 5.0)
    arrays = build_scene(Scene(sample="corner diagonal"), StateView(state))
    assert arrays.image is None and arrays.spec == state.spec
    np.testing.assert_array_equal(arrays.weight, state.weight)
    mirrored = build_scene(Scene(sample="corner diagonal", with_mirror=True), StateView(state))
    np.testing.assert_array_equal(mirrored.image, both_strokes())
    np.testing.assert_array_equal(mirrored.weight, state.weight)


def test_scene_presets_start_from_zeros_like_the_menus_would():
    """The weights a scene builds equal the state's own presets applied to a zero layer."""
    view = StateView(ExplorerState(load_sample("chelsea"), LayerSpec(3, 1)))
    scene = Scene(sample="shapes", layer={"out_channels": 3, "padding": "same"}, presets=())
    arrays = build_scene(scene, view)
    assert arrays.spec == LayerSpec(3, 3, padding="same")
    assert not arrays.weight.any() and not arrays.bias.any()
    lesson = next(lesson for lesson in load_lessons() if lesson.id == "04_many_filters")
    scene = lesson.steps[0].scene
    arrays = build_scene(scene, view)
    expected = ExplorerState(load_sample("shapes"), arrays.spec)
    for use in scene.presets:
        expected.apply_preset(use.preset, use.filter, use.in_channel, use.seed)
    np.testing.assert_array_equal(arrays.weight, expected.weight)
    np.testing.assert_array_equal(arrays.bias, expected.bias)


def test_a_scene_that_does_not_fit_is_refused():
    view = StateView(ExplorerState(load_sample("shapes"), LayerSpec(3, 1)))
    with pytest.raises(ValueError, match="groups=2 does not divide in_channels=3"):
        build_scene(Scene(layer={"out_channels": 2, "groups": 2}), view)
    with pytest.raises(ValueError, match=r"select\.filter 4 does not exist"):
        build_scene(Scene(layer={"out_channels": 2}, selected_filter=4), view)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_scene_may_set_any_activation(activation):
    data = bad(_set(["steps", 0, "scene", "activation"], activation))
    lesson = parse_lesson(json.dumps(data), "99_x.json")
    assert lesson.steps[0].scene.activation == activation
