"""The network strip: the whole stack of layers at a glance, and the way to select and shape it."""

from ._strip import COLUMN_MENU, NetworkStrip, layer_detail

__all__ = ["COLUMN_MENU", "NetworkStrip", "layer_detail"]
