"""Sessions: the whole explorer state in one ``.convx`` file that opens on another machine.

A session is a ZIP archive holding ``session.json`` (what a person reads: format, version, layer
settings, activation, selection, array shapes) and one ``.npy`` member per array (bit-exact
float32). FORMAT.md documents it. Loading checks everything before anything is touched, and every
way a file can be wrong comes out as a FileFormatError that names the file and the reason.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import tokenize
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import numpy as np

from convexplorer import __version__
from convexplorer.model import (
    ACTIVATIONS,
    MAX_MAGNITUDE,
    LayerSpec,
    StateView,
    from_torch_layout,
    to_torch_layout,
)

from ._atomic import atomic_write_bytes
from ._errors import ARCHIVE_DAMAGE, FileFormatError
from ._limits import (
    MAX_JSON_BYTES,
    MAX_NPY_HEADER_BYTES,
    MAX_ZIP_MEMBERS,
    input_problem,
    values_problem,
)
from ._npy import npy_bytes, read_npy_bytes

FORMAT_NAME = "convexplorer-session"
#: The newest format this version reads and writes. A session is written with the lowest version
#: that holds its layer: 1 for a plain Conv2d (older convexplorers open it), 2 when it uses a
#: setting version 1 has no place for (textbook convolution, ConvTranspose2d), which older ones
#: refuse clearly instead of opening a different layer; 3 for a stack of more than one layer
#: (``_network_session``).
FORMAT_VERSION = 3
SESSION_SUFFIX = ".convx"
MEMBERS = {"image": "image.npy", "weight": "weight.npy", "bias": "bias.npy"}
_JSON_MEMBER = "session.json"
# An .npy member: the header (magic, version, length field, text) and then the values.
_NPY_OVERHEAD = 12 + MAX_NPY_HEADER_BYTES
_LAYER_KEYS = (
    "in_channels",
    "out_channels",
    "kernel_size",
    "stride",
    "padding",
    "padding_mode",
    "dilation",
    "groups",
    "bias",
)
#: Layer settings added in format version 2, with the value a session without them means.
_OPTIONAL_LAYER_KEYS: dict[str, object] = {
    "flip_kernel": False,
    "transposed": False,
    "output_padding": [0, 0],
    "pool": "",
}
# What a damaged archive can raise from zipfile, zlib, lzma, json or numpy's header parser (which
# ``_npy.read_header`` already turns into ValueError; listed again as a second line of defence).
_DAMAGE = (
    OSError,
    *ARCHIVE_DAMAGE,
    TypeError,
    KeyError,
    IndexError,
    SyntaxError,
    RecursionError,
    tokenize.TokenError,
)


@dataclass(frozen=True)
class SessionData:
    """Everything a session restores; ``bias`` is None when the layer has no bias.

    ``weight`` is in the explorer's layout (``spec.weight_shape``); the file holds PyTorch's
    (``spec.torch_weight_shape``: the two differ for ConvTranspose2d).
    """

    image: np.ndarray
    spec: LayerSpec
    weight: np.ndarray
    bias: np.ndarray | None
    activation: str
    selected_filter: int
    position: tuple[int, int]

    @classmethod
    def from_state(cls, state: StateView) -> SessionData:
        return cls(
            image=np.array(state.image),
            spec=state.spec,
            weight=np.array(state.weight),
            bias=None if state.bias is None else np.array(state.bias),
            activation=state.activation,
            selected_filter=state.selected_filter,
            position=state.position,
        )


T = TypeVar("T")


class _Invalid(Exception):
    """A reason the file is refused; becomes a FileFormatError naming the file."""


# ---- saving ------------------------------------------------------------------------------------


def save_session(path: str | os.PathLike[str], state: StateView | SessionData) -> None:
    """Write the session atomically: a failed save leaves any previous file untouched."""
    data = state if isinstance(state, SessionData) else SessionData.from_state(state)
    # weights in PyTorch's layout for the layer's kind: (C_in, C_out/groups, kH, kW) if transposed
    weight = to_torch_layout(data.spec, data.weight)
    arrays = {"image": data.image, "weight": weight, "bias": data.bias}
    arrays = {
        k: np.ascontiguousarray(v, dtype=np.float32) for k, v in arrays.items() if v is not None
    }
    layer = _layer_json(data.spec)
    document = {
        "format": FORMAT_NAME,
        "version": 2 if any(key in layer for key in _OPTIONAL_LAYER_KEYS) else 1,
        "written_by": f"convexplorer {__version__}",
        "description": data.spec.describe(),
        "layer": layer,
        "activation": data.activation,
        "selection": {"filter": data.selected_filter, "position": list(data.position)},
    }
    write_archive(path, document, arrays)


def write_archive(
    path: str | os.PathLike[str], document: dict[str, Any], arrays: dict[str, np.ndarray]
) -> None:
    """``document`` (with the list of ``arrays`` added) and each array as an .npy member, in one
    ZIP archive written atomically: what every session format shares."""
    document = {
        **document,
        "arrays": {key: {"shape": list(a.shape), "dtype": "float32"} for key, a in arrays.items()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_JSON_MEMBER, _readable_json(document))
        for key, array in arrays.items():
            archive.writestr(member_name(key), npy_bytes(array))
    atomic_write_bytes(path, buffer.getbuffer())


def _readable_json(document: dict[str, Any]) -> str:
    """Indented JSON with short lists of numbers kept on one line, e.g. "stride": [1, 1]."""
    text = json.dumps(document, indent=2, ensure_ascii=False)
    numbers = re.compile(r"\[\s+([-\d.,\s]*?)\s+\]")
    return numbers.sub(lambda m: f"[{', '.join(n.strip() for n in m[1].split(','))}]", text) + "\n"


def _layer_json(spec: LayerSpec) -> dict[str, Any]:
    padding = spec.padding if isinstance(spec.padding, str) else list(spec.padding)
    return {
        "in_channels": spec.in_channels,
        "out_channels": spec.out_channels,
        "kernel_size": list(spec.kernel_size),
        "stride": list(spec.stride),
        "padding": padding,
        "padding_mode": spec.padding_mode,
        "dilation": list(spec.dilation),
        "groups": spec.groups,
        "bias": spec.bias,
    } | _optional_layer_json(spec)


def _optional_layer_json(spec: LayerSpec) -> dict[str, Any]:
    """The version-2 settings that differ from what their absence means."""
    values = {
        "flip_kernel": spec.flip_kernel,
        "transposed": spec.transposed,
        "output_padding": list(spec.output_padding),
        "pool": spec.pool,
    }
    return {key: value for key, value in values.items() if value != _OPTIONAL_LAYER_KEYS[key]}


# ---- loading ------------------------------------------------------------------------------------


def load_session(path: str | os.PathLike[str]) -> SessionData:
    """Read and fully check a session file; any problem is a FileFormatError (nothing else)."""
    return read_checked(path, _read_archive)


def read_checked(path: str | os.PathLike[str], reader: Callable[[BinaryIO], T]) -> T:
    """``reader`` applied to the open file, every way it can fail turned into a FileFormatError."""
    try:
        with open(path, "rb") as f:
            signature = f.read(4)
            if not signature:
                raise _Invalid("the file is empty")
            f.seek(0)
            return reader(f)
    except _Invalid as exc:
        raise FileFormatError(path, str(exc)) from None
    except zipfile.BadZipFile as exc:
        if signature.startswith(b"PK"):
            raise FileFormatError(path, f"is damaged or cut short ({exc})") from None
        raise FileFormatError(path, "is not a convexplorer session (not a ZIP archive)") from None
    except _DAMAGE as exc:
        if isinstance(exc, OSError) and exc.filename is not None:
            raise FileFormatError.unreadable(path, exc) from None
        raise FileFormatError(path, f"is damaged ({type(exc).__name__}: {exc})") from None


def _read_archive(f: BinaryIO) -> SessionData:
    """Read and check the JSON, then the shapes it declares, then the arrays; only then return.

    Versions 1 and 2 (one layer); a stack (version 3) is ``_network_session``'s to read.
    """
    with zipfile.ZipFile(f) as archive:
        document = read_document(archive)
        if document["version"] >= 3:
            layers = document.get("layers")
            count = len(layers) if isinstance(layers, list) else 0
            stack = f"a stack of {count} layer{'s' if count != 1 else ''}" if count else "a stack"
            raise _Invalid(f"holds {stack} (session format 3); this window opens a single layer")
        spec = _parse_layer(_field(document, "layer", dict))
        activation = _field(document, "activation", str)
        if activation not in ACTIVATIONS:
            raise _Invalid(
                f"has an unknown activation {activation!r} (known: {', '.join(ACTIVATIONS)})"
            )
        selection = _field(document, "selection", dict)
        selected = _field(selection, "filter", int, "selection")
        position = _int_list(_field(selection, "position", list, "selection"), 2, "position")
        listed = _field(document, "arrays", dict)
        image_shape = _image_shape(listed, spec)
        try:
            oh, ow = spec.output_size(image_shape[1], image_shape[2])
        except ValueError as exc:
            raise _Invalid(f"does not fit together: {exc}") from None
        if not 0 <= selected < spec.out_channels:
            raise _Invalid(
                f"does not fit together: the selected filter {selected} does not exist "
                f"(the layer has {spec.out_channels})"
            )
        if not (position[0] < oh and position[1] < ow):
            raise _Invalid(
                f"does not fit together: the selected position ({position[0]}, {position[1]}) "
                f"is outside the {oh}×{ow} output"
            )
        expected = {"image": image_shape, "weight": spec.torch_weight_shape}
        if spec.bias:
            expected["bias"] = (spec.out_channels,)
        for key, shape in expected.items():  # every declared shape, before any array is read
            _check_listed(listed, key, shape)
        arrays = {key: _read_array(archive, key, shape) for key, shape in expected.items()}
    data = SessionData(
        image=arrays["image"],
        spec=spec,
        weight=from_torch_layout(spec, arrays["weight"]),
        bias=arrays.get("bias"),
        activation=activation,
        selected_filter=selected,
        position=(position[0], position[1]),
    )
    try:
        check_session(data)
    except ValueError as exc:
        raise _Invalid(f"does not fit together: {exc}") from None
    return data


def read_document(archive: zipfile.ZipFile) -> dict[str, Any]:
    """The checked ``session.json`` of an archive, once its member count is bounded."""
    if len(archive.infolist()) > MAX_ZIP_MEMBERS:
        raise _Invalid(
            f"holds {len(archive.infolist())} members, more than the {MAX_ZIP_MEMBERS} "
            "this explorer reads"
        )
    if _JSON_MEMBER not in set(archive.namelist()):
        raise _Invalid(f"is not a convexplorer session (no {_JSON_MEMBER} inside)")
    return _read_json(archive)


def member_name(key: str) -> str:
    """The archive member holding the array ``key`` (``layer2_weight`` → ``layer2_weight.npy``)."""
    return MEMBERS.get(key, f"{key}.npy")


def _read_json(archive: zipfile.ZipFile) -> dict[str, Any]:
    info = archive.getinfo(_JSON_MEMBER)
    if info.file_size > MAX_JSON_BYTES:
        raise _Invalid(
            f"has a {_JSON_MEMBER} of {info.file_size} bytes, more than the {MAX_JSON_BYTES} "
            "a real one needs"
        )
    try:
        document = json.loads(archive.read(info).decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, or an absurdly long number
        raise _Invalid(f"has an unreadable {_JSON_MEMBER} ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise _Invalid(f"is not a convexplorer session ({_JSON_MEMBER} is for something else)")
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _Invalid(f"has an invalid format version {version!r}")
    if version > FORMAT_VERSION:
        raise _Invalid(
            f"was written by a newer convexplorer (session format {version}; this version "
            f"reads format {FORMAT_VERSION}) — update convexplorer to open it"
        )
    return document


def _field(mapping: dict[str, Any], key: str, kind: type, where: str = "") -> Any:
    place = f"{where}.{key}" if where else key
    if key not in mapping:
        raise _Invalid(f"lacks the {place!r} entry")
    value = mapping[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Invalid(f"has a {type(value).__name__} for {place!r}, expected {kind.__name__}")
    return value


def _int_list(value: list[Any], length: int | None, what: str) -> list[int]:
    if (length is not None and len(value) != length) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
    ):
        size = f"{length} " if length is not None else ""
        raise _Invalid(f"has an invalid {what} {value!r} (expected {size}non-negative integers)")
    return value


def _parse_layer(layer: dict[str, Any]) -> LayerSpec:
    missing = [key for key in _LAYER_KEYS if key not in layer]
    if missing:
        raise _Invalid(f"lacks the layer settings {', '.join(missing)}")
    settings = {key: layer[key] for key in _LAYER_KEYS}
    for key in ("kernel_size", "stride", "dilation") + (
        () if isinstance(settings["padding"], str) else ("padding",)
    ):
        if not isinstance(settings[key], list):
            raise _Invalid(f"has an invalid layer setting {key}={settings[key]!r}")
        settings[key] = tuple(_int_list(settings[key], 2, f"layer setting {key}"))
    for key in ("bias", "flip_kernel", "transposed"):
        settings[key] = layer.get(key, _OPTIONAL_LAYER_KEYS.get(key))
        if not isinstance(settings[key], bool):
            raise _Invalid(f"has an invalid layer setting {key}={settings[key]!r}")
    output_padding = layer.get("output_padding", _OPTIONAL_LAYER_KEYS["output_padding"])
    if not isinstance(output_padding, list):
        raise _Invalid(f"has an invalid layer setting output_padding={output_padding!r}")
    settings["output_padding"] = tuple(_int_list(output_padding, 2, "layer setting output_padding"))
    settings["pool"] = layer.get("pool", _OPTIONAL_LAYER_KEYS["pool"])
    if not isinstance(settings["pool"], str):
        raise _Invalid(f"has an invalid layer setting pool={settings['pool']!r}")
    try:
        return LayerSpec(**settings)
    except ValueError as exc:
        raise _Invalid(f"has invalid layer settings: {exc}") from None


def _listed_shape(listed: dict[str, Any], key: str) -> tuple[int, ...]:
    entry = _field(listed, key, dict, "arrays")
    claimed = tuple(_int_list(_field(entry, "shape", list, f"arrays.{key}"), None, "shape"))
    if _field(entry, "dtype", str, f"arrays.{key}") != "float32":
        raise _Invalid(f"stores the {key} as {entry['dtype']!r}; sessions store float32")
    if len(claimed) > 4:
        raise _Invalid(f"declares a {key} of shape {claimed}; no array here has over 4 axes")
    return claimed


def _image_shape(listed: dict[str, Any], spec: LayerSpec) -> tuple[int, int, int]:
    """The input's shape as ``session.json`` declares it, checked against the bounds and layer."""
    shape = _listed_shape(listed, "image")
    if len(shape) != 3 or min(shape) < 1:
        raise _Invalid(f"declares an input of shape {shape}; an input is a non-empty (C, H, W)")
    problem = input_problem(*shape)
    if problem:
        raise _Invalid(f"declares {problem}")
    if shape[0] != spec.in_channels:
        raise _Invalid(
            f"does not fit together: the layer expects {spec.in_channels} input channels, "
            f"the input has {shape[0]}"
        )
    return shape[0], shape[1], shape[2]


