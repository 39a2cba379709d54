"""The sliding-window view: every number it shows is the model's, and it moves where it should."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel

from convexplorer.model import DotProduct, ExplorerState, LayerSpec, StateView
from convexplorer.qt import Document
from convexplorer.widgets.sliding_window import SlidingWindowView
from convexplorer.widgets.style import number as number_text

# ---- helpers ----------------------------------------------------------------------------------


def shown(text: str) -> float:
    return float(text.replace("−", "-"))


def assert_shows(text: str, value: float) -> None:
    """``text`` is ``value`` rounded to the digits it shows."""
    number = shown(text)
    if "e" in text:
        assert number == pytest.approx(value, rel=0.06), (text, value)
        return
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert abs(number - value) <= 0.5 * 10.0**-decimals + 1e-9, (text, value)


def make_view(qtbot, image: np.ndarray, spec: LayerSpec, width: int = 1600, **state_kw):
    """(document, its read-only view of the state, the sliding-window widget)."""
    state = ExplorerState(image, spec, **state_kw)
    state.apply_preset("kaiming", seed=3)
    document = Document(state)
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.resize(width, 450)
    view.show()
    qtbot.waitExposed(view)
    document.wait_until_idle()
    return document, document.view, view


def rgb(h: int = 12, w: int = 12, channels: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((channels, h, w), dtype=np.float32)


def assert_rows_match(view: SlidingWindowView, dot: DotProduct) -> None:
    rows = view.channel_texts()
    assert len(rows) == len(dot.input_channels)
    for slot, row in enumerate(rows):
        assert row["channel"].split(" (")[0] == f"in {dot.input_channels[slot]}"  # + " (G)"
        for key, values in (
            ("patch", dot.patch[slot]),
            ("kernel", dot.kernel[slot]),
            ("products", dot.products[slot]),
        ):
            texts = np.array(row[key])
            assert texts.shape == values.shape
            for text, value in zip(texts.ravel(), values.ravel(), strict=True):
                assert_shows(text, value)
        assert row["sum"].startswith("Σ = ")
        assert_shows(row["sum"][4:], dot.channel_sums[slot])


def assert_equation_matches(view: SlidingWindowView, state: StateView, dot: DotProduct):
    text = view.equation_text()
    terms = re.findall(r"Σ in (\d+) \(([^)]+)\)", text)
    assert terms, text
    for channel, value in terms:
        slot = dot.input_channels.index(int(channel))
        assert_shows(value, dot.channel_sums[slot])
    if state.bias is None:
        assert "bias" not in text
    else:
        assert_shows(re.search(r"bias (\S+)", text).group(1), dot.bias)
    assert_shows(re.search(r" = (\S+)", text).group(1), dot.value)
    row, col = state.position
    output = state.output(state.selected_filter)[row, col]
    assert view.output_text() == f"out({row}, {col}) = " + view.output_text().split(" = ")[1]
    assert_shows(view.output_text().split(" = ")[1], output)
    return text


LAYERS = [
    LayerSpec(3, 2, padding=1, padding_mode="reflect"),
    LayerSpec(3, 2, padding=2, padding_mode="circular", dilation=2),
    LayerSpec(3, 1, kernel_size=(3, 5), padding=(1, 2), padding_mode="replicate", stride=2),
    LayerSpec(3, 2, padding="same", padding_mode="zeros", dilation=(2, 1), bias=False),
    LayerSpec(4, 4, padding=1, groups=2, stride=(2, 1)),
    LayerSpec(4, 4, kernel_size=2, groups=4, padding=1, padding_mode="reflect"),
]


# ---- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", LAYERS, ids=lambda s: s.describe()[:40])
def test_every_number_shown_is_the_models(qtbot, spec):
    document, state, view = make_view(qtbot, rgb(channels=spec.in_channels), spec)
    assert view.objectName() == "slidingWindowView"
    rng = np.random.default_rng(1)
    oh, ow = state.output_size
    for _ in range(6):
        o = int(rng.integers(spec.out_channels))
        position = (int(rng.integers(oh)), int(rng.integers(ow)))
        document.select(out_channel=o, position=position)
        dot = state.dot_product()
        assert_rows_match(view, dot)
        text = assert_equation_matches(view, state, dot)
        assert len(re.findall(r"Σ in", text)) == len(dot.input_channels)  # nothing elided


def test_a_grouped_filter_shows_only_its_groups_channels(qtbot):
    document, _, view = make_view(qtbot, rgb(channels=6), LayerSpec(6, 3, groups=3))
    document.select(out_channel=1)
    assert [row["channel"] for row in view.channel_texts()] == ["in 2", "in 3"]
    assert view.header.text().startswith("Filter 1 reads in 2–3 only: group 2 of 3")
    assert re.findall(r"Σ in (\d+)", view.equation_text()) == ["2", "3"]


def test_relu_is_spelled_out_with_the_output_value(qtbot):
    document, state, view = make_view(qtbot, rgb(), LayerSpec(3, 1, padding=1), activation="relu")
    oh, ow = state.output_size
    raw = state.raw_output(0)
    for position in (np.unravel_index(np.argmin(raw), raw.shape), (oh // 2, ow // 2)):
        document.select(position=tuple(int(p) for p in position))
        dot = state.dot_product()
        text = view.equation_text()
        relu = re.search(r"ReLU\((\S+)\) = (\S+)$", text)
        assert relu, text
        assert_shows(relu.group(1), dot.value)
        assert_shows(relu.group(2), max(dot.value, 0.0))
    with qtbot.waitSignal(document.activationChanged):
        document.set_activation("none")
    assert "ReLU" not in view.equation_text()


def test_many_channels_show_a_bar_chart_and_one_detailed_channel(qtbot):
    document, state, view = make_view(
        qtbot, rgb(16, 16, 32), LayerSpec(32, 1, padding=1), width=1000
    )
    document.select(position=(7, 9))
    dot = state.dot_product()
    assert view.strip.is_compact()
    np.testing.assert_array_equal(view.strip.bar_heights(), dot.channel_sums)
    (row,) = view.channel_texts()
    assert row["channel"] == "in 0"

    chart = view.strip._chart
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.bar_centre(21))
    assert view.strip.detail_slot() == 21
    (row,) = view.channel_texts()
    assert row["channel"] == "in 21"
    assert_shows(row["sum"][4:], dot.channel_sums[21])
    for text, value in zip(np.ravel(row["products"]), dot.products[21].ravel(), strict=True):
        assert_shows(text, value)

    qtbot.mouseMove(chart, chart.bar_centre(5))
    qtbot.waitUntil(lambda: view.strip.detail_slot() == 5)
    assert view.channel_texts()[0]["channel"] == "in 5"

    text = assert_equation_matches(view, state, dot)
    assert "more" in text  # elided, not clipped
    metrics = QFontMetrics(view.equation.font())
    assert metrics.horizontalAdvance(text) <= view.equation.width()


def test_the_equation_never_overflows_a_narrow_view(qtbot):
    _, _, view = make_view(qtbot, rgb(16, 16, 32), LayerSpec(32, 1, padding=1), width=1000)
    metrics = QFontMetrics(view.equation.font())
    for width in (1000, 700, 560):
        view.resize(width, 450)
        qtbot.waitUntil(lambda w=width: view.width() == w)
        text = view.equation_text()
        assert metrics.horizontalAdvance(text) <= view.equation.contentsRect().width(), width
        assert text.endswith(re.search(r"= \S+$", text).group(0))


# ---- moving -------------------------------------------------------------------------------------


@pytest.fixture
def small(qtbot):
    """A 5×4 output (stride 2 on 12×10) — positions are easy to count in raster order."""
    return make_view(qtbot, rgb(12, 10), LayerSpec(3, 2, padding=1, stride=2))


def test_stepping_goes_in_raster_order_columns_fastest(small):
    _, state, view = small
    assert state.output_size == (6, 5)
    actions = view.actions_by_name
    visited = [state.position]
    for _ in range(6):
        actions["forward"].trigger()
        visited.append(state.position)
    assert visited == [(0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (1, 0), (1, 1)]
    actions["back"].trigger()
    assert state.position == (1, 0)
    actions["last"].trigger()
    assert state.position == (5, 4)
    actions["forward"].trigger()
    assert state.position == (5, 4)  # nowhere further
    actions["first"].trigger()
    assert state.position == (0, 0)
    assert view.controls.position.text() == "(0, 0)  1 / 30"


def test_keyboard_steps_plays_and_jumps(qtbot, small):
    document, state, view = small
    view.activateWindow()
    view.setFocus()
    qtbot.waitUntil(view.isActiveWindow)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert state.position == (0, 2)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert state.position == (0, 1)
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert state.position == (5, 4)
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert state.position == (0, 0)

    view.controls.speed.setCurrentIndex(view.controls.speed.findData(60))
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert view.stepper.playing
    assert view.actions_by_name["play"].text() == "Pause"
    qtbot.waitUntil(lambda: state.position[0] >= 1)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert not view.stepper.playing
    with qtbot.assertNotEmitted(document.selectionChanged, wait=100):
        pass  # paused: the window does not move on


def test_playback_stops_at_the_last_position_and_restarts_from_the_first(qtbot, small):
    _, state, view = small
    view.controls.speed.setCurrentIndex(view.controls.speed.findData(60))
    view.actions_by_name["play"].trigger()
    qtbot.waitUntil(lambda: not view.stepper.playing, timeout=3000)
    assert state.position == (5, 4)
    view.actions_by_name["play"].trigger()
    assert state.position == (0, 0) and view.stepper.playing
    view.actions_by_name["play"].trigger()
    assert not view.stepper.playing


def test_the_scrubber_covers_every_position(small):
    document, state, view = small
    scrubber = view.controls.scrubber
    assert (scrubber.minimum(), scrubber.maximum()) == (0, 29)
    scrubber.setValue(13)
    assert state.position == (2, 3)
    document.select(position=(4, 1))
    assert scrubber.value() == 21


def test_clicking_an_output_pixel_moves_the_window_there(qtbot, small):
    _, state, view = small
    output_map = view.output_map
    box = output_map._box
    point = output_map.mapFromScene(box.mapViewToScene(QPointF(3.5, 4.5)))
    qtbot.mouseClick(output_map.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert state.position == (4, 3)
    assert_rows_match(view, state.dot_product())


def test_jump_to_the_strongest_response(qtbot):
    image = np.zeros((1, 20, 20), dtype=np.float32)
    image[0, 14:17, 3:6] = np.eye(3)  # one short ↘ stroke
    document, state, view = make_view(qtbot, image, LayerSpec(1, 1))
    document.apply_preset("diagonal ↘")
    qtbot.waitUntil(lambda: view.actions_by_name["strongest"].isEnabled())
    with qtbot.waitSignal(view.statusMessage):
        view.actions_by_name["strongest"].trigger()
    output = state.output(0)
    assert state.position == (14, 3)
    assert output[14, 3] == output.max()


def test_the_output_map_fills_in_raster_order(small):
    document, state, view = small
    document.select(position=(2, 3))
    covers = [cover.rect() for cover in view.output_map._covers]
    assert (covers[0].left(), covers[0].top(), covers[0].width()) == (4, 2, 1)  # rest of row 2
    assert (covers[1].top(), covers[1].height(), covers[1].width()) == (3, 3, 5)  # rows 3–5
    assert view.output_map._current.rect() == QRectF(3, 2, 1, 1)
    np.testing.assert_array_equal(
        view.output_map.value_at(2, 3), state.output(state.selected_filter)[2, 3]
    )


def test_channel_by_channel_builds_the_sum(small):
    document, state, view = small
    actions = view.actions_by_name
    actions["byChannel"].trigger()
    assert view.stepper.channel_mode
    actions["forward"].trigger()  # to (0, 1), nothing added yet but channel 0
    assert state.position == (0, 1) and view.stepper.stage == 0
    dot = state.dot_product()
    text = view.equation_text()
    assert re.findall(r"Σ in (\d+)", text) == ["0"] and "2 channels to go" in text
    assert view.output_text() == "out(0, 1)"  # not written yet
    actions["forward"].trigger()
    actions["forward"].trigger()
    assert re.findall(r"Σ in (\d+)", view.equation_text()) == ["0", "1", "2"]
    assert view.equation_text().endswith("+ bias …")
    actions["forward"].trigger()  # bias added, value written
    assert view.stepper.stage is None and state.position == (0, 1)
    assert_equation_matches(view, state, dot)
    actions["forward"].trigger()
    assert state.position == (0, 2) and view.stepper.stage == 0
    actions["back"].trigger()
    assert state.position == (0, 1) and view.stepper.stage is None
    document.select(position=(3, 3))  # a jump shows the whole sum
    assert view.stepper.stage is None


# ---- following the model ------------------------------------------------------------------------


def test_a_weight_edit_updates_the_frame_at_once(qtbot, small):
    document, state, view = small
    document.select(position=(2, 2))
    with qtbot.waitSignal(document.outputsChanged):
        document.set_weight(0, 1, 1, 1, 2.5)
        assert view.channel_texts()[1]["kernel"][1][1] == "2.5"  # before outputs recompute
        assert_rows_match(view, state.dot_product())
    assert_equation_matches(view, state, state.dot_product())


def test_a_shrinking_output_clamps_the_position_and_the_scrubber(qtbot, small):
    document, state, view = small
    view.actions_by_name["last"].trigger()
    assert state.position == (5, 4)
    with qtbot.waitSignal(document.outputsChanged):
        document.set_layer(state.spec.replace(kernel_size=(5, 5), padding=(0, 0)))
    assert state.output_size == (4, 3) and state.position == (3, 2)
    assert view.controls.scrubber.maximum() == 11 and view.controls.scrubber.value() == 11
    assert_rows_match(view, state.dot_product())
    assert_equation_matches(view, state, state.dot_product())

    with qtbot.waitSignal(document.outputsChanged):
        document.open_input(rgb(7, 7, channels=6), "Open")
    assert state.output_size == (2, 2) and state.position == (1, 1)
    assert view.controls.scrubber.maximum() == 3
    assert len(view.channel_texts()) == 4 or view.strip.is_compact()
    assert_equation_matches(view, state, state.dot_product())


def test_selecting_another_filter_redraws_for_it(qtbot, small):
    document, state, view = small
    document.select(out_channel=1, position=(1, 1))
    assert view.output_title.text() == "output channel 1"
    assert_rows_match(view, state.dot_product())
    assert_equation_matches(view, state, state.dot_product())


def test_the_view_exposes_the_dot_product_it_shows_and_an_edit_draws_one_frame(
    qtbot, small, monkeypatch
):
    document, state, view = small
    document.select(position=(2, 3))
    assert view.dot_product is not None
    assert (view.dot_product.row, view.dot_product.col) == (2, 3)
    assert view.dot_product.value == state.dot_product().value
    frames: list[object] = []
    monkeypatch.setattr(view.strip, "show_frame", frames.append)
    with qtbot.waitSignal(document.outputsChanged):
        document.set_weight(state.selected_filter, 0, 1, 1, 2.5)
    assert len(frames) == 1  # the edit's frame; the arriving map only updates the value shown
    expected = number_text(float(state.output(state.selected_filter)[2, 3]))
    assert view.output_text().endswith(expected)


@pytest.mark.parametrize("kernel", [1, 2, 3, 31])
@pytest.mark.parametrize("channels", [1, 3, 8])  # one row, three rows, the bar chart + one row
@pytest.mark.parametrize("flip", [False, True])
def test_every_column_title_is_shown_whole(qtbot, kernel, channels, flip):
    """A 1×1 kernel's one-cell grids no longer cut "products" to "produ…" (nor "kernel, flipped");
    the titles stay whole up to the largest kernels, in a view as wide as the window's."""
    image = rgb(40, 40, channels)
    spec = LayerSpec(channels, 1, kernel_size=kernel, flip_kernel=flip)
    _, _, view = make_view(qtbot, image, spec, width=1280)
    titles = [
        t for t in view.findChildren(QLabel) if type(t).__name__ == "_Title" and t.isVisible()
    ]
    words = {t.text() for t in titles}
    assert {"products", "channel sum", "kernel, flipped" if flip else "kernel"} <= words
    for title in titles:
        width = QFontMetrics(title.font()).horizontalAdvance(title.text())
        assert title.width() >= width, (title.text(), title.width(), width)
