"""A stack of layers (``model.Network``), pure model: its numbers against a loop reference chained
layer by layer and against ``torch.nn.Sequential``, its refusals, and results that went stale.

How far a chained float32 computation may lie from the float64 loop reference is derived layer by
layer (``chained_reference``), never a bare rtol:

    E₁ = 0 (the input is given exactly)
    E_{k+1} = conv(E_k, |w|)                     what layer k's error becomes in layer k+1
            + output_bound(spec, |x_k| + E_k, |w|, conv(|x_k| + E_k, |w|) + |b|)
                                                 layer k+1's own rounding, on the input it saw

where x_k is the reference's input to layer k+1, conv the layer itself (the loop reference, its
padding mode included: a padded pixel copies a pixel and its error), and ``output_bound`` the
package's rule (2·γ_n·Σ|w·x| + |b|, plus the FFT bound where the engine uses FFT;
``tests/tolerance`` and *Check against PyTorch* judge with it). |x̂_k| ≤ |x_k| + E_k
elementwise bounds the magnitudes the float32 sums really had; a ReLU moves two values no
further apart, so E carries through it. The 2·γ_n covers one float32 computation against the
exact sum with room for the float64 reference's own rounding (γ_n in float64, 2^29 times
smaller). Two float32 chains (ours and torch's) each lie within E of the exact values, so
within 2·E of each other.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convexplorer.model import (
    MAX_LAYERS,
    ExplorerState,
    LayerSetup,
    LayerSpec,
    Network,
    NetworkSnapshot,
    check_chain,
    kernel_in_use,
    output_bound,
    to_torch_layout,
)
from tests.reference import reference_conv2d, reference_conv_transpose2d
from tests.tolerance import assert_within

# ---- random stacks ----------------------------------------------------------------------------


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


@st.composite
def conv_specs(draw, in_channels: int) -> LayerSpec:
    """A random Conv2d or ConvTranspose2d taking ``in_channels`` (it may not fit the input)."""
    groups = draw(st.sampled_from(_divisors(in_channels)))
    out_channels = groups * draw(st.integers(1, max(1, 4 // groups)))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    bias = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:  # a quarter of the layers are transposed
        output_padding = tuple(
            draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True)
        )
        return LayerSpec(
            in_channels,
            out_channels,
            kernel,
            stride,
            (draw(st.integers(0, 1)), draw(st.integers(0, 1))),
            dilation=dilation,
            groups=groups,
            bias=bias,
            transposed=True,
            output_padding=output_padding,
        )
    padding = draw(st.sampled_from(["numbers", "same", "valid"]))
    if padding == "same":
        stride = (1, 1)
    return LayerSpec(
        in_channels,
        out_channels,
        kernel,
        stride,
        (draw(st.integers(0, 2)), draw(st.integers(0, 2))) if padding == "numbers" else padding,
        draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"])),
        dilation,
        groups,
        bias,
        flip_kernel=draw(st.integers(0, 4)) == 0,
    )


#: Largest side a random stack's maps may reach (the loop reference stays quick).
MAX_MAP_SIDE = 12


@st.composite
def stacks(draw, max_layers: int = 4) -> NetworkSnapshot:
    """An input and 1–``max_layers`` layers that chain, with weights of unit-ish gain."""
    channels = draw(st.integers(1, 3))
    height, width = draw(st.integers(3, 8)), draw(st.integers(3, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    image = rng.standard_normal((channels, height, width)).astype(np.float32)
    setups = []
    for _ in range(draw(st.integers(1, max_layers))):
        spec = draw(conv_specs(channels))
        try:
            size = spec.output_size(height, width)
        except ValueError:
            size = (0, 0)
        if min(size) < 1 or max(size) > MAX_MAP_SIDE:  # it cannot run here: a 1×1 layer
            spec = LayerSpec(channels, spec.out_channels, 1, groups=spec.groups, bias=spec.bias)
            size = (height, width)
        scale = 1 / np.sqrt(spec.weights_per_filter)
        weight = (scale * rng.standard_normal(spec.weight_shape)).astype(np.float32)
        bias = rng.standard_normal(spec.out_channels).astype(np.float32) if spec.bias else None
        activation = draw(st.sampled_from(["none", "relu"]))
        setups.append(LayerSetup(spec, weight, bias, activation))
        channels, (height, width) = spec.out_channels, size
    return NetworkSnapshot(image, tuple(setups))


# ---- the reference ------------------------------------------------------------------------------


def reference_layer(spec: LayerSpec, x, weight, bias) -> np.ndarray:
    """One layer as loops in float64, on the kernel as the layer computes with it."""
    used = kernel_in_use(spec, np.asarray(weight, dtype=np.float64))
    x = np.asarray(x, dtype=np.float64)
    if spec.transposed:
        return reference_conv_transpose2d(
            x,
            to_torch_layout(spec, used),
            bias,
            spec.stride,
            spec.padding,
            spec.output_padding,
            spec.groups,
            spec.dilation,
        )
    return reference_conv2d(
        x, used, bias, spec.stride, spec.pads, spec.dilation, spec.groups, spec.padding_mode
    )


def chained_reference(snapshot: NetworkSnapshot) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per layer: its outputs by the loop reference fed layer by layer (float64), and the bound
    E on how far a float32 chain's outputs may lie from them (the rule in the module docstring)."""
    x = snapshot.image.astype(np.float64)
    error = np.zeros_like(x)
    chained = []
    for setup in snapshot.layers:
        spec, weight, bias = setup.spec, setup.weight, setup.bias
        outputs = reference_layer(spec, x, weight, bias)
        carried = reference_layer(spec, error, np.abs(weight), None)
        seen = np.abs(x) + error
        absolute_bias = None if bias is None else np.abs(bias)
        magnitudes = reference_layer(spec, seen, np.abs(weight), absolute_bias)
        error = carried + output_bound(spec, seen, weight, magnitudes, np.float32)
        if setup.activation == "relu":
            outputs = np.maximum(outputs, 0)
        chained.append((outputs, error))
        x = outputs
    return chained


