"""The painting view's frames cost a band of rows, and read the same bits as a whole-layer run."""

from __future__ import annotations

from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from convexplorer.model import ExplorerState, LayerSpec, _transpose, painted_so_far, scatter_step
from convexplorer.model._painting import Painter
from convexplorer.model._transpose import TransposeEngine


@st.composite
def layers(draw):
    groups = draw(st.sampled_from([1, 2]))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    # PyTorch's rule: output padding below the stride or the dilation
    extra = tuple(
        draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True)
    )
    spec = LayerSpec(
        in_channels=groups * draw(st.integers(1, 3)),
        out_channels=groups * draw(st.integers(1, 2)),
        kernel_size=(draw(st.integers(1, 4)), draw(st.integers(1, 4))),
        stride=stride,
        padding=(draw(st.integers(0, 2)), draw(st.integers(0, 2))),
        dilation=dilation,
        output_padding=extra,
        groups=groups,
        bias=draw(st.booleans()),
        transposed=True,
        flip_kernel=draw(st.booleans()),
    )
    height, width = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    try:
        spec.output_size(height, width)
    except ValueError:  # the padding crops everything: none then
        spec = spec.replace(padding=0)
    seed = draw(st.integers(0, 2**16))
    return spec, height, width, seed


@settings(max_examples=60, deadline=None)
@given(layers())
def test_every_count_paints_the_bits_of_the_whole_layer_run(layer):
    spec, height, width, seed = layer
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((spec.in_channels, height, width)).astype(np.float32)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    bias = rng.standard_normal(spec.out_channels).astype(np.float32) if spec.bias else None
    o = spec.out_channels - 1
    painter = Painter(spec, x, weight, bias, o)
    for count in rng.permutation(height * width + 1).tolist():  # any order: jumps and steps
        expected = painted_so_far(spec, x, weight, bias, o, count)
        np.testing.assert_array_equal(painter.painted(count).array(), expected)


@settings(max_examples=60, deadline=None)
@given(layers(), st.integers(1, 13))
def test_frames_read_from_product_blocks_of_a_few_rows_keep_the_bits(layer, block_pixels):
    # blocks of one or two rows (or of part of a row's width: still a whole row): a band
    # reads from several blocks, kept and dropped as the frames jump about
    spec, height, width, seed = layer
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((spec.in_channels, height, width)).astype(np.float32)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    bias = rng.standard_normal(spec.out_channels).astype(np.float32) if spec.bias else None
    with mock.patch.object(_transpose, "BLOCK_PIXELS", block_pixels):
        painter = Painter(spec, x, weight, bias, 0)
        for count in rng.permutation(height * width + 1).tolist():
            expected = painted_so_far(spec, x, weight, bias, 0, count)
            np.testing.assert_array_equal(painter.painted(count).array(), expected)


def test_a_frame_computes_the_blocks_of_its_band_alone_and_the_next_frame_reuses_them():
    spec = LayerSpec(2, 3, 4, stride=2, padding=1, transposed=True)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 300, 7)).astype(np.float32)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    final = TransposeEngine(spec, x).run(weight, None, [1])[0]
    blocks: list[int] = []
    real = TransposeEngine.tap_shares

    def counted(engine, kernels, out_channel, block):
        blocks.append(block)
        return real(engine, kernels, out_channel, block)

    with (
        mock.patch.object(_transpose, "BLOCK_PIXELS", 7),  # a block per input row
        mock.patch.object(TransposeEngine, "tap_shares", counted),
    ):
        painter = Painter(spec, x, weight, None, 1, final)
        assert blocks == []  # the finished rows are the given output's: nothing computed
        middle = painter.painted(150 * 7 + 3)
        # output rows 299..302 are reached by input rows 149..151; 151 is not painted yet
        assert sorted(blocks) == [149, 150]
        np.testing.assert_array_equal(
            middle.array(), painted_so_far(spec, x, weight, None, 1, 150 * 7 + 3)
        )
        painter.painted(150 * 7 + 4)  # the next step: the same band, nothing new
        assert sorted(blocks) == [149, 150]
        painter.painted(151 * 7)  # the next row: one block more
        assert sorted(blocks) == [149, 150, 151]


def test_the_states_frames_reuse_its_outputs_and_end_on_them():
    spec = LayerSpec(3, 2, 3, stride=2, padding=1, output_padding=1, transposed=True)
    image = np.random.default_rng(1).random((3, 9, 11), dtype=np.float32)
    state = ExplorerState(image, spec)
    state.apply_preset("kaiming", seed=4)
    state.compute()
    last = state.scatter_step((8, 10), 1)
    assert np.array_equal(last.painted, state.raw_output(1))
    middle = state.scatter_step((4, 3), 1)
    reference = scatter_step(spec, image, state.weight, state.bias, 1, 4, 3)
    for name in ("before", "after", "patch", "painted"):
        np.testing.assert_array_equal(getattr(middle, name), getattr(reference, name))
    assert middle.so_far.band.shape[0] <= 3  # a band of rows was painted, not the whole map
    state.set_weight(1, 0, 1, 1, 0.75)  # the kept product is for the old kernel: a new painter
    after_edit = state.scatter_step((4, 3), 1)
    np.testing.assert_array_equal(
        after_edit.painted, painted_so_far(spec, image, state.weight, state.bias, 1, 4 * 11 + 4)
    )
