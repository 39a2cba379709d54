"""File → Open Scene: the built-in stacks ("32 → 1", "A small CNN"), each one undoable step.

A scene replaces the input and the whole stack, so it is one ``Document.load_network`` step
named after it; it asks nothing, since Undo takes it back. Its words — what it shows and every
named filter — go to the status bar and to *About This Scene…*, which describes the scene
last opened as it was built (later edits are the user's).
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox

from ..model import SCENE_NAMES, BuiltScene, load_scene
from ..qt import Document
from ._dialogs import FileDialogs

ABOUT_TITLE = "About This Scene"


class SceneActions:
    """The Open Scene submenu and the scene last opened, for *About This Scene…*."""

    def __init__(self, dialogs: FileDialogs, document: Document) -> None:
        self._dialogs, self._document = dialogs, document
        self.scene: BuiltScene | None = None
        self.actions_by_name: dict[str, QAction] = {}
        self.about_action: QAction | None = None
        self.menu: QMenu | None = None

    def populate(self, menu: QMenu, before: QAction | None) -> None:
        """Insert the submenu into ``menu`` before ``before``."""
        scenes = QMenu("Open Sc&ene", self._dialogs.window)
        scenes.setObjectName("scenesMenu")
        scenes.setToolTipsVisible(True)
        for name in SCENE_NAMES:
            action = scenes.addAction(name)
            summary = load_scene(name).summary
            action.setStatusTip(summary)
            action.setToolTip(summary)
            action.setWhatsThis(summary)
            action.triggered.connect(lambda _=False, n=name: self.open_scene(n))
            self.actions_by_name[name] = action
        scenes.addSeparator()
        self.about_action = scenes.addAction(f"{ABOUT_TITLE}…")
        self.about_action.setStatusTip("What the scene last opened shows, and its named filters")
        self.about_action.setEnabled(False)
        self.about_action.triggered.connect(self.show_about)
        menu.insertMenu(before, scenes)
        self.menu = scenes

    def open_scene(self, name: str) -> bool:
        """Load the scene as one undo step ("Open scene 32 → 1"); False if it was refused."""
        try:
            scene = load_scene(name)
            self._document.load_network(scene.snapshot, f"Open scene {name}")
        except ValueError as error:
            self._dialogs.report_error("Cannot open scene", error)
            return False
        self._shown(scene)
        return True

    def start_with(self, name: str) -> None:
        """Begin with the scene (``convexplorer --scene``): like a file just opened, nothing to
        undo and nothing unsaved."""
        scene = load_scene(name)
        self._document.load_network_session(scene.snapshot)
        self._shown(scene)

    def _shown(self, scene: BuiltScene) -> None:
        self._document.select(0, scene.position)  # not an edit: a place worth a look
        self.scene = scene
        if self.about_action is not None:
            self.about_action.setEnabled(True)
        self._dialogs.status(
            f"{scene.summary} File → Open Scene → {ABOUT_TITLE}… names every filter."
        )

    def about_text(self) -> str:
        if self.scene is None:
            return "No scene was opened yet: File → Open Scene."
        return (
            f"{self.scene.describe()}\n\nThis is the scene as it was opened; "
            "your edits since then are not described here."
        )

    def show_about(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            ABOUT_TITLE,
            self.scene.name if self.scene else ABOUT_TITLE,
            parent=self._dialogs.window,
        )
        box.setObjectName("aboutSceneBox")
        box.setInformativeText(self.about_text())
        box.open()
