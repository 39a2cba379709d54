"""Sessions holding a stack of layers: format version 3, and versions 1 and 2 read as one layer.

A stack of one layer is written exactly as a single-layer session (version 1 or 2, ``_session``),
so older convexplorers keep opening it; only a deeper stack needs version 3, where ``layers``
lists each layer's settings and activation and the arrays are ``layer{k}_weight.npy`` /
``layer{k}_bias.npy`` (k from 1, as the app names layers). Reading bounds every declared size
first — the layer count, each layer's settings, the chain (``check_chain``, whose message says
which layer does not fit), every array's shape — and reads arrays only then.
"""

from __future__ import annotations

import io
import os
import zipfile
from typing import Any, BinaryIO, NamedTuple

import numpy as np

from convexplorer import __version__
from convexplorer.model import (
    ACTIVATIONS,
    MAX_LAYERS,
    LayerSetup,
    NetworkSnapshot,
    check_chain,
    from_torch_layout,
    layer_name,
    to_torch_layout,
)

from ._atomic import atomic_write_bytes
from ._npy import npy_bytes
from ._session import (
    _JSON_MEMBER,
    FORMAT_NAME,
    SessionData,
    _check_listed,
    _field,
    _image_shape,
    _int_list,
    _Invalid,
    _layer_json,
    _parse_layer,
    _read_array,
    _readable_json,
    member_name,
    read_checked,
    read_document,
    read_layer_session,
    save_session,
)

STACK_VERSION = 3


class Selection(NamedTuple):
    """The selected layer's selected filter and sliding-window position [row, col]."""

    filter: int = 0
    position: tuple[int, int] = (0, 0)


def array_key(index: int, what: str) -> str:
    """The ``arrays`` key of layer ``index``'s (0-based) ``what`` ("weight"/"bias")."""
    return f"layer{index + 1}_{what}"


#: The first filter's top-left output: what a fresh stack selects.
DEFAULT_SELECTION = Selection()


# ---- saving ------------------------------------------------------------------------------------