def torch_sequential(snapshot: NetworkSnapshot):
    """The same stack as ``torch.nn.Sequential`` (float32, the kernels as computed with)."""
    torch = pytest.importorskip("torch")
    modules = []
    for setup in snapshot.layers:
        spec = setup.spec
        used = kernel_in_use(spec, setup.weight)
        if spec.transposed:
            module = torch.nn.ConvTranspose2d(
                spec.in_channels,
                spec.out_channels,
                spec.kernel_size,
                spec.stride,
                spec.padding,
                spec.output_padding,
                spec.groups,
                spec.bias,
                spec.dilation,
            )
        else:
            module = torch.nn.Conv2d(
                spec.in_channels,
                spec.out_channels,
                spec.kernel_size,
                spec.stride,
                spec.padding,
                spec.dilation,
                spec.groups,
                spec.bias,
                spec.padding_mode,
            )
        with torch.no_grad():
            module.weight.copy_(torch.from_numpy(to_torch_layout(spec, used)))
            if setup.bias is not None:
                module.bias.copy_(torch.from_numpy(setup.bias))
        modules.append(module)
        if setup.activation == "relu":
            modules.append(torch.nn.ReLU())
    return torch.nn.Sequential(*modules)


# ---- the numbers --------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(stacks())
def test_every_layer_computes_the_loop_reference_chained_layer_by_layer(snapshot):
    network = Network.from_snapshot(snapshot)
    last = network.compute()
    assert network.is_current and not network.has_work()
    chained = chained_reference(snapshot)
    for index, (layer, (expected, bound)) in enumerate(zip(network.layers, chained, strict=True)):
        assert layer.outputs().dtype == np.float32
        assert_within(layer.outputs(), expected, bound, f"layer {index + 1}'s outputs")
        if index:  # fed exactly what the layer before made
            assert np.array_equal(layer.image, network.layers[index - 1].outputs())
    assert np.array_equal(last, network.layers[-1].outputs())


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@settings(max_examples=60, deadline=None)
@given(stacks())
def test_the_stack_matches_torch_sequential(snapshot):
    torch = pytest.importorskip("torch")
    ours = Network.from_snapshot(snapshot).compute()
    with torch.no_grad():
        theirs = torch_sequential(snapshot)(torch.from_numpy(snapshot.image)[None])[0].numpy()
    _, bound = chained_reference(snapshot)[-1]
    assert_within(ours, theirs, 2 * bound, "the last layer's outputs against torch's")


