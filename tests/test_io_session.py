"""Sessions: exact round trips, every kind of bad file refused with the state unchanged, fuzzing."""

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
    FORMAT_VERSION,
    FileFormatError,
    SessionData,
    check_session,
    load_session,
    save_session,
)
from convexplorer.model import ACTIVATIONS, ExplorerState, LayerSpec
from tests.io_support import apply_session, fingerprint, make_state
from tests.session_fuzz import mutated_json, rewrite, truncated_or_flipped

FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def rich_state() -> ExplorerState:
    state = make_state(
        4,
        6,
        (10, 12),
        kernel_size=(3, 2),
        padding="same",
        padding_mode="reflect",
        groups=2,
        dilation=(2, 1),
    )
    state.set_activation("relu")
    state.select(5, (7, 3))
    return state


def other_state() -> ExplorerState:
    return make_state(1, 1, (5, 5), seed=9)


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, ExplorerState]:
    state = rich_state()
    path = tmp_path / "lesson.convx"
    save_session(path, state)
    return path, state


@pytest.mark.parametrize(
    "spec_kw",
    [
        {},
        {"bias": False, "stride": (2, 3), "padding": (1, 0), "padding_mode": "circular"},
        {"padding": "valid", "kernel_size": 1, "padding_mode": "replicate"},
    ],
)
def test_round_trip_is_bit_exact(tmp_path, spec_kw):
    state = make_state(**spec_kw)
    state.select(state.spec.out_channels - 1, (state.output_size[0] - 1, 1))
    save_session(tmp_path / "s.convx", state)
    target = other_state()
    apply_session(target, load_session(tmp_path / "s.convx"))
    assert fingerprint(target) == fingerprint(state)
    assert np.signbit(target.weight.reshape(-1)[0])  # -0.0 stayed negative zero


def test_rich_session_round_trips_and_is_readable_by_a_person(saved):
    path, state = saved
    target = other_state()
    apply_session(target, load_session(path))
    assert fingerprint(target) == fingerprint(state)
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["session.json", "image.npy", "weight.npy", "bias.npy"]
        document = json.loads(archive.read("session.json"))
        weight = np.load(io.BytesIO(archive.read("weight.npy")), allow_pickle=False)
    assert document["format"] == "convexplorer-session"
    assert document["version"] == 1  # a plain Conv2d: the oldest format that holds it
    assert document["layer"]["padding"] == "same"
    assert document["layer"]["dilation"] == [2, 1]
    assert document["selection"] == {"filter": 5, "position": [7, 3]}
    assert document["arrays"]["weight"]["shape"] == [6, 2, 3, 2]
    assert weight.tobytes() == state.weight.tobytes()


def test_session_data_saves_too_and_overwrites(saved):
    path, _ = saved
    data = SessionData.from_state(other_state())
    save_session(path, data)
    assert fingerprint(apply_to_new(load_session(path))) == fingerprint(other_state())


def apply_to_new(data: SessionData) -> ExplorerState:
    state = rich_state()
    apply_session(state, data)
    return state


# ---- bad files -----------------------------------------------------------------------------------


def refused(path: Path, *words: str) -> FileFormatError:
    """Loading ``path`` is refused, names the file, gives the reason, and changes no state."""
    state = rich_state()
    before = fingerprint(state)
    with pytest.raises(FileFormatError) as caught:
        apply_session(state, load_session(path))
    assert fingerprint(state) == before
    message = str(caught.value)
    assert message.startswith(f"{path.name}: ")
    for word in words:
        assert word in message
    return caught.value


def set_in(*keys_and_value):
    *keys, value = keys_and_value

    def edit(document):
        for key in keys[:-1]:
            document = document[key]
        document[keys[-1]] = value

    return edit


