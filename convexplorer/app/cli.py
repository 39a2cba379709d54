"""The command line: options for what people script, and the screenshot used by tests and docs."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QSettings, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from ..model import (
    PRESET_NAMES,
    SAMPLE_NAMES,
    SCENE_NAMES,
    LayerSpec,
    import_compiler,
    prepare_kernel,
    resolve_preset,
)

if TYPE_CHECKING:
    from .main_window import MainWindow

SCREENSHOT_SIZE = (1280, 800)


def _preset(name: str) -> str:
    try:
        return resolve_preset(name)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convexplorer",
        description="See and touch a 2D convolution layer (PyTorch nn.Conv2d semantics).",
    )
    parser.add_argument(
        "--image",
        metavar="PATH",
        help="open this image (PNG, JPEG, BMP, TIFF, GIF) or NumPy array (.npy, .npz) as the input",
    )
    parser.add_argument(
        "--sample",
        metavar="NAME",
        choices=SAMPLE_NAMES,
        help="open a built-in sample input: " + ", ".join(f"'{n}'" for n in SAMPLE_NAMES),
    )
    parser.add_argument(
        "--preset",
        metavar="NAME",
        type=_preset,
        help="apply a preset to every filter: "
        + ", ".join(f"'{n}'" for n in PRESET_NAMES)
        + " (plain spellings such as diagonal, anti-diagonal or sobel_x work too)",
    )
    parser.add_argument(
        "--scene",
        metavar="NAME",
        choices=SCENE_NAMES,
        help="start with a built-in stack of layers: " + ", ".join(f"'{n}'" for n in SCENE_NAMES),
    )
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        help="build the window, render it to this PNG file without a display, and exit",
    )
    return parser


def _load_input(args: argparse.Namespace):
    from ..model import load_sample

    if args.image:
        from ._image_files import read_input

        return read_input(Path(args.image)).array
    if args.sample:
        return load_sample(args.sample)
    return None


NO_DISPLAY = (
    "convexplorer: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so there is "
    "nowhere to show the window. Run it in a desktop session (or with ssh -X), or render a "
    "picture without a display: convexplorer --screenshot out.png"
)


def _has_display() -> bool:
    """Whether Qt can open a window: a display server, or a platform chosen explicitly."""
    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not _has_display():
        if not args.screenshot:
            # Qt would abort with a message about xcb plugins and libxcb-cursor0 instead.
            print(NO_DISPLAY, file=sys.stderr)
            return 2
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # read when QApplication starts
    # the default scene's 3×3 direct kernel, loaded (or compiled) while the window is built, so
    # its first outputs are computed at once; numba itself is imported here first, on this thread
    import_compiler()
    threading.Thread(
        target=prepare_kernel, args=(LayerSpec(3, 2, kernel_size=3),), name="convexplorer-kernel"
    ).start()
    offscreen = os.environ.get("QT_QPA_PLATFORM", "").startswith("offscreen")
    previous_handler = qInstallMessageHandler(_drop_offscreen_notices) if offscreen else None
    try:
        return _run(args)
    finally:
        if offscreen:
            qInstallMessageHandler(previous_handler)


def application() -> QApplication:
    """The QApplication, named so QSettings finds the user's preferences."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("convexplorer")
    app.setApplicationName("convexplorer")
    return app  # type: ignore[return-value]


def build_window(
    image: np.ndarray | None = None,
    preset: str | None = None,
    settings: QSettings | None = None,
    scene: str | None = None,
) -> MainWindow:
    """The main window exactly as the command line builds it: the default scene (or ``image``
    with ``preset``, or the built-in stack ``scene``), the user's settings unless ``settings``
    is given. For tests, benchmarks and scripts; needs a QApplication (``application()``)."""
    import_compiler()  # before the window's imports and its worker (``model.import_compiler``)
    from ._scene import default_state
    from .main_window import MainWindow

    window = MainWindow(default_state(image, preset), settings)
    if scene is not None:
        window.files.scenes.start_with(scene)
    return window


def _run(args: argparse.Namespace) -> int:
    app = application()
    try:
        image = _load_input(args)
    except (OSError, ValueError) as error:
        print(f"convexplorer: {error}", file=sys.stderr)
        return 2

    if args.screenshot:
        with tempfile.TemporaryDirectory() as folder:
            settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
            window = build_window(image, args.preset, settings, args.scene)
            ok = save_screenshot(window, Path(args.screenshot))
            window.close()
        return 0 if ok else 1

    window = build_window(image, args.preset, scene=args.scene)
    window.show()
    return app.exec()


def _drop_offscreen_notices(kind, context, message: str) -> None:
    """The offscreen platform says it cannot do window-manager things; nobody needs to know."""
    if not message.startswith("This plugin does not support"):
        print(message, file=sys.stderr)


def save_screenshot(window, path: Path) -> bool:
    """Lay the window out at 1280×800, let every output finish, and save it as a PNG."""
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    window.settle()
    return window.grab().save(str(path), "PNG")
