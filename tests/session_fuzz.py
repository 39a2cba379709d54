"""Damaged sessions for fuzz tests: one recipe for the one-layer and the stack readers alike."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 40)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=8,
)


def truncated_or_flipped(data: st.DataObject, valid: bytes) -> bytes:
    """``valid`` cut short, or with up to 8 bytes overwritten."""
    blob = bytearray(valid)
    if data.draw(st.booleans(), label="truncate"):
        return bytes(blob[: data.draw(st.integers(0, len(blob) - 1), label="cut")])
    for _ in range(data.draw(st.integers(1, 8), label="flips")):
        at = data.draw(st.integers(0, len(blob) - 1), label="at")
        blob[at] = data.draw(st.integers(0, 255), label="byte")
    return bytes(blob)


def mutated_json(data: st.DataObject, valid: bytes) -> bytes:
    """``valid`` with up to 3 values anywhere in its session.json replaced by random JSON."""
    with zipfile.ZipFile(io.BytesIO(valid)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    document = json.loads(members["session.json"])
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        node, keys = document, []
        while isinstance(node, dict | list) and node and data.draw(st.booleans(), label="deeper"):
            key = data.draw(
                st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node)))
            )
            keys.append(key)
            parent, node = node, node[key]
        if keys:
            parent[keys[-1]] = data.draw(JSON_VALUES, label="value")
    members["session.json"] = json.dumps(document).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def rewrite(source: Path, target: Path, edit_json=None, arrays=None, drop=()) -> Path:
    """A copy of a session with its JSON edited and/or members replaced or dropped (object
    arrays pickled: the hostile files the readers must refuse)."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    if edit_json:
        document = json.loads(members["session.json"])
        edit_json(document)
        members["session.json"] = json.dumps(document).encode()
    for name, array in (arrays or {}).items():
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=True)
        members[name] = buffer.getvalue()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            if name not in drop:
                archive.writestr(name, data)
    return target
