"""The sliding-window view: watch one output value being computed, on every input channel."""

from ._view import SlidingWindowView

__all__ = ["SlidingWindowView"]
