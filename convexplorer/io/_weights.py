"""Weights in and out: ``.npy`` / ``.npz`` in PyTorch's layout, shape checks, adopting a shape.

Exported weights have PyTorch's layout — ``(C_out, C_in/groups, kH, kW)`` for Conv2d,
``(C_in, C_out/groups, kH, kW)`` for ConvTranspose2d (``LayerSpec.torch_weight_shape``) — and biases
``(C_out,)``, so ``conv.weight.data = torch.from_numpy(np.load("w.npy"))`` just works. Files hold
that layout; the plan of an import hands the state its own (``LayerSpec.weight_shape``).
Importing reads a NumPy file or (through ``_checkpoint``) a PyTorch checkpoint, and either checks
the shape against the layer or derives the LayerSpec that adopts the file's shape.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from convexplorer.model import LayerSetup, LayerSpec, from_torch_layout, to_torch_layout

from ._atomic import atomic_write_bytes
from ._errors import FileFormatError, archive_errors
from ._limits import MAX_CHANNELS, MAX_MEMBER_BYTES, MAX_ZIP_MEMBERS, weight_problem
from ._npy import NPY_MAGIC, NpyHeader, npy_bytes, read_header, read_npy

_PICKLE_PROTOCOL_2_PLUS = b"\x80"


class WeightEntry(NamedTuple):
    """A 4-D weight tensor a file holds, with the bias that goes with it (if any)."""

    key: str
    shape: tuple[int, int, int, int]
    bias_key: str | None


@dataclass(frozen=True)
class ImportedWeights:
    """Weights read from a file: float32 (C_out, C_in/groups, kH, kW) and (C_out,) or None."""

    weight: np.ndarray
    bias: np.ndarray | None
    key: str = ""
    bias_key: str | None = None
    notes: list[str] = field(default_factory=list)


# ---- exporting ---------------------------------------------------------------------------------


def export_weights(
    path: str | os.PathLike[str], weight: np.ndarray, bias: np.ndarray | None = None
) -> None:
    """``.npz``: members ``weight`` and (if given) ``bias``; ``.npy``: the weights alone.

    Written atomically. For an ``.npy`` export, save the biases with ``export_bias``.
    """
    weight = np.ascontiguousarray(weight, dtype=np.float32)
    if os.fspath(path).lower().endswith(".npz"):
        arrays = {"weight": weight}
        if bias is not None:
            arrays["bias"] = np.ascontiguousarray(bias, dtype=np.float32)
        buffer = io.BytesIO()
        np.savez(buffer, allow_pickle=False, **arrays)  # type: ignore[arg-type]
        atomic_write_bytes(path, buffer.getbuffer())
    else:
        atomic_write_bytes(path, npy_bytes(weight))


def export_layer_weights(
    path: str | os.PathLike[str], spec: LayerSpec, weight: np.ndarray, bias: np.ndarray | None
) -> None:
    """``export_weights`` of the explorer's weights for ``spec``, in PyTorch's layout."""
    export_weights(path, to_torch_layout(spec, weight), bias)


def export_network_weights(path: str | os.PathLike[str], layers: Sequence[LayerSetup]) -> None:
    """An ``.npz`` of a stack: ``layer{k}_weight`` and ``layer{k}_bias`` (k from 1, as the app
    names layers), each in PyTorch's layout for its kind; written atomically."""
    arrays = {}
    for index, layer in enumerate(layers):
        arrays[f"layer{index + 1}_weight"] = to_torch_layout(layer.spec, layer.weight)
        if layer.bias is not None:
            arrays[f"layer{index + 1}_bias"] = layer.bias
    buffer = io.BytesIO()
    np.savez(
        buffer,
        allow_pickle=False,
        **{key: np.ascontiguousarray(a, dtype=np.float32) for key, a in arrays.items()},
    )
    atomic_write_bytes(path, buffer.getbuffer())


def export_bias(path: str | os.PathLike[str], bias: np.ndarray) -> None:
    atomic_write_bytes(path, npy_bytes(np.ascontiguousarray(bias, dtype=np.float32)))


# ---- reading -----------------------------------------------------------------------------------


def list_conv_weights(path: str | os.PathLike[str]) -> list[WeightEntry]:
    """The 4-D weights in a ``.npy``, ``.npz`` or PyTorch checkpoint, each with its bias key.

    A bias goes with weight ``"<name>weight"`` when ``"<name>bias"`` holds C_out numbers (so
    ``conv1.weight`` pairs with ``conv1.bias``, ``weight`` with ``bias``).
    """
    return _entries(_tensor_shapes(path))


