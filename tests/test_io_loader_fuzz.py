"""Array and weight loaders: whatever the bytes, a result or a FileFormatError — nothing else.

Holds the damaged .npy / .npz files a fuzz found escaping as other exceptions, and fuzzes every
loader that reads .npy data (inputs, weights, biases, .npz listings) with damaged headers and bytes.
"""

from __future__ import annotations

import importlib.util
import io
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convexplorer.io import (
    FileFormatError,
    TorchUnavailable,
    list_conv_weights,
    npz_members,
    read_array,
    read_bias,
    read_weights,
)
from convexplorer.io._limits import MAX_ARRAY_VALUES, MAX_NPY_HEADER_BYTES, MAX_ZIP_MEMBERS

FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
LOADERS = {
    "read_array": read_array,
    "list_conv_weights": list_conv_weights,
    "read_weights": read_weights,
    "read_bias": read_bias,
}


def npy_with_header(text: bytes, data: bytes = bytes(16), version: int = 1) -> bytes:
    size = len(text).to_bytes(2 if version == 1 else 4, "little")
    return b"\x93NUMPY" + bytes([version, 0]) + size + text + data


GARBAGE = b"{'descr': <f4, 'shape': ((((" + b" " * 34 + b"\n"


def npz_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def only_refusals(path: Path, *words: str, loaders=LOADERS) -> None:
    for name, load in loaders.items():
        with pytest.raises(FileFormatError) as caught:
            load(path)
        message = str(caught.value)
        assert message.startswith(f"{path.name}: "), name
        for word in words:
            assert word in message, (name, message)


def test_a_garbage_npy_header_is_refused_by_every_loader(tmp_path):
    path = tmp_path / "g.npy"
    path.write_bytes(npy_with_header(GARBAGE))
    only_refusals(path, "damaged header", "EOF in multi-line statement")
    archive = npz_of(tmp_path / "g.npz", {"weight.npy": npy_with_header(GARBAGE)})
    loaders = {"array": read_array, "list": list_conv_weights, "members": npz_members}
    only_refusals(archive, "damaged", loaders=loaders)


def test_an_oversized_npy_header_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "long.npy"
    path.write_bytes(npy_with_header(b"{" + b" " * MAX_NPY_HEADER_BYTES, version=2))
    only_refusals(path, f"declares {MAX_NPY_HEADER_BYTES + 1} bytes")
    path.write_bytes(b"\x93NUMPY\x02\x00" + (1 << 31).to_bytes(4, "little") + b"{")
    only_refusals(path, "declares 2147483648 bytes")


def test_a_structured_npz_member_is_listed_as_unusable_and_refused(tmp_path):
    path = tmp_path / "s.npz"
    np.savez(path, table=np.zeros((2, 2), "i4,f4"), image=np.ones((2, 3)))
    members = npz_members(path)
    assert [m.name for m in members] == ["table", "image"]
    assert [m.usable for m in members] == [False, True]  # no TypeError from parsing the text
    assert read_array(path).array.shape == (1, 2, 3)  # the one usable array opens by itself
    with pytest.raises(FileFormatError, match=r"member 'table' holds .*real numbers"):
        read_array(path, "table")
    only_structured = tmp_path / "t.npz"
    np.savez(only_structured, table=np.zeros((2, 2), "i4,f4"))
    with pytest.raises(FileFormatError, match="holds 1 arrays"):
        read_array(only_structured)
    with pytest.raises(FileFormatError, match="holds no 4-D"):
        read_weights(only_structured)


def test_declared_sizes_beyond_the_bounds_are_refused_before_reading(tmp_path):
    side = tmp_path / "side.npy"
    np.save(side, np.zeros((1, 20000), np.uint8))
    with pytest.raises(FileFormatError, match=r"1×20000 pixels is too large.*at most 16384"):
        read_array(side)
    many = tmp_path / "many.npy"
    np.save(many, np.zeros((300, 4, 3), np.float32))
    with pytest.raises(FileFormatError, match=r"300 channels is too large.*channels-last"):
        read_array(many)
    assert read_array(many, channels_last=True).array.shape == (3, 300, 4)
    huge = tmp_path / "huge.npy"
    text = f"{{'descr': '<f4', 'fortran_order': False, 'shape': ({MAX_ARRAY_VALUES + 1},), }}"
    huge.write_bytes(npy_with_header(text.encode()))
    with pytest.raises(FileFormatError, match=f"{MAX_ARRAY_VALUES + 1} values"):
        read_bias(huge)
    filters = tmp_path / "filters.npy"
    text = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 3, 3), }"
    filters.write_bytes(npy_with_header(text.encode()))
    with pytest.raises(FileFormatError, match="has 100000 filters; at most 256"):
        read_weights(filters)
    biases = tmp_path / "biases.npy"
    np.save(biases, np.zeros(257, np.float32))
    with pytest.raises(FileFormatError, match="257 biases"):
        read_bias(biases)


