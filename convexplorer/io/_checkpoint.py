"""PyTorch checkpoints (``.pt`` / ``.pth``), read only when torch is installed.

Loaded with ``torch.load(..., weights_only=True, map_location="cpu")``: torch's restricted
unpickler, which rebuilds tensors and plain containers and refuses to run any other pickled code.
Nested checkpoints (``{"state_dict": {...}, "epoch": 3}``) are flattened to dotted keys.
"""

from __future__ import annotations

import importlib.util
import os
import re
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._errors import FileFormatError, TorchUnavailable, archive_errors
from ._limits import (
    MAX_CHECKPOINT_BYTES,
    MAX_CHECKPOINT_DEPTH,
    MAX_CHECKPOINT_NODES,
    MAX_ZIP_MEMBERS,
    values_problem,
)


class _TooManyNodes(Exception):
    """The checkpoint's containers hold more entries than any real state_dict."""


def torch_available() -> bool:
    """Whether checkpoints can be read (checked without importing torch, which is slow)."""
    return importlib.util.find_spec("torch") is not None


def checkpoint_shapes(path: str | os.PathLike[str]) -> dict[str, tuple[int, ...]]:
    """The floating-point tensors in a checkpoint, by flattened key, with their shapes.

    Nothing is materialised: a tensor's shape is only what the file declares.
    """
    return {key: tuple(int(n) for n in t.shape) for key, t in _load(path).items()}


def checkpoint_arrays(path: str | os.PathLike[str], keys: list[str]) -> dict[str, np.ndarray]:
    """The tensors ``keys`` of a checkpoint as numpy arrays (bfloat16 widened to float32)."""
    import torch

    tensors = _load(path)
    missing = [key for key in keys if key not in tensors]
    if missing:
        raise FileFormatError(path, f"has no tensor named {missing[0]!r}")
    for key in keys:  # every declared size is checked before any tensor is copied
        problem = values_problem(tuple(int(n) for n in tensors[key].shape))
        if problem:
            raise FileFormatError(path, f"{key or 'the tensor'} {problem}")
    arrays = {}
    for key in keys:
        tensor = tensors[key].detach()
        if tensor.dtype == torch.bfloat16:
            tensor = tensor.to(torch.float32)
        arrays[key] = tensor.numpy().copy()
    return arrays


def _load(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        import torch
    except ImportError:
        raise TorchUnavailable() from None
    _check_container(path)
    try:
        content = torch.load(path, map_location="cpu", weights_only=True)
    except OSError as exc:
        if exc.filename is not None:
            raise FileFormatError.unreadable(path, exc) from None
        raise FileFormatError(path, _failure(exc)) from None
    except Exception as exc:  # torch.load raises many kinds of error for damaged or unsafe files
        raise FileFormatError(path, _failure(exc)) from None
    tensors: dict[str, Any] = {}
    try:
        _flatten(torch, content, "", tensors, 0, [MAX_CHECKPOINT_NODES])
    except _TooManyNodes:
        raise FileFormatError(
            path,
            f"holds more than {MAX_CHECKPOINT_NODES} entries in its containers; a state_dict "
            "this large (or this self-referencing) is not read",
        ) from None
    return tensors


def _check_container(path: str | os.PathLike[str]) -> None:
    """Bound the file's size and, for torch's ZIP format, its members, before torch reads it."""
    with archive_errors(path):
        size = os.stat(path).st_size
        if size > MAX_CHECKPOINT_BYTES:
            raise FileFormatError(
                path,
                f"is {size} bytes, more than the {MAX_CHECKPOINT_BYTES} this explorer reads from "
                "a checkpoint",
            )
        if not zipfile.is_zipfile(path):
            return  # torch's legacy format: a pickle followed by the storages' bytes
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise FileFormatError(
            path, f"holds {len(infos)} members, more than the {MAX_ZIP_MEMBERS} this explorer reads"
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_CHECKPOINT_BYTES:
        raise FileFormatError(
            path,
            f"declares {total} bytes of content, more than the {MAX_CHECKPOINT_BYTES} this "
            "explorer reads from a checkpoint",
        )


def _failure(exc: BaseException) -> str:
    text = str(exc)
    unsafe = re.search(r"Unsupported global: GLOBAL (\S+)", text)
    if unsafe or "weights_only" in text.lower() or "WeightsUnpickler" in text:
        what = f" ({unsafe.group(1)})" if unsafe else ""
        return (
            f"holds Python objects besides tensors{what}; only plain tensors and containers are "
            "loaded, since running pickled code could do anything (save the model's state_dict "
            "instead)"
        )
    first_line = (re.sub(r"\x1b\[[0-9;]*m", "", text).strip().splitlines() or [""])[0]
    return f"is not a readable PyTorch checkpoint ({type(exc).__name__}: {first_line})"


def _flatten(
    torch: Any, value: Any, prefix: str, out: dict[str, Any], depth: int, budget: list[int]
) -> None:
    """Collect the plain floating-point tensors in nested dicts/lists under dotted keys.

    Containers deeper than ``MAX_CHECKPOINT_DEPTH`` are skipped; ``budget`` counts the nodes
    visited (a pickle can share one list many times over, so nodes, not bytes, bound the walk) and
    running out raises _TooManyNodes.
    """
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooManyNodes
    if isinstance(value, torch.Tensor):
        if (
            value.is_floating_point()
            and value.layout == torch.strided
            and not value.is_quantized
            and not value.is_meta
        ):
            out[prefix] = value
        return
    if depth >= MAX_CHECKPOINT_DEPTH:
        return
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return
    for key, item in items:
        _flatten(torch, item, f"{prefix}.{key}" if prefix else str(key), out, depth + 1, budget)
