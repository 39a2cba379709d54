"""The network strip: the whole stack of layers at a glance, and the way to select and shape it."""

from ._strip import NetworkStrip, layer_detail

__all__ = ["NetworkStrip", "layer_detail"]
