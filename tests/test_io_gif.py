"""Animations written without Qt: GIFs decode to the frames given, PNG sequences, permissions."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest
from PySide6.QtGui import QImage, QImageReader

from convexplorer.io import encode_gif, png_sequence_names, write_gif, write_png_sequence
from convexplorer.io._gif import lzw_encode


def frames(count: int = 5, size: tuple[int, int] = (12, 17)) -> list[np.ndarray]:
    """A square of flat colour moving over a grey background, one step per frame."""
    result = []
    for i in range(count):
        frame = np.full((*size, 3), 90, np.uint8)
        frame[2:6, i : i + 4] = (255, 40 * i, 0)
        frame[-1, -1] = (0, 0, 255)
        result.append(frame)
    return result


def decoded(path) -> list[np.ndarray]:
    reader = QImageReader(str(path))
    assert reader.format() == b"gif"
    images = []
    for _ in range(reader.imageCount()):
        image = reader.read().convertToFormat(QImage.Format.Format_RGB888)
        assert not image.isNull()
        width, height = image.width(), image.height()
        rows = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())
        images.append(rows[:, : width * 3].reshape(height, width, 3).copy())
    return images


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_written_gif_decodes_to_the_frames_given(tmp_path, umask_022):
    source = frames()
    source.insert(3, source[2].copy())  # an unchanged frame is stored as a 1×1 transparent one
    path = tmp_path / "move.gif"
    assert write_gif(path, source, fps=10) == 6
    back = decoded(path)
    assert len(back) == 6
    for original, image in zip(source, back, strict=True):
        np.testing.assert_array_equal(image, original)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["move.gif"]


def test_the_frame_delay_follows_fps_and_the_animation_loops():
    data = encode_gif(frames(2), fps=4)
    assert b"NETSCAPE2.0\x03\x01\x00\x00" in data  # loop forever
    control = data.index(b"\x21\xf9\x04")
    assert int.from_bytes(data[control + 4 : control + 6], "little") == 25  # 1/4 s in 1/100 s


def test_photographic_frames_with_many_colours_stay_close(tmp_path):
    rng = np.random.default_rng(0)
    noisy = [rng.integers(0, 256, (20, 30, 3), dtype=np.uint8) for _ in range(3)]
    write_gif(tmp_path / "noise.gif", noisy, fps=25)
    back = decoded(tmp_path / "noise.gif")
    assert len(back) == 3
    for original, image in zip(noisy, back, strict=True):
        assert np.abs(image.astype(int) - original).mean() < 40  # quantised to 255 colours


def test_bad_frames_and_rates_are_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "bad.gif"
    good = frames(2)
    for bad in ([], [good[0], good[1][:5]], [good[0].astype(np.float32)], [good[0][..., :2]]):
        with pytest.raises(ValueError):
            write_gif(path, bad, fps=10)
    for fps in (0, -1, float("nan"), float("inf"), "fast"):
        with pytest.raises(ValueError, match="fps"):
            write_gif(path, good, fps=fps)
    assert list(tmp_path.iterdir()) == []


def test_lzw_survives_a_full_code_table():
    rng = np.random.default_rng(1)
    data = rng.integers(0, 255, 20000, dtype=np.uint8).tobytes()
    assert len(lzw_encode(data)) > 4096  # the table filled and was cleared on the way


def test_png_sequences_are_numbered_atomic_and_readable(tmp_path, umask_022):
    source = frames(3)
    files = write_png_sequence(tmp_path, "frame", source)
    assert [f.name for f in files] == ["frame_0000.png", "frame_0001.png", "frame_0002.png"]
    assert sorted(tmp_path.iterdir()) == files
    for path, original in zip(files, source, strict=True):
        image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
        rows = np.frombuffer(image.constBits(), np.uint8).reshape(12, image.bytesPerLine())
        np.testing.assert_array_equal(rows[:, : 17 * 3].reshape(12, 17, 3), original)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert png_sequence_names("f", 10001)[-1] == "f_10000.png"
    with pytest.raises(ValueError):
        write_png_sequence(tmp_path / "other", "frame", [source[0], source[0][..., :1]])
    with pytest.raises(ValueError, match="plain name"):
        write_png_sequence(tmp_path, "../escape", source)


def test_a_failed_png_sequence_removes_the_files_it_created(tmp_path, monkeypatch):
    from convexplorer.io import _gif

    real = _gif.atomic_write_bytes
    calls = [0]

    def failing(path, data):
        calls[0] += 1
        if calls[0] == 3:
            raise OSError(28, "No space left on device")
        real(path, data)

    (tmp_path / "frame_0000.png").write_bytes(b"old")
    monkeypatch.setattr(_gif, "atomic_write_bytes", failing)
    with pytest.raises(OSError, match="No space"):
        write_png_sequence(tmp_path, "frame", frames(4))
    # the new file went away again; the one that existed before stays (with the new frame)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frame_0000.png"]
