"""The explorer state: edits, reshapes, refusals, stale-channel bookkeeping and events."""

from __future__ import annotations

import numpy as np
import pytest

from convexplorer.model import (
    Change,
    ChangeKind,
    ExplorerState,
    LayerSpec,
    OutputsNotReady,
    conv2d,
)
from convexplorer.model import _state as state_module
from convexplorer.model._conv import ConvEngine
from tests.tolerance import assert_conv_close, assert_sums_close, conv_abs_sums, layer_spec


def make_state(c_in=3, c_out=2, size=12, **spec_kwargs) -> ExplorerState:
    rng = np.random.default_rng(0)
    image = rng.random((c_in, size, size), dtype=np.float32)
    spec = LayerSpec(c_in, c_out, **spec_kwargs)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    return ExplorerState(image, spec, weight)


def recorded(state: ExplorerState) -> list[Change]:
    changes: list[Change] = []
    state.changes.connect(changes.append)
    return changes


def everything(state: ExplorerState) -> tuple:
    """Every reading of the state, bit for bit (arrays as bytes, so -0.0 differs from 0.0)."""
    raw = [state.raw_output(o) for o in range(state.spec.out_channels)]
    return (
        state.image.shape,
        state.image.dtype,
        state.image.tobytes(),
        state.spec,
        state.weight.shape,
        state.weight.dtype,
        state.weight.tobytes(),
        None if state.bias is None else state.bias.tobytes(),
        state.activation,
        state.selected_filter,
        state.position,
        state.output_size,
        state.stale_channels,
        tuple(None if r is None else (r.shape, r.tobytes()) for r in raw),
    )


def conv_kwargs(state: ExplorerState) -> dict:
    s = state.spec
    return {
        "stride": s.stride,
        "padding": s.padding,
        "dilation": s.dilation,
        "groups": s.groups,
        "padding_mode": s.padding_mode,
    }


def exact_outputs(state: ExplorerState) -> np.ndarray:
    """The state's layer on its input in float64: the reference float32 results are held to."""
    b = state.bias
    return conv2d(
        state.image.astype(np.float64),
        state.weight.astype(np.float64),
        None if b is None else b.astype(np.float64),
        **conv_kwargs(state),
    )


def assert_outputs_match(
    state: ExplorerState, actual: np.ndarray, relu: bool = False, channels: list[int] | None = None
) -> None:
    """``actual`` is the state's layer on its input (ReLU'd if ``relu``) within float32 rounding,
    a tolerance from the magnitudes summed (tests/tolerance.py), whatever order the CPU sums in."""
    exact = exact_outputs(state)
    if relu:
        exact = np.maximum(exact, 0)  # never moves two values further apart
    if channels is not None:
        exact = exact[channels]
    x, w, b = state.image, state.weight, state.bias
    assert_conv_close(actual, exact, x, w, b, channels=channels, **conv_kwargs(state))


def test_outputs_equal_conv2d_and_relu_clips_them():
    state = make_state(padding=1, padding_mode="circular")
    assert_outputs_match(state, state.compute())
    raw = np.stack([state.raw_output(o) for o in range(2)])
    state.set_activation("relu")  # applied by the next computation (never by a read) …
    assert state.stale_channels == (0, 1) and state.output(0) is None
    job = state.pending_job()
    assert job is not None and job.channels == () and set(job.reactivate) == {0, 1}  # … no conv
    state.accept(job, job.run())
    np.testing.assert_array_equal(state.outputs(), np.maximum(raw, 0))
    assert state.output_range(0) == (max(float(raw[0].min()), 0.0), float(raw[0].max()))
    state.set_activation("none")  # back: the raw values are shown (made by a job, no conv)
    job = state.pending_job()
    assert job is not None and job.channels == ()
    state.accept(job, job.run())
    assert np.array_equal(state.outputs(), raw)
    assert state.output_range(1) == (float(raw[1].min()), float(raw[1].max()))


def test_weight_edit_recomputes_only_that_filter():
    state = make_state(c_out=4)
    state.compute()
    changes = recorded(state)
    state.set_weight(2, 1, 0, 2, 5.0)
    assert changes == [Change(ChangeKind.WEIGHTS, (2,))]
    assert state.stale_channels == (2,)
    job = state.pending_job()
    assert job is not None and job.channels == (2,)
    assert state.accept(job, job.run()) == (2,)
    assert_outputs_match(state, state.outputs())


