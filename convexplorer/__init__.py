"""convexplorer: see and touch a 2D convolution layer."""

__version__ = "0.1.0"