def test_an_archive_with_too_many_members_is_refused(tmp_path):
    one = io.BytesIO()
    np.save(one, np.zeros((2, 2), np.float32))
    members = {f"a{i}.npy": one.getvalue() for i in range(MAX_ZIP_MEMBERS + 1)}
    path = npz_of(tmp_path / "crowd.npz", members)
    only_refusals(
        path,
        f"more than the {MAX_ZIP_MEMBERS}",
        loaders={"npz_members": npz_members, "read_array": read_array, "weights": read_weights},
    )


# ---- fuzzing -------------------------------------------------------------------------------------

HEADER_TEXTS = st.one_of(
    st.binary(max_size=100),
    st.text(
        alphabet="{}()[]'\",:<>f4i8u1b? shapedcrfotn_TrueFals0123456789L\\\n-", max_size=100
    ).map(str.encode),
    st.sampled_from(
        [
            GARBAGE,
            b"{'descr': '<f4', 'fortran_order': False, 'shape': (" + b"(" * 300,
            b"{'descr': '<f4', 'fortran_order': False, 'shape': (10**100, 10**100), }",
            b"{'descr': ('<f4', (10**9, 10**9)), 'fortran_order': False, 'shape': (1,), }",
            b"{'descr': [('a', '<f4', (3,))], 'fortran_order': False, 'shape': (2, 3, 4, 4), }",
            b"{'descr': 'O', 'fortran_order': False, 'shape': (1,), }",
            b"{'descr': '<U9', 'fortran_order': True, 'shape': (2, 2), }",
            b"{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 1L, 3L, 3L), }",
            b"{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }",
            b"[" * 5000,
        ]
    ),
)


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("valid")
    weight = np.arange(18, dtype=np.float32).reshape(2, 1, 3, 3)
    np.save(folder / "w.npy", weight)
    np.savez(folder / "w.npz", weight=weight, bias=np.ones(2, np.float32))
    return {"npy": (folder / "w.npy").read_bytes(), "npz": (folder / "w.npz").read_bytes()}


def load_all(path: Path) -> None:
    for load in (*LOADERS.values(), npz_members):
        try:
            load(path)
        except FileFormatError as exc:
            assert str(exc).startswith(f"{path.name}: ")
        except TorchUnavailable:
            # a flipped first byte can make it start like torch.save's legacy format (a pickle):
            # without torch that cannot be told from a checkpoint; the user is told to install it
            assert importlib.util.find_spec("torch") is None


@FUZZ
@given(text=HEADER_TEXTS, data=st.binary(max_size=64), version=st.sampled_from([1, 2]))
def test_fuzz_npy_headers_in_every_loader(tmp_path, text, data, version):
    blob = npy_with_header(text, data, version)
    (tmp_path / "f.npy").write_bytes(blob)
    load_all(tmp_path / "f.npy")
    load_all(npz_of(tmp_path / "f.npz", {"weight.npy": blob, "bias.npy": blob[:20]}))


@FUZZ
@given(st.data())
def test_fuzz_truncations_and_byte_flips(tmp_path, valid, data):
    kind = data.draw(st.sampled_from(["npy", "npz"]), label="kind")
    blob = bytearray(valid[kind])
    if data.draw(st.booleans(), label="truncate"):
        blob = blob[: data.draw(st.integers(0, len(blob) - 1), label="cut")]
    else:
        for _ in range(data.draw(st.integers(1, 8), label="flips")):
            at = data.draw(st.integers(0, len(blob) - 1), label="at")
            blob[at] = data.draw(st.integers(0, 255), label="byte")
    path = tmp_path / f"f.{kind}"
    path.write_bytes(bytes(blob))
    load_all(path)


def test_a_file_that_starts_like_a_pickle_asks_for_torch_without_it(tmp_path, valid, monkeypatch):
    """The case the fuzzing found on a machine without torch: an .npy whose first byte is 0x80."""
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` fails, as without it
    path = tmp_path / "f.npy"
    path.write_bytes(b"\x80" + valid["npy"][1:])
    with pytest.raises(TorchUnavailable, match="pip install torch"):
        list_conv_weights(path)