def test_setting_the_same_value_announces_nothing():
    state = make_state()
    changes = recorded(state)
    state.set_weight(0, 0, 0, 0, float(state.weight[0, 0, 0, 0]))
    state.set_activation("none")
    state.select(out_channel=0, position=(0, 0))
    state.set_spec(state.spec)
    assert changes == []


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 3.4e38])
def test_non_finite_values_are_refused_and_change_nothing(bad):
    state = make_state()
    before = state.snapshot()
    changes = recorded(state)
    with pytest.raises(ValueError, match=r"finite|between"):
        state.set_weight(0, 0, 1, 1, bad)
    with pytest.raises(ValueError, match=r"finite|between"):
        state.set_bias(1, bad)
    kernel = np.zeros((3, 3))
    kernel[1, 1] = bad
    with pytest.raises(ValueError, match=r"finite|between"):
        state.set_kernel(0, 0, kernel)
    image = np.zeros((3, 12, 12))
    image[0, 0, 0] = bad
    with pytest.raises(ValueError, match=r"finite|between"):
        state.set_image(image)
    assert changes == []
    assert np.array_equal(state.weight, before.weight) and np.array_equal(state.bias, before.bias)


def test_a_stale_job_result_is_dropped():
    state = make_state()
    state.compute()
    state.set_weight(0, 0, 0, 0, 1.0)
    old_job = state.pending_job()
    state.set_weight(0, 0, 0, 0, 2.0)  # edited again while the old job "ran"
    assert old_job is not None
    assert state.accept(old_job, old_job.run()) == ()
    assert state.stale_channels == (0,)
    assert state.output(0) is None and state.raw_output(0) is None  # the torn result is not shown
    assert_outputs_match(state, state.compute()[:1], channels=[0])


def test_changing_the_layer_keeps_the_weights_that_fit():
    state = make_state(c_out=2, kernel_size=3)
    old = state.weight.copy()
    state.set_spec(state.spec.replace(out_channels=3, kernel_size=5))
    assert state.weight.shape == (3, 3, 5, 5)
    np.testing.assert_array_equal(state.weight[:2, :, 1:4, 1:4], old)  # centred
    assert not state.weight[:2, :, 0].any()  # the kept filters' new taps are zero
    state.set_spec(state.spec.replace(kernel_size=3, out_channels=1))
    np.testing.assert_array_equal(state.weight, old[:1])


def test_added_filters_start_with_pytorch_s_default_initialisation():
    state = make_state(c_out=2, kernel_size=3)
    state.set_spec(state.spec.replace(out_channels=4))
    bound = 1 / np.sqrt(state.spec.weights_per_filter)
    new = state.weight[2:]
    assert new.std() > bound / 4 and np.abs(new).max() <= bound  # uniform in ±1/√fan_in
    assert np.abs(state.bias[2:]).max() <= bound and state.bias[2:].any()
    first = state.weight.copy()
    state.set_spec(state.spec.replace(out_channels=2))
    state.set_spec(state.spec.replace(out_channels=4))
    np.testing.assert_array_equal(state.weight, first)  # the same change, the same numbers


def test_grouping_keeps_each_weight_on_its_input_channel():
    state = make_state(c_in=4, c_out=4)
    old = state.weight.copy()
    state.set_spec(state.spec.replace(groups=2))
    assert state.weight.shape == (4, 2, 3, 3)
    np.testing.assert_array_equal(state.weight[0], old[0, 0:2])
    np.testing.assert_array_equal(state.weight[3], old[3, 2:4])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(groups=2), "groups=2 does not divide in_channels=3"),
        (dict(kernel_size=20), "the output would be empty"),
        (dict(stride=0), "stride must be at least 1"),
        (dict(padding=12, padding_mode="reflect"), "reflect padding"),
    ],
)
def test_an_impossible_layer_is_refused_and_the_old_one_kept(change, message):
    state = make_state()
    before = state.snapshot()
    changes = recorded(state)
    with pytest.raises(ValueError, match=message):
        state.set_spec(state.spec.replace(**change))
    assert state.spec == before.spec and np.array_equal(state.weight, before.weight)
    assert changes == []


