"""The PNG writer (numpy + zlib), and the io package's independence from Qt."""

from __future__ import annotations

import subprocess
import sys
import zlib

import numpy as np
import pytest

from convexplorer.io import encode_png, write_png
from convexplorer.model._png import read_png

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