def read_weights(path: str | os.PathLike[str], key: str | None = None) -> ImportedWeights:
    """The weight ``key`` (and its bias) from a file; ``key`` may be omitted if there is one.

    A 1-D ``.npy`` is refused here: read biases alone with ``read_bias``.
    """
    entries = list_conv_weights(path)
    if not entries:
        raise FileFormatError(path, "holds no 4-D convolution weights (C_out, C_in, kH, kW)")
    if key is None:
        if len(entries) > 1:
            names = ", ".join(f"{e.key} {e.shape}" for e in entries[:8])
            more = f" and {len(entries) - 8} more" if len(entries) > 8 else ""
            raise FileFormatError(
                path, f"holds {len(entries)} weight tensors ({names}{more}); choose one"
            )
        entry = entries[0]
    else:
        matches = [e for e in entries if e.key == key]
        if not matches:
            raise FileFormatError(path, f"has no 4-D weight named {key!r}")
        entry = matches[0]
    problem = weight_problem(entry.shape)
    if problem:  # refused before anything of that size is built
        raise FileFormatError(path, f"{entry.key or 'the array'} {problem}")
    wanted = [entry.key] + ([entry.bias_key] if entry.bias_key else [])
    arrays = _tensors(path, wanted)
    notes: list[str] = []
    weight = _as_float32(path, arrays[entry.key], entry.key or "weights", notes)
    bias = None
    if entry.bias_key:
        bias = _as_float32(path, arrays[entry.bias_key], entry.bias_key, notes)
    return ImportedWeights(weight, bias, entry.key, entry.bias_key, notes)


def read_bias(path: str | os.PathLike[str]) -> np.ndarray:
    """Biases from a 1-D ``.npy`` file (as written by ``export_bias``), float32."""
    array = _read_npy_file(path, _bias_problem)
    return _as_float32(path, array, "biases", [])


def _bias_problem(header: NpyHeader) -> str | None:
    if len(header.shape) != 1:
        return f"has shape {header.shape}; biases are one number per filter"
    if header.shape[0] > MAX_CHANNELS:
        return f"holds {header.shape[0]} biases; a layer has at most {MAX_CHANNELS} filters"
    return None


def _as_float32(
    path: str | os.PathLike[str], array: np.ndarray, what: str, notes: list[str]
) -> np.ndarray:
    if array.dtype.kind not in "fiu" or array.dtype.fields is not None:
        raise FileFormatError(path, f"holds {what} of type {array.dtype}, not numbers")
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.ascontiguousarray(array, dtype=np.float32)
    if not np.isfinite(values).all():
        raise FileFormatError(path, f"has NaN or infinite values in {what}")
    if array.dtype.itemsize > 4 and not np.array_equal(values, array):
        notes.append(f"{what} rounded from {array.dtype} to float32")
    return values


def _entries(shapes: dict[str, tuple[int, ...]]) -> list[WeightEntry]:
    entries = []
    for key, shape in shapes.items():
        if len(shape) != 4 or min(shape) < 1:
            continue
        bias_key = key[: -len("weight")] + "bias" if key.endswith("weight") else None
        if bias_key is not None and not _bias_fits(shapes.get(bias_key), shape):
            bias_key = None
        entries.append(WeightEntry(key, (shape[0], shape[1], shape[2], shape[3]), bias_key))
    return entries


def _bias_fits(bias: tuple[int, ...] | None, weight: tuple[int, ...]) -> bool:
    """Whether a bias of this shape can go with these weights: (C_out,) is weight.shape[0] for
    Conv2d and out_channels/groups · groups, a multiple of weight.shape[1], for ConvTranspose2d."""
    return (
        bias is not None and len(bias) == 1 and (bias[0] == weight[0] or bias[0] % weight[1] == 0)
    )


