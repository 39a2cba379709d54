"""The compiled "direct" kernel: the same bits as its sum written out in numpy, on any CPU.

Every output is ``fl(fl(…fl(0 + w·x)…) + b)`` over the taps in the order (input channel, kernel
row, kernel column), each product rounded before it is added. numpy's element-wise float32
arithmetic rounds each step the same way, so the loop below is an exact reference: a fused
multiply-add or a reordered sum in the compiled code would show as a differing bit.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from convexplorer.model import LayerSpec, _direct, _direct_compile, _direct_source
from convexplorer.model._conv import ConvEngine
from convexplorer.model._cost import edit_filters
from convexplorer.model._padding import padded_copy

from .conv_cases import layers


def tap_order_sum(spec: LayerSpec, x: np.ndarray, weight: np.ndarray, bias) -> np.ndarray:
    """The direct kernel's sum, one tap at a time over whole output maps, in numpy."""
    padded = padded_copy(x, spec.pads, spec.padding_mode)
    (oh, ow), (kh, kw) = spec.output_size(*x.shape[1:]), spec.kernel_size
    (sh, sw), (dh, dw) = spec.stride, spec.dilation
    cg, opg = spec.in_per_group, spec.out_per_group
    out = np.zeros((spec.out_channels, oh, ow), dtype=x.dtype)
    for f in range(spec.out_channels):
        group = padded[f // opg * cg : (f // opg + 1) * cg]
        for c in range(cg):
            for i in range(kh):
                for j in range(kw):
                    window = group[c, i * dh :: sh][:oh, j * dw :: sw][:, :ow]
                    out[f] = out[f] + weight[f, c, i, j] * window
        if bias is not None:
            out[f] = out[f] + bias[f]
    return out


@settings(max_examples=80, deadline=None)
@given(layers())
def test_direct_equals_its_sum_written_out_bit_for_bit(case):
    spec, x, weight, bias = case
    got = ConvEngine(spec, x, "direct").run(weight, bias)
    expected = tap_order_sum(spec, x, weight, bias)
    assert got.dtype == expected.dtype
    assert np.array_equal(got, expected), np.abs(got - expected).max()


@pytest.mark.parametrize(
    "spec",
    [
        LayerSpec(3, 9, 3, padding=1),  # 4 filters a pass, and a leftover filter
        LayerSpec(5, 3, 7, padding=3, padding_mode="reflect"),  # one kernel row a pass
        LayerSpec(4, 6, (2, 9), padding=(1, 4), dilation=(2, 1), groups=2),
        LayerSpec(2, 5, 3, stride=(2, 3), padding=1),  # the column stride as an argument
        LayerSpec(4, 6, 3, stride=2, padding=1),  # a column step of 2, rows unrolled
        LayerSpec(3, 3, 5, stride=(1, 2), padding=2, groups=3),  # step 2, a row per pass
    ],
)
def test_each_kernel_shape_sums_alike(spec):
    """The variants (rows unrolled or looped, 4 or 2 filters a pass, a column step of 1, 2 or an
    argument) differ in loop shape only: larger layers than the random ones, same bits as the
    written-out sum."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((spec.in_channels, 29, 33)).astype(np.float32)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    bias = rng.standard_normal(spec.out_channels).astype(np.float32)
    assert np.array_equal(
        ConvEngine(spec, x, "direct").run(weight, bias), tap_order_sum(spec, x, weight, bias)
    )


def test_an_edit_computes_just_its_filter(monkeypatch):
    """The kernel is asked for the edited filter alone, and the scheduler prices it so."""
    calls: list[tuple[int, int]] = []
    made = _direct.compiled

    def spied(shape, dtype):
        kernel = made(shape, dtype)
        return lambda *args: (calls.append(args[5:7]), kernel(*args))

    monkeypatch.setattr(_direct, "compiled", spied)
    spec = LayerSpec(16, 8, 3, padding=1)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((16, 128, 128)).astype(np.float32)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    engine = ConvEngine(spec, x, "direct")
    assert engine.run(weight, None, [5]).shape == (1, 128, 128)
    assert calls and set(calls) == {(0, 1)}  # one filter: row 0 of the weights it was given
    assert edit_filters("direct", spec) == 1
    assert engine.estimate_ms([5]) < engine.estimate_ms() / 2  # one filter of eight, + padding


def test_the_first_run_of_a_kernel_in_a_session_is_priced_for_making_it(monkeypatch):
    """The scheduler reads this to run it on the worker: making a kernel takes 20 ms to 1.5 s."""
    monkeypatch.setattr(_direct, "_kernels", {})
    spec = LayerSpec(1, 1, 3, padding=1)
    engine = ConvEngine(spec, np.ones((1, 8, 8), np.float32), "direct")
    assert engine.estimate_ms() >= _direct.PREPARE_MS
    engine.run(np.ones(spec.weight_shape, np.float32), None)
    assert engine.estimate_ms() < 1


def test_a_kernel_prepared_ahead_leaves_the_first_run_cheap(monkeypatch):
    """What the app starts on a background thread while it builds its window."""
    monkeypatch.setattr(_direct, "_kernels", {})
    spec = LayerSpec(3, 2, kernel_size=3)
    engine = ConvEngine(spec, np.ones((3, 20, 20), np.float32))
    assert engine.method == "direct" and engine.estimate_ms() >= _direct.PREPARE_MS
    _direct.prepare_kernel(spec)
    assert engine.estimate_ms() < 1
    strided = LayerSpec(3, 2, kernel_size=3, stride=2)  # direct is not offered: nothing made
    _direct.prepare_kernel(strided)
    assert list(_direct._kernels) == [(_direct_source.shape_for(spec), np.dtype(np.float32))]


_LOAD_TWICE = """
import numpy as np
from convexplorer.model import LayerSpec, _direct, _direct_source
from convexplorer.model._conv import ConvEngine
spec = LayerSpec(2, 3, (3, 2), padding=1)
engine = ConvEngine(spec, np.ones((2, 6, 6), np.float32), "direct")
out = engine.run(np.ones(spec.weight_shape), None)
made = _direct._kernels[_direct_source.shape_for(spec), np.dtype(np.float32)]
print(made.stats.cache_hits and "hit" or "miss", float(out.sum()))
"""


def _session(cache: Path) -> list[str]:
    """A new Python process computing a small layer with direct sums: whether its kernel came
    from numba's disk cache, and the outputs' sum."""
    env = {**os.environ, "CONVEXPLORER_KERNEL_CACHE": str(cache)}
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_TWICE], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_later_session_loads_the_kernel_it_compiled(tmp_path):
    first, second = _session(tmp_path), _session(tmp_path)
    assert first[0] == "miss" and second[0] == "hit"
    assert first[1] == second[1]
    (source,) = tmp_path.glob("convexplorer_direct_*.py")
    assert source.read_text(encoding="utf-8").startswith("def kernel(")


def test_a_damaged_cache_is_compiled_afresh_and_kept_again(tmp_path):
    """numba's files cut short, the source replaced by bytes that are not UTF-8: the session
    still computes the same numbers, and the next one loads what it kept."""
    first = _session(tmp_path)
    for kept in (tmp_path / "__pycache__").iterdir():
        kept.write_bytes(kept.read_bytes()[:40])
    assert _session(tmp_path) == ["miss", first[1]]
    assert _session(tmp_path) == ["hit", first[1]]
    (source,) = tmp_path.glob("convexplorer_direct_*.py")
    source.write_bytes(b"\xff\xfe not a kernel")
    assert _session(tmp_path)[1] == first[1]
    assert source.read_text(encoding="utf-8").startswith("def kernel(")


def test_an_older_source_for_the_same_shape_is_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVEXPLORER_KERNEL_CACHE", str(tmp_path))
    shape = _direct_source.KernelShape(1, 2, 4, True)
    stale = tmp_path / "convexplorer_direct_1x2x4x1_0123456789abcdef.py"
    stale.write_text("def kernel(): pass\n", encoding="utf-8")
    other_shape = tmp_path / "convexplorer_direct_3x3x4x1_0123456789abcdef.py"
    other_shape.write_text("def kernel(): pass\n", encoding="utf-8")
    _direct_compile.load(shape, np.dtype(np.float32))
    assert not stale.exists() and other_shape.exists()
    assert len(list(tmp_path.glob("convexplorer_direct_1x2x4x1_*.py"))) == 1
    assert not list(tmp_path.glob("*.tmp"))


def test_without_a_writable_cache_folder_the_kernel_is_compiled_in_memory(tmp_path, monkeypatch):
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("")
    monkeypatch.setenv("CONVEXPLORER_KERNEL_CACHE", str(blocker / "kernels"))
    shape = _direct_source.KernelShape(1, 2, 4, True)
    kernel = _direct_compile.load(shape, np.dtype(np.float32))
    padded = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
    taps = np.ones((1, 1, 2, 1), np.float32)
    out = np.empty((1, 3, 3), np.float32)
    kernel(padded, 0, taps, np.zeros(0, np.float32), out, 0, 1, 0, 3, 1, 1, 1, 1)
    assert np.array_equal(out[0], padded[0, :, :3] + padded[0, :, 1:])
    assert blocker.read_text() == ""


def test_two_threads_needing_a_new_kernel_make_it_once(monkeypatch):
    monkeypatch.setattr(_direct, "_kernels", {})
    made: list[object] = []
    load = _direct_compile.load

    def counted(shape, dtype):
        made.append(shape)
        return load(shape, dtype)

    monkeypatch.setattr(_direct_compile, "load", counted)
    shape = _direct_source.KernelShape(1, 1, 4, True)
    got: list[object] = []
    threads = [
        threading.Thread(target=lambda: got.append(_direct.compiled(shape, np.float32)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert made == [shape] and len(got) == 2 and got[0] is got[1]


def test_numba_is_imported_by_the_kernel_compiler_alone():
    """One module knows numba, and imports it inside ``load``: the model imports fast and its
    other methods never wait for it."""
    package = Path(__file__).resolve().parents[1] / "convexplorer"
    users = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] in ("numba", "llvmlite") for name in names):
                users.add(path.relative_to(package).as_posix())
    assert users == {"model/_direct_compile.py"}
    script = "import sys, convexplorer.model\nassert 'numba' not in sys.modules\n"
    assert subprocess.run([sys.executable, "-c", script], timeout=120).returncode == 0


_PICK = """
import numpy as np
from convexplorer.model import ExplorerState, LayerSpec, load_sample
from convexplorer.model._conv import ConvEngine
spec = LayerSpec(1, 2, padding=1)
image = load_sample('corner diagonal')
engine = ConvEngine(spec, image)
state = ExplorerState(image, spec)
state.apply_preset('diagonal ↘')
assert state.compute().shape == (2, 32, 32)
assert engine.run(np.ones(spec.weight_shape), None).shape == (2, 32, 32)
print(engine.method)
"""


def test_without_numba_the_model_computes_with_its_numpy_methods():
    script = "import sys\nsys.modules['numba'] = None  # as if it were not installed\n" + _PICK
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in ("windows", "shifts", "fft")


def test_a_numba_that_cannot_be_imported_leaves_the_numpy_methods(tmp_path):
    """Installed but broken (say, built for another numpy): the engine that picked direct picks
    again before computing anything, and so does every later one."""
    fake = tmp_path / "numba"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise RuntimeError('numba needs an older numpy')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", _PICK], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in ("windows", "shifts", "fft")


def test_the_app_imports_the_compiler_on_its_main_thread_first():
    """numba imported on a background thread while the main thread imported pyqtgraph (both
    import colorama) once made CPython raise KeyError at start-up: the app imports it first."""
    script = (
        "import sys, threading\n"
        "from convexplorer.model import import_compiler\n"
        "import_compiler()\n"
        "assert 'numba' in sys.modules and threading.active_count() == 1\n"
    )
    assert subprocess.run([sys.executable, "-c", script], timeout=120).returncode == 0
    cli = Path(__file__).resolve().parents[1] / "convexplorer" / "app" / "cli.py"
    text = cli.read_text(encoding="utf-8")
    assert text.index("import_compiler()") < text.index("threading.Thread(")