def test_missing_empty_directory_and_foreign_files_are_refused(tmp_path):
    refused(tmp_path / "nowhere.convx", "cannot be read")
    (tmp_path / "empty.convx").write_bytes(b"")
    refused(tmp_path / "empty.convx", "empty")
    (tmp_path / "dir.convx").mkdir()
    refused(tmp_path / "dir.convx", "cannot be read")
    (tmp_path / "notes.convx").write_text("just some text\n")
    refused(tmp_path / "notes.convx", "not a convexplorer session")
    with zipfile.ZipFile(tmp_path / "other.convx", "w") as archive:
        archive.writestr("readme.txt", "hello")
    refused(tmp_path / "other.convx", "no session.json")


def test_truncated_files_are_refused(saved, tmp_path):
    path, _ = saved
    data = path.read_bytes()
    for cut in (4, 100, len(data) // 2, len(data) - 30):
        (tmp_path / "cut.convx").write_bytes(data[:cut])
        refused(tmp_path / "cut.convx", "damaged")


def test_foreign_and_newer_json_are_refused(saved, tmp_path):
    path, _ = saved
    refused(rewrite(path, tmp_path / "a.convx", set_in("format", "photoshop")), "something else")
    newer = rewrite(path, tmp_path / "b.convx", set_in("version", FORMAT_VERSION + 1))
    refused(newer, "newer convexplorer", f"format {FORMAT_VERSION + 1}")
    refused(rewrite(path, tmp_path / "c.convx", set_in("version", "1")), "invalid format version")
    with zipfile.ZipFile(tmp_path / "d.convx", "w") as archive:
        archive.writestr("session.json", "{not json")
    refused(tmp_path / "d.convx", "unreadable session.json")


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (set_in("layer", "groups", 3), ["invalid layer settings", "groups=3"]),
        (set_in("layer", "kernel_size", [3]), ["kernel_size"]),
        (set_in("layer", "bias", "yes"), ["bias"]),
        (set_in("layer", "padding", "full"), ["padding"]),
        (set_in("activation", "gelu"), ["unknown activation 'gelu'"]),
        (set_in("selection", "filter", 6), ["selected filter 6 does not exist"]),
        (set_in("selection", "position", [10, 0]), ["outside the 10×12 output"]),
        (set_in("selection", "position", [True, 0]), ["position"]),
        (set_in("arrays", "weight", "shape", [6, 2, 3, 3]), ["says (6, 2, 3, 3)"]),
        (set_in("arrays", "image", "dtype", "float64"), ["float32"]),
        (lambda d: d.pop("layer"), ["lacks the 'layer' entry"]),
    ],
)
def test_malformed_json_is_refused(saved, tmp_path, edit, words):
    path, _ = saved
    refused(rewrite(path, tmp_path / "bad.convx", edit), *words)


def test_wrong_arrays_are_refused(saved, tmp_path):
    path, state = saved
    weight = np.array(state.weight)
    nan_weight = weight.copy()
    nan_weight[1, 0, 0, 0] = np.nan
    clean = np.array(state.image)
    image = clean.copy()
    image[0, 0, 0] = np.inf

    def matching(name, array):  # the array replaced and session.json updated to agree with it
        key = name.removesuffix(".npy")
        return rewrite(
            path,
            tmp_path / f"{key}.convx",
            set_in("arrays", key, "shape", list(array.shape)),
            {name: array},
        )

    refused(matching("weight.npy", weight[:, :, :2]), "needs (6, 2, 3, 2)")
    refused(matching("weight.npy", nan_weight), "NaN or infinite values in its weight")
    refused(matching("image.npy", image), "NaN or infinite values in its image")
    refused(matching("image.npy", clean[:3]), "does not fit together", "4 input channels")
    refused(matching("image.npy", clean[:, :2, :2]), "does not fit together")
    refused(matching("weight.npy", weight.astype(np.float64)), "dtype float64")
    refused(matching("bias.npy", np.array([object()] * 6)), "Python objects")
    refused(rewrite(path, tmp_path / "nobias.convx", drop=["bias.npy"]), "lacks the bias.npy")
    bad_npy = tmp_path / "junk.convx"
    with zipfile.ZipFile(path) as archive, zipfile.ZipFile(bad_npy, "w") as out:
        for name in archive.namelist():
            data = archive.read(name)
            out.writestr(name, data[:-8] if name == "weight.npy" else data)
    refused(bad_npy, "damaged weight.npy", "cut short")


