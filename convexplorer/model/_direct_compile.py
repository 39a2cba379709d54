"""The "direct" kernels compiled with numba, kept on disk between sessions.

The source (``_direct_source``) is written to a cache folder (``cache_folder``) and imported from
there as a module, compiled with numba's ``cache=True``: numba keeps the machine code beside it,
and a later session loads it in tens of milliseconds instead of compiling again (about a second
per shape). When the folder is not writable, or what numba kept there cannot be read, the kernel
is compiled in memory instead. The folder's files are executed and unpickled, so it must be the
user's own (as their cache folder is).

numba is imported here only, on first use (0.15-0.2 s); if it cannot be imported or compile, the
engine is told (``Unusable``) and picks among its numpy methods from then on.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np

from ._direct_source import KernelShape, source

#: Why numba cannot be used in this session, once a load has failed for good.
_unusable: list[str] = []


class Unusable(RuntimeError):
    """numba cannot be imported, or cannot compile a kernel, in this session."""


@functools.cache
def installed() -> bool:
    """Whether numba is installed, asked without importing it."""
    return importlib.util.find_spec("numba") is not None


def available() -> bool:
    """Whether the engine may offer direct sums: numba installed and not failed this session."""
    return not _unusable and installed()


def cache_folder() -> Path:
    """Where compiled kernels are kept: ``CONVEXPLORER_KERNEL_CACHE`` if set, else the user's
    cache folder (XDG on Linux, ~/Library/Caches on macOS, LOCALAPPDATA on Windows)."""
    chosen = os.environ.get("CONVEXPLORER_KERNEL_CACHE")
    if chosen:
        return Path(chosen)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "convexplorer" / "kernels"


def _written(text: str, name: str) -> Path | None:
    """``text`` in the cache folder as ``name`` (written atomically, once; files this shape's
    older source left are removed); None if it cannot be."""
    import tempfile

    temporary = None
    try:
        folder = cache_folder()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.py"
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, path)
            temporary = None
            _remove_older(folder, name)
        return path
    except OSError:
        return None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def _remove_older(folder: Path, name: str) -> None:
    """Remove the sources (and numba's files) an older version wrote for the same shape:
    ``name`` ends in its source's digest, the shape's other digests are stale."""
    shape_prefix = name.rsplit("_", 1)[0] + "_"
    stale = [p for p in folder.glob(f"{shape_prefix}*.py") if p.stem != name]
    for path in stale:
        for kept in [path, *(folder / "__pycache__").glob(f"{path.stem}.*")]:
            kept.unlink(missing_ok=True)


def _tune_for_this_cpu(numba: ModuleType) -> None:
    """On an x86 CPU with AVX-512, have numba tune its code as for Haswell (the CPU's own
    features kept, so no instruction it lacks): the kernels measured 5-20 % faster here than
    tuned for the CPU itself (benchmarks/README.md, "direct"). Set in numba's configuration,
    not the environment (another thread may be reading it), before its first compile, and never
    over a choice of the user's (``NUMBA_CPU_NAME``)."""
    import platform

    if numba.config.CPU_NAME is not None or platform.machine().lower() not in ("x86_64", "amd64"):
        return
    from llvmlite import binding

    try:
        avx512 = bool(binding.get_host_cpu_features().get("avx512f"))
    except RuntimeError:  # LLVM could not tell
        return
    if avx512:
        numba.config.CPU_NAME = "haswell"


_numba: list[ModuleType] = []
_numba_lock = threading.Lock()


def imported_numba() -> ModuleType:
    """numba, imported once (and tuned for this CPU if this is its first import in the
    process); ``Unusable`` if it cannot be imported. An app calls it on its main thread before
    building its window: importing numba on another thread beside the window's own imports
    (both import colorama) once made CPython's import machinery raise KeyError."""
    with _numba_lock:
        if not _numba:
            first_import = "numba" not in sys.modules
            try:
                import numba
            except Exception as error:  # an incompatible numpy, a broken install, ...
                _unusable.append(f"numba cannot be imported ({error})")
                raise Unusable(_unusable[-1]) from error
            if first_import:
                _tune_for_this_cpu(numba)
            _numba.append(numba)
        return _numba[0]


def load(shape: KernelShape, dtype: np.dtype) -> Callable[..., None]:
    """The compiled kernel for ``shape`` and arrays of ``dtype``: from numba's disk cache when an
    earlier session made it, otherwise compiled now (and kept on disk when it can be). Raises
    ``Unusable`` when numba cannot be imported or compile."""
    import hashlib

    numba = imported_numba()
    text = source(shape)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    name = f"convexplorer_direct_{'x'.join(str(int(v)) for v in shape)}_{digest}"
    path = _written(text, name)
    for _ in range(2 if path is not None else 0):
        try:
            return _made(numba.njit(cache=True, **_OPTIONS)(_module(name, path).kernel), dtype)
        except Exception:  # what numba kept cannot be read: compiled and kept afresh, once
            for kept in (path.parent / "__pycache__").glob(f"{name}.*"):
                kept.unlink(missing_ok=True)
    namespace: dict[str, object] = {"__name__": name}
    try:
        exec(compile(text, f"<{name}>", "exec"), namespace)
        return _made(numba.njit(**_OPTIONS)(namespace["kernel"]), dtype)
    except Exception as error:
        _unusable.append(f"numba cannot compile the direct kernel ({error})")
        raise Unusable(_unusable[-1]) from error


#: numba's options for every kernel: no GIL (the helper threads run rows at once), no bounds
#: checks (the loops stay inside the padded input by construction).
_OPTIONS = {"nogil": True, "boundscheck": False}


def _module(name: str, path: Path) -> ModuleType:
    """The kernel's source file as a module under ``name`` (in ``sys.modules``: numba's cached
    code finds its globals by importing the module's name)."""
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return module


def _made(kernel: Callable[..., None], dtype: np.dtype) -> Callable[..., None]:
    """``kernel`` once its variant for ``dtype`` is made (loaded or compiled): a call with no
    rows to compute, on writable C-contiguous arrays like every run's."""
    empty, taps = np.zeros((1, 1, 1), dtype), np.zeros((1, 1, 1, 1), dtype)
    kernel(empty, 0, taps, np.zeros(0, dtype), empty, 0, 0, 0, 0, 1, 1, 1, 1)
    return kernel
