"""A pool layer leaving the app: sessions keep the 'pool' key, Copy as PyTorch builds the module
and passes the PyTorch check, Copy as NumPy computes the pool, lessons may name a pool."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from convexplorer.io import (
    BIT_IDENTICAL,
    check_against_pytorch,
    load_session,
    numpy_snippet,
    pytorch_snippet,
    save_session,
)
from convexplorer.lessons._schema import _Reader
from convexplorer.model import ExplorerState, LayerSpec, StateView, pool2d
from tests.io_support import apply_session, fingerprint, make_state
from tests.tolerance import assert_layer_close

POOLS = [
    {"pool": "max", "kernel_size": 2, "stride": 2},
    {"pool": "max", "kernel_size": 3, "stride": (1, 2), "padding": 1, "dilation": (2, 1)},
    {"pool": "avg", "kernel_size": 3, "stride": 2, "padding": 1},
]


def pool_state(relu: bool = False, **settings) -> ExplorerState:
    image = np.random.default_rng(5).standard_normal((3, 9, 11)).astype(np.float32)
    state = ExplorerState(image, LayerSpec(3, 3, groups=3, bias=False, **settings))
    if relu:
        state.set_activation("relu")
    state.compute()
    return state


@pytest.mark.parametrize("settings", POOLS)
def test_a_pool_session_round_trips_as_version_2(tmp_path, settings):
    state = pool_state(**settings)
    state.select(2, (1, 1))
    save_session(tmp_path / "p.convx", state)
    with zipfile.ZipFile(tmp_path / "p.convx") as archive:
        document = json.loads(archive.read("session.json"))
    assert document["version"] == 2 and document["layer"]["pool"] == settings["pool"]
    target = make_state()
    apply_session(target, load_session(tmp_path / "p.convx"))
    assert fingerprint(target) == fingerprint(state)


def test_a_conv_session_has_no_pool_key_and_a_bad_pool_is_refused(tmp_path):
    save_session(tmp_path / "c.convx", make_state())
    with zipfile.ZipFile(tmp_path / "c.convx") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    document = json.loads(members["session.json"])
    assert "pool" not in document["layer"]
    document["layer"]["pool"] = "max"  # a 3 → 4 channel layer cannot be a pool
    document["version"] = 2
    members["session.json"] = json.dumps(document).encode()
    with zipfile.ZipFile(tmp_path / "bad.convx", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="pools each channel on its own"):
        load_session(tmp_path / "bad.convx")


@pytest.mark.parametrize("settings", POOLS)
def test_copy_as_pytorch_builds_the_pool_and_passes_the_check(settings):
    torch = pytest.importorskip("torch")
    state = pool_state(relu=True, **settings)
    text = pytorch_snippet(StateView(state))
    kind = "MaxPool2d" if settings["pool"] == "max" else "AvgPool2d"
    assert f"pool = nn.{kind}(kernel_size=" in text and "torch.tensor" not in text
    assert ("dilation=" in text) == (settings["pool"] == "max")
    namespace: dict = {}
    exec(compile(text, "<snippet>", "exec"), namespace)
    with torch.no_grad():
        got = namespace["layer"](torch.from_numpy(np.array(state.image))[None])[0].numpy()
    assert got.tobytes() == state.compute().tobytes()  # torch's CPU pools add as PoolEngine does
    check = check_against_pytorch(StateView(state))
    assert not check.failure and check.verdict == BIT_IDENTICAL


def test_copy_as_pytorch_keeps_any_activation_after_a_pool():
    """A pool followed by sigmoid: the snippet applied ReLU or nothing."""
    state = pool_state(**POOLS[0])
    state.set_activation("sigmoid")
    text = pytorch_snippet(StateView(state))
    assert "layer = nn.Sequential(pool, nn.Sigmoid())" in text


@pytest.mark.parametrize("settings", POOLS)
def test_copy_as_numpy_computes_the_pool(settings):
    state = pool_state(**settings)
    text = numpy_snippet(StateView(state))
    assert f"A {state.spec.kind} has no weights" in text
    namespace: dict = {}
    exec(compile(text, "<snippet>", "exec"), namespace)
    got = namespace["pool"](np.array(state.image))
    spec = state.spec
    expected = pool2d(
        state.image, spec.pool, spec.kernel_size, spec.stride, spec.padding, spec.dilation
    )
    # avg sums its window in whatever order NumPy does: the bound of those sums, not a bare rtol
    assert_layer_close(spec, state.image, state.weight, state.bias, got, expected)
    if spec.pool == "max":
        assert got.tobytes() == expected.tobytes()


def test_lessons_may_name_a_pool_and_nothing_else():
    reader = _Reader("x.json")
    layer = reader.layer({"pool": "avg", "out_channels": 3, "groups": 3, "bias": False}, "layer")
    assert layer["pool"] == "avg"
    with pytest.raises(ValueError, match="unknown pool 'min'"):
        reader.layer({"pool": "min"}, "layer")