def _kind(path: str | os.PathLike[str]) -> str:
    """'npy', 'npz' or 'torch', by content rather than by name; anything else is refused."""
    with archive_errors(path):
        with open(path, "rb") as f:
            start = f.read(len(NPY_MAGIC))
        if not start:
            raise FileFormatError(path, "the file is empty")
        if start == NPY_MAGIC:
            return "npy"
        if start.startswith(b"PK"):
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
            if len(names) > MAX_ZIP_MEMBERS:
                raise FileFormatError(
                    path,
                    f"holds {len(names)} members, more than the {MAX_ZIP_MEMBERS} this explorer "
                    "reads",
                )
            if names and all(n.endswith(".npy") for n in names):
                return "npz"
            if any(n.endswith("data.pkl") for n in names):
                return "torch"  # torch.save's zip format
        elif start.startswith(_PICKLE_PROTOCOL_2_PLUS):
            return "torch"  # torch.save's legacy format
    raise FileFormatError(
        path, "is not a NumPy array (.npy), NumPy archive (.npz) or PyTorch checkpoint (.pt)"
    )


def _tensor_shapes(path: str | os.PathLike[str]) -> dict[str, tuple[int, ...]]:
    kind = _kind(path)
    if kind == "npy":
        return {"": _npy_shape(path)}
    if kind == "npz":
        return _npz_shapes(path)
    from ._checkpoint import checkpoint_shapes

    return checkpoint_shapes(path)


def _tensors(path: str | os.PathLike[str], keys: list[str]) -> dict[str, np.ndarray]:
    kind = _kind(path)
    if kind == "npy":
        return {"": _read_npy_file(path)}
    if kind == "npz":
        return _npz_arrays(path, keys)
    from ._checkpoint import checkpoint_arrays

    return checkpoint_arrays(path, keys)


def _npy_shape(path: str | os.PathLike[str]) -> tuple[int, ...]:
    try:
        with open(path, "rb") as f:
            return read_header(f).shape
    except OSError as exc:
        raise FileFormatError.unreadable(path, exc) from None
    except ValueError as exc:
        raise FileFormatError(path, str(exc)) from None


def _read_npy_file(
    path: str | os.PathLike[str], check: Callable[[NpyHeader], str | None] | None = None
) -> np.ndarray:
    try:
        with open(path, "rb") as f:
            return read_npy(f, os.fstat(f.fileno()).st_size, check)
    except OSError as exc:
        raise FileFormatError.unreadable(path, exc) from None
    except ValueError as exc:
        raise FileFormatError(path, str(exc)) from None


def _npz_shapes(path: str | os.PathLike[str]) -> dict[str, tuple[int, ...]]:
    with archive_errors(path, "has a damaged array"), zipfile.ZipFile(path) as archive:
        shapes = {}
        for info in archive.infolist():
            with archive.open(info) as stream:
                shapes[info.filename[:-4]] = read_header(stream).shape  # type: ignore[arg-type]
        return shapes


def _npz_arrays(path: str | os.PathLike[str], keys: list[str]) -> dict[str, np.ndarray]:
    with (
        archive_errors(path, "has a damaged array", also=(KeyError,)),
        zipfile.ZipFile(path) as archive,
    ):
        arrays = {}
        for key in keys:
            info = archive.getinfo(key + ".npy")
            if info.file_size > MAX_MEMBER_BYTES:
                raise FileFormatError(
                    path,
                    f"has an array {key!r} of {info.file_size} bytes, more than the "
                    f"{MAX_MEMBER_BYTES} this explorer reads",
                )
            with archive.open(info) as stream:
                arrays[key] = read_npy(stream, info.file_size)  # type: ignore[arg-type]
        return arrays


# ---- fitting the layer -------------------------------------------------------------------------


def weights_mismatch(spec: LayerSpec, weight_shape: tuple[int, ...]) -> str | None:
    """Why weights of ``weight_shape`` (PyTorch's layout, as files hold them) do not fit
    ``spec``, in words; None when they fit."""
    shape = tuple(weight_shape)
    if shape == spec.torch_weight_shape:
        return None
    if len(shape) != 4:
        return f"the file's weights have shape {shape}; a {spec.kind} weight is 4-D"
    return (
        f"the file's weights are {_describe(shape, spec)} but this layer's are "
        f"{_describe(spec.torch_weight_shape, spec)}"
    )


def _describe(shape: tuple[int, ...], spec: LayerSpec) -> str:
    o, c, kh, kw = shape
    if spec.transposed:
        return (
            f"{shape}: {o} input channel{'s' if o != 1 else ''} × {c} output channel"
            f"{'s' if c != 1 else ''} per group × {kh}×{kw} (ConvTranspose2d's layout)"
        )
    return (
        f"{shape}: {o} filter{'s' if o != 1 else ''} × {c} channel{'s' if c != 1 else ''} "
        f"× {kh}×{kw}"
    )


