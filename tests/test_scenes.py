"""The built-in scenes (model side): they chain, every named filter finds what its name says,
layer 2 of "32 → 1" reads exactly the edge maps, and the small CNN's field is what its words say."""

from __future__ import annotations

import numpy as np
import pytest

from convexplorer.model import (
    SCENE_NAMES,
    check_chain,
    conv2d,
    edge_and_colour_bank,
    gamma,
    load_scene,
    textbook_field_size,
)
from convexplorer.model._scenes import EDGE_FILTERS
from tests.reference import reference_conv2d
from tests.tolerance import assert_layer_close

SIZE = 15


def _step(orientation: str, brighter: str) -> np.ndarray:
    """A (SIZE, SIZE) grey image, 0 on one side of a straight edge and 1 on the ``brighter``
    side; the edge runs — (horizontal), | (vertical), ╲ or ╱ through the centre."""
    y, x = np.indices((SIZE, SIZE)) - SIZE // 2
    side = {"—": y, "|": x, "╲": x - y, "╱": x + y}[orientation]  # > 0: below / right / …
    positive = {
        "below": True,
        "above": False,
        "right": True,
        "left": False,
        "above-right": True,
        "below-left": False,
        "below-right": True,
        "above-left": False,
    }[brighter]
    return (side > 0 if positive else side < 0).astype(np.float32)


def _responses(image: np.ndarray) -> np.ndarray:
    """Every bank filter's largest response (after ReLU) on ``image``, away from the border."""
    bank = edge_and_colour_bank()
    weight = np.stack([f.weight for f in bank])
    bias = np.array([f.bias for f in bank], np.float32)
    out = np.maximum(conv2d(image, weight, bias), 0.0)
    return out.max(axis=(1, 2))


def test_every_scene_chains_and_names_each_filter_of_its_named_layers():
    for name in SCENE_NAMES:
        scene = load_scene(name)
        snapshot = scene.snapshot
        shapes = check_chain(snapshot.image.shape, [layer.spec for layer in snapshot.layers])
        assert len(scene.filter_names) == len(snapshot.layers)
        for names, shape in zip(scene.filter_names, shapes, strict=True):
            assert names == () or len(names) == shape[0]
        assert all(len(set(n)) == len(n) for n in scene.filter_names if any(n))
        assert 0 <= snapshot.selected_layer < len(snapshot.layers)


def test_thirty_two_to_one_is_the_issue_s_stack():
    scene = load_scene("32 → 1")
    first, second = scene.snapshot.layers
    assert (first.spec.in_channels, first.spec.out_channels) == (3, 32)
    assert (second.spec.in_channels, second.spec.out_channels) == (32, 1)
    assert first.activation == second.activation == "relu"
    assert scene.snapshot.selected_layer == 1  # the sliding window shows layer 2
    assert scene.snapshot.image.shape[0] == 3  # an RGB photo
    # Layer 2 reads the edge maps and nothing else.
    assert np.abs(second.weight[0, :EDGE_FILTERS]).min() > 0
    assert not second.weight[0, EDGE_FILTERS:].any()
    words = scene.describe()
    for k, name in enumerate(scene.filter_names[0]):
        assert f"filter {k}: {name}" in words


@pytest.mark.parametrize("filter_index", range(EDGE_FILTERS))
def test_each_edge_filter_finds_the_edge_its_name_says_and_not_the_opposite(filter_index):
    bank = edge_and_colour_bank()
    name = bank[filter_index].name  # e.g. "green edge ╲, brighter above-right"
    colour, rest = name.split(" edge ")
    orientation, brighter = rest.split(", brighter ")
    grey = _step(orientation, brighter)
    channel = {"red": [0], "green": [1], "blue": [2], "brightness": [0, 1, 2]}[colour]
    image = np.zeros((3, SIZE, SIZE), np.float32)
    image[channel] = grey
    assert _responses(image)[filter_index] > 0.2
    # the other polarity: nothing — at most the float32 rounding of its sum of 27 products of
    # values ≤ 1 (any summation order), plus the bias
    kernel = bank[filter_index]
    rounding = gamma(kernel.weight.size, np.float32) * (
        np.abs(kernel.weight).sum() + abs(kernel.bias)
    )
    assert _responses(image[:, ::-1, ::-1].copy())[filter_index] <= rounding


@pytest.mark.parametrize(
    ("rgb", "lit", "dark"),
    [
        ((1.0, 0.0, 0.0), "red − green (reddish)", "green − red (greenish)"),
        ((0.0, 1.0, 0.0), "green − red (greenish)", "red − green (reddish)"),
        ((0.0, 0.0, 1.0), "blue − yellow (bluish)", "yellow − blue (yellowish)"),
        ((1.0, 1.0, 0.0), "yellow − blue (yellowish)", "blue − yellow (bluish)"),
        ((0.0, 0.0, 0.0), "darkness (1 − brightness), blurred", "brightness, blurred"),
    ],
)
def test_colour_filters_light_up_for_their_colour(rgb, lit, dark):
    names = [f.name for f in edge_and_colour_bank()]
    image = np.ones((3, SIZE, SIZE), np.float32) * np.array(rgb, np.float32)[:, None, None]
    responses = _responses(image)
    assert responses[names.index(lit)] > 0.4 and responses[names.index(dark)] == 0


def test_spot_filters_tell_a_bright_dot_from_a_dark_one():
    names = [f.name for f in edge_and_colour_bank()]
    dot = np.zeros((3, SIZE, SIZE), np.float32)
    dot[:, SIZE // 2, SIZE // 2] = 1.0
    bright, dark = (
        names.index("bright spot (centre − surround)"),
        names.index("dark spot (surround − centre)"),
    )
    assert _responses(dot)[bright] == pytest.approx(1.0)
    assert _responses(1 - dot)[dark] == pytest.approx(1.0)


def test_the_bank_computes_as_the_loop_reference_does_replicate_padding_included():
    scene = load_scene("32 → 1")
    first = scene.snapshot.layers[0]
    spec = first.spec
    assert spec.padding_mode == "replicate"  # no false edges along the photo's border
    image = np.ascontiguousarray(scene.snapshot.image[:, :9, :12])
    fast = conv2d(image, first.weight, first.bias, padding=1, padding_mode="replicate")
    slow = reference_conv2d(
        image, first.weight, first.bias, (1, 1), spec.pads, (1, 1), 1, "replicate"
    )
    assert_layer_close(spec, image, first.weight, first.bias, fast, slow)


def test_the_small_cnn_is_conv_relu_pool_conv_relu_conv_and_sees_12_by_12():
    scene = load_scene("A small CNN")
    layers = scene.snapshot.layers
    kinds = [(layer.spec.kind, layer.activation) for layer in layers]
    assert kinds == [
        ("Conv2d", "relu"),
        ("MaxPool2d", "none"),
        ("Conv2d", "relu"),
        ("Conv2d", "none"),
    ]
    assert [layer.spec.out_channels for layer in layers] == [8, 8, 8, 1]
    assert scene.snapshot.selected_layer == 3
    assert textbook_field_size([layer.spec for layer in layers]) == (12, 12)
    assert "12×12" in scene.summary


def test_each_load_is_a_fresh_copy_and_unknown_names_are_refused():
    one = load_scene("32 → 1")
    one.snapshot.layers[0].weight[...] = 7
    assert not (load_scene("32 → 1").snapshot.layers[0].weight == 7).all()
    with pytest.raises(ValueError, match="unknown scene 'x'; known scenes: 32 → 1"):
        load_scene("x")
