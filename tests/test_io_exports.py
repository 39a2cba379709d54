"""Output PNGs (numpy + zlib writer), and the io package's independence from Qt."""

from __future__ import annotations

import subprocess
import sys
import zlib

import numpy as np
import pytest

from convexplorer.io import channel_pixels, encode_png, save_output_pngs, write_png
from convexplorer.model._png import read_png
from tests.io_support import make_state

RNG = np.random.default_rng(2)


def text_chunks(data: bytes) -> dict[str, str]:
    found, pos = {}, 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        assert zlib.crc32(kind + body) == int.from_bytes(data[pos + 8 + length : pos + 12 + length])
        if kind == b"tEXt":
            key, value = body.split(b"\0")
            found[key.decode("latin-1")] = value.decode("latin-1")
        pos += 12 + length
    return found


@pytest.mark.parametrize("shape", [(5, 7), (4, 6, 2), (4, 6, 3), (3, 2, 4)])
def test_png_writer_round_trips(tmp_path, shape):
    pixels = RNG.integers(0, 256, shape, dtype=np.uint8)
    write_png(tmp_path / "x.png", pixels, {"Comment": "hi"})
    back = read_png(tmp_path / "x.png")
    assert np.array_equal(back, pixels.reshape(back.shape))
    assert text_chunks((tmp_path / "x.png").read_bytes()) == {"Comment": "hi"}


def test_png_writer_refuses_what_png_cannot_hold():
    with pytest.raises(ValueError, match="uint8"):
        encode_png(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        encode_png(np.zeros((2, 2, 5), np.uint8))


def test_greyscale_stretches_each_channel():
    values = np.array([[-2.0, 0.0, 2.0]])
    assert channel_pixels(values, -2, 2).tolist() == [[0, 128, 255]]
    assert channel_pixels(np.ones((1, 2)), 1, 1).tolist() == [[128, 128]]  # flat: mid-grey
    lut = np.array([[0, 0, 255], [255, 255, 255], [255, 0, 0]], np.uint8)
    assert channel_pixels(values, -2, 2, lut).tolist() == [
        [[0, 0, 255], [255, 255, 255], [255, 0, 0]]
    ]


def test_every_output_channel_is_saved(tmp_path):
    state = make_state(2, 3, (6, 7), extremes=False)
    outputs = state.outputs()
    paths = save_output_pngs(tmp_path, outputs, stem="edges")
    assert [p.name for p in paths] == ["edges_00.png", "edges_01.png", "edges_02.png"]
    for o, path in enumerate(paths):
        pixels = read_png(path)[..., 0]
        channel = outputs[o]
        assert pixels.shape == channel.shape
        assert pixels[np.unravel_index(channel.argmin(), channel.shape)] == 0
        assert pixels[np.unravel_index(channel.argmax(), channel.shape)] == 255
        description = text_chunks(path.read_bytes())["Description"]
        assert description.startswith(f"output channel {o}: {channel.min():.6g} is black")


def test_a_colour_map_is_centred_on_zero_and_a_shared_scale_compares_channels(tmp_path):
    lut = np.stack([np.arange(256), np.zeros(256), 255 - np.arange(256)], axis=1).astype(np.uint8)
    outputs = np.array([[[-1.0, 0.0, 1.0]], [[0.0, 0.5, 4.0]]])
    first, second = save_output_pngs(tmp_path, outputs, colormap=lut)
    assert read_png(first)[0, :, 0].tolist() == [0, 128, 255]
    assert read_png(second)[0, 0, 0] == 128  # zero is the middle colour whatever the range
    shared = save_output_pngs(tmp_path, outputs, stem="shared", shared_scale=True)
    assert read_png(shared[0])[0, :, 0].tolist() == [0, 51, 102]  # -1..4 over both channels


def test_many_channels_get_wider_numbers(tmp_path, monkeypatch):
    monkeypatch.setattr("os.fsync", lambda fd: None)  # 101 files: skip the disk flushes
    paths = save_output_pngs(tmp_path, np.zeros((101, 1, 1)))
    assert paths[0].name == "output_000.png" and paths[-1].name == "output_100.png"


def test_io_runs_without_qt_installed():
    """The io package is pure python + numpy: import and use it with PySide6 made unimportable."""
    script = (
        "import sys, tempfile, pathlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'torch'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from convexplorer.io import save_session, load_session, numpy_snippet\n"
        "from convexplorer.model import ExplorerState, load_sample\n"
        "state = ExplorerState(load_sample('shapes'))\n"
        "path = pathlib.Path(tempfile.mkdtemp()) / 's.convx'\n"
        "save_session(path, state)\n"
        "assert load_session(path).image.shape == state.image.shape\n"
        "numpy_snippet(state)\n"
        "assert not any(m.startswith(('PySide6', 'pyqtgraph', 'torch')) for m in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
