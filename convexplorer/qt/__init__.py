"""The Qt adapter (QtCore only): the document's commands in, precise signals out."""

from ._compute import SYNC_LIMIT_MS
from ._document import Document, preset_label

__all__ = ["SYNC_LIMIT_MS", "Document", "preset_label"]
