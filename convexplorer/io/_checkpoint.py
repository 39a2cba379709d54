"""PyTorch checkpoints (``.pt`` / ``.pth``), read only when torch is installed.

Loaded with ``torch.load(..., weights_only=True, map_location="cpu")``: torch's restricted
unpickler, which rebuilds tensors and plain containers and refuses to run any other pickled code.
Nested checkpoints (``{"state_dict": {...}, "epoch": 3}``) are flattened to dotted keys.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._errors import FileFormatError, TorchUnavailable

_MAX_DEPTH = 8


def torch_available() -> bool:
    """Whether checkpoints can be read (checked without importing torch, which is slow)."""
    return importlib.util.find_spec("torch") is not None


def checkpoint_shapes(path: str | os.PathLike[str]) -> dict[str, tuple[int, ...]]:
    """The floating-point tensors in a checkpoint, by flattened key, with their shapes."""
    return {key: tuple(t.shape) for key, t in _load(path).items()}


def checkpoint_arrays(path: str | os.PathLike[str], keys: list[str]) -> dict[str, np.ndarray]:
    """The tensors ``keys`` of a checkpoint as numpy arrays (bfloat16 widened to float32)."""
    import torch

    tensors = _load(path)
    missing = [key for key in keys if key not in tensors]
    if missing:
        raise FileFormatError(path, f"has no tensor named {missing[0]!r}")
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
    try:
        content = torch.load(path, map_location="cpu", weights_only=True)
    except OSError as exc:
        if exc.filename is not None:
            raise FileFormatError.unreadable(path, exc) from None
        raise FileFormatError(path, _failure(exc)) from None
    except Exception as exc:  # torch.load raises many kinds of error for damaged or unsafe files
        raise FileFormatError(path, _failure(exc)) from None
    tensors: dict[str, Any] = {}
    _flatten(torch, content, "", tensors, 0)
    return tensors


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


def _flatten(torch: Any, value: Any, prefix: str, out: dict[str, Any], depth: int) -> None:
    """Collect the plain floating-point tensors in nested dicts/lists under dotted keys."""
    if isinstance(value, torch.Tensor):
        if (
            value.is_floating_point()
            and value.layout == torch.strided
            and not value.is_quantized
            and not value.is_meta
        ):
            out[prefix] = value
        return
    if depth >= _MAX_DEPTH:
        return
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return
    for key, item in items:
        _flatten(torch, item, f"{prefix}.{key}" if prefix else str(key), out, depth + 1)
