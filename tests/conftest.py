"""Test set-up: Qt renders offscreen so the suite runs on machines with no display."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def numpy_only(monkeypatch):
    """The engine as it picks without numba installed: its numpy methods alone."""
    from convexplorer.model import _direct_source
    from convexplorer.model._cost import choose_method

    monkeypatch.setattr(_direct_source, "available", lambda: False)
    choose_method.cache_clear()
    yield
    choose_method.cache_clear()
