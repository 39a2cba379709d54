"""Atomic writes: the new content appears whole, or the old file stays exactly as it was."""

from __future__ import annotations

import os
import stat

import pytest

from convexplorer.io import (
    atomic_write_bytes,
    atomic_write_text,
    load_session,
    save_session,
)
from tests.io_support import apply_session, fingerprint, make_state


def leftovers(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_writes_new_and_replaces_old_files(tmp_path):
    path = tmp_path / "notes.txt"
    atomic_write_text(path, "first ✓")
    assert path.read_text(encoding="utf-8") == "first ✓"
    atomic_write_bytes(path, b"second")
    assert path.read_bytes() == b"second"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch, failing):
    path = tmp_path / "keep.bin"
    path.write_bytes(b"precious")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_bytes(path, b"new content that never lands")
    monkeypatch.undo()
    assert path.read_bytes() == b"precious"
    assert leftovers(tmp_path) == []


def test_an_interrupted_session_save_keeps_the_previous_session(tmp_path, monkeypatch):
    path = tmp_path / "lesson.convx"
    first = make_state()
    save_session(path, first)

    def crash(*args):
        raise KeyboardInterrupt  # the user hits Ctrl+C, or the process dies, mid-save

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        save_session(path, make_state(1, 2, seed=3))
    monkeypatch.undo()
    restored = make_state(1, 2, seed=5)
    apply_session(restored, load_session(path))
    assert fingerprint(restored) == fingerprint(first)
    assert leftovers(tmp_path) == []


def test_mode_is_kept_and_symlinks_are_written_through(tmp_path):
    path = tmp_path / "shared.bin"
    path.write_bytes(b"old")
    path.chmod(0o640)
    atomic_write_bytes(path, b"new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    link = tmp_path / "link.bin"
    link.symlink_to(path)
    atomic_write_bytes(link, b"through the link")
    assert link.is_symlink()
    assert path.read_bytes() == b"through the link"


def test_a_new_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    atomic_write_bytes(tmp_path / "fresh.bin", b"x")
    assert stat.S_IMODE((tmp_path / "fresh.bin").stat().st_mode) == 0o666 & ~umask


def test_a_missing_directory_fails_cleanly(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write_bytes(tmp_path / "no" / "such" / "dir.bin", b"x")