def adopted_spec(
    spec: LayerSpec, weight_shape: tuple[int, ...], has_bias: bool | None = None
) -> LayerSpec:
    """``spec`` changed to take weights of ``weight_shape`` on the same input channels.

    Adopts out_channels, kernel_size and the groups that make C_in/groups match; stride,
    padding, dilation and padding mode stay. ``has_bias`` None keeps the bias setting. A shape no
    layer on this input can take raises ValueError saying why. For a ConvTranspose2d layer the
    shape is (C_in, C_out/groups, kH, kW): C_in must be the input's, and groups stay.
    """
    if len(weight_shape) != 4:
        raise ValueError(f"weights of shape {tuple(weight_shape)} are not 4-D {spec.kind} weights")
    bias = spec.bias if has_bias is None else has_bias
    if spec.transposed:
        c_in, out_per_group, kh, kw = (int(n) for n in weight_shape)
        if c_in != spec.in_channels:
            raise ValueError(
                f"ConvTranspose2d weights are (in_channels, out_channels/groups, kH, kW): the "
                f"file's are for {c_in} input channels but the input has {spec.in_channels}"
            )
        return spec.replace(
            out_channels=out_per_group * spec.groups, kernel_size=(kh, kw), bias=bias
        )
    out_channels, per_group, kh, kw = (int(n) for n in weight_shape)
    if spec.in_channels % per_group:
        raise ValueError(
            f"each filter in the file sees {per_group} input channels, which does not divide "
            f"the input's {spec.in_channels} channels"
        )
    groups = spec.in_channels // per_group
    if out_channels % groups:
        raise ValueError(
            f"{out_channels} filters seeing {per_group} of {spec.in_channels} channels would need "
            f"groups={groups}, which does not divide {out_channels}"
        )
    return spec.replace(out_channels=out_channels, kernel_size=(kh, kw), groups=groups, bias=bias)


@dataclass(frozen=True)
class WeightImport:
    """What importing a file's weights does to a layer: new weights, maybe a new shape, notes.

    ``spec`` differs from the layer's when the file's shape was adopted; ``weight`` is in the
    explorer's layout for it (``spec.weight_shape``), ready for the state.
    """

    spec: LayerSpec
    weight: np.ndarray
    bias: np.ndarray | None
    notes: list[str]


def plan_weight_import(
    spec: LayerSpec,
    current_bias: np.ndarray | None,
    imported: ImportedWeights,
    *,
    adopt_shape: bool = False,
) -> WeightImport:
    """How imported weights fit a layer of ``spec`` (with biases ``current_bias``).

    With a matching shape only weights (and the bias, if both have one) change. Otherwise
    ``adopt_shape`` reshapes the layer to the file's weights, or a ValueError says why they do not
    fit. When adopting, a file that names its tensors (``.npz``, checkpoint) also decides whether
    the layer has a bias; a bare ``.npy`` keeps the layer's setting. A layer whose file has no
    biases keeps its own (zeros if the filter count changed). Nothing is changed here: the caller
    applies the plan as one undoable command.
    """
    notes = list(imported.notes)
    mismatch = weights_mismatch(spec, imported.weight.shape)
    if mismatch and not adopt_shape:
        raise ValueError(mismatch)
    new_spec = spec
    if mismatch:
        has_bias = imported.bias is not None if imported.key else None
        new_spec = adopted_spec(spec, imported.weight.shape, has_bias)
    bias = imported.bias
    if bias is not None and bias.shape != (new_spec.out_channels,):
        notes.append(
            f"the file's {len(bias)} biases do not fit the layer's {new_spec.out_channels} "
            "output channels: not used"
        )
        bias = None
    if new_spec.bias and bias is None:
        keep = current_bias is not None and current_bias.shape == (new_spec.out_channels,)
        bias = np.array(current_bias) if keep else np.zeros(new_spec.out_channels, np.float32)
        notes.append("the file has no biases: " + ("kept the layer's" if keep else "set to 0"))
    elif not new_spec.bias and bias is not None:
        notes.append("this layer has no bias: the file's biases were not used")
        bias = None
    if new_spec != spec:
        notes.append(f"the layer now has the file's shape: {new_spec.describe()}")
    return WeightImport(new_spec, from_torch_layout(new_spec, imported.weight), bias, notes)
