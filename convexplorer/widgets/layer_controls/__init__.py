"""The layer's settings form, with the model's verdict and a plain-English summary."""

from ._controls import LayerControls, layer_summary

__all__ = ["LayerControls", "layer_summary"]
