"""The recent-files list, remembered in QSettings across runs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

MAX_RECENT = 8
_KEY = "files/recent"


class RecentFiles:
    """Most recent first, no duplicates, missing files dropped when read."""

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def paths(self) -> list[Path]:
        value = self._settings.value(_KEY, [])
        names = [value] if isinstance(value, str) else list(value or [])
        return [Path(name) for name in names if Path(name).exists()]

    def add(self, path: Path) -> None:
        path = path.resolve()
        paths = [path] + [p for p in self.paths() if p.resolve() != path]
        self._settings.setValue(_KEY, [str(p) for p in paths[:MAX_RECENT]])

    def clear(self) -> None:
        self._settings.remove(_KEY)
