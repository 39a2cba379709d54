"""The kernel editor: each filter's weights and bias as coloured, editable numbers or thumbnails."""

from ._editor import KernelEditor

__all__ = ["KernelEditor"]