def _check_listed(listed: dict[str, Any], key: str, shape: tuple[int, ...]) -> None:
    claimed = _listed_shape(listed, key)
    if claimed != shape:
        raise _Invalid(f"{_JSON_MEMBER} says {claimed} for the {key}; its layer needs {shape}")


def _read_array(archive: zipfile.ZipFile, key: str, shape: tuple[int, ...]) -> np.ndarray:
    """The member for ``key``, whose shape ``session.json`` declared and the layer confirmed."""
    name = member_name(key)
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise _Invalid(f"lacks the {name} member") from None
    problem = values_problem(shape)
    if problem:
        raise _Invalid(f"has a {key} that {problem}")
    most = _NPY_OVERHEAD + 4 * math.prod(shape)
    if info.file_size > most:
        raise _Invalid(
            f"has a {name} of {info.file_size} bytes; a {key} of shape {shape} takes at most {most}"
        )
    try:
        array = read_npy_bytes(archive.read(info))
    except ValueError as exc:
        raise _Invalid(f"has a damaged {name}: it {exc}") from None
    if array.dtype.kind != "f" or array.dtype.itemsize != 4:
        raise _Invalid(f"has a {name} of dtype {array.dtype}, expected float32")
    if array.shape != shape:
        raise _Invalid(f"has a {name} of shape {array.shape} where {_JSON_MEMBER} says {shape}")
    if not np.isfinite(array).all():
        raise _Invalid(f"has NaN or infinite values in its {key}")
    if array.size and np.abs(array).max() > MAX_MAGNITUDE:
        raise _Invalid(
            f"has {key} values beyond ±{MAX_MAGNITUDE:g}, the largest the explorer accepts"
        )
    return np.ascontiguousarray(array, dtype=np.float32)


