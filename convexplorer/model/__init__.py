"""The convolution model: pure numpy, no Qt — the single source of truth every view observes."""

from ._conv import conv2d
from ._dot import DotProduct, dot_product_at
from ._spec import PADDING_MODES, LayerSpec

__all__ = ["PADDING_MODES", "DotProduct", "LayerSpec", "conv2d", "dot_product_at"]
