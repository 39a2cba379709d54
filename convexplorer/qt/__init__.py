"""The Qt adapter (QtCore only): the document's commands in, precise signals out."""

from ._compute import SYNC_MAC_LIMIT
from ._document import Document, preset_label

__all__ = ["SYNC_MAC_LIMIT", "Document", "preset_label"]