# ---- applying --------------------------------------------------------------------------------


def check_session(data: SessionData) -> None:
    """Raise ValueError unless ``data`` can be applied as a whole (nothing partial)."""
    image = np.asarray(data.image)
    if image.ndim != 3 or min(image.shape) < 1:
        raise ValueError(f"the input must be a non-empty (C, H, W) array, got shape {image.shape}")
    if not np.isfinite(image).all():
        raise ValueError("the input holds NaN or infinite values")
    _check_magnitude(image, "the input")
    spec = data.spec
    if image.shape[0] != spec.in_channels:
        raise ValueError(
            f"the layer expects {spec.in_channels} input channels, the input has {image.shape[0]}"
        )
    oh, ow = spec.output_size(image.shape[1], image.shape[2])
    if np.shape(data.weight) != spec.weight_shape:
        raise ValueError(
            f"the weights have shape {np.shape(data.weight)}, the layer needs {spec.weight_shape}"
        )
    if not np.isfinite(data.weight).all():
        raise ValueError("the weights hold NaN or infinite values")
    _check_magnitude(data.weight, "the weights")
    if spec.bias != (data.bias is not None):
        raise ValueError("the biases do not match the layer's bias setting")
    if data.bias is not None:
        if np.shape(data.bias) != (spec.out_channels,):
            raise ValueError(
                f"the biases have shape {np.shape(data.bias)}, expected ({spec.out_channels},)"
            )
        if not np.isfinite(data.bias).all():
            raise ValueError("the biases hold NaN or infinite values")
        _check_magnitude(data.bias, "the biases")
    if data.activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {data.activation!r}")
    if not 0 <= data.selected_filter < spec.out_channels:
        raise ValueError(
            f"the selected filter {data.selected_filter} does not exist "
            f"(the layer has {spec.out_channels})"
        )
    row, col = data.position
    if not (0 <= row < oh and 0 <= col < ow):
        raise ValueError(f"the selected position ({row}, {col}) is outside the {oh}×{ow} output")


def _check_magnitude(values: Any, what: str) -> None:
    values = np.asarray(values)
    if values.size and np.abs(values).max() > MAX_MAGNITUDE:
        raise ValueError(f"{what} hold values beyond ±{MAX_MAGNITUDE:g}")


def is_session_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is named like a session (for choosing what a dropped file opens as)."""
    return Path(path).suffix.lower() == SESSION_SUFFIX
