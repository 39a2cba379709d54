"""The Qt adapter (QtCore only): model changes in, precise signals out."""

from ._adapter import ExplorerModel

__all__ = ["ExplorerModel"]
