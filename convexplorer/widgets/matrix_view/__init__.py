"""The matrix view: the layer as one matrix multiply, Y = W · X + b (im2col)."""

from ._view import HALF_WINDOW, MatrixView

__all__ = ["HALF_WINDOW", "MatrixView"]
