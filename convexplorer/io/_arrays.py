"""NumPy arrays as the explorer's input: ``.npy`` files and members of ``.npz`` archives.

An input is ``(C, H, W)`` or ``(H, W)`` (one channel). Floating-point values are used as they are
(the model takes any finite number); ``uint8`` and ``uint16`` are scaled to [0, 1] like image
pixels; ``bool`` becomes 0/1; other integers keep their values. Anything else is refused with a
message that shows what was found and what is accepted.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._errors import FileFormatError
from ._limits import MAX_MEMBER_BYTES, MAX_ZIP_MEMBERS, input_problem
from ._npy import NPY_MAGIC, NpyHeader, read_header, read_npy

ARRAY_SUFFIXES = (".npy", ".npz")
ACCEPTED_SHAPES = "(H, W) for one channel or (C, H, W) for C channels"
_SCALES = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


@dataclass(frozen=True)
class InputLoad:
    """A decoded input: ``array`` is (C, H, W) float32; ``notes`` tell the user what was done."""

    array: np.ndarray
    notes: list[str] = field(default_factory=list)


class ArrayMember(NamedTuple):
    """One array in an ``.npz`` archive, described without loading it."""

    name: str
    shape: tuple[int, ...]
    dtype: str

    @property
    def usable(self) -> bool:
        """Whether it could be opened as an input (by its shape and dtype; values unchecked)."""
        dtype = _parse_dtype(self.dtype)
        return dtype is not None and _header_problem(self.shape, dtype, False) is None


def _parse_dtype(text: str) -> np.dtype | None:
    """The dtype ``ArrayMember.dtype`` names, or None for one that text cannot give back
    (structured dtypes print as a list of fields, which ``np.dtype`` does not parse)."""
    try:
        return np.dtype(text)
    except (TypeError, ValueError, SyntaxError):
        return None


def is_array_file(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in ARRAY_SUFFIXES


def npz_members(path: str | os.PathLike[str]) -> list[ArrayMember]:
    """The arrays an ``.npz`` holds, in archive order, read from their headers only."""
    try:
        with zipfile.ZipFile(path) as archive:
            _check_member_count(path, archive)
            return [_member(archive, info) for info in archive.infolist() if _is_npy(info)]
    except FileFormatError:
        raise
    except OSError as exc:
        raise FileFormatError.unreadable(path, exc) from None
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise FileFormatError(path, f"is not a readable NumPy .npz archive ({exc})") from None


def read_array(
    path: str | os.PathLike[str], member: str | None = None, *, channels_last: bool = False
) -> InputLoad:
    """Load a ``.npy`` file, or the ``.npz`` member ``member``, as a (C, H, W) float32 input.

    ``member`` may be omitted for an ``.npz`` that holds exactly one usable array.
    ``channels_last`` reads a 3-D array as (H, W, C) — e.g. an RGB picture saved from matplotlib.
    """
    try:
        with open(path, "rb") as f:
            start = f.read(len(NPY_MAGIC))
            if not start:
                raise FileFormatError(path, "the file is empty")
            f.seek(0)
            if start == NPY_MAGIC:
                if member is not None:
                    raise FileFormatError(path, "is a single .npy array, it has no members")
                check = _checker(channels_last)
                raw, where = read_npy(f, os.fstat(f.fileno()).st_size, check), ""
            elif start.startswith(b"PK"):
                raw, where = _read_npz_member(path, f, member, channels_last)
            else:
                raise FileFormatError(path, "is not a NumPy array (.npy) or archive (.npz)")
    except FileFormatError:
        raise
    except OSError as exc:
        raise FileFormatError.unreadable(path, exc) from None
    except ValueError as exc:  # from the .npy reader, phrased to follow the file's name
        raise FileFormatError(path, str(exc)) from None
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
        raise FileFormatError(path, f"is damaged ({exc})") from None
    return _as_input(path, raw, where, channels_last)


def _is_npy(info: zipfile.ZipInfo) -> bool:
    return info.filename.endswith(".npy") and not info.is_dir()


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> ArrayMember:
    with archive.open(info) as stream:
        header = read_header(stream)  # type: ignore[arg-type]
    return ArrayMember(info.filename[: -len(".npy")], header.shape, str(header.dtype))


def _check_member_count(path: str | os.PathLike[str], archive: zipfile.ZipFile) -> None:
    count = len(archive.infolist())
    if count > MAX_ZIP_MEMBERS:
        raise FileFormatError(
            path, f"holds {count} members, more than the {MAX_ZIP_MEMBERS} this explorer reads"
        )


def _read_npz_member(
    path: str | os.PathLike[str], f: object, member: str | None, channels_last: bool
) -> tuple[np.ndarray, str]:
    with zipfile.ZipFile(f) as archive:  # type: ignore[arg-type]
        _check_member_count(path, archive)
        infos = {info.filename[:-4]: info for info in archive.infolist() if _is_npy(info)}
        if not infos:
            raise FileFormatError(path, "is a ZIP archive without NumPy arrays in it")
        if member is None:
            members = [_member(archive, info) for info in infos.values()]
            usable = [m for m in members if m.usable]
            if len(usable) != 1:
                listing = ", ".join(f"{m.name} {m.shape} {m.dtype}" for m in members)
                raise FileFormatError(
                    path, f"holds {len(members)} arrays ({listing}); choose one to open"
                )
            member = usable[0].name
        if member not in infos:
            raise FileFormatError(path, f"has no array named {member!r}")
        info, where = infos[member], f" (member {member!r})"
        if info.file_size > MAX_MEMBER_BYTES:
            raise FileFormatError(
                path,
                f"has an array {member!r} of {info.file_size} bytes, more than the "
                f"{MAX_MEMBER_BYTES} this explorer reads",
            )
        try:
            with archive.open(info) as stream:
                check = _checker(channels_last)
                return read_npy(stream, info.file_size, check), where  # type: ignore[arg-type]
        except ValueError as exc:  # phrased to follow the member's name
            raise FileFormatError(path, f"member {member!r} {exc}") from None


def _checker(channels_last: bool) -> Callable[[NpyHeader], str | None]:
    """The check an input's header must pass before its bytes are read."""
    return lambda header: _header_problem(header.shape, header.dtype, channels_last)


