"""Sessions holding a stack of layers: format version 3, and versions 1 and 2 read as one layer.

A stack of one layer is written exactly as a single-layer session (version 1 or 2, ``_session``),
so older convexplorers keep opening it; only a deeper stack needs version 3, where ``layers``
lists each layer's settings, activation and selection (filter and sliding-window position), and
the arrays are ``layer{k}_weight.npy`` / ``layer{k}_bias.npy`` (k from 1, as the app names
layers). Reading bounds every declared size
first — the layer count, each layer's settings, the chain (``check_chain``, whose message says
which layer does not fit), every array's shape — and reads arrays only then.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
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

from ._session import (
    FORMAT_NAME,
    SessionData,
    _check_listed,
    _field,
    _image_shape,
    _int_list,
    _Invalid,
    _layer_json,
    _parse_layer,
    _read_archive,
    _read_array,
    read_checked,
    read_document,
    save_session,
    write_archive,
)

STACK_VERSION = 3


class Selection(NamedTuple):
    """A layer's selected filter and sliding-window position (row, col)."""

    filter: int = 0
    position: tuple[int, int] = (0, 0)


def array_key(index: int, what: str) -> str:
    """The ``arrays`` key of layer ``index``'s (0-based) ``what`` ("weight"/"bias")."""
    return f"layer{index + 1}_{what}"


# ---- saving ------------------------------------------------------------------------------------


def save_network_session(
    path: str | os.PathLike[str],
    snapshot: NetworkSnapshot,
    selections: Sequence[Selection | tuple[int, tuple[int, int]]] = (),
) -> None:
    """Write ``snapshot`` atomically: one layer as format 1 or 2, a deeper stack as format 3.

    ``selections``: each layer's (filter, position); layers beyond it select (0, (0, 0)).
    """
    chosen = [Selection(*s) for s in selections][: len(snapshot.layers)]
    chosen += [Selection()] * (len(snapshot.layers) - len(chosen))
    if len(snapshot.layers) == 1:
        layer = snapshot.layers[0]
        data = SessionData(
            snapshot.image, layer.spec, layer.weight, layer.bias, layer.activation, *chosen[0]
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
            {
                "layer": _layer_json(layer.spec),
                "activation": layer.activation,
                "selection": {"filter": selection.filter, "position": list(selection.position)},
            }
            for layer, selection in zip(snapshot.layers, chosen, strict=True)
        ],
        "selected_layer": snapshot.selected_layer,
    }
    write_archive(path, document, arrays)


# ---- loading -----------------------------------------------------------------------------------


def load_network_session(
    path: str | os.PathLike[str],
) -> tuple[NetworkSnapshot, tuple[Selection, ...]]:
    """Read and fully check a session of any version (1 and 2 give a one-layer stack), with
    each layer's selection.

    Any problem is a FileFormatError naming the file and the reason (nothing else escapes).
    """
    return read_checked(path, _read_network)


def _read_network(f: BinaryIO) -> tuple[NetworkSnapshot, tuple[Selection, ...]]:
    with zipfile.ZipFile(f) as archive:
        document = read_document(archive)
        if document["version"] >= STACK_VERSION:
            return _read_stack(archive, document)
    f.seek(0)  # a single layer: read as the app always has
    data = _read_archive(f)
    layer = LayerSetup(data.spec, data.weight, data.bias, data.activation)
    selection = Selection(data.selected_filter, data.position)
    return NetworkSnapshot(data.image, (layer,)), (selection,)


def _read_stack(
    archive: zipfile.ZipFile, document: dict[str, Any]
) -> tuple[NetworkSnapshot, tuple[Selection, ...]]:
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
    selections = tuple(
        _selection(entry, index, shape)
        for index, (entry, shape) in enumerate(zip(entries, shapes, strict=True))
    )
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
    return NetworkSnapshot(arrays["image"], layers, selected_layer), selections


def _selection(entry: dict[str, Any], index: int, output_shape: tuple[int, int, int]) -> Selection:
    """Layer ``index``'s selection, checked against its output (C_out, H, W)."""
    where = f"layers[{index}].selection"
    selection = _field(entry, "selection", dict, f"layers[{index}]")
    selected = _field(selection, "filter", int, where)
    position = _int_list(_field(selection, "position", list, where), 2, f"{where}.position")
    channels, height, width = output_shape
    if not 0 <= selected < channels:
        raise _Invalid(
            f"does not fit together: {layer_name(index)}'s selected filter {selected} does not "
            f"exist (it has {channels})"
        )
    if not (position[0] < height and position[1] < width):
        raise _Invalid(
            f"does not fit together: {layer_name(index)}'s selected position "
            f"({position[0]}, {position[1]}) is outside its {height}×{width} output"
        )
    return Selection(selected, (position[0], position[1]))
