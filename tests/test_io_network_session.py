"""Sessions holding a stack of layers (format 3): round trips, compatibility with formats 1 and 2,
and every way a hostile file can be wrong refused with the reason, before any array is read."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convexplorer.io import (
    FileFormatError,
    Selection,
    load_network_session,
    load_session,
    save_network_session,
    save_session,
)
from convexplorer.model import ACTIVATIONS, MAX_LAYERS, LayerSpec, check_chain
from tests.io_support import make_state
from tests.session_fuzz import mutated_json, rewrite, truncated_or_flipped
from tests.stack_support import fingerprint, make_stack

#: Each layer's selected filter and position (layer 1 makes 4×9×11, layer 2 6×4×5, layer 3 2×9×11).
SELECTIONS = (Selection(3, (8, 10)), Selection(5, (2, 3)), Selection(1, (0, 4)))
SPECS = [
    LayerSpec(3, 4, 3, padding=1),
    LayerSpec(4, 6, 3, stride=2, groups=2, bias=False),
    LayerSpec(6, 2, 2, stride=2, transposed=True, output_padding=1),
]


@pytest.fixture
def saved(tmp_path: Path):
    snapshot = make_stack(SPECS, selected_layer=1)
    path = tmp_path / "stack.convx"
    save_network_session(path, snapshot, SELECTIONS)
    return path, snapshot


def read_json(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("session.json"))


def test_a_stack_round_trips_bit_exactly_as_format_3(saved):
    path, snapshot = saved
    loaded, selections = load_network_session(path)
    assert fingerprint(loaded) == fingerprint(snapshot)
    assert selections == SELECTIONS
    document = read_json(path)
    assert document["version"] == 3
    assert [entry["activation"] for entry in document["layers"]] == ["relu", "relu", "none"]
    assert document["layers"][2]["layer"]["transposed"] is True
    assert document["selected_layer"] == 1
    assert document["layers"][1]["selection"] == {"filter": 5, "position": [2, 3]}
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        # files hold PyTorch's layout: (C_in, C_out/groups, kH, kW) for the transposed layer
        transposed = np.load(io.BytesIO(archive.read("layer3_weight.npy")))
    assert names == {
        "session.json",
        "image.npy",
        "layer1_weight.npy",
        "layer1_bias.npy",
        "layer2_weight.npy",
        "layer3_weight.npy",
        "layer3_bias.npy",
    }
    assert transposed.shape == SPECS[2].torch_weight_shape == (6, 2, 2, 2)


@pytest.mark.parametrize(
    ("spec", "version"), [(LayerSpec(3, 2, 3), 1), (LayerSpec(3, 2, 3, flip_kernel=True), 2)]
)
def test_a_one_layer_stack_is_written_exactly_as_a_single_layer_session(tmp_path, spec, version):
    snapshot = make_stack([spec], activations=("relu",))
    stack_path, layer_path = tmp_path / "stack.convx", tmp_path / "layer.convx"
    save_network_session(stack_path, snapshot, [(1, (2, 4))])
    state = make_state(3, 2, flip_kernel=spec.flip_kernel)
    state.load(snapshot.image, spec, snapshot.layers[0].weight, snapshot.layers[0].bias)
    state.set_activation("relu")
    state.select(1, (2, 4))
    save_session(layer_path, state)
    assert read_json(stack_path) == read_json(layer_path)
    assert read_json(stack_path)["version"] == version
    # and the single-layer reader (older apps, the app today) opens it
    data = load_session(stack_path)
    assert (data.spec, data.selected_filter, data.position) == (spec, 1, (2, 4))


def test_single_layer_sessions_open_as_a_one_layer_stack(tmp_path):
    state = make_state(3, 4, padding=1)
    state.set_activation("relu")
    state.select(3, (4, 5))
    path = tmp_path / "old.convx"
    save_session(path, state)
    snapshot, selections = load_network_session(path)
    (layer,) = snapshot.layers
    assert snapshot.selected_layer == 0
    assert selections == (Selection(3, (4, 5)),)
    assert snapshot.image.tobytes() == state.image.tobytes()
    assert (layer.spec, layer.activation) == (state.spec, "relu")
    assert layer.weight.tobytes() == state.weight.tobytes()
    assert layer.bias.tobytes() == state.bias.tobytes()


def test_the_single_layer_reader_refuses_a_stack_clearly(saved):
    path, _ = saved
    with pytest.raises(FileFormatError, match="holds a stack of 3 layers"):
        load_session(path)


# ---- hostile files -------------------------------------------------------------------------------


def refused(path: Path, *words: str) -> None:
    with pytest.raises(FileFormatError) as caught:
        load_network_session(path)
    message = str(caught.value)
    assert message.startswith(f"{path.name}: ")
    for word in words:
        assert word in message, message


def test_garbage_empty_and_foreign_files_are_refused(tmp_path):
    garbage = tmp_path / "g.convx"
    garbage.write_bytes(b"\x00garbage" * 50)
    refused(garbage, "not a ZIP archive")
    empty = tmp_path / "e.convx"
    empty.write_bytes(b"")
    refused(empty, "empty")
    refused(tmp_path / "missing.convx", "cannot be read")
    foreign = tmp_path / "f.convx"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("session.json", json.dumps({"format": "other", "version": 3}))
    refused(foreign, "something else")


def test_a_cut_short_stack_is_refused(saved, tmp_path):
    path, _ = saved
    data = path.read_bytes()
    for cut in (len(data) // 3, len(data) - 30):
        short = tmp_path / f"short{cut}.convx"
        short.write_bytes(data[:cut])
        refused(short)


def test_layer_counts_outside_1_to_max_layers_are_refused_before_any_layer_is_read(saved, tmp_path):
    path, _ = saved

    def many(document):
        document["layers"] = document["layers"][:1] * (MAX_LAYERS + 1)

    refused(rewrite(path, tmp_path / "deep.convx", many), f"{MAX_LAYERS + 1} layers", "1 to 16")
    refused(rewrite(path, tmp_path / "none.convx", lambda d: d.update(layers=[])), "0 layers")
    refused(rewrite(path, tmp_path / "str.convx", lambda d: d.update(layers="x")), "'layers'")


def test_a_stack_that_does_not_chain_is_refused_with_the_reason(saved, tmp_path):
    path, _ = saved

    def unchained(document):
        document["layers"][1]["layer"]["in_channels"] = 8
        document["layers"][1]["layer"]["groups"] = 1

    refused(
        rewrite(path, tmp_path / "chain.convx", unchained),
        "does not fit together",
        "layer 2 expects 8",
        "layer 1 makes 4",
    )

    def too_small(document):
        document["layers"][1]["layer"]["kernel_size"] = [31, 31]

    refused(rewrite(path, tmp_path / "small.convx", too_small), "layer 2 cannot run on the 9×11")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["layers"][0]["layer"].update(kernel_size=[99, 3]), "in layer 1"),
        (lambda d: d["layers"][2].update(activation="swish"), "unknown activation 'swish'"),
        (lambda d: d["layers"][1].pop("layer"), "'layers[1].layer'"),
        (lambda d: d["layers"].__setitem__(0, 7), "'layers[0]'"),
        (lambda d: d.update(selected_layer=3), "selected layer 4 does not exist"),
        (lambda d: d.update(selected_layer=True), "'selected_layer'"),
        (
            lambda d: d["layers"][1]["selection"].update(filter=6),
            "layer 2's selected filter 6 does not exist (it has 6)",
        ),
        (
            lambda d: d["layers"][2]["selection"].update(position=[0, 11]),
            "layer 3's selected position (0, 11) is outside its 9×11 output",
        ),
        (lambda d: d["layers"][0].pop("selection"), "'layers[0].selection'"),
        (lambda d: d["arrays"].pop("layer2_weight"), "'arrays.layer2_weight'"),
    ],
)
def test_wrong_settings_and_selections_are_refused(saved, tmp_path, change, words):
    path, _ = saved
    refused(rewrite(path, tmp_path / "bad.convx", change), words)


def test_huge_declared_sizes_are_refused_before_any_array_is_read(saved, tmp_path, monkeypatch):
    path, _ = saved
    from convexplorer.io import _session

    reads = []
    monkeypatch.setattr(_session, "read_npy_bytes", lambda data: reads.append(data))
    side = rewrite(
        path, tmp_path / "a.convx", lambda d: d["arrays"]["image"].update(shape=[3, 10**6, 9])
    )
    refused(side, "1000000×9 pixels is too large")
    weight = rewrite(
        path,
        tmp_path / "b.convx",
        lambda d: d["arrays"]["layer3_weight"].update(shape=[10**5, 10**5, 2, 2]),
    )
    refused(weight, "says (100000, 100000, 2, 2) for the layer3_weight", "needs (6, 2, 2, 2)")
    assert reads == []


def test_wrong_array_shapes_nan_and_extreme_values_are_refused(saved, tmp_path):
    path, snapshot = saved
    wrong = np.zeros((4, 3, 3, 2), np.float32)
    refused(
        rewrite(path, tmp_path / "shape.convx", arrays={"layer1_weight.npy": wrong}),
        "layer1_weight.npy of shape (4, 3, 3, 2)",
    )
    nan = np.array(snapshot.layers[1].weight)
    nan[0, 0, 0, 0] = np.nan
    refused(
        rewrite(path, tmp_path / "nan.convx", arrays={"layer2_weight.npy": nan}),
        "NaN or infinite values in its layer2_weight",
    )
    big = np.full((2,), 1e30, np.float32)
    refused(rewrite(path, tmp_path / "big.convx", arrays={"layer3_bias.npy": big}), "beyond ±")
    refused(
        rewrite(path, tmp_path / "lost.convx", drop=["layer3_bias.npy"]),
        "lacks the layer3_bias.npy",
    )
    f64 = np.zeros(SPECS[1].torch_weight_shape)
    refused(
        rewrite(path, tmp_path / "f64.convx", arrays={"layer2_weight.npy": f64}),
        "dtype float64, expected float32",
    )


def test_saving_is_atomic_a_failed_save_keeps_the_old_file(saved, monkeypatch):
    path, _ = saved
    before = path.read_bytes()
    from convexplorer.io import _atomic

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(_atomic.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        save_network_session(path, make_stack(SPECS, seed=4))
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["stack.convx"]


# ---- random stacks and fuzzing -------------------------------------------------------------------

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@st.composite
def stacks(draw):
    """A random stack of 2–4 layers that chains on a small input (either kind, any groups)."""
    channels = draw(st.integers(1, 4))
    size = (draw(st.integers(6, 10)), draw(st.integers(6, 10)))
    specs = []
    for _ in range(draw(st.integers(2, 4))):
        groups = draw(st.sampled_from([g for g in (1, 2) if channels % g == 0]))
        out_channels = groups * draw(st.integers(1, 3))
        transposed = draw(st.booleans())
        specs.append(
            LayerSpec(
                channels,
                out_channels,
                draw(st.integers(1, 3)),
                stride=draw(st.integers(1, 2)) if transposed else 1,
                padding=draw(st.integers(0, 1)) if not transposed else 0,
                groups=groups,
                bias=draw(st.booleans()),
                transposed=transposed,
                flip_kernel=draw(st.booleans()),
            )
        )
        channels = out_channels
    activations = tuple(draw(st.sampled_from(ACTIVATIONS)) for _ in specs)
    selected = draw(st.integers(0, len(specs) - 1))
    try:
        return make_stack(specs, size, activations, draw(st.integers(0, 99)), selected)
    except ValueError:  # unpadded 3×3 convs can shrink a 6-pixel input to nothing
        return draw(st.nothing())


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(snapshot=stacks())
def test_random_stacks_round_trip_bit_exactly(tmp_path, snapshot):
    path = tmp_path / "random.convx"
    save_network_session(path, snapshot)
    loaded, selections = load_network_session(path)
    assert fingerprint(loaded) == fingerprint(snapshot)
    assert selections == (Selection(0, (0, 0)),) * len(snapshot.layers)


@pytest.fixture(scope="module")
def valid_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("fuzz") / "valid.convx"
    save_network_session(path, make_stack(SPECS[:2], size=(5, 6)), [(2, (3, 4)), (1, (1, 1))])
    return path.read_bytes()


def load_bytes(tmp_path: Path, data: bytes) -> None:
    """Whatever the bytes: a stack that chains, or a FileFormatError naming the file."""
    path = tmp_path / "fuzz.convx"
    path.write_bytes(data)
    try:
        snapshot, _ = load_network_session(path)
    except FileFormatError as exc:
        assert str(exc).startswith("fuzz.convx: ")
    else:
        check_chain(snapshot.image.shape, [layer.spec for layer in snapshot.layers])


@FUZZ
@given(st.data())
def test_fuzz_truncations_and_byte_flips(tmp_path, valid_bytes, data):
    load_bytes(tmp_path, truncated_or_flipped(data, valid_bytes))


@FUZZ
@given(st.data())
def test_fuzz_mutated_json(tmp_path, valid_bytes, data):
    load_bytes(tmp_path, mutated_json(data, valid_bytes))
