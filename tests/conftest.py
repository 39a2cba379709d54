"""Test set-up: Qt renders offscreen so the suite runs on machines with no display."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True, scope="session")
def kernel_cache(request, tmp_path_factory):
    """The direct kernels compiled by the tests are kept in pytest's own cache folder (reused by
    the next run, as the user's cache folder is by the next session), not the user's."""
    cache = getattr(request.config, "cache", None)
    folder = cache.mkdir("convexplorer-kernels") if cache else tmp_path_factory.mktemp("kernels")
    previous = os.environ.get("CONVEXPLORER_KERNEL_CACHE")
    os.environ["CONVEXPLORER_KERNEL_CACHE"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("CONVEXPLORER_KERNEL_CACHE", None)
    else:
        os.environ["CONVEXPLORER_KERNEL_CACHE"] = previous


@pytest.fixture
def numpy_only(monkeypatch):
    """The engine as it picks without numba: its numpy methods alone."""
    from convexplorer.model import _direct_compile
    from convexplorer.model._cost import choose_method

    monkeypatch.setattr(_direct_compile, "available", lambda: False)
    choose_method.cache_clear()
    yield
    choose_method.cache_clear()