def test_new_image_with_other_channel_count_adapts_the_layer():
    state = make_state(c_in=3, c_out=2)
    state.set_image(np.ones((1, 10, 10)))
    assert state.spec.in_channels == 1 and state.weight.shape == (2, 1, 3, 3)
    assert state.output_size == (8, 8)
    grouped = make_state(c_in=4, c_out=4, groups=4)
    with pytest.raises(ValueError, match="groups=4 does not divide in_channels=3"):
        grouped.set_image(np.ones((3, 10, 10)))
    assert grouped.image.shape == (4, 12, 12)


def test_selection_is_clamped_when_the_output_shrinks():
    state = make_state(c_out=3)
    state.select(out_channel=2, position=(9, 9))
    state.set_spec(state.spec.replace(out_channels=2, kernel_size=5))
    assert state.selected_filter == 1 and state.position == (7, 7)
    with pytest.raises(ValueError, match="outside the 8×8 output"):
        state.select(position=(8, 0))


def test_presets_apply_to_slice_filter_and_layer():
    state = make_state(c_out=2, bias=True)
    state.apply_preset("identity", out_channel=0, in_channel=1)
    assert state.weight[0, 1, 1, 1] == 1 and state.weight[0, 1].sum() == 1
    state.apply_preset("grayscale", out_channel=1)
    np.testing.assert_allclose(state.weight[1, :, 1, 1], [0.299, 0.587, 0.114], rtol=1e-6)
    assert state.bias is not None and state.bias[1] == 0
    state.apply_preset("kaiming", seed=3)
    bound = 1 / np.sqrt(27)
    assert np.abs(state.weight).max() <= bound and np.abs(state.bias).max() <= bound
    first = state.weight.copy()
    state.apply_preset("zeros")
    state.apply_preset("kaiming", seed=3)
    np.testing.assert_array_equal(state.weight, first)


def test_preset_on_a_channel_the_filter_does_not_see_is_refused():
    state = make_state(c_in=4, c_out=2, groups=2)
    with pytest.raises(ValueError, match="filter 0 does not see input channel 3"):
        state.apply_preset("identity", out_channel=0, in_channel=3)


def test_snapshot_restore_round_trip():
    state = make_state()
    snap = state.snapshot()
    state.set_weight(1, 2, 2, 2, 9.0)
    state.set_spec(state.spec.replace(kernel_size=5))
    state.set_activation("relu")
    state.restore(snap)
    assert state.spec == snap.spec and state.activation == "none"
    np.testing.assert_array_equal(state.weight, snap.weight)


def test_read_only_views_protect_the_state():
    state = make_state()
    with pytest.raises(ValueError):
        state.weight[0, 0, 0, 0] = 1.0
    state.compute()
    with pytest.raises(ValueError):
        state.output(0)[0, 0] = 1.0
    with pytest.raises(ValueError):
        state.raw_output(0)[0, 0] = 1.0


def test_dot_product_of_the_selection_matches_the_output():
    state = make_state(c_in=4, c_out=4, groups=2, padding=1, padding_mode="replicate")
    state.select(out_channel=3, position=(5, 7))
    state.compute()
    dot = state.dot_product()
    assert dot.input_channels == (2, 3)
    spec = layer_spec(state.image, state.weight, state.bias, **conv_kwargs(state))
    magnitudes = conv_abs_sums(spec, state.image, state.weight, state.bias)[3, 5, 7]
    terms = spec.weights_per_filter + 1  # two float32 sums of these, in different orders
    assert_sums_close(dot.value, float(state.raw_output(3)[5, 7]), magnitudes, terms, np.float32)


def test_describe_reads_as_a_sentence():
    spec = LayerSpec(3, 2)
    assert spec.describe() == (
        "2 filters, each spanning all 3 input channels with a 3×3 kernel: "
        "2 × 27 weights + 2 biases = 56 parameters"
    )
    depthwise = LayerSpec(32, 32, groups=32, bias=False)
    assert depthwise.describe().startswith("32 filters, each seeing 1 of the 32 input channels")
    assert depthwise.parameter_count == 32 * 9
    assert LayerSpec(32, 1).parameter_count == 32 * 9 + 1
    assert LayerSpec(3, 16).mac_count(512, 512) == 16 * 510 * 510 * 27


