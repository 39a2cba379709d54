"""The layer's settings form, with the model's verdict and a plain-English summary."""

from ._controls import LayerControls, SummaryLabel, layer_summary

__all__ = ["LayerControls", "SummaryLabel", "layer_summary"]
