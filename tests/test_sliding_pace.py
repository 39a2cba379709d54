"""The sliding window's pace as a user drives it: rows, speeds, the scrubber, a played region."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from convexplorer.model import ExplorerState, LayerSpec
from convexplorer.qt import Document
from convexplorer.widgets.sliding_window import SlidingWindowView
from convexplorer.widgets.sliding_window._pace import SPEEDS, Track


@pytest.fixture
def view(qtbot):
    """A 24×30 output (3×3 kernel on 26×32): (document, view)."""
    image = np.random.default_rng(1).random((3, 26, 32), dtype=np.float32)
    document = Document(ExplorerState(image, LayerSpec(3, 2)))
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.resize(1400, 450)
    view.show()
    qtbot.waitExposed(view)
    document.wait_until_idle()
    return document, view


def set_speed(view: SlidingWindowView, speed: int) -> None:
    view.controls.speed.setCurrentIndex(view.controls.speed.findData(speed))
    assert view.stepper.speed == speed


def map_point(view: SlidingWindowView, row: float, col: float) -> QPoint:
    output_map = view.output_map
    scene = output_map._box.mapViewToScene(QPointF(col, row))
    return output_map.mapFromScene(scene)


def test_rows_and_pages_keep_the_column(view):
    document, view = view
    actions = view.actions_by_name
    document.select(position=(3, 7))
    actions["rowDown"].trigger()
    assert document.view.position == (4, 7)
    actions["rowUp"].trigger()
    actions["rowUp"].trigger()
    assert document.view.position == (2, 7)
    actions["pageDown"].trigger()
    assert document.view.position == (12, 7)
    actions["pageDown"].trigger()
    actions["pageDown"].trigger()
    assert document.view.position == (23, 7)  # the last row, not further
    actions["pageUp"].trigger()
    assert document.view.position == (13, 7)
    assert "(↓)" in actions["rowDown"].toolTip() and "(PgDn)" in actions["pageDown"].toolTip()


def test_one_position_per_frame_up_to_sixty_a_second(qtbot, view):
    document, view = view
    set_speed(view, 60)
    seen: list[tuple[int, int]] = []
    document.selectionChanged.connect(lambda o, r, c: seen.append((r, c)))
    view.actions_by_name["play"].trigger()
    qtbot.waitUntil(lambda: len(seen) >= 40, timeout=5000)
    view.actions_by_name["play"].trigger()  # pause
    whole = Track.whole(document.view.output_size)
    assert [whole.index(p) for p in seen] == list(range(1, len(seen) + 1))


def test_fast_speeds_move_several_positions_a_frame_and_the_map_fills_in(qtbot, view):
    document, view = view
    set_speed(view, max(SPEEDS))
    seen: list[tuple[int, int]] = []
    covers: list[float] = []

    def moved(o: int, row: int, col: int) -> None:
        seen.append((row, col))
        covers.append(view.output_map._covers[1].rect().top())  # rows below stay covered

    document.selectionChanged.connect(moved)
    view.actions_by_name["play"].trigger()
    qtbot.waitUntil(lambda: not view.stepper.playing, timeout=5000)
    count = 24 * 30
    whole = Track.whole((24, 30))
    indices = [whole.index(p) for p in seen]
    assert indices[-1] == count - 1 and document.view.position == (23, 29)
    assert indices == sorted(set(indices))  # raster order, never back
    assert len(seen) < count / 4  # several positions per frame
    assert covers == [row + 1 for row, _ in seen]  # everything passed is uncovered


def test_speed_tooltips_say_how_long_a_full_pass_takes(view):
    _, view = view
    box = view.controls.speed
    top = box.findData(max(SPEEDS))
    assert "720 positions" in box.itemData(top, Qt.ItemDataRole.ToolTipRole)
    assert box.objectName() and box.accessibleName()
    box.setCurrentIndex(top)
    assert "0.1 s" in box.toolTip()


def test_a_click_on_the_scrubber_jumps_there(qtbot, view):
    document, view = view
    scrubber = view.controls.scrubber
    near_end = QPoint(scrubber.width() - 3, scrubber.height() // 2)
    QTest.mouseClick(scrubber, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, near_end)
    assert scrubber.value() > 0.9 * scrubber.maximum()  # not one page (5 %) towards the click
    assert Track.whole((24, 30)).index(document.view.position) == scrubber.value()


def drag(qtbot, view: SlidingWindowView, start: QPoint, end: QPoint) -> None:
    viewport = view.output_map.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 6):
        QTest.mouseMove(viewport, start + (end - start) * step / 5)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def test_a_dragged_region_plays_alone_looping_until_esc(qtbot, view):
    document, view = view
    set_speed(view, 60)
    drag(qtbot, view, map_point(view, 5.5, 10.5), map_point(view, 7.5, 13.5))
    region = view.stepper.region
    assert region == Track(5, 10, 3, 4)
    assert view.stepper.playing and document.view.position == (5, 10)
    assert view.output_map._region.isVisible()
    assert view.output_map._region.rect().getRect() == (10, 5, 4, 3)
    seen: list[tuple[int, int]] = []
    document.selectionChanged.connect(lambda o, r, c: seen.append((r, c)))
    qtbot.waitUntil(lambda: len(seen) >= 14, timeout=5000)  # past the end: back to the start
    view.actions_by_name["play"].trigger()
    assert all(region.contains(p) for p in seen)
    assert seen[:12] == [region.position(i) for i in range(1, 12)] + [(5, 10)]
    # the region fills in on its own: its unvisited rows are covered, not the map below it
    cover = view.output_map._covers[1].rect()
    assert cover.left() == 10 and cover.width() == 4 and cover.bottom() <= 8

    whole_map = view.actions_by_name["wholeMap"]
    assert whole_map.isEnabled()
    whole_map.trigger()
    assert view.stepper.region is None and not whole_map.isEnabled()
    assert not view.output_map._region.isVisible()


def test_first_last_and_steps_stay_in_the_region(view):
    document, view = view
    view.stepper.set_region(Track(2, 3, 2, 2))
    actions = view.actions_by_name
    actions["last"].trigger()
    assert document.view.position == (3, 4)
    actions["forward"].trigger()
    assert document.view.position == (3, 4)  # the region's end
    actions["first"].trigger()
    actions["forward"].trigger()
    actions["forward"].trigger()
    assert document.view.position == (3, 3)


def test_a_region_that_no_longer_fits_goes_with_the_layer(view):
    document, view = view
    view.stepper.set_region(Track(20, 20, 4, 10))
    document.set_layer(LayerSpec(3, 2, stride=2))
    assert view.stepper.region is None and not view.output_map._region.isVisible()
