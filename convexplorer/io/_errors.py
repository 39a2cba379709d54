"""The ways reading a file can fail that a user must be told about, each with a clear message."""

from __future__ import annotations

import lzma
import os
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TORCH_HINT = "Importing PyTorch checkpoints needs torch: pip install torch"
#: How to install PyTorch's CPU build (no GPU libraries: a few hundred MB instead of gigabytes).
TORCH_INSTALL = "pip install torch --index-url https://download.pytorch.org/whl/cpu"

#: What reading a damaged ZIP archive (session, .npz) can raise besides OSError: zipfile's own
#: errors, the decompressors', and the ValueError / struct / overflow errors of bad header fields.
ARCHIVE_DAMAGE: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    EOFError,
    ValueError,
    OverflowError,
    NotImplementedError,
    RuntimeError,
)


class FileFormatError(ValueError):
    """A file that cannot be used: missing, unreadable, empty, truncated, corrupt, foreign, newer.

    A ValueError, so code that already shows a refused edit's message shows this one too. ``path``
    is the file, ``reason`` a sentence for the user; ``str()`` names the file and gives the reason.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")

    @classmethod
    def unreadable(cls, path: str | os.PathLike[str], error: OSError) -> FileFormatError:
        """The system would not let us read the file (missing, a folder, no permission)."""
        return cls(path, f"cannot be read ({(error.strerror or str(error)).lower()})")


@contextmanager
def archive_errors(
    path: str | os.PathLike[str],
    damage: str = "is a damaged ZIP archive",
    also: tuple[type[Exception], ...] = (),
) -> Iterator[None]:
    """Turn what reading a ZIP archive can raise into a FileFormatError naming ``path``.

    One place, so every archive reader (weights, checkpoints) tells the user the same thing; a
    FileFormatError raised inside passes unchanged (it is a ValueError, one of ARCHIVE_DAMAGE).
    ``also`` adds errors that mean damage for one reader (a missing member's KeyError).
    """
    try:
        yield
    except FileFormatError:
        raise
    except OSError as exc:
        raise FileFormatError.unreadable(path, exc) from None
    except (*ARCHIVE_DAMAGE, *also) as exc:
        raise FileFormatError(path, f"{damage} ({exc})") from None


class TorchUnavailable(RuntimeError):
    """Something needs torch (a checkpoint, the check against PyTorch) but it is not installed."""

    def __init__(self, message: str = TORCH_HINT) -> None:
        super().__init__(message)