def test_layer_outputs_chain_one_layer_into_the_next():
    """The per-layer unit a chain repeats: layer 2 binds to layer 1's activated outputs."""
    from convexplorer.model import LayerOutputs

    rng = np.random.default_rng(5)
    image = rng.random((3, 14, 14), dtype=np.float32)
    first, second = LayerSpec(3, 4, padding=1), LayerSpec(4, 2, kernel_size=5)
    w1 = rng.standard_normal(first.weight_shape).astype(np.float32)
    w2 = rng.standard_normal(second.weight_shape).astype(np.float32)
    layer1 = LayerOutputs(first, image)
    job = layer1.job(w1, None)
    assert job is not None and layer1.accept(job, job.run()) == (0, 1, 2, 3)
    hidden = np.maximum(np.stack([layer1.raw(o) for o in range(4)]), 0)
    layer2 = LayerOutputs(second, hidden)
    job = layer2.job(w2, None)
    assert job is not None
    layer2.accept(job, job.run())
    exact = conv2d(hidden.astype(np.float64), w2.astype(np.float64))
    assert_conv_close(np.stack([layer2.raw(0), layer2.raw(1)]), exact, hidden, w2)
    layer1.invalidate([2])
    assert layer1.stale == (2,)


# ---- reading never computes ---------------------------------------------------------------------


def refuse_to_compute(monkeypatch) -> None:
    """Make any run of the conv engine fail: a read that computes would raise."""

    def refuse(*args, **kwargs):
        raise AssertionError("reading the state must never run the conv engine")

    monkeypatch.setattr(ConvEngine, "run", refuse)


def test_a_stale_channel_reads_as_none_and_reading_never_computes(monkeypatch):
    state = make_state(c_out=3, bias=True)
    state.compute()
    ready = state.output(0).copy()
    state.set_weight(1, 0, 0, 0, 4.0)
    state.set_bias(2, -1.0)
    refuse_to_compute(monkeypatch)
    assert state.stale_channels == (1, 2)
    for o in (1, 2):
        assert not state.is_ready(o)
        assert state.output(o) is None and state.raw_output(o) is None
    assert state.is_ready(0)
    np.testing.assert_array_equal(state.output(0), ready)
    state.set_activation("relu")
    assert state.output(1) is None and state.raw_output(2) is None
    assert state.output(0) is None and state.raw_output(0) is not None  # relu not applied yet
    with pytest.raises(OutputsNotReady):
        state.outputs()
    dot = state.dot_product(1, (2, 3))  # a frame of a stale filter is its own small sum
    assert state.stale_channels == (0, 1, 2)  # nothing was computed behind the caller's back
    monkeypatch.undo()
    spec = layer_spec(state.image, state.weight, state.bias, **conv_kwargs(state))
    magnitudes = conv_abs_sums(spec, state.image, state.weight, state.bias)[1, 2, 3]
    terms = spec.weights_per_filter + 1
    assert_sums_close(dot.value, exact_outputs(state)[1, 2, 3], magnitudes, terms, np.float32)


def test_a_new_state_has_every_channel_stale_until_computed(monkeypatch):
    state = make_state(c_out=2)
    refuse_to_compute(monkeypatch)
    assert state.stale_channels == (0, 1)
    assert state.output(0) is None and state.output(1) is None
    monkeypatch.undo()
    state.compute()
    assert state.stale_channels == () and state.is_ready(0) and state.is_ready(1)


def test_outputs_refuses_while_channels_are_stale_and_names_them():
    state = make_state(c_out=4)
    with pytest.raises(OutputsNotReady) as fresh:
        state.outputs()
    assert fresh.value.stale == (0, 1, 2, 3)
    state.compute()
    state.set_weight(3, 0, 0, 0, 2.0)
    state.set_weight(1, 2, 1, 1, -2.0)
    with pytest.raises(OutputsNotReady, match=r"\[1, 3\]") as raised:
        state.outputs()
    assert raised.value.stale == (1, 3)
    assert "compute()" in str(raised.value)  # it says what to do


