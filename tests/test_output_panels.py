"""The output panels: one per output channel, redrawn per edited filter, selecting by click."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.image_panels import grid_shape
from convexplorer.widgets.looks import output_looks, round_up
from convexplorer.widgets.output_panels import OutputPanels
from convexplorer.widgets.style import DIVERGING, SEQUENTIAL, number


@pytest.fixture
def document() -> Document:
    image = np.random.default_rng(0).random((3, 16, 16), dtype=np.float32)
    state = ExplorerState(image, LayerSpec(3, 2))
    state.apply_preset("kaiming")
    document = Document(state)
    document.wait_until_idle()
    return document


@pytest.fixture
def panels(qtbot, document) -> OutputPanels:
    widget = OutputPanels(document)
    qtbot.addWidget(widget)
    widget.resize(600, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def viewport_point(widget: OutputPanels, index: int, pixel: tuple[int, int] | None) -> QPoint:
    """Where panel ``index``'s pixel (row, col) is on screen; None: the panel's title strip."""
    panel = widget.panels[index]
    if pixel is None:
        scene = panel.mapToScene(QPointF(panel.size().width() - 5, 5))
    else:
        scene = panel.image.mapToScene(QPointF(pixel[1] + 0.5, pixel[0] + 0.5))
    return widget.grid.view.mapFromScene(scene)


def test_one_panel_per_output_channel_follows_c_out(qtbot, document, panels):
    view = document.view
    assert panels.objectName() == "outputPanels"
    assert [p.title for p in panels.panels] == ["out 0", "out 1"]
    first = panels.panels[0]

    with qtbot.waitSignal(document.outputsChanged):
        document.set_layer(view.spec.replace(out_channels=5))
    assert [p.title for p in panels.panels] == [f"out {o}" for o in range(5)]
    assert panels.panels[0] is first  # panels are reused, not rebuilt
    for o, panel in enumerate(panels.panels):
        assert panel.isVisible()
        np.testing.assert_array_equal(panel.image.image, view.output(o))

    five = panels.panels
    document.set_layer(view.spec.replace(out_channels=1))
    assert [p.title for p in panels.panels] == ["out 0"]
    assert [p.isVisible() for p in five] == [True, False, False, False, False]


def test_an_edit_redraws_only_the_edited_filters_panel(qtbot, document, panels):
    view = document.view
    before = [panel.image.image for panel in panels.panels]
    with qtbot.waitSignal(document.outputsChanged) as blocker:
        document.set_weight(1, 0, 1, 1, 2.5)
    assert blocker.args == [[1]]
    assert panels.panels[0].image.image is before[0]
    assert panels.panels[1].image.image is not before[1]
    np.testing.assert_array_equal(panels.panels[1].image.image, view.output(1))


def test_clicking_a_panel_selects_its_filter_and_a_pixel_its_position(qtbot, document, panels):
    view = document.view
    viewport = panels.grid.view.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=viewport_point(panels, 1, None))
    assert (view.selected_filter, view.position) == (1, (0, 0))

    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=viewport_point(panels, 0, (3, 5)))
    assert (view.selected_filter, view.position) == (0, (3, 5))
    assert panels.panels[0].selected and panels.panels[0].marker == (3, 5)


def test_selection_highlight_and_marker_follow_the_state(document, panels):
    assert panels.panels[0].selected and not panels.panels[1].selected
    document.select(out_channel=1, position=(2, 7))
    assert panels.panels[1].selected and not panels.panels[0].selected
    assert panels.panels[1].marker == (2, 7)
    assert panels.panels[0].marker is None


def test_per_panel_and_shared_scaling(qtbot, document, panels):
    view = document.view
    limits = [float(np.abs(view.output(o)).max()) for o in range(2)]
    for o, panel in enumerate(panels.panels):
        assert panel.levels() == pytest.approx((-limits[o], limits[o]))
        assert panel.bar.levels() == pytest.approx((-limits[o], limits[o]))

    panels.shared_scaling_action.trigger()
    shared = round_up(max(limits))
    assert max(limits) <= shared <= 1.25 * max(limits)
    for panel in panels.panels:
        assert panel.levels() == pytest.approx((-shared, shared))
        assert panel.bar.levels() == pytest.approx((-shared, shared))

    # an edit that raises one filter's peak rescales every panel
    with qtbot.waitSignal(document.outputsChanged):
        document.set_bias(0, 10.0)
    peak = round_up(float(np.abs(view.output(0)).max()))
    for panel in panels.panels:
        assert panel.levels() == pytest.approx((-peak, peak))

    panels.shared_scaling_action.trigger()
    assert panels.panels[1].levels() == pytest.approx((-limits[1], limits[1]))


def test_relu_outputs_use_the_sequential_map_from_zero(qtbot, document, panels):
    view = document.view
    assert panels.panels[0].bar.colorMap() is DIVERGING
    with qtbot.waitSignal(document.outputsChanged):
        document.set_activation("relu")
    for o, panel in enumerate(panels.panels):
        assert panel.bar.colorMap() is SEQUENTIAL
        assert panel.levels() == pytest.approx((0.0, float(view.output(o).max())))
    assert "ReLU" in panels._shape_label.text()


def test_hover_shows_row_col_and_value(qtbot, document, panels):
    view = document.view
    viewport = panels.grid.view.viewport()
    with qtbot.waitSignal(panels.statusMessage) as blocker:
        qtbot.mouseMove(viewport, viewport_point(panels, 1, (4, 6)))
    expected = f"out 1 · row 4, col 6 · value {number(view.output(1)[4, 6])}"
    assert panels.readout == expected
    assert blocker.args == [expected]

    # the readout follows a redraw of the panel under the mouse
    with qtbot.waitSignal(document.outputsChanged):
        document.set_bias(1, 3.0)
    assert panels.readout == f"out 1 · row 4, col 6 · value {number(view.output(1)[4, 6])}"


@pytest.mark.parametrize(
    ("value", "rounded"), [(0.7, 0.8), (0.8, 0.8), (1.01, 1.2), (13.0, 15.0), (0.0021, 0.0025)]
)
def test_shared_scale_rounds_up_to_a_round_number(value, rounded):
    assert round_up(value) == pytest.approx(rounded)


def test_grid_fills_the_area_with_few_panels_and_scrolls_with_many():
    few = grid_shape(2, 600, 400, (254, 254), colorbar=True, min_side=96)
    assert (few.columns, few.scrolls) == (2, False)
    many = grid_shape(32, 600, 400, (83, 126), colorbar=True, min_side=96, scrollbar=15)
    assert many.scrolls and many.columns * many.cell_width <= 585
    assert many.cell_width >= 96


def test_new_panels_come_with_colour_bars_in_their_look(qtbot, document, panels):
    view = document.view
    with qtbot.waitSignal(document.outputsChanged):
        document.set_layer(view.spec.replace(out_channels=12))
    ranges = {o: (float(view.output(o).min()), float(view.output(o).max())) for o in range(12)}
    looks = output_looks(ranges, view.activation, shared=False)
    for o, panel in enumerate(panels.panels):  # each panel in its look (see test_style)
        assert panel.bar.levels() == pytest.approx(looks[o].levels) == panel.levels()
        assert panel.bar.colorMap() is looks[o].colormap
        labels = [text for _, text in panel.bar.labels()]
        assert labels[:2] == [number(looks[o].levels[1]), number(looks[o].levels[0])]


def test_many_large_maps_are_drawn_a_slice_per_pass_the_selected_one_first(
    qtbot, document, panels, monkeypatch
):
    from convexplorer.widgets.output_panels import _panels

    monkeypatch.setattr(_panels, "PIXELS_PER_PASS", 1)  # one map per pass of the event loop
    view = document.view
    with qtbot.waitSignal(document.outputsChanged):
        document.set_layer(view.spec.replace(out_channels=6))
    qtbot.waitUntil(lambda: all(p.image.image is not None for p in panels.panels))
    document.select(out_channel=4)
    events: list[tuple[str, int]] = []  # ("draw", o) when a pass maps a panel, ("paint", o)
    draw = panels._apply_looks

    def logged_draw(images: dict[int, np.ndarray]) -> None:
        events.extend(("draw", o) for o in images)
        draw(images)

    monkeypatch.setattr(panels, "_apply_looks", logged_draw)
    for o, panel in enumerate(panels.panels):
        paint = panel.image.paint

        def logged_paint(*args, o=o, paint=paint) -> None:
            events.append(("paint", o))
            paint(*args)

        monkeypatch.setattr(panel.image, "paint", logged_paint)
    document.apply_preset("sobel x")  # every map changes
    qtbot.waitUntil(
        lambda: all(
            np.array_equal(p.image.image, view.output(o)) for o, p in enumerate(panels.panels)
        )
    )
    draws = [o for kind, o in events if kind == "draw"]
    assert draws == [4, 0, 1, 2, 3, 5]  # the selected filter's map first, then one per pass
    # and it reaches the screen before the next pass maps anything
    assert events.index(("paint", 4)) < events.index(("draw", 0))


def test_large_maps_draw_their_preview_but_read_and_point_at_full_resolution(qtbot):
    image = np.random.default_rng(2).random((1, 1100, 40), dtype=np.float32)
    document = Document(ExplorerState(image, LayerSpec(1, 1, kernel_size=1)))
    document.apply_preset("identity")
    document.wait_until_idle()
    panels = OutputPanels(document)
    qtbot.addWidget(panels)
    panels.resize(600, 400)
    panels.show()
    qtbot.waitExposed(panels)
    panel, view = panels.panels[0], document.view
    preview, step = view.output_preview(0)
    assert step == 3 and panel.image.image.shape == preview.shape == (367, 14)
    assert panel.values.shape == (1100, 40)
    for pixel in [(0, 0), (700, 13), (1099, 39)]:
        scene = panel._canvas.mapToScene(QPointF(pixel[1] + 0.5, pixel[0] + 0.5))
        assert panel.pixel_at(scene) == pixel
        assert panel.value_at(pixel) == view.output(0)[pixel]
