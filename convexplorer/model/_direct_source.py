"""The "direct" kernels' source, written per kernel shape, and compiled with numba.

Why generated source: LLVM vectorises only an innermost loop, and keeps a value in a register only
when it is a named scalar. So the pixel loop is innermost, and every weight a pass uses and every
filter's running sum are spelled out as scalars for this kernel width and these filters per pass.
Column stride and dilation are constants when both are 1 (as arguments they defeat the
vectoriser: 2.4× slower). The sum's order is the same in every variant (input channel, kernel
row, kernel column; products rounded before they are added), so which variant or how many
filters per pass never changes a bit.

The source is written to a cache folder (``cache_folder``) and compiled from there with numba's
``cache=True``, so numba keeps the machine code beside it and a later session loads it in
milliseconds instead of compiling again (about a second per shape). Without a writable folder the
kernel is compiled in memory.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from ._spec import LayerSpec

#: Weights a pass may hold in registers: kernels up to this many taps add a whole input channel
#: per pass (the rows unrolled), larger ones one kernel row per pass.
UNROLLED_TAPS = 9

#: Filters whose rows one pass adds to, sharing each input value read: 4 for small kernels, 2
#: for larger ones (whose weights would not stay in registers otherwise; measured in
#: benchmarks/README.md, "direct").
FILTERS_PER_PASS = {True: 4, False: 2}


class KernelShape(NamedTuple):
    """What a compiled variant is specialised on."""

    rows: int  # kernel rows unrolled in a pass (0: one kernel row per pass, rows a loop)
    width: int  # kernel columns
    filters: int  # filters per pass
    unit_columns: bool  # taps and outputs one column apart (vectorised); else sw, dw are arguments


def shape_for(spec: LayerSpec) -> KernelShape:
    """The variant a layer runs on."""
    kh, kw = spec.kernel_size
    unrolled = kh * kw <= UNROLLED_TAPS
    unit_columns = spec.stride[1] == 1 and spec.dilation[1] == 1
    return KernelShape(kh if unrolled else 0, kw, FILTERS_PER_PASS[unrolled], unit_columns)


def source(shape: KernelShape) -> str:
    """Python source of ``kernel(padded, c0, taps, bias, out, f0, f1, y0, y1, sh, sw, dh, dw)``:
    rows y0..y1-1 of filters f0..f1-1 into ``out`` (filters × H_out × W_out), from the padded
    input's channels c0.. (C × H_p × W_p), ``taps`` (C_in/g × kH × kW × filters) and, when it
    has any values, ``bias`` (filters), added once a row's sum is complete."""
    rows, width, per_pass, unit_columns = shape
    passes = [str(ky) for ky in range(rows)] if rows else ["ky"]
    lines = [
        "def kernel(padded, c0, taps, bias, out, f0, f1, y0, y1, sh, sw, dh, dw):",
        "    channels, kernel_rows = taps.shape[0], taps.shape[1]",
        "    ow = out.shape[2]",
        f"    whole = f0 + (f1 - f0) // {per_pass} * {per_pass}",
        "    for y in range(y0, y1):",
    ]

    def body(filters: list[str], indent: str) -> None:
        """One filter block's rows: zeroed, every input channel's (or kernel row's) pass, the
        bias."""
        for j, f in enumerate(filters):
            lines.append(f"{indent}o{j} = out[{f}, y]")
            lines.append(f"{indent}o{j}[:] = 0")
        lines.append(f"{indent}for c in range(channels):")
        inner = indent + "    "
        if not rows:
            lines.append(f"{inner}for ky in range(kernel_rows):")
            inner += "    "
        for ky in passes:
            lines.append(f"{inner}r{ky} = padded[c0 + c, y * sh + {ky} * dh]")
        for ky in passes:
            for kx in range(width):
                for j, f in enumerate(filters):
                    lines.append(f"{inner}w{j}_{ky}_{kx} = taps[c, {ky}, {kx}, {f}]")
        lines.append(f"{inner}for x in range(ow):")
        pixel = inner + "    "
        for j in range(len(filters)):
            lines.append(f"{pixel}a{j} = o{j}[x]")
        for ky in passes:
            for kx in range(width):
                for j in range(len(filters)):
                    column = f"x + {kx}" if unit_columns else f"x * sw + {kx} * dw"
                    lines.append(f"{pixel}a{j} += w{j}_{ky}_{kx} * r{ky}[{column}]")
        for j in range(len(filters)):
            lines.append(f"{pixel}o{j}[x] = a{j}")
        lines.append(f"{indent}if bias.size:")
        for j, f in enumerate(filters):
            lines.append(f"{indent}    o{j} += bias[{f}]")

    lines.append(f"        for fb in range(f0, whole, {per_pass}):")
    body([f"fb + {j}" for j in range(per_pass)], "            ")
    lines.append("        for f in range(whole, f1):")
    body(["f"], "            ")
    return "\n".join(lines) + "\n"


@functools.cache
def available() -> bool:
    """Whether numba is installed, asked without importing it (that takes 0.15-0.2 s). Without
    it the engine picks among its numpy methods only."""
    return importlib.util.find_spec("numba") is not None


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
    """``text`` in the cache folder as ``name`` (written atomically, once); None if it cannot be."""
    try:
        folder = cache_folder()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, path)
        return path
    except OSError:
        return None


def _tune_for_this_cpu() -> None:
    """On an x86 CPU with AVX-512, have numba tune its code as for Haswell (the CPU's own
    features kept): the kernels measured 5-20 % faster than tuned for the CPU itself
    (benchmarks/README.md, "direct"). Only before numba is first imported, and never over a
    choice made in the environment."""
    if (
        "numba" in sys.modules
        or "NUMBA_CPU_NAME" in os.environ
        or platform.machine().lower() not in ("x86_64", "amd64")
    ):
        return
    from llvmlite import binding

    if binding.get_host_cpu_features().get("avx512f"):
        os.environ["NUMBA_CPU_NAME"] = "haswell"


def load(shape: KernelShape) -> Callable[..., None]:
    """The compiled kernel for ``shape``: from numba's disk cache when an earlier session made
    it, otherwise compiled now (and kept on disk when the cache folder is writable)."""
    _tune_for_this_cpu()
    import numba  # first use only: numba takes 0.15-0.2 s to import

    text = source(shape)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    name = f"convexplorer_direct_{'x'.join(str(int(v)) for v in shape)}_{digest}"
    path = _written(text, f"{name}.py")
    if path is None:
        namespace: dict[str, object] = {"__name__": name}
        exec(compile(text, f"<{name}>", "exec"), namespace)
        function = namespace["kernel"]
    else:
        # a real module: numba's cached code finds its globals by importing the module's name
        module = sys.modules.get(name)
        if module is None:
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            sys.modules[name] = module
        function = module.kernel
    return numba.njit(nogil=True, cache=path is not None, boundscheck=False)(function)
