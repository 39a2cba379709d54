"""Atomic file writes: a crash or a full disk mid-save never destroys the previous file.

The data goes to a temporary file next to the target (same directory, so the same file system),
is flushed to disk, then renamed over the target with ``os.replace`` — atomic on POSIX and Windows.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes | bytearray | memoryview) -> None:
    """Write ``data`` to ``path`` at once; on failure the old file is intact and no temp is left."""
    target = Path(os.path.realpath(path))  # save through a symlink rather than replacing it
    fd, temp = _create_temp(target)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))  # keep the old file's mode
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_directory(target.parent)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


def _create_temp(target: Path) -> tuple[int, Path]:
    """A new hidden file beside ``target``; created by os.open so the umask gives its mode."""
    while True:
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, _FLAGS, 0o666), temp
        except FileExistsError:
            continue


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable where the platform allows it (POSIX); best effort."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
