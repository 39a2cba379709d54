"""Weights interop: NumPy export/import, shape checks and adoption, PyTorch checkpoints."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

from convexplorer.io import (
    TORCH_HINT,
    FileFormatError,
    ImportedWeights,
    TorchUnavailable,
    WeightEntry,
    adopted_spec,
    export_bias,
    export_weights,
    list_conv_weights,
    plan_weight_import,
    read_bias,
    read_weights,
    torch_available,
    weights_mismatch,
)
from convexplorer.model import ExplorerState, LayerSpec
from tests.io_support import fingerprint, make_state

RNG = np.random.default_rng(1)


def import_weights(
    state: ExplorerState, imported: ImportedWeights, adopt_shape: bool = False
) -> list[str]:
    """Plan an import and apply it the way the app's document does; the plan's notes."""
    plan = plan_weight_import(state.spec, state.bias, imported, adopt_shape=adopt_shape)
    if plan.spec == state.spec:
        state.set_weights(plan.weight, plan.bias)
    else:
        state.load(state.image, plan.spec, plan.weight, plan.bias)
    return plan.notes


def test_npy_and_npz_exports_round_trip_exactly(tmp_path):
    state = make_state(groups=1)
    export_weights(tmp_path / "w.npy", state.weight)
    export_bias(tmp_path / "b.npy", state.bias)
    export_weights(tmp_path / "wb.npz", state.weight, state.bias)
    assert np.load(tmp_path / "w.npy").tobytes() == state.weight.tobytes()  # plain numpy reads it
    single = read_weights(tmp_path / "w.npy")
    assert single.weight.tobytes() == state.weight.tobytes() and single.bias is None
    assert read_bias(tmp_path / "b.npy").tobytes() == state.bias.tobytes()
    both = read_weights(tmp_path / "wb.npz")
    assert (both.key, both.bias_key) == ("weight", "bias")
    assert both.weight.tobytes() == state.weight.tobytes()
    assert both.bias.tobytes() == state.bias.tobytes()
    export_weights(tmp_path / "nobias.npz", state.weight)
    assert list_conv_weights(tmp_path / "nobias.npz") == [
        WeightEntry("weight", state.spec.weight_shape, None)
    ]


def test_import_back_into_the_layer_is_exact(tmp_path):
    source = make_state(seed=1)
    target = make_state(seed=2)
    export_weights(tmp_path / "wb.npz", source.weight, source.bias)
    assert import_weights(target, read_weights(tmp_path / "wb.npz")) == []
    assert target.weight.tobytes() == source.weight.tobytes()
    assert target.bias.tobytes() == source.bias.tobytes()


def test_weights_without_biases_keep_the_layers_biases(tmp_path):
    source, target = make_state(seed=1), make_state(seed=2)
    old_bias = np.array(target.bias)
    export_weights(tmp_path / "w.npy", source.weight)
    notes = import_weights(target, read_weights(tmp_path / "w.npy"))
    assert "kept the layer's" in notes[0]
    assert np.array_equal(target.bias, old_bias)


def test_a_state_dict_like_npz_lists_its_conv_weights_with_biases(tmp_path):
    path = tmp_path / "net.npz"
    np.savez(
        path,
        **{
            "conv1.weight": RNG.random((8, 3, 5, 5)),
            "conv1.bias": RNG.random(8),
            "conv2.weight": RNG.random((4, 8, 3, 3), dtype=np.float32),
            "conv2.bias": RNG.random(5),  # wrong length: not its bias
            "fc.weight": RNG.random((10, 4)),
        },
    )
    assert list_conv_weights(path) == [
        WeightEntry("conv1.weight", (8, 3, 5, 5), "conv1.bias"),
        WeightEntry("conv2.weight", (4, 8, 3, 3), None),
    ]
    with pytest.raises(FileFormatError, match=r"holds 2 weight tensors.*choose one"):
        read_weights(path)
    with pytest.raises(FileFormatError, match=r"no 4-D weight named 'fc\.weight'"):
        read_weights(path, "fc.weight")
    first = read_weights(path, "conv1.weight")
    assert first.weight.dtype == np.float32 and first.bias.shape == (8,)
    assert any("rounded from float64" in note for note in first.notes)


def test_a_mismatch_is_explained_and_changes_nothing(tmp_path):
    state = make_state()
    before = fingerprint(state)
    imported = ImportedWeights(RNG.random((8, 3, 5, 5), dtype=np.float32), None, "w")
    message = weights_mismatch(state.spec, imported.weight.shape)
    assert message == (
        "the file's weights are (8, 3, 5, 5): 8 filters × 3 channels × 5×5 but this layer's are "
        "(4, 3, 3, 3): 4 filters × 3 channels × 3×3"
    )
    with pytest.raises(ValueError, match="8 filters"):
        import_weights(state, imported)
    assert fingerprint(state) == before
    assert weights_mismatch(state.spec, state.spec.weight_shape) is None


def test_adopting_the_files_shape(tmp_path):
    state = make_state(3, 4, (12, 12), padding=1)
    imported = ImportedWeights(
        RNG.random((6, 3, 5, 5), dtype=np.float32),
        RNG.random(6, dtype=np.float32),
        "conv.weight",
        "conv.bias",
    )
    notes = import_weights(state, imported, adopt_shape=True)
    assert state.spec == LayerSpec(3, 6, 5, padding=1)
    assert state.weight.tobytes() == imported.weight.tobytes()
    assert state.bias.tobytes() == imported.bias.tobytes()
    assert "now has the file's shape" in notes[-1]


def test_adopted_spec_derives_groups_and_bias():
    spec = LayerSpec(6, 2, stride=2, dilation=2, padding_mode="zeros")
    depthwise = adopted_spec(spec, (12, 1, 3, 3), has_bias=False)
    assert depthwise == spec.replace(out_channels=12, groups=6, bias=False)
    assert adopted_spec(spec, (4, 3, 1, 7)) == spec.replace(
        out_channels=4, groups=2, kernel_size=(1, 7)
    )
    with pytest.raises(ValueError, match="sees 4 input channels, which does not divide"):
        adopted_spec(spec, (4, 4, 3, 3))
    with pytest.raises(ValueError, match="groups=3, which does not divide 4"):
        adopted_spec(spec, (4, 2, 3, 3))


def test_an_adopted_shape_the_input_cannot_run_is_refused_whole():
    state = make_state(3, 4, (4, 4))
    before = fingerprint(state)
    huge = ImportedWeights(np.zeros((2, 3, 7, 7), np.float32), None, "w")
    with pytest.raises(ValueError, match="output would be empty"):
        import_weights(state, huge, adopt_shape=True)
    assert fingerprint(state) == before


def test_bad_weight_files_are_refused(tmp_path):
    holes = np.ones((2, 3, 3, 3))
    holes[0, 0, 0, 0] = np.nan
    np.save(tmp_path / "nan.npy", holes)
    with pytest.raises(FileFormatError, match=r"nan\.npy: has NaN or infinite values"):
        read_weights(tmp_path / "nan.npy")
    np.save(tmp_path / "flat.npy", np.ones((3, 3)))
    with pytest.raises(FileFormatError, match="holds no 4-D convolution weights"):
        read_weights(tmp_path / "flat.npy")
    with pytest.raises(FileFormatError, match="biases are one number per filter"):
        read_bias(tmp_path / "flat.npy")
    (tmp_path / "notes.pt").write_text("definitely not a checkpoint")
    with pytest.raises(FileFormatError, match=r"not a NumPy array .* or PyTorch checkpoint"):
        list_conv_weights(tmp_path / "notes.pt")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty"):
        list_conv_weights(tmp_path / "empty.npz")
    data = (tmp_path / "nan.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(data[:-5])
    with pytest.raises(FileFormatError, match="cut short"):
        read_weights(tmp_path / "cut.npy")


# ---- PyTorch checkpoints -------------------------------------------------------------------------


def test_without_torch_checkpoints_explain_what_is_needed(tmp_path, monkeypatch):
    (tmp_path / "model.pt").write_bytes(pickle.dumps({"weight": [1.0]}, protocol=2))
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails
    assert not torch_available()
    with pytest.raises(TorchUnavailable) as caught:
        list_conv_weights(tmp_path / "model.pt")
    assert (
        str(caught.value)
        == TORCH_HINT
        == ("Importing PyTorch checkpoints needs torch: pip install torch")
    )


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def test_state_dicts_and_nested_checkpoints(tmp_path, torch):
    conv = torch.nn.Conv2d(3, 5, (3, 2))
    torch.save(conv.state_dict(), tmp_path / "conv.pt")
    torch.save(conv.state_dict(), tmp_path / "legacy.pth", _use_new_zipfile_serialization=False)
    nested = {"epoch": 7, "state_dict": {"features.0.weight": conv.weight.data.double()}}
    nested["heads"] = [{"weight": conv.weight.data.to(torch.bfloat16)}]
    torch.save(nested, tmp_path / "nested.pt")
    assert torch_available()
    for name in ("conv.pt", "legacy.pth"):
        assert list_conv_weights(tmp_path / name) == [WeightEntry("weight", (5, 3, 3, 2), "bias")]
        loaded = read_weights(tmp_path / name)
        assert loaded.weight.tobytes() == conv.weight.detach().numpy().tobytes()
        assert loaded.bias.tobytes() == conv.bias.detach().numpy().tobytes()
    assert [e.key for e in list_conv_weights(tmp_path / "nested.pt")] == [
        "state_dict.features.0.weight",
        "heads.0.weight",
    ]
    wide = read_weights(tmp_path / "nested.pt", "state_dict.features.0.weight")
    assert wide.weight.tobytes() == conv.weight.detach().numpy().tobytes()
    assert wide.bias is None
    brain = read_weights(tmp_path / "nested.pt", "heads.0.weight")
    assert brain.weight.dtype == np.float32


def test_a_checkpoint_round_trip_through_the_explorer(tmp_path, torch):
    state = make_state(3, 4, (10, 10))
    conv = torch.nn.Conv2d(3, 4, 3)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(np.array(state.weight)))
        conv.bias.copy_(torch.from_numpy(np.array(state.bias)))
    torch.save({"layer.weight": conv.weight, "layer.bias": conv.bias}, tmp_path / "c.pt")
    target = make_state(3, 2, (10, 10), seed=4)
    import_weights(target, read_weights(tmp_path / "c.pt"), adopt_shape=True)
    assert target.weight.tobytes() == state.weight.tobytes()
    assert target.bias.tobytes() == state.bias.tobytes()


class Payload:
    """Unpickling this would create a file: proof that pickled code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_pickled_code_is_never_run(tmp_path, torch):
    marker = tmp_path / "pwned"
    torch.save({"weight": torch.zeros(1, 1, 3, 3), "extra": Payload(marker)}, tmp_path / "evil.pt")
    with pytest.raises(FileFormatError, match="holds Python objects besides tensors"):
        list_conv_weights(tmp_path / "evil.pt")
    assert not marker.exists()
    torch.save(torch.nn.Conv2d(1, 1, 3), tmp_path / "module.pt")
    with pytest.raises(FileFormatError, match=r"torch\.nn\.modules\.conv\.Conv2d"):
        list_conv_weights(tmp_path / "module.pt")


def test_damaged_checkpoints_are_refused(tmp_path, torch):
    torch.save({"weight": torch.zeros(2, 1, 3, 3)}, tmp_path / "ok.pt")
    data = (tmp_path / "ok.pt").read_bytes()
    for cut in (len(data) // 2, len(data) - 10):
        (tmp_path / "cut.pt").write_bytes(data[:cut])
        with pytest.raises(FileFormatError, match=r"cut\.pt: "):
            list_conv_weights(tmp_path / "cut.pt")
    torch.save({"weight": torch.tensor(float("nan")).expand(1, 1, 2, 2)}, tmp_path / "nan.pt")
    with pytest.raises(FileFormatError, match="NaN"):
        read_weights(tmp_path / "nan.pt")
