"""The input view: the input image and each of its channels, labelled, with their size."""

from ._view import InputView

__all__ = ["InputView"]
