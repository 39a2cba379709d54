"""The second core for one run: pieces of work shared by the calling thread and helper threads.

An edit reads the whole kept window matrix for one block of filters: memory-bound work that one
core cannot finish within torch's one-filter conv, and that OpenBLAS does not split (each tile's
product is too small for its threads). So the engine hands out pieces of its tiles to the calling
thread and to ``HELPERS`` helper threads; every tile is still computed by the same calls as in any
other run, so the bits do not depend on which thread took it.

The helpers are a ``concurrent.futures`` pool (non-daemon threads, started on first use), shut
down by ``shutdown``: ``concurrent.futures`` joins its threads before the interpreter waits for
non-daemon threads, and ``atexit`` calls ``shutdown`` too, so none runs during teardown. After
that, runs use the calling thread alone.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

#: Helper threads besides the caller: one per further core, at most three (the work is memory
#: bound; more threads only queue for the same memory bus).
HELPERS = max(0, min(3, (os.cpu_count() or 1) - 1))

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_closed = False


def _helpers() -> ThreadPoolExecutor | None:
    """The pool, started on first use; None once ``shutdown`` has run."""
    global _pool
    with _lock:
        if _pool is None and not _closed and HELPERS:
            _pool = ThreadPoolExecutor(HELPERS, thread_name_prefix="convexplorer-conv")
        return _pool


def shutdown() -> None:
    """Stop the helper threads and wait for them; later runs use the calling thread alone."""
    global _pool, _closed
    with _lock:
        pool, _pool, _closed = _pool, None, True
    if pool is not None:
        pool.shutdown(wait=True)


atexit.register(shutdown)


def share(count: int, work: Callable[[int], None], helpers: int = HELPERS) -> None:
    """Call ``work(i)`` for every i in range(count), on this thread and up to ``helpers``
    helpers, each taking the next i as it becomes free; return when all are done.

    Only the main thread shares: a run on a background thread (the app's worker) keeps to its
    own core, or on two cores it would starve the UI thread it runs beside (the longest
    event-loop gap of a 64×256² layer change went from 52 to 66 ms when the worker shared).
    The first exception raised by any piece is raised here once every started piece has
    finished."""
    if threading.current_thread() is not threading.main_thread():
        helpers = 0  # a background run leaves the other cores to the thread it runs beside
    helpers = min(helpers, count - 1)
    pool = _helpers() if helpers > 0 else None
    pieces = iter(range(count))  # next() on a range iterator is atomic under the GIL
    done = threading.Semaphore(0)
    errors: list[BaseException] = []

    def take() -> None:
        for i in pieces:
            try:
                if not errors:
                    work(i)
            except BaseException as error:  # raised in the caller below
                errors.append(error)
            finally:
                done.release()

    if pool is not None:
        try:
            for _ in range(helpers):
                pool.submit(take)
        except RuntimeError:  # shut down meanwhile (the interpreter is exiting)
            pass
    take()
    for _ in range(count):
        done.acquire()
    if errors:
        raise errors[0]
