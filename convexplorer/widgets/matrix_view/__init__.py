"""The matrix view: the layer as one matrix multiply, Y = W · X + b (im2col)."""

from ._view import HALF_WINDOW, MatrixView, unsupported_reason

__all__ = ["HALF_WINDOW", "MatrixView", "unsupported_reason"]