def test_compute_runs_the_stale_channels_once_and_returns_the_stack(monkeypatch):
    state = make_state(c_out=3, padding=1)
    runs: list[int] = []
    run = ConvEngine.run

    def counted(self, *args, **kwargs):
        runs.append(1)
        return run(self, *args, **kwargs)

    monkeypatch.setattr(ConvEngine, "run", counted)
    result = state.compute()
    assert len(runs) == 1 and state.stale_channels == ()
    assert result.shape == (3, *state.output_size)
    assert_outputs_match(state, result)
    np.testing.assert_array_equal(result, state.outputs())

    runs.clear()
    np.testing.assert_array_equal(state.compute(), result)  # nothing stale: nothing runs
    assert runs == []

    kept = state.raw_output(0)
    state.set_weight(1, 0, 1, 1, 3.0)
    state.set_activation("relu")
    runs.clear()
    activated = state.compute()
    assert len(runs) == 1 and state.stale_channels == ()
    assert np.shares_memory(state.raw_output(0), kept)  # channel 0 was not computed again
    assert_outputs_match(state, activated, relu=True)


# ---- a failed rebuild changes nothing -----------------------------------------------------------

REBUILDS = {
    "load": lambda state: state.load(
        np.ones((1, 8, 8)),
        LayerSpec(1, 4, kernel_size=5, bias=False),
        np.ones((4, 1, 5, 5)),
        None,
    ),
    "set_spec": lambda state: state.set_spec(state.spec.replace(out_channels=1, kernel_size=5)),
    "set_image other channels": lambda state: state.set_image(np.ones((1, 10, 10))),
    "set_image same channels": lambda state: state.set_image(np.ones((3, 10, 10))),
}


@pytest.mark.parametrize("rebuild", REBUILDS.values(), ids=REBUILDS.keys())
def test_running_out_of_memory_building_the_outputs_changes_nothing(monkeypatch, rebuild):
    state = make_state(c_out=3, bias=True)
    state.compute()
    state.set_weight(2, 1, 0, 0, 7.0)  # one channel stale, two ready
    state.set_activation("relu")
    state.select(out_channel=2, position=(9, 9))  # every rebuild here would clamp it
    before = everything(state)
    changes = recorded(state)

    def no_memory(*args, **kwargs):
        raise MemoryError("no room for the new outputs")

    monkeypatch.setattr(state_module, "LayerOutputs", no_memory)
    with pytest.raises(MemoryError):
        rebuild(state)
    assert everything(state) == before
    assert changes == []

    monkeypatch.undo()  # still whole: it computes, and the same change now goes through
    assert_outputs_match(state, state.compute(), relu=True)
    rebuild(state)
    assert everything(state) != before and changes


# ---- patch: how undo puts weights back ----------------------------------------------------------


def test_patch_sets_weights_and_biases_at_flat_indices():
    state = make_state(c_out=3, bias=True)
    state.compute()
    changes = recorded(state)
    per_filter = state.weight[0].size  # 3 channels × 3 × 3 = 27
    weight, bias = state.weight.copy(), state.bias.copy()
    index = np.array([0, 2 * per_filter + 13])  # weight[0, 0, 0, 0] and weight[2, 1, 1, 1]
    state.patch(index, np.array([1.5, -0.25]), np.array([1]), np.array([3.0]))
    weight[0, 0, 0, 0], weight[2, 1, 1, 1], bias[1] = 1.5, -0.25, 3.0
    assert state.weight.tobytes() == weight.tobytes()
    assert state.bias.tobytes() == bias.tobytes()
    assert changes == [Change(ChangeKind.WEIGHTS, (0, 1, 2))]
    assert state.stale_channels == (0, 1, 2)
    assert_outputs_match(state, state.compute())

    changes.clear()
    empty = np.empty(0)
    state.patch(empty.astype(np.int64), empty, empty.astype(np.int64), empty)
    assert changes == [] and state.stale_channels == ()