def save_network_session(
    path: str | os.PathLike[str],
    snapshot: NetworkSnapshot,
    selection: Selection = DEFAULT_SELECTION,
) -> None:
    """Write ``snapshot`` atomically: one layer as format 1 or 2, a deeper stack as format 3."""
    if len(snapshot.layers) == 1:
        layer = snapshot.layers[0]
        data = SessionData(
            snapshot.image, layer.spec, layer.weight, layer.bias, layer.activation, *selection
        )
        save_session(path, data)
        return
    arrays = {"image": snapshot.image}
    for index, layer in enumerate(snapshot.layers):
        arrays[array_key(index, "weight")] = to_torch_layout(layer.spec, layer.weight)
        if layer.bias is not None:
            arrays[array_key(index, "bias")] = layer.bias
    arrays = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in arrays.items()}
    count = len(snapshot.layers)
    document = {
        "format": FORMAT_NAME,
        "version": STACK_VERSION,
        "written_by": f"convexplorer {__version__}",
        "description": f"a stack of {count} layers: "
        + "; ".join(layer.spec.describe() for layer in snapshot.layers),
        "layers": [
            {"layer": _layer_json(layer.spec), "activation": layer.activation}
            for layer in snapshot.layers
        ],
        "selected_layer": snapshot.selected_layer,
        "selection": {"filter": selection.filter, "position": list(selection.position)},
        "arrays": {key: {"shape": list(a.shape), "dtype": "float32"} for key, a in arrays.items()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_JSON_MEMBER, _readable_json(document))
        for key, array in arrays.items():
            archive.writestr(member_name(key), npy_bytes(array))
    atomic_write_bytes(path, buffer.getbuffer())


# ---- loading -----------------------------------------------------------------------------------


def load_network_session(path: str | os.PathLike[str]) -> tuple[NetworkSnapshot, Selection]:
    """Read and fully check a session of any version (1 and 2 give a one-layer stack).

    Any problem is a FileFormatError naming the file and the reason (nothing else escapes).
    """
    return read_checked(path, _read_network)


def _read_network(f: BinaryIO) -> tuple[NetworkSnapshot, Selection]:
    with zipfile.ZipFile(f) as archive:
        document = read_document(archive)
        if document["version"] < STACK_VERSION:
            data = read_layer_session(archive, document)
            layer = LayerSetup(data.spec, data.weight, data.bias, data.activation)
            return NetworkSnapshot(data.image, (layer,)), Selection(
                data.selected_filter, data.position
            )
        return _read_stack(archive, document)


def _read_stack(
    archive: zipfile.ZipFile, document: dict[str, Any]
) -> tuple[NetworkSnapshot, Selection]:
    """Settings, chain and selection first, then every declared shape, then the arrays."""
    entries = _field(document, "layers", list)
    if not 1 <= len(entries) <= MAX_LAYERS:
        raise _Invalid(
            f"declares a stack of {len(entries)} layers; a stack has 1 to {MAX_LAYERS} layers"
        )
    specs, activations = [], []
    for index, entry in enumerate(entries):
        where = f"layers[{index}]"
        if not isinstance(entry, dict):
            raise _Invalid(f"has a {type(entry).__name__} for {where!r}, expected dict")
        try:
            specs.append(_parse_layer(_field(entry, "layer", dict, where)))
        except _Invalid as exc:
            raise _Invalid(f"{exc} (in {layer_name(index)})") from None
        activation = _field(entry, "activation", str, where)
        if activation not in ACTIVATIONS:
            raise _Invalid(
                f"has an unknown activation {activation!r} for {layer_name(index)} "
                f"(known: {', '.join(ACTIVATIONS)})"
            )
        activations.append(activation)
    listed = _field(document, "arrays", dict)
    image_shape = _image_shape(listed, specs[0])
    try:
        shapes = check_chain(image_shape, specs)
    except ValueError as exc:
        raise _Invalid(f"does not fit together: {exc}") from None
    selected_layer = _field(document, "selected_layer", int)
    if not 0 <= selected_layer < len(specs):
        raise _Invalid(
            f"does not fit together: the selected layer {selected_layer + 1} does not exist "
            f"(the stack has {len(specs)})"
        )
    selection = _selection(document, shapes[selected_layer])
    expected: dict[str, tuple[int, ...]] = {"image": image_shape}
    for index, spec in enumerate(specs):
        expected[array_key(index, "weight")] = spec.torch_weight_shape
        if spec.bias:
            expected[array_key(index, "bias")] = (spec.out_channels,)
    for key, shape in expected.items():  # every declared shape, before any array is read
        _check_listed(listed, key, shape)
    arrays = {key: _read_array(archive, key, shape) for key, shape in expected.items()}
    layers = tuple(
        LayerSetup(
            spec,
            from_torch_layout(spec, arrays[array_key(index, "weight")]),
            arrays.get(array_key(index, "bias")),
            activations[index],
        )
        for index, spec in enumerate(specs)
    )
    return NetworkSnapshot(arrays["image"], layers, selected_layer), selection


def _selection(document: dict[str, Any], output_shape: tuple[int, int, int]) -> Selection:
    """The selection, checked against the selected layer's output (C_out, H, W)."""
    selection = _field(document, "selection", dict)
    selected = _field(selection, "filter", int, "selection")
    position = _int_list(_field(selection, "position", list, "selection"), 2, "position")
    channels, height, width = output_shape
    if not 0 <= selected < channels:
        raise _Invalid(
            f"does not fit together: the selected filter {selected} does not exist "
            f"(the selected layer has {channels})"
        )
    if not (position[0] < height and position[1] < width):
        raise _Invalid(
            f"does not fit together: the selected position ({position[0]}, {position[1]}) "
            f"is outside the selected layer's {height}×{width} output"
        )
    return Selection(selected, (position[0], position[1]))