@settings(max_examples=30, deadline=None)
@given(stacks(), st.data())
def test_an_edited_stack_computes_what_a_fresh_one_does_bit_for_bit(snapshot, data):
    """Recomputing only what an edit touched (one filter, then every later layer) gives the
    bits a fresh stack of the same weights computes."""
    network = Network.from_snapshot(snapshot)
    network.compute()
    index = data.draw(st.integers(0, len(network) - 1))
    layer = network.layers[index]
    o = data.draw(st.integers(0, layer.spec.out_channels - 1))
    layer.set_weight(o, 0, 0, 0, data.draw(st.floats(-2, 2, width=32)))
    assert all(network.is_waiting(later) for later in range(index + 1, len(network)))
    got = network.compute()
    assert np.array_equal(got, Network.from_snapshot(network.snapshot()).compute())


def test_a_later_layer_keeps_its_previous_outputs_while_it_waits():
    network = Network.from_snapshot(two_layers())
    network.compute()
    before = network.layers[1].outputs().copy()
    network.layers[0].set_weight(0, 0, 1, 1, 5.0)
    assert network.is_waiting(1) and not network.is_current
    assert np.array_equal(network.layers[1].outputs(), before)  # still showing, not yet fed
    job = network.next_job()
    assert job is not None and job.layer is network.layers[0]  # front to back
    network.accept(job, job.run())
    job = network.next_job()  # layer 2 is fed now, and its job is next
    assert job is not None and job.layer is network.layers[1] and not network.is_waiting(1)


# ---- refusals -----------------------------------------------------------------------------------


def two_layers(seed: int = 0, activation: str = "relu") -> NetworkSnapshot:
    """3×9×9 → 8 filters 3×3 (ReLU) → 2 filters 3×3, Kaiming-like weights and biases."""
    rng = np.random.default_rng(seed)
    specs = [LayerSpec(3, 8, padding=1), LayerSpec(8, 2, padding=1)]
    setups = tuple(
        LayerSetup(
            spec,
            (rng.standard_normal(spec.weight_shape) / 5).astype(np.float32),
            rng.standard_normal(spec.out_channels).astype(np.float32),
            activation,
        )
        for spec in specs
    )
    return NetworkSnapshot(rng.standard_normal((3, 9, 9)).astype(np.float32), setups)


def setup_for(spec: LayerSpec, seed: int = 5) -> LayerSetup:
    rng = np.random.default_rng(seed)
    bias = np.zeros(spec.out_channels, np.float32) if spec.bias else None
    return LayerSetup(spec, rng.standard_normal(spec.weight_shape).astype(np.float32), bias)


def fingerprint(network: Network) -> tuple:
    """Everything a refusal must leave alone, as comparable values (layer objects by identity,
    arrays by their bytes, outputs whether ready or not)."""
    layers = []
    for index, layer in enumerate(network.layers):
        outputs = tuple(
            None if layer.output(o) is None else layer.output(o).tobytes()
            for o in range(layer.spec.out_channels)
        )
        layers.append(
            (
                id(layer),
                layer.image.tobytes(),
                layer.image.shape,
                layer.input_version,
                layer.spec,
                layer.weight.tobytes(),
                None if layer.bias is None else layer.bias.tobytes(),
                layer.activation,
                layer.selected_filter,
                layer.position,
                outputs,
                network.is_waiting(index),
                network.problem(index),
            )
        )
    return (network.selected, tuple(layers))


def nan_in_layer_2(snapshot: NetworkSnapshot) -> NetworkSnapshot:
    weight = snapshot.layers[1].weight.copy()
    weight[0, 0, 0, 0] = np.nan
    bad = LayerSetup(snapshot.layers[1].spec, weight, snapshot.layers[1].bias)
    return NetworkSnapshot(snapshot.image, (snapshot.layers[0], bad))


THIRD = LayerSpec(16, 1, padding=1)  # expects 16 channels where layer 2 makes 2


