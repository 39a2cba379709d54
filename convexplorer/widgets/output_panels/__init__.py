"""The output panels: every output channel's feature map, live on the shared model."""

from ._panels import OutputPanels

__all__ = ["OutputPanels"]