def test_check_session_refuses_inconsistent_data():
    """(The document's refusal of such data, with nothing changed, is tested in test_document.)"""
    good = SessionData.from_state(other_state())
    bad = [
        SessionData(**{**good.__dict__, "position": (5, 0)}),
        SessionData(**{**good.__dict__, "selected_filter": 1}),
        SessionData(**{**good.__dict__, "bias": None}),
        SessionData(**{**good.__dict__, "activation": "gelu"}),
        SessionData(**{**good.__dict__, "spec": LayerSpec(2, 1)}),
        SessionData(**{**good.__dict__, "weight": np.full((1, 1, 3, 3), np.nan, np.float32)}),
    ]
    for data in bad:
        with pytest.raises(ValueError):
            check_session(data)


# ---- fuzzing: whatever the bytes, only FileFormatError (or a valid session) comes out -----------


@pytest.fixture(scope="module")
def valid_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("fuzz") / "valid.convx"
    save_session(path, make_state(2, 2, (5, 6), bias=True))
    return path.read_bytes()


def load_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.convx"
    path.write_bytes(data)
    try:
        check_session(load_session(path))
    except FileFormatError as exc:
        assert str(exc).startswith("fuzz.convx: ")


@FUZZ
@given(st.binary(max_size=600))
def test_fuzz_random_bytes(tmp_path, data):
    load_bytes(tmp_path, data)


@FUZZ
@given(st.data())
def test_fuzz_truncations_and_byte_flips(tmp_path, valid_bytes, data):
    load_bytes(tmp_path, truncated_or_flipped(data, valid_bytes))


@FUZZ
@given(st.data())
def test_fuzz_mutated_json(tmp_path, valid_bytes, data):
    load_bytes(tmp_path, mutated_json(data, valid_bytes))


# ---- the damaged files a fuzz of 443 found escaping as other exceptions or hanging --------------


def garbage_header_npy() -> bytes:
    """A .npy whose header text is cut off inside nested brackets (ast raises TokenError)."""
    text = b"{'descr': <f4, 'shape': (((("
    text += b" " * (63 - (10 + len(text)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + bytes(16)


def test_a_member_with_a_garbage_npy_header_is_refused(saved, tmp_path):
    path, _ = saved
    with zipfile.ZipFile(path) as archive, zipfile.ZipFile(tmp_path / "g.convx", "w") as out:
        for name in archive.namelist():
            out.writestr(name, garbage_header_npy() if name == "weight.npy" else archive.read(name))
    refused(tmp_path / "g.convx", "damaged weight.npy", "damaged header", "EOF")


def test_a_member_with_an_oversized_npy_header_is_refused(saved, tmp_path):
    path, _ = saved
    huge = b"\x93NUMPY\x02\x00" + (1 << 30).to_bytes(4, "little") + b"{"
    with zipfile.ZipFile(path) as archive, zipfile.ZipFile(tmp_path / "h.convx", "w") as out:
        for name in archive.namelist():
            out.writestr(name, huge if name == "bias.npy" else archive.read(name))
    refused(tmp_path / "h.convx", "damaged bias.npy", "declares 1073741824 bytes")


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("padding", [10**12, 0], ["padding=(1000000000000, 0)", "at most 64"]),
        ("padding", [2**40 - 16, 0], ["at most 64"]),
        ("kernel_size", [3, 1000], ["at most 31"]),
        ("stride", [10**9, 1], ["at most 16"]),
        ("dilation", [1, 99], ["at most 16"]),
        ("out_channels", 10**6, ["out_channels=1000000", "at most 256"]),
        ("in_channels", 4096, ["in_channels=4096", "at most 256"]),
        ("groups", 2**31, ["at most 256"]),
    ],
)
def test_layer_sizes_beyond_the_bounds_are_refused(saved, tmp_path, key, value, words):
    path, _ = saved

    def edit(document):
        document["layer"][key] = value
        document["layer"]["padding"] = document["layer"]["padding"] if key != "stride" else [0, 0]

    refused(rewrite(path, tmp_path / "big.convx", edit), *words)


