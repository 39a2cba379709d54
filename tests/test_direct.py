"""The compiled "direct" kernel: the same bits as its sum written out in numpy, on any CPU.

Every output is ``fl(fl(…fl(0 + w·x)…) + b)`` over the taps in the order (input channel, kernel
row, kernel column), each product rounded before it is added. numpy's element-wise float32
arithmetic rounds each step the same way, so the loop below is an exact reference: a fused
multiply-add or a reordered sum in the compiled code would show as a differing bit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from convexplorer.model import LayerSpec, _direct, _direct_source
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
    ],
)
def test_each_kernel_shape_sums_alike(spec):
    """The variants (rows unrolled or looped, 4 or 2 filters a pass, unit stride or not) differ
    in loop shape only: larger layers than the random ones, same bits as the written-out sum."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((spec.in_channels, 29, 33)).astype(np.float32)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    bias = rng.standard_normal(spec.out_channels).astype(np.float32)
    assert np.array_equal(
        ConvEngine(spec, x, "direct").run(weight, bias), tap_order_sum(spec, x, weight, bias)
    )


def test_an_edit_computes_just_its_filter():
    """No product blocks: the scheduler prices an edit as one filter's work."""
    spec = LayerSpec(16, 8, 3, padding=1)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((16, 128, 128)).astype(np.float32)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    engine = ConvEngine(spec, x, "direct")
    assert engine.run(weight, None, [5]).shape == (1, 128, 128)
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


_LOAD_TWICE = """
import numpy as np
from convexplorer.model import LayerSpec, _direct, _direct_source
from convexplorer.model._conv import ConvEngine
from convexplorer.model._cost import edit_filters
spec = LayerSpec(2, 3, (3, 2), padding=1)
engine = ConvEngine(spec, np.ones((2, 6, 6), np.float32), "direct")
out = engine.run(np.ones(spec.weight_shape), None)
made = _direct._kernels[_direct_source.shape_for(spec), np.dtype(np.float32)]
print(made.stats.cache_hits and "hit" or "miss", float(out.sum()))
"""


def _session(cache: Path) -> str:
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


def test_without_a_writable_cache_folder_the_kernel_is_compiled_in_memory(tmp_path, monkeypatch):
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("")
    monkeypatch.setenv("CONVEXPLORER_KERNEL_CACHE", str(blocker / "kernels"))
    kernel = _direct_source.load(_direct_source.KernelShape(1, 2, 4, True))
    padded = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
    taps = np.ones((1, 1, 2, 1), np.float32)
    out = np.empty((1, 3, 3), np.float32)
    kernel(padded, 0, taps, np.zeros(0, np.float32), out, 0, 1, 0, 3, 1, 1, 1, 1)
    assert np.array_equal(out[0], padded[0, :, :3] + padded[0, :, 1:])
    assert blocker.read_text() == ""


def test_numba_is_imported_by_the_kernel_source_alone():
    """One module knows numba, and imports it inside ``load``: the model imports fast and its
    other methods never wait for it."""
    package = Path(__file__).resolve().parents[1] / "convexplorer"
    users = [
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if "import numba" in path.read_text(encoding="utf-8")
    ]
    assert users == ["model/_direct_source.py"]
    script = "import sys, convexplorer.model\nassert 'numba' not in sys.modules\n"
    assert subprocess.run([sys.executable, "-c", script], timeout=120).returncode == 0
