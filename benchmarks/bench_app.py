"""App-level timings: process start → first painted window, and rebuilding for a 32×32 layer.

Run: ``python benchmarks/bench_app.py`` (``--quick`` for fewer repeats). Prints medians, and the
bare import time of numpy + PySide6 + pyqtgraph measured in the same run as the reference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

IMPORTS_ONLY = "import numpy, pyqtgraph; from PySide6 import QtWidgets; print('ready', flush=True)"

FIRST_PAINT = """
import sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
from convexplorer.app._scene import default_state
from convexplorer.app.main_window import MainWindow
from PySide6.QtCore import QSettings
import tempfile, pathlib

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("ready", flush=True)
            app.exit(0)
        return False

app = QApplication(sys.argv[:1])
settings = QSettings(str(pathlib.Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
window = MainWindow(default_state(), settings)
probe = FirstPaint()
window.installEventFilter(probe)
window.resize(1280, 800)
window.show()
app.exec()
"""

REBUILD = """
import sys, time, statistics
import numpy as np
from PySide6.QtWidgets import QApplication
from PySide6.QtCore import QSettings
import tempfile, pathlib
from convexplorer.model import LayerSpec, load_sample
from convexplorer.app._scene import default_state
from convexplorer.app.main_window import MainWindow

app = QApplication(sys.argv[:1])
settings = QSettings(str(pathlib.Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
window = MainWindow(default_state(), settings)
window.resize(1280, 800)
window.show()
document = window.document
document.wait_until_idle()
app.processEvents()
stack = load_sample("feature stack (32 ch)")
small = load_sample("chelsea")
times = []
for _ in range(int(sys.argv[1])):
    document.open_input(small, "Open small")
    document.set_layer(LayerSpec(3, 2))
    document.wait_until_idle()
    app.processEvents()
    t0 = time.perf_counter()
    document.open_input(stack, "Open stack")
    document.set_layer(LayerSpec(32, 32))
    window.settle()
    times.append(time.perf_counter() - t0)
print(statistics.median(times))
"""


def _time_until_ready(code: str) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    start = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip() == "ready":
                elapsed = time.perf_counter() - start
                break
        else:
            raise RuntimeError("the child process never became ready")
        process.wait()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    repeats = 3 if parser.parse_args().quick else 9
    imports = statistics.median(_time_until_ready(IMPORTS_ONLY) for _ in range(repeats))
    paint = statistics.median(_time_until_ready(FIRST_PAINT) for _ in range(repeats))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    rebuild = float(
        subprocess.run(
            [sys.executable, "-c", REBUILD, str(repeats)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout.strip()
    )
    print(f"{'measurement':<52}{'median':>10}")
    print(f"{'imports only (numpy + PySide6 + pyqtgraph)':<52}{imports * 1000:>8.0f} ms")
    print(f"{'process start -> first painted main window':<52}{paint * 1000:>8.0f} ms")
    print(f"{'  of which beyond the bare imports':<52}{(paint - imports) * 1000:>8.0f} ms")
    print(f"{'apply a 32-in x 32-out layer (editor + 32 panels)':<52}{rebuild * 1000:>8.0f} ms")
    print(f"first paint / bare imports = {paint / imports:.2f}")


if __name__ == "__main__":
    main()