@pytest.mark.parametrize(
    ("weight_index", "weight_values", "bias_index", "bias_values", "message"),
    [
        ([-1], [1.0], [], [], "weight indices"),
        ([54], [1.0], [], [], "weight indices"),  # 2 filters × 27 weights: 0..53
        ([0], [5.0], [2], [1.0], "bias indices"),  # a good weight does not go in alone
        ([], [], [-1], [1.0], "bias indices"),
        ([0], [float("nan")], [], [], "finite"),
        ([0], [5.0], [0], [float("inf")], "finite"),
        ([0], [2e6], [], [], "between"),
        ([0, 1], [1.0], [], [], "one value per index"),
        ([], [], [0, 1], [1.0], "one value per index"),
    ],
)
def test_patch_refuses_bad_indices_and_values_and_changes_nothing(
    weight_index, weight_values, bias_index, bias_values, message
):
    state = make_state(c_out=2, bias=True)
    state.compute()
    before = everything(state)
    changes = recorded(state)
    with pytest.raises(ValueError, match=message):
        state.patch(
            np.array(weight_index, dtype=np.int64),
            np.array(weight_values, dtype=np.float64),
            np.array(bias_index, dtype=np.int64),
            np.array(bias_values, dtype=np.float64),
        )
    assert everything(state) == before
    assert changes == []


def test_patch_refuses_a_bias_on_a_layer_without_one():
    state = make_state(c_out=2, bias=False)
    before = everything(state)
    with pytest.raises(ValueError, match="bias indices"):
        state.patch(np.array([0]), np.array([1.0]), np.array([0]), np.array([1.0]))
    assert everything(state) == before


def test_a_new_input_with_more_channels_extends_a_preset_kernel_to_every_channel():
    state = make_state(c_in=3, c_out=2)
    state.apply_preset("diagonal ↘", out_channel=0)
    state.apply_preset("grayscale", out_channel=1)
    state.set_image(np.random.default_rng(1).random((32, 12, 12), dtype=np.float32))
    diagonal = state.weight[0, 0]
    assert all(np.array_equal(state.weight[0, c], diagonal) for c in range(32))
    luma = state.weight[1]
    assert np.array_equal(luma[:3, 1, 1], np.float32([0.299, 0.587, 0.114]))
    assert luma[3:].any()  # mixed kernels: the new channels start as PyTorch would, not blank


@pytest.mark.parametrize(("height", "width"), [(5, 7), (1024, 1024), (1030, 700), (513, 1)])
def test_previews_average_blocks_and_keep_the_whole_map(height, width):
    from convexplorer.model._outputs import PREVIEW_SIDE, preview

    values = np.random.default_rng(0).standard_normal((height, width)).astype(np.float32)
    small, step = preview(values)
    if max(height, width) <= PREVIEW_SIDE:
        assert step == 1 and small is values
        return
    assert max(small.shape) <= PREVIEW_SIDE
    assert small.shape == (-(-height // step), -(-width // step))  # ragged edges kept
    block = values[step : 2 * step, :step]
    assert small[1, 0] == pytest.approx(float(block.mean()), abs=1e-6)


def test_a_warm_up_builds_what_edits_keep_so_the_first_edit_costs_like_the_next(numpy_only):
    """The window matrix of "windows" (without numba; direct sums keep nothing)."""
    image = np.random.default_rng(0).random((8, 40, 40), dtype=np.float32)
    state = ExplorerState(image, LayerSpec(8, 8, kernel_size=3, padding=1))
    assert state.warm_up_job() is None  # outputs first: nothing to warm up while they are stale
    state.compute()
    state.set_weight(2, 0, 1, 1, 0.5)
    first = state.pending_job()
    assert first is not None
    state.accept(first, first.run())  # this edit built the window matrix itself…
    state.set_weight(2, 0, 1, 1, 0.25)
    later = state.pending_job()
    assert later is not None and later.cost < first.cost  # …so it was priced for that
    state.accept(later, later.run())

    fresh = ExplorerState(image, LayerSpec(8, 8, kernel_size=3, padding=1))
    fresh.compute()
    warm = fresh.warm_up_job()
    assert warm is not None and warm.prepare_edits and warm.run() == {}
    assert fresh.accept(warm, {}) == () and fresh.warm_up_job() is None
    fresh.set_weight(2, 0, 1, 1, 0.5)
    edit = fresh.pending_job()
    assert edit is not None and edit.cost == later.cost  # the first edit is now an ordinary one
