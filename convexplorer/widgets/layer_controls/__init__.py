"""The layer's settings form, with the model's verdict and a plain-English summary."""

from ._controls import LayerControls

__all__ = ["LayerControls"]
