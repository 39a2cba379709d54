"""A ConvTranspose2d layer in files: sessions, weights and snippets use PyTorch's layout for it."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from convexplorer.io import (
    export_layer_weights,
    list_conv_weights,
    load_session,
    numpy_snippet,
    plan_weight_import,
    pytorch_snippet,
    read_weights,
    save_session,
    weights_mismatch,
)
from convexplorer.model import ExplorerState, LayerSpec, to_torch_layout
from tests.io_support import apply_session, fingerprint, make_state
from tests.tolerance import assert_layer_close

TRANSPOSED = {"transposed": True, "stride": 2, "padding": 1, "output_padding": 1}


def transposed_state(**spec_kw) -> ExplorerState:
    settings = dict(TRANSPOSED) | spec_kw
    return make_state(4, 6, (5, 7), groups=2, extremes=False, **settings)


def test_a_session_round_trips_bit_exact_with_pytorch_layout_weights(tmp_path):
    state = transposed_state(flip_kernel=True)
    state.select(5, (8, 11))
    save_session(tmp_path / "t.convx", state)
    with zipfile.ZipFile(tmp_path / "t.convx") as archive:
        document = json.loads(archive.read("session.json"))
        stored = np.load(io.BytesIO(archive.read("weight.npy")))
    assert document["version"] == 2
    assert document["layer"]["transposed"] is True
    assert document["layer"]["output_padding"] == [1, 1]
    assert document["arrays"]["weight"]["shape"] == [4, 3, 3, 3]  # (C_in, C_out/groups, kH, kW)
    assert stored.tobytes() == to_torch_layout(state.spec, state.weight).tobytes()
    target = make_state()
    apply_session(target, load_session(tmp_path / "t.convx"))
    assert fingerprint(target) == fingerprint(state)


def test_a_session_with_impossible_transposed_settings_is_refused(tmp_path):
    state = transposed_state()
    save_session(tmp_path / "t.convx", state)
    with zipfile.ZipFile(tmp_path / "t.convx") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    document = json.loads(members["session.json"])
    document["layer"]["output_padding"] = [2, 1]
    members["session.json"] = json.dumps(document).encode()
    with zipfile.ZipFile(tmp_path / "bad.convx", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="output_padding must be smaller than either stride"):
        load_session(tmp_path / "bad.convx")


def test_exported_weights_are_in_pytorch_layout_and_import_back(tmp_path):
    state = transposed_state()
    export_layer_weights(tmp_path / "w.npz", state.spec, state.weight, state.bias)
    entry = list_conv_weights(tmp_path / "w.npz")[0]
    assert entry.shape == state.spec.torch_weight_shape == (4, 3, 3, 3)
    imported = read_weights(tmp_path / "w.npz", entry.key)
    assert weights_mismatch(state.spec, imported.weight.shape) is None
    plan = plan_weight_import(state.spec, state.bias, imported)
    assert plan.spec == state.spec and plan.weight.tobytes() == state.weight.tobytes()
    # the explorer's own layout is refused with both shapes in words
    problem = weights_mismatch(state.spec, state.weight.shape)
    assert "ConvTranspose2d's layout" in problem and "(6, 2, 3, 3)" in problem


def test_a_file_of_another_shape_is_adopted_or_refused_with_the_reason(tmp_path):
    state = transposed_state()
    other = np.random.default_rng(1).standard_normal((4, 5, 2, 4)).astype(np.float32)
    np.save(tmp_path / "other.npy", other)
    imported = read_weights(tmp_path / "other.npy")
    plan = plan_weight_import(state.spec, state.bias, imported, adopt_shape=True)
    assert plan.spec.out_channels == 10 and plan.spec.kernel_size == (2, 4)
    assert plan.spec.transposed and plan.spec.groups == 2
    assert plan.weight.shape == plan.spec.weight_shape
    assert np.array_equal(to_torch_layout(plan.spec, plan.weight), other)
    np.save(tmp_path / "wrong.npy", np.zeros((3, 2, 3, 3), np.float32))
    with pytest.raises(ValueError, match="for 3 input channels but the input has 4"):
        plan_weight_import(
            state.spec, state.bias, read_weights(tmp_path / "wrong.npy"), adopt_shape=True
        )


def test_the_numpy_snippet_holds_pytorch_layout_labelled():
    state = transposed_state()
    namespace: dict = {}
    text = numpy_snippet(state)
    exec(compile(text, "<snippet>", "exec"), namespace)
    assert namespace["weight"].tobytes() == to_torch_layout(state.spec, state.weight).tobytes()
    assert "ConvTranspose2d layout" in text
    assert "[  # input channel 3" in text and "[  # output channel 5" in text


@pytest.mark.parametrize(
    "spec_kw",
    [{}, {"flip_kernel": True}, {"dilation": (2, 1), "output_padding": (1, 0), "padding": 0}],
)
def test_the_pytorch_snippet_builds_conv_transpose2d_with_the_explorers_outputs(spec_kw):
    torch = pytest.importorskip("torch")
    state = transposed_state(**spec_kw)
    state.set_activation("relu")
    outputs = state.compute()
    text = pytorch_snippet(state)
    assert "nn.ConvTranspose2d(" in text and "output_padding=" in text
    namespace: dict = {}
    exec(compile(text, "<snippet>", "exec"), namespace)
    with torch.no_grad():
        got = namespace["layer"](torch.from_numpy(np.array(state.image))[None])[0].numpy()
    assert_layer_close(state.spec, state.image, state.weight, state.bias, got, outputs)


def test_a_pytorch_checkpoint_of_a_conv_transpose2d_imports_as_it_computes(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    module = torch.nn.ConvTranspose2d(3, 4, 4, stride=2, padding=1)
    torch.save({"up.weight": module.weight.data, "up.bias": module.bias.data}, tmp_path / "m.pt")
    image = np.random.default_rng(2).random((3, 6, 5), dtype=np.float32)
    spec = LayerSpec(3, 2, 3, stride=2, padding=1, transposed=True)
    state = ExplorerState(image, spec)
    entry = list_conv_weights(tmp_path / "m.pt")[0]
    plan = plan_weight_import(
        spec, state.bias, read_weights(tmp_path / "m.pt", entry.key), adopt_shape=True
    )
    state.load(image, plan.spec, plan.weight, plan.bias)
    with torch.no_grad():
        expected = module(torch.from_numpy(image)[None])[0].numpy()
    assert_layer_close(state.spec, image, state.weight, state.bias, state.compute(), expected)
