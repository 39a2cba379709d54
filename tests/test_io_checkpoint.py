"""PyTorch checkpoints: the damaged ones a fuzz found, and a fuzz of the .pt reader.

Every damaged checkpoint either loads or is refused with a FileFormatError, and the time it takes is
bounded by what is checked before anything is built: declared sizes, container sizes, nodes walked.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convexplorer.io import FileFormatError, _checkpoint, list_conv_weights, read_weights
from convexplorer.io._limits import MAX_ARRAY_VALUES, MAX_CHECKPOINT_NODES

torch = pytest.importorskip("torch")

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def shared_lists(width: int, depth: int) -> list:
    """A tiny pickle naming width**depth paths: one list shared over and over."""
    node: list = []
    for _ in range(depth):
        node = [node] * width
    return node


def test_a_zero_stride_tensor_posing_as_a_giant_is_refused_with_the_numbers(tmp_path):
    path = tmp_path / "giant.pt"
    torch.save({"weight": torch.zeros(1).expand(100000, 100000, 3, 3)}, path)
    assert path.stat().st_size < 4096
    assert list_conv_weights(path)[0].shape == (100000, 100000, 3, 3)  # listed, never built
    with pytest.raises(FileFormatError, match=r"giant\.pt: weight has 100000 filters; at most 256"):
        read_weights(path)
    with pytest.raises(FileFormatError, match=r"100000×100000×3×3 = 90000000000 values"):
        _checkpoint.checkpoint_arrays(path, ["weight"])
    wide = tmp_path / "wide.pt"
    torch.save({"w": torch.zeros(1).expand(MAX_ARRAY_VALUES + 1)}, wide)
    with pytest.raises(FileFormatError, match=f"{MAX_ARRAY_VALUES + 1} values"):
        _checkpoint.checkpoint_arrays(wide, ["w"])


def test_a_pickle_of_shared_references_is_refused_after_bounded_work(tmp_path, monkeypatch):
    path = tmp_path / "shared.pt"
    torch.save({"x": shared_lists(50, 8), "weight": torch.zeros(2, 1, 3, 3)}, path)
    assert path.stat().st_size < 4096
    visits = count_visits(monkeypatch)
    with pytest.raises(FileFormatError, match=f"more than {MAX_CHECKPOINT_NODES} entries"):
        list_conv_weights(path)
    assert visits[0] <= MAX_CHECKPOINT_NODES + 1
    # a few shared lists within the bound are fine, and deeper nesting is skipped, not walked
    torch.save({"x": shared_lists(3, 20), "weight": torch.zeros(2, 1, 3, 3)}, path)
    assert [e.key for e in list_conv_weights(path)] == ["weight"]


def count_visits(monkeypatch) -> list[int]:
    visits = [0]
    flatten = _checkpoint._flatten

    def counting(*args):
        visits[0] += 1
        return flatten(*args)

    monkeypatch.setattr(_checkpoint, "_flatten", counting)
    return visits


def test_a_checkpoint_with_too_many_zip_members_is_refused(tmp_path):
    from convexplorer.io._limits import MAX_ZIP_MEMBERS

    path = tmp_path / "crowd.pt"
    torch.save({"weight": torch.zeros(2, 1, 3, 3)}, path)
    with zipfile.ZipFile(path, "a") as archive:
        for i in range(MAX_ZIP_MEMBERS):
            archive.writestr(f"crowd/extra/{i}", b"")
    with pytest.raises(FileFormatError, match=f"more than the {MAX_ZIP_MEMBERS}"):
        list_conv_weights(path)


# ---- fuzzing -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def valid() -> bytes:
    buffer = io.BytesIO()
    conv = torch.nn.Conv2d(2, 3, 3)
    torch.save({"state_dict": conv.state_dict(), "epoch": 3, "names": ["a", "b"]}, buffer)
    return buffer.getvalue()


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def check(tmp_path: Path, data: bytes, monkeypatch=None) -> None:
    """Loads, or is refused with a FileFormatError naming the file; nothing else escapes."""
    path = tmp_path / "fuzz.pt"
    path.write_bytes(data)
    try:
        for entry in list_conv_weights(path):
            weights = read_weights(path, entry.key)
            assert weights.weight.dtype == np.float32
    except FileFormatError as exc:
        assert str(exc).startswith("fuzz.pt: ")


@FUZZ
@given(st.data())
def test_fuzz_truncations_and_byte_flips(tmp_path, valid, data):
    blob = bytearray(valid)
    if data.draw(st.booleans(), label="truncate"):
        blob = blob[: data.draw(st.integers(0, len(blob) - 1), label="cut")]
    else:
        for _ in range(data.draw(st.integers(1, 8), label="flips")):
            at = data.draw(st.integers(0, len(blob) - 1), label="at")
            blob[at] = data.draw(st.integers(0, 255), label="byte")
    check(tmp_path, bytes(blob))


@FUZZ
@given(st.data())
def test_fuzz_swapped_dropped_and_mangled_members(tmp_path, valid, data):
    members = zip_members(valid)
    names = sorted(members)
    action = data.draw(st.sampled_from(["swap", "drop", "mangle", "grow"]), label="action")
    first = data.draw(st.sampled_from(names), label="first")
    if action == "swap":
        second = data.draw(st.sampled_from(names), label="second")
        members[first], members[second] = members[second], members[first]
    elif action == "drop":
        del members[first]
    elif action == "mangle":
        content = bytearray(members[first])
        if content:
            at = data.draw(st.integers(0, len(content) - 1), label="at")
            content[at] = data.draw(st.integers(0, 255), label="byte")
        members[first] = bytes(content)
    else:
        members[first] += bytes(data.draw(st.integers(1, 4096), label="extra"))
    check(tmp_path, zipped(members))


def tensor(shape: list[int], zero_stride: bool) -> torch.Tensor:
    """A real tensor when small, else one storage element posing as ``shape`` (stride 0)."""
    if zero_stride or np.prod(shape) > 10**4:
        return torch.zeros(1).expand(*shape)
    return torch.zeros(*shape)


GRAPHS = st.recursive(
    st.none()
    | st.integers(-5, 5)
    | st.text(max_size=4)
    | st.builds(
        tensor,
        # up to 10**16 elements: giant, yet a count torch can hold (10**20 overflows its int64)
        st.lists(st.sampled_from([1, 2, 3, 257, 10**4]), min_size=1, max_size=4),
        st.booleans(),
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=10,
)


@FUZZ
@given(graph=GRAPHS, width=st.integers(1, 60), depth=st.integers(0, 10))
def test_fuzz_giant_shapes_and_deep_or_shared_graphs(tmp_path, monkeypatch, graph, width, depth):
    visits = count_visits(monkeypatch)
    loads = [0]
    load = _checkpoint._load

    def counting_load(path):
        loads[0] += 1
        return load(path)

    monkeypatch.setattr(_checkpoint, "_load", counting_load)
    buffer = io.BytesIO()
    torch.save({"graph": graph, "shared": shared_lists(width, depth)}, buffer)
    check(tmp_path, buffer.getvalue())
    assert visits[0] <= loads[0] * (MAX_CHECKPOINT_NODES + 1)  # each walk stops at the bound
