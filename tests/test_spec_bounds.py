"""LayerSpec refuses sizes beyond the shared bounds, giving the numbers; the bounds themselves."""

from __future__ import annotations

import pytest

from convexplorer.model import (
    MAX_CHANNELS,
    MAX_DILATION,
    MAX_INPUT_VALUES,
    MAX_KERNEL,
    MAX_PADDING,
    MAX_SIDE,
    MAX_STRIDE,
    LayerSpec,
    check_input_size,
)


def test_the_largest_allowed_spec_is_accepted():
    spec = LayerSpec(
        MAX_CHANNELS,
        MAX_CHANNELS,
        kernel_size=MAX_KERNEL,
        stride=MAX_STRIDE,
        padding=MAX_PADDING,
        dilation=MAX_DILATION,
        groups=MAX_CHANNELS,
    )
    assert spec.kernel_size == (MAX_KERNEL, MAX_KERNEL)
    assert spec.output_size(353, 353) == (1, 1)  # 353 + 2·64 = 481 = 16·30 + 1


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"in_channels": MAX_CHANNELS + 1, "groups": 1}, ["in_channels=257", "at most 256"]),
        ({"out_channels": MAX_CHANNELS + 1}, ["out_channels=257", "at most 256"]),
        ({"kernel_size": (3, MAX_KERNEL + 1)}, ["kernel_size=(3, 32)", "at most 31"]),
        ({"stride": MAX_STRIDE + 1}, ["stride=17", "at most 16"]),
        ({"padding": (10**12, 0)}, ["padding=(1000000000000, 0)", "at most 64"]),
        ({"padding": (2**40 - 16, 0)}, ["at most 64"]),
        ({"dilation": (1, MAX_DILATION + 1)}, ["dilation=(1, 17)", "at most 16"]),
    ],
)
def test_sizes_beyond_the_bounds_are_refused_with_the_numbers(changes, words):
    settings = {"in_channels": 2, "out_channels": 2, **changes}
    with pytest.raises(ValueError) as caught:
        LayerSpec(**settings)
    for word in words:
        assert word in str(caught.value)
    with pytest.raises(ValueError):
        LayerSpec(2, 2).replace(**changes)  # no way round it


def test_groups_beyond_the_bound_are_refused():
    with pytest.raises(ValueError, match="at most 256"):
        LayerSpec(512, 512, groups=512)


def test_inputs_beyond_the_bounds_are_refused_by_the_spec():
    spec = LayerSpec(1, 1)
    assert spec.output_size(MAX_SIDE, 3) == (MAX_SIDE - 2, 1)
    with pytest.raises(ValueError, match=f"{MAX_SIDE + 1}×3 pixels is too large"):
        spec.output_size(MAX_SIDE + 1, 3)
    wide = LayerSpec(64, 1)
    with pytest.raises(ValueError, match=f"at most {MAX_INPUT_VALUES} are allowed"):
        wide.check_image(MAX_SIDE, MAX_SIDE)
    check_input_size(MAX_CHANNELS, 1024, 1024)
    with pytest.raises(ValueError, match="257 channels"):
        check_input_size(MAX_CHANNELS + 1, 4, 4)


def test_the_bounds_agree_with_what_the_explorer_promises():
    assert (MAX_CHANNELS, MAX_KERNEL, MAX_STRIDE, MAX_PADDING, MAX_DILATION) == (
        256,
        31,
        16,
        64,
        16,
    )
    # the largest input fits in 1 GiB of float32, and a full-size side fits it in one channel
    assert MAX_INPUT_VALUES * 4 <= 1 << 30
    assert MAX_SIDE * MAX_SIDE <= MAX_INPUT_VALUES
