"""The sliding window's pace maths, without Qt: raster order, rows, regions, speeds."""

from __future__ import annotations

import pytest

from convexplorer.widgets.sliding_window._pace import (
    FRAME_MS,
    MAX_TICK_MS,
    SPEEDS,
    Track,
    advance,
    positions_for_tick,
    speed_text,
    tick_interval_ms,
)

DEFAULT_MAP = (168, 254)  # the default scene: 170×256 input, 3×3 kernel


def test_raster_index_and_position_are_inverse_columns_fastest():
    track = Track.whole((3, 4))
    order = [track.position(i) for i in range(track.count)]
    assert order[:6] == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1)]
    assert [track.index(p) for p in order] == list(range(12))
    assert track.position(-5) == (0, 0) and track.position(99) == (2, 3)  # clamped


def test_a_region_is_walked_in_raster_order_within_its_rectangle():
    region = Track.spanning((4, 6), (2, 3), (10, 10))  # corners in any order
    assert region == Track(2, 3, 3, 4)
    walk = [region.position(i) for i in range(region.count)]
    assert walk[:5] == [(2, 3), (2, 4), (2, 5), (2, 6), (3, 3)] and walk[-1] == (4, 6)
    assert all(region.contains(p) for p in walk) and not region.contains((1, 3))
    assert region.index((0, 0)) == 0  # off the region: counts as its nearest position
    assert Track.spanning((-3, 8), (12, 20), (10, 10)) == Track(0, 8, 10, 2)  # cut to the map
    assert region.fits((5, 7)) and not region.fits((4, 7))


def test_row_steps_keep_the_column_and_stop_at_the_edges():
    track = Track.whole((20, 5))
    assert track.row_step((3, 2), 1) == (4, 2)
    assert track.row_step((3, 2), -1) == (2, 2)
    assert track.row_step((3, 2), 10) == (13, 2)
    assert track.row_step((13, 2), 10) == (19, 2)
    assert track.row_step((3, 2), -10) == (0, 2)
    region = Track(5, 1, 3, 2)
    assert region.row_step((6, 2), 10) == (7, 2)
    assert region.row_step((0, 4), 1) == (6, 2)  # from outside: enters at the nearest, then moves


def test_advance_stops_at_the_ends_or_loops():
    assert advance(3, None, 1, 1, 10) == (4, None)
    assert advance(3, None, 100, 1, 10) == (9, None)
    assert advance(3, None, -100, 1, 10) == (0, None)
    assert advance(8, None, 5, 1, 10, loop=True) == (3, None)


def test_advance_in_channel_mode_walks_partial_sums_then_the_whole():
    # 3 channels: stages 0, 1, 2 (partial sums), then None (the complete value)
    walk = [(0, None)]
    for _ in range(5):
        walk.append(advance(*walk[-1], 1, 4, 10))
    assert walk == [(0, None), (1, 0), (1, 1), (1, 2), (1, None), (2, 0)]
    assert advance(1, 1, -2, 4, 10) == (0, None)
    assert advance(9, None, 1, 4, 10, loop=True) == (0, 0)


@pytest.mark.parametrize("speed", [s for s in SPEEDS if s * FRAME_MS <= 1000])
def test_slow_speeds_move_exactly_one_position_per_tick(speed):
    assert tick_interval_ms(speed) == round(1000 / speed)
    for elapsed in (1, tick_interval_ms(speed), 5000):  # early, on time, after a stall
        assert positions_for_tick(speed, elapsed, 0.0) == (1, 0.0)


def simulate_pass(speed: int, count: int, tick_ms: float) -> tuple[int, float]:
    """(ticks, seconds) for a full pass when each tick comes ``tick_ms`` after the last."""
    done, carry, ticks = 0, 0.0, 0
    while done < count - 1:
        moved, carry = positions_for_tick(speed, tick_ms, carry)
        done += moved
        ticks += 1
    return ticks, ticks * tick_ms / 1000


def test_fast_speeds_keep_their_pace_across_ticks():
    moved, carry = positions_for_tick(1000, FRAME_MS, 0.0)
    assert (moved, carry) == (16, 0.0)
    total, carry = 0, 0.0
    for _ in range(300):  # 300 ticks of 10 ms at 300/s: 900 positions, fractions carried over
        moved, carry = positions_for_tick(300, 10, carry)
        total += moved
    assert total == pytest.approx(900, abs=1)
    assert positions_for_tick(10000, 5000, 0.0)[0] == 10000 * MAX_TICK_MS // 1000  # no leap


def test_the_top_speed_passes_the_default_map_within_ten_seconds_even_at_slow_frames():
    count = DEFAULT_MAP[0] * DEFAULT_MAP[1]
    top = max(SPEEDS)
    _, seconds = simulate_pass(top, count, FRAME_MS)
    assert seconds <= 10
    _, seconds = simulate_pass(top, count, 40)  # frames that take 40 ms: same pace
    assert seconds <= 10
    ticks, _ = simulate_pass(min(SPEEDS), 30, tick_interval_ms(min(SPEEDS)))
    assert ticks == 29  # the slowest speed shows every position


def test_speeds_read_short():
    assert [speed_text(s) for s in (1, 60, 300, 1000, 10000)] == [
        "1/s",
        "60/s",
        "300/s",
        "1k/s",
        "10k/s",
    ]
