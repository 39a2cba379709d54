"""The helper threads that share a run's tiles: same bits, errors reach the caller, clean exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from convexplorer.model import LayerSpec, _im2col, _parallel
from convexplorer.model._conv import ConvEngine

ROOT = Path(__file__).resolve().parents[1]


def test_every_piece_runs_exactly_once():
    seen: list[int] = []

    def work(i: int) -> None:
        seen.append(i)
        np.dot(np.ones(20_000), np.ones(20_000))  # releases the GIL for a moment

    for _ in range(20):
        _parallel.share(64, work)
    assert sorted(seen) == sorted(list(range(64)) * 20)


def test_an_error_in_a_piece_reaches_the_caller_after_the_others_finish():
    finished: list[int] = []

    def work(i: int) -> None:
        if i == 5:
            raise ValueError("piece 5 failed")
        finished.append(i)

    with pytest.raises(ValueError, match="piece 5 failed"):
        _parallel.share(12, work)
    assert 5 not in finished


def test_a_shared_run_has_the_bits_of_a_run_on_one_thread(monkeypatch):
    spec = LayerSpec(3, 8, 3, padding=1)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 200, 200)).astype(np.float32)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    bias = rng.standard_normal(8).astype(np.float32)
    monkeypatch.setattr(_im2col, "PARALLEL_VALUES", 0)
    monkeypatch.setattr(_im2col, "TILE_BYTES", 2**14)  # many tiles: every thread gets some
    shared = ConvEngine(spec, x, "windows")
    full = shared.run(weight, bias)
    edit = shared.run(weight, bias, [6])[0]  # from the kept window matrix
    monkeypatch.setattr(_im2col, "HELPERS", 0)
    alone = ConvEngine(spec, x, "windows")
    assert np.array_equal(alone.run(weight, bias), full)
    assert np.array_equal(alone.run(weight, bias, [6])[0], edit)
    assert np.array_equal(edit, full[6])


def test_the_interpreter_exits_cleanly_after_shared_runs():
    """The helpers are joined before teardown: the process ends, with status 0 and no output
    on stderr, right after its last shared run (no atexit ordering hang, no native crash)."""
    script = (
        "import numpy as np\n"
        "from convexplorer.model import LayerSpec, _im2col, _parallel\n"
        "from convexplorer.model._conv import ConvEngine\n"
        "_im2col.PARALLEL_VALUES = 0\n"
        "_im2col.HELPERS = _parallel.HELPERS  # whatever the BLAS kernel\n"
        "x = np.random.default_rng(0).random((3, 300, 300), dtype=np.float32)\n"
        "spec = LayerSpec(3, 8, 3, padding=1)\n"
        "w = np.ones(spec.weight_shape, np.float32)\n"
        "e = ConvEngine(spec, x, 'windows')\n"
        "e.run(w, None); e.run(w, None, [3])\n"
        "print('helpers', _parallel._pool is not None or _parallel.HELPERS == 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "helpers True"
    assert done.stderr == ""


def test_runs_after_shutdown_use_the_calling_thread_alone():
    """``shutdown`` (what atexit calls) stops the pool; a run after it still completes."""
    script = (
        "import numpy as np\n"
        "from convexplorer.model import LayerSpec, _im2col, _parallel\n"
        "from convexplorer.model._conv import ConvEngine\n"
        "_im2col.PARALLEL_VALUES = 0\n"
        "x = np.random.default_rng(0).random((3, 100, 100), dtype=np.float32)\n"
        "spec = LayerSpec(3, 8, 3, padding=1)\n"
        "w = np.ones(spec.weight_shape, np.float32)\n"
        "before = ConvEngine(spec, x, 'windows').run(w, None)\n"
        "_parallel.shutdown()\n"
        "after = ConvEngine(spec, x, 'windows').run(w, None)\n"
        "print(np.array_equal(before, after), _parallel._pool)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True None"


def _in_a_process_with(kernel: str, script: str) -> list[str]:
    """What ``script`` prints, run in a fresh interpreter with ``OPENBLAS_CORETYPE=kernel``."""
    env = {**os.environ, "OPENBLAS_CORETYPE": kernel}
    env.pop("OPENBLAS_NUM_THREADS", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


_THREADS = (
    "from convexplorer.model import _blas, _im2col\n"
    "count = _blas._function(('scipy_openblas_get_num_threads64_', "
    "'scipy_openblas_get_num_threads', 'openblas_get_num_threads64_', "
    "'openblas_get_num_threads'))\n"
    "print(_blas.blas_kernel(), _blas.has_small_matrix_kernel(), _im2col.HELPERS, count())\n"
)


@pytest.mark.parametrize("kernel", ["Haswell", "SkylakeX"])
def test_openblas_computes_on_the_calling_thread_and_helpers_share_tiles(kernel):
    """What ``OPENBLAS_CORETYPE`` forces is what the library reports; on every kernel the engine
    sets OpenBLAS to one thread (its threads would wait for a busy core) and shares tiles with
    its own helpers instead."""
    from convexplorer.model._blas import blas_kernel

    if not blas_kernel():
        pytest.skip("numpy's BLAS is not OpenBLAS")
    if kernel == "SkylakeX" and blas_kernel() not in {"SkylakeX", "Cooperlake", "SapphireRapids"}:
        pytest.skip("this CPU has no AVX-512 OpenBLAS kernel")
    small = str(kernel == "SkylakeX")
    reported, has_small, helpers, threads = _in_a_process_with(kernel, _THREADS)
    assert (reported, has_small, int(helpers), int(threads)) == (
        kernel,
        small,
        _parallel.HELPERS,
        1,
    )


def test_a_run_on_a_background_thread_keeps_to_its_own_core():
    """The app's worker must leave the other core to the UI thread: no piece runs elsewhere."""
    import threading

    threads: set[str] = set()

    def work(i: int) -> None:
        threads.add(threading.current_thread().name)
        np.dot(np.ones(20_000), np.ones(20_000))

    worker = threading.Thread(target=_parallel.share, args=(32, work, 3), name="worker")
    worker.start()
    worker.join()
    assert threads == {"worker"}