def _nothing(network: Network) -> None:
    """No set-up: the refusal meets the two layers as they are."""


#: name: (a set-up that succeeds, the change refused, the start of its message)
REFUSALS = {
    "a layer that does not chain": (
        _nothing,
        lambda n: n.insert_layer(2, setup_for(THIRD)),
        "layer 3 expects 16 input channels, layer 2 makes 2 — change its in-channels or insert "
        "a layer",
    ),
    "settings that break the chain": (
        _nothing,
        lambda n: n.set_spec(1, LayerSpec(3, 2, padding=1)),
        "layer 2 expects 3 input channels, layer 1 makes 8 — change its in-channels or insert "
        "a layer",
    ),
    "a channel count the next layer's groups cannot take": (
        lambda n: n.set_spec(1, LayerSpec(8, 2, padding=1, groups=2)),
        lambda n: n.set_spec(0, n.layers[0].spec.replace(out_channels=3)),
        "layer 2 cannot take the 3 channels layer 1 would make: groups=2 does not divide "
        "in_channels=3",
    ),
    "a kernel larger than the maps layer 2 receives": (
        _nothing,
        lambda n: n.set_spec(1, LayerSpec(8, 2, kernel_size=11)),
        "layer 2 cannot run on the 9×9 maps it receives: the kernel covers 11×11 pixels but the "
        "padded input is only 9×9: the output would be empty",
    ),
    "removing the layer that adapts the channels": (
        _nothing,
        lambda n: n.remove_layer(0),
        "layer 1 expects 8 input channels, the input has 3",
    ),
    "moving a layer where it cannot run": (
        _nothing,
        lambda n: n.move_layer(0, 1),
        "layer 1 expects 8 input channels, the input has 3",
    ),
    "an input layer 2 cannot run on": (
        lambda n: n.set_spec(1, LayerSpec(8, 2, kernel_size=5)),
        lambda n: n.set_input(np.ones((3, 3, 3), np.float32)),
        "layer 2 cannot run on the 3×3 maps it receives: the kernel covers 5×5 pixels but the "
        "padded input is only 3×3: the output would be empty",
    ),
    "NaN weights in a restored snapshot": (
        _nothing,
        lambda n: n.restore(nan_in_layer_2(n.snapshot())),
        "layer 2: weights must be finite numbers (no NaN or infinity)",
    ),
    "a NaN input": (
        _nothing,
        lambda n: n.set_input(np.full((3, 9, 9), np.nan, np.float32)),
        "input values must be finite numbers (no NaN or infinity)",
    ),
    "a layer that does not exist": (
        _nothing,
        lambda n: n.select_layer(2),
        "layer 3 does not exist; the stack has 2",
    ),
    "moving to a position that does not exist": (
        _nothing,
        lambda n: n.move_layer(1, 5),
        "layer 6 does not exist; the stack has 2",
    ),
    "inserting beyond the end": (
        _nothing,
        lambda n: n.insert_layer(4, setup_for(LayerSpec(2, 2))),
        "a layer can go at positions 1 to 3",
    ),
    "weights of the wrong shape for a new layer": (
        _nothing,
        lambda n: n.replace_layer(1, LayerSetup(LayerSpec(8, 2), np.zeros((2, 8, 5, 5)), None)),
        "layer 2: weights must have shape (2, 8, 3, 3) for this layer, got (2, 8, 5, 5)",
    ),
}


@pytest.mark.parametrize("computed", [True, False], ids=["computed", "pending"])
@pytest.mark.parametrize("name", list(REFUSALS))
def test_a_refused_change_says_why_and_changes_nothing(name, computed):
    prepare, action, message = REFUSALS[name]
    network = Network.from_snapshot(two_layers())
    prepare(network)
    if computed:
        network.compute()
    heard = []
    network.changes.connect(heard.append)
    before = fingerprint(network)
    with pytest.raises(ValueError) as refused:
        action(network)
    assert str(refused.value).startswith(message)
    assert fingerprint(network) == before
    assert heard == []  # nobody was told of a change that did not happen
    assert np.array_equal(network.compute(), Network.from_snapshot(network.snapshot()).compute())


