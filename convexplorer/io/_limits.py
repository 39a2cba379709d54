"""Every size a file can declare, bounded before anything of that size is built.

The layer and input bounds are the model's (``convexplorer.model``: the same the layer form uses);
the container bounds here keep a small damaged or hostile file from making a reader allocate,
decompress or walk more than a real file of this kind ever needs.
"""

from __future__ import annotations

import math

from convexplorer.model import MAX_CHANNELS, MAX_INPUT_VALUES, MAX_KERNEL, check_input_size

#: Members of a ZIP archive (session, ``.npz``, PyTorch checkpoint).
MAX_ZIP_MEMBERS = 10_000
#: Uncompressed bytes of one ZIP member holding an array (``.npy`` in a session or ``.npz``).
MAX_MEMBER_BYTES = 1 << 31
#: Bytes of a session's ``session.json``.
MAX_JSON_BYTES = 1 << 20
#: Bytes of a ``.npy`` header (numpy writes under 200; numpy's own reader stops at 10000).
MAX_NPY_HEADER_BYTES = 10_000
#: Elements of any one array or tensor a reader builds (2^28: 1 GiB of float32).
MAX_ARRAY_VALUES = MAX_INPUT_VALUES
#: Size of a PyTorch checkpoint file, and the uncompressed total of its members.
MAX_CHECKPOINT_BYTES = 1 << 32
#: Containers and tensors visited when listing a checkpoint, and how deep they may nest.
MAX_CHECKPOINT_NODES = 100_000
MAX_CHECKPOINT_DEPTH = 8


def values_problem(shape: tuple[int, ...]) -> str | None:
    """Why an array of ``shape`` is too large to build (with the numbers), or None."""
    count = math.prod(shape)
    if count > MAX_ARRAY_VALUES:
        dims = "×".join(str(n) for n in shape)
        return (
            f"declares {dims} = {count} values, more than the {MAX_ARRAY_VALUES} this "
            f"explorer reads from one array"
        )
    return None


def input_problem(channels: int, height: int, width: int) -> str | None:
    """Why an input of this size cannot be used (the model's bounds, with the numbers), or None."""
    try:
        check_input_size(channels, height, width)
    except ValueError as exc:
        return str(exc)
    return None


def weight_problem(shape: tuple[int, ...]) -> str | None:
    """Why Conv2d weights (C_out, C_in/groups, kH, kW) of ``shape`` exceed the bounds, or None."""
    out_channels, per_group, kh, kw = shape
    if out_channels > MAX_CHANNELS:
        return f"has {out_channels} filters; at most {MAX_CHANNELS} are allowed"
    if per_group > MAX_CHANNELS:
        return f"has filters spanning {per_group} channels; at most {MAX_CHANNELS} are allowed"
    if max(kh, kw) > MAX_KERNEL:
        return f"has a {kh}×{kw} kernel; each side may be at most {MAX_KERNEL}"
    return None