def _header_problem(shape: tuple[int, ...], dtype: np.dtype, channels_last: bool) -> str | None:
    """Why an array of this shape and dtype cannot be an input, before reading its values."""
    problem = _shape_problem(shape) or _dtype_problem(dtype)
    if problem:
        return problem
    if len(shape) == 2:
        channels, height, width = 1, *shape
    elif channels_last:
        height, width, channels = shape
    else:
        channels, height, width = shape
    problem = input_problem(channels, height, width)
    if problem and len(shape) == 3 and not channels_last and shape[-1] in (3, 4):
        problem += "; if it is an (H, W, C) picture, open it again as channels-last"
    return None if problem is None else f"has shape {shape}: {problem}"


def _shape_problem(shape: tuple[int, ...]) -> str | None:
    if len(shape) not in (2, 3):
        return f"has shape {shape}; an input must be {ACCEPTED_SHAPES}"
    if min(shape) < 1:
        return f"is empty (shape {shape})"
    return None


def _dtype_problem(dtype: np.dtype) -> str | None:
    if dtype.kind in "fiub" and dtype.fields is None and dtype.subdtype is None:
        return None
    return f"holds {dtype} values; an input must hold real numbers (float, int, uint or bool)"


def _as_input(
    path: str | os.PathLike[str], raw: np.ndarray, where: str, channels_last: bool
) -> InputLoad:
    problem = _shape_problem(raw.shape) or _dtype_problem(raw.dtype)
    if problem:
        raise FileFormatError(path, f"the array{where} {problem}")
    notes: list[str] = []
    if raw.ndim == 2:
        raw = raw[None]
        notes.append("a 2-D array: opened as one channel")
    elif channels_last:
        raw = np.moveaxis(raw, -1, 0)
        notes.append("read as (H, W, C): the last axis holds the channels")
    elif raw.shape[-1] in (3, 4) and raw.shape[0] > 4:
        notes.append(
            f"opened as {raw.shape[0]} channels of {raw.shape[1]}×{raw.shape[2]}; if this is an "
            f"(H, W, C) picture, open it again as channels-last"
        )
    scale = _SCALES.get(raw.dtype.newbyteorder("="))
    if scale is not None:
        array = (raw.astype(np.float64) / scale).astype(np.float32)
        notes.append(f"{raw.dtype.name} values scaled to [0, 1] (divided by {scale:g})")
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            array = raw.astype(np.float32)
        if raw.dtype.kind in "iu" and (raw.max() > 2**24 or raw.min() < -(2**24)):
            notes.append("integers beyond 2^24 were rounded to float32")
    bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
    if bad:
        raise FileFormatError(
            path, f"the array{where} holds {bad} NaN or infinite values (or values beyond float32)"
        )
    return InputLoad(np.ascontiguousarray(array), notes)