def test_the_only_layer_cannot_be_removed():
    network = Network.from_snapshot(NetworkSnapshot(two_layers().image, two_layers().layers[:1]))
    network.compute()
    before = fingerprint(network)
    with pytest.raises(ValueError, match="the stack needs at least one layer: this is its only"):
        network.remove_layer(0)
    assert fingerprint(network) == before


def test_a_full_stack_takes_no_more_layers():
    snapshot = two_layers()
    square = setup_for(LayerSpec(2, 2, padding=1))
    network = Network.from_snapshot(
        NetworkSnapshot(snapshot.image, snapshot.layers + (square,) * (MAX_LAYERS - 2))
    )
    before = fingerprint(network)
    for action in (lambda: network.insert_layer(2, square), lambda: network.duplicate_layer(3)):
        with pytest.raises(ValueError, match=f"the stack already has {MAX_LAYERS} layers"):
            action()
        assert fingerprint(network) == before


def test_check_chain_names_the_layers_in_the_user_s_words():
    specs = [LayerSpec(3, 16), LayerSpec(16, 8), LayerSpec(16, 1)]
    with pytest.raises(ValueError) as refused:
        check_chain((3, 32, 32), specs)
    assert str(refused.value) == (
        "layer 3 expects 16 input channels, layer 2 makes 8 — change its in-channels or insert "
        "a layer"
    )
    assert check_chain((3, 32, 32), specs[:2]) == [(16, 30, 30), (8, 28, 28)]


def test_a_new_channel_count_carries_on_to_the_next_layer():
    network = Network.from_snapshot(two_layers())
    kept = network.layers[1].weight[:, :4].copy()
    network.set_spec(0, network.layers[0].spec.replace(out_channels=4))
    assert network.layers[1].spec.in_channels == 4
    assert np.array_equal(network.layers[1].weight, kept)  # the weights that still fit stay
    network.compute()
    assert network.layers[1].image.shape == (4, 9, 9)


# ---- results that went stale --------------------------------------------------------------------


def three_layers() -> Network:
    """3 → 8 → 8 → 2 (a square layer inserted into ``two_layers``), computed."""
    network = Network.from_snapshot(two_layers())
    network.insert_layer(1, setup_for(LayerSpec(8, 8, padding=1)))
    network.compute()
    return network


def test_a_job_for_a_removed_layer_is_dropped():
    network = three_layers()
    network.layers[2].set_weight(0, 0, 0, 0, 3.0)
    job = network.next_job()
    assert job is not None and job.layer is network.layers[2]
    network.remove_layer(2)
    before = fingerprint(network)
    assert network.accept(job, job.run()) == (-1, ())
    assert fingerprint(network) == before
    assert np.array_equal(network.compute(), Network.from_snapshot(network.snapshot()).compute())


def test_a_job_for_a_removed_layer_whose_place_another_takes_stores_nothing():
    """The layer after a removed one takes its place (and its object, the input keeping its
    size): the removed layer's result is stale there and stores nothing."""
    network = three_layers()
    network.layers[1].set_weight(0, 0, 0, 0, 3.0)
    job = network.next_job()
    assert job is not None and job.layer is network.layers[1]
    network.remove_layer(1)
    before = fingerprint(network)
    assert network.accept(job, job.run())[1] == ()
    assert fingerprint(network) == before
    assert np.array_equal(network.compute(), Network.from_snapshot(network.snapshot()).compute())


def test_a_job_for_a_layer_replaced_by_a_new_one_is_dropped():
    network = Network.from_snapshot(two_layers())
    network.compute()
    network.layers[1].set_weight(0, 0, 0, 0, 3.0)
    job = network.next_job()
    old = network.layers[1]
    # layer 1 replaced by one with stride 2: layer 2's input shrinks to 5×5, a new layer object
    first = network.snapshot().layers[0]
    network.replace_layer(0, LayerSetup(first.spec.replace(stride=2), first.weight, first.bias))
    assert network.layers[1] is not old
    before = fingerprint(network)
    assert network.accept(job, job.run()) == (-1, ())
    assert fingerprint(network) == before
    assert np.array_equal(network.compute(), Network.from_snapshot(network.snapshot()).compute())


