"""The sliding-window view: watch one output value being computed, on every input channel."""

from ._export import export_gif, export_png_sequence
from ._view import SlidingWindowView

__all__ = ["SlidingWindowView", "export_gif", "export_png_sequence"]