def test_declared_sizes_are_checked_before_any_array_is_read(saved, tmp_path):
    path, _ = saved
    side = rewrite(path, tmp_path / "a.convx", set_in("arrays", "image", "shape", [4, 10**6, 12]))
    refused(side, "1000000×12 pixels is too large", "at most 16384")
    edit = set_in("arrays", "image", "shape", [4, 9000, 9000])
    values = rewrite(path, tmp_path / "b.convx", edit)
    refused(values, "324000000 values is too large", "268435456")
    axes = rewrite(path, tmp_path / "c.convx", set_in("arrays", "weight", "shape", [1] * 10**5))
    refused(axes, "over 4 axes")
    # a member far larger than its declared shape is refused by its size alone
    padded = tmp_path / "d.convx"
    with zipfile.ZipFile(path) as archive, zipfile.ZipFile(padded, "w") as out:
        for name in archive.namelist():
            data = archive.read(name)
            out.writestr(name, data + bytes(1 << 16) if name == "bias.npy" else data)
    refused(padded, "bias.npy of", "takes at most")


def test_values_beyond_the_explorers_range_are_refused_before_applying(saved, tmp_path):
    path, state = saved
    weight = np.array(state.weight)
    weight[0, 0, 0, 0] = 1e7
    big = rewrite(path, tmp_path / "w.convx", arrays={"weight.npy": weight})
    refused(big, "beyond ±1e+06")
    data = SessionData(**{**SessionData.from_state(state).__dict__, "weight": weight})
    with pytest.raises(ValueError, match="beyond"):
        check_session(data)


def test_an_archive_with_too_many_members_is_refused(saved, tmp_path):
    from convexplorer.io._limits import MAX_ZIP_MEMBERS

    path, _ = saved
    crowded = tmp_path / "many.convx"
    with zipfile.ZipFile(path) as archive, zipfile.ZipFile(crowded, "w") as out:
        for name in archive.namelist():
            out.writestr(name, archive.read(name))
        for i in range(MAX_ZIP_MEMBERS):
            out.writestr(f"x{i}", b"")
    refused(crowded, f"more than the {MAX_ZIP_MEMBERS}")


NPY_HEADER_TEXTS = st.one_of(
    st.binary(max_size=80),
    st.text(alphabet="{}()[]'\",:<>f4 shapedcrfortan_TrueFals0123456789L\\\n", max_size=80).map(
        str.encode
    ),
    st.sampled_from(
        [
            b"{'descr': <f4, 'shape': ((((",
            b"{'descr': '<f4', 'fortran_order': False, 'shape': (" + b"(" * 200 + b"}",
            b"{'descr': '<f4', 'fortran_order': False, 'shape': (10**1000,), }",
            b"{'descr': ('<f4', (10**9, 10**9)), 'fortran_order': False, 'shape': (1,), }",
            b"{'descr': [('a', '<f4')] , 'fortran_order': False, 'shape': (1,), }",
            b"{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 4L), }",
            b"[" * 100_00,
            b"\xff\xfe{",
        ]
    ),
)


@FUZZ
@given(text=NPY_HEADER_TEXTS, member=st.sampled_from(["image.npy", "weight.npy", "bias.npy"]))
def test_fuzz_npy_header_texts(tmp_path, valid_bytes, text, member):
    with zipfile.ZipFile(io.BytesIO(valid_bytes)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[member] = b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + bytes(8)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    load_bytes(tmp_path, buffer.getvalue())


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_round_trips_by_name(tmp_path, activation):
    state = make_state(2, 3, (6, 7))
    state.set_activation(activation)
    save_session(tmp_path / "s.convx", state)
    with zipfile.ZipFile(tmp_path / "s.convx") as archive:
        assert json.loads(archive.read("session.json"))["activation"] == activation
    target = other_state()
    apply_session(target, load_session(tmp_path / "s.convx"))
    assert fingerprint(target) == fingerprint(state)