def test_a_job_for_a_layer_whose_weights_were_replaced_in_place_stores_nothing():
    network = Network.from_snapshot(two_layers())
    network.compute()
    network.layers[1].set_weight(1, 0, 0, 0, 3.0)
    job = network.next_job()
    network.replace_layer(1, setup_for(LayerSpec(8, 2, padding=1), seed=9))  # same input size
    before = fingerprint(network)
    index, ready = network.accept(job, job.run())
    assert index == 1 and ready == () and fingerprint(network) == before
    assert np.array_equal(network.compute(), Network.from_snapshot(network.snapshot()).compute())


def test_a_job_computed_before_the_layer_before_changed_is_superseded():
    """A result for layer 2's previous input may still be shown while it waits, but the stack
    ends on what layer 1 now makes."""
    network = Network.from_snapshot(two_layers())
    network.compute()
    network.layers[1].set_weight(0, 0, 0, 0, 3.0)
    job = network.next_job()
    network.layers[0].set_weight(0, 0, 0, 0, -3.0)
    network.accept(job, job.run())
    assert network.is_waiting(1)
    assert np.array_equal(network.compute(), Network.from_snapshot(network.snapshot()).compute())


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_a_layer_fed_values_beyond_float32_says_so_and_stops_the_layers_after_it():
    image = np.full((1, 3, 3), 1e6, np.float32)
    big = LayerSpec(1, 1, kernel_size=1)
    huge = np.full((1, 1, 1, 1), 1e6, np.float32)
    setups = (LayerSetup(big, huge, None),) * 7  # layer k makes 1e6^(k+1): layer 6 1e42
    network = Network.from_snapshot(NetworkSnapshot(image, setups))
    with pytest.raises(ValueError, match="layer 7: layer 6 made values beyond float32's range"):
        network.compute()
    assert not network.has_work()


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_a_squashing_activation_feeds_on_what_it_made_of_an_overflow(activation):
    """Sums beyond float32 become ±inf, which sigmoid and tanh map to finite values: the layer
    after is fed those, as PyTorch's forward would (only values it cannot read stop a stack)."""
    image = np.full((1, 3, 3), 1e6, np.float32)
    big = LayerSpec(1, 1, kernel_size=1)
    huge = np.full((1, 1, 1, 1), 1e6, np.float32)
    setups = [LayerSetup(big, huge, None)] * 7  # layer 6 sums to 1e42: +inf
    setups[5] = LayerSetup(big, huge, None, activation)
    network = Network.from_snapshot(NetworkSnapshot(image, tuple(setups)))
    network.compute()
    assert network.layers[5].output(0).max() == 1 and network.problem(6) == ""
    assert np.isinf(network.layers[5].raw_output(0)).all()


@pytest.mark.parametrize("activation", ["none", "relu", "leaky_relu"])
def test_a_fed_layer_knows_its_input_ranges_from_the_layer_before(activation):
    """The ranges the layer before measured with its outputs are the fed values' exact ranges
    (these activations round nothing at the ends), and a full run's outputs are fed on as they
    are: no stacked copy."""
    network = Network.from_snapshot(two_layers(activation=activation))
    network.compute()
    fed = network.layers[1].image
    assert np.array_equal(
        network.layers[1].input_ranges, np.stack([fed.min(axis=(1, 2)), fed.max(axis=(1, 2))], 1)
    )
    made = network.layers[0].outputs()
    assert np.array_equal(made, np.stack([network.layers[0].output(o) for o in range(8)]))
    assert np.shares_memory(made, network.layers[0].output(0)) and not made.flags.writeable
    network.layers[0].set_weight(3, 0, 1, 1, 0.5)  # one channel anew: the others are stacked
    network.compute()
    made = network.layers[0].outputs()
    assert np.array_equal(made, np.stack([network.layers[0].output(o) for o in range(8)]))
    assert np.array_equal(made, network.layers[1].image)


def test_a_layer_on_its_own_is_a_stack_of_one():
    snapshot = two_layers()
    setup = snapshot.layers[0]
    state = ExplorerState(snapshot.image, setup.spec, setup.weight, setup.bias, setup.activation)
    alone = state.compute().copy()
    assert np.array_equal(Network([state]).compute(), alone)
