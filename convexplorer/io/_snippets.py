"""'Copy as PyTorch' and 'Copy as NumPy': short scripts that rebuild exactly this layer.

Every weight is written as the shortest decimal that converts back to the same float32 (checked
value by value, falling back to the float64 repr, which is always exact), so
``torch.tensor(..., dtype=torch.float32)`` and ``np.array(..., dtype=np.float32)`` rebuild the
weights bit for bit.
"""

from __future__ import annotations

import numpy as np

from convexplorer.model import LayerSpec, StateView, activation_info, to_torch_layout

_INDENT = "    "


def float32_literal(value: float | np.floating) -> str:
    """A Python literal that converts back to exactly this float32 (e.g. '0.1', '-0.0')."""
    single = np.float32(value)
    text = str(single)
    if np.float32(float(text)).tobytes() != single.tobytes():
        text = repr(float(single))  # exact in float64, so exact back in float32
    return text


def pytorch_snippet(state: StateView, input_line: str | None = None) -> str:
    """A runnable script building this ``nn.Conv2d`` or ``nn.ConvTranspose2d`` (every setting)
    with these weights, in PyTorch's layout for the kind.

    The script defines ``layer`` and computes ``y = layer(x)``; ``input_line`` (default: a random
    input of the explorer's shape) defines ``x``. "Check against PyTorch" runs this very script
    with ``x`` bound to the explorer's input, so whatever the script learns, the check follows.
    """
    spec, c, h, w = state.spec, *state.image.shape
    input_line = input_line or (
        f"x = torch.rand(1, {c}, {h}, {w})  # a batch of one input like the explorer's"
    )
    if spec.pool:
        return _pool_pytorch_snippet(state, input_line)
    bias_line = (
        f"bias = torch.tensor({_literal(state.bias, spec)}, dtype=torch.float32)\n"
        if state.bias is not None
        else ""
    )
    copy_bias = f"{_INDENT}conv.bias.copy_(bias)\n" if state.bias is not None else ""
    module = activation_info(state.activation).module
    layer = (
        f"layer = nn.Sequential(conv, {module})  # the explorer applies it to the outputs\n"
        if module
        else "layer = conv\n"
    )
    oh, ow = state.output_size
    return (
        f"# {spec.describe()}\n"
        "import torch\n"
        "from torch import nn\n"
        "\n"
        f"conv = nn.{spec.kind}(\n{_conv_arguments(spec)})\n"
        f"{_layout_comment(spec)}"
        f"weight = torch.tensor({_literal(state.weight, spec)}, dtype=torch.float32)\n"
        f"{bias_line}"
        "with torch.no_grad():\n"
        f"{_copy_weight(spec)}"
        f"{copy_bias}"
        f"{layer}"
        "\n"
        f"{input_line}\n"
        f"y = layer(x)\n"
        f"print(y.shape)  # torch.Size([1, {spec.out_channels}, {oh}, {ow}])\n"
    )


def pool_module(spec: LayerSpec) -> str:
    """``nn.MaxPool2d(...)`` / ``nn.AvgPool2d(...)`` with a pool layer's window (AvgPool2d keeps
    PyTorch's default ``count_include_pad=True``: padded zeros count in the mean)."""
    arguments = {
        "kernel_size": _pair(spec.kernel_size),
        "stride": _pair(spec.stride),
        "padding": _pair(spec.padding),  # type: ignore[arg-type]
    }
    if spec.pool == "max":
        arguments["dilation"] = _pair(spec.dilation)
    settings = ", ".join(f"{name}={_python(value)}" for name, value in arguments.items())
    return f"nn.{spec.kind}({settings})"


def _pool_pytorch_snippet(state: StateView, input_line: str) -> str:
    """A pool layer: the module with its settings (it has no weights to load)."""
    spec = state.spec
    module = activation_info(state.activation).module
    layer = (
        f"layer = nn.Sequential(pool, {module})  # the explorer applies it to the outputs\n"
        if module
        else "layer = pool\n"
    )
    oh, ow = state.output_size
    return (
        f"# {spec.describe()}\n"
        "import torch\n"
        "from torch import nn\n"
        "\n"
        f"pool = {pool_module(spec)}  # no weights: nothing to load\n"
        f"{layer}"
        "\n"
        f"{input_line}\n"
        "y = layer(x)\n"
        f"print(y.shape)  # torch.Size([1, {spec.out_channels}, {oh}, {ow}])\n"
    )


def _pool_numpy_snippet(spec: LayerSpec) -> str:
    """A pool layer has no weights: the snippet computes it instead, on a (C, H, W) array."""
    (sh, sw), (dh, dw) = spec.stride, spec.dilation
    ph, pw = spec.padding  # type: ignore[misc]
    eh, ew = spec.effective_kernel_size
    fill = "-np.inf" if spec.pool == "max" else "0.0"
    reduce = "max" if spec.pool == "max" else "mean"
    return (
        f"# {spec.describe()}\n"
        "import numpy as np\n"
        "\n"
        f"# A {spec.kind} has no weights. This computes it for x, a (C, H, W) float32 array:\n"
        "def pool(x):\n"
        f"{_INDENT}x = np.pad(x, ((0, 0), ({ph}, {ph}), ({pw}, {pw})), constant_values={fill})\n"
        f"{_INDENT}windows = np.lib.stride_tricks.sliding_window_view(x, ({eh}, {ew}), "
        "axis=(1, 2))\n"
        f"{_INDENT}windows = windows[:, ::{sh}, ::{sw}, ::{dh}, ::{dw}]  # stride, dilation\n"
        f"{_INDENT}return windows.{reduce}(axis=(-2, -1))\n"
    )


def _layout_comment(spec: LayerSpec) -> str:
    if not spec.transposed:
        return (
            "# PyTorch's layout: (out_channels, in_channels / groups, "
            "kernel height, kernel width)\n"
        )
    return (
        "# PyTorch's ConvTranspose2d layout: (in_channels, out_channels / groups, kernel height,\n"
        "# kernel width) — weight[i, o] is the explorer's kernel editor row o, column i\n"
    )


def _copy_weight(spec: LayerSpec) -> str:
    """The line loading the weights, flipping them for textbook convolution (said in a comment)."""
    if not spec.flip_kernel:
        return f"{_INDENT}conv.weight.copy_(weight)\n"
    return (
        f"{_INDENT}# Textbook convolution: the explorer flips each kernel in both axes before\n"
        f"{_INDENT}# sliding it; PyTorch computes cross-correlation, so it gets the flipped copy.\n"
        f"{_INDENT}conv.weight.copy_(weight.flip(-2, -1))\n"
    )


def numpy_snippet(state: StateView) -> str:
    """The weights (and biases) as NumPy literals, in PyTorch's layout (a pool: code computing
    it, since it has no weights)."""
    spec = state.spec
    if spec.pool:
        return _pool_numpy_snippet(spec)
    bias = (
        f"bias = np.array({_literal(state.bias, spec)}, dtype=np.float32)\n"
        if state.bias is not None
        else "bias = None  # the layer has no bias\n"
    )
    return (
        f"# {spec.describe()}\n"
        "import numpy as np\n"
        "\n"
        f"{_layout_comment(spec)}"
        f"weight = np.array({_literal(state.weight, spec)}, dtype=np.float32)\n"
        f"{bias}"
        + (
            "# Textbook convolution: the layer slides kernels flipped: weight[..., ::-1, ::-1]\n"
            if spec.flip_kernel
            else ""
        )
        + _numpy_activation(state.activation)
    )


def _numpy_activation(activation: str) -> str:
    """The activation the explorer applies to the outputs, as a NumPy function (none: nothing)."""
    if activation == "none":
        return ""
    return (
        "\n"
        f"def activation(y):  # {activation_info(activation).module}: applied to the outputs\n"
        f"{_INDENT}return {activation_info(activation).numpy}\n"
    )


def _conv_arguments(spec: LayerSpec) -> str:
    padding = spec.padding if isinstance(spec.padding, str) else _pair(spec.padding)
    arguments: dict[str, object] = {
        "in_channels": spec.in_channels,
        "out_channels": spec.out_channels,
        "kernel_size": _pair(spec.kernel_size),
        "stride": _pair(spec.stride),
        "padding": padding,
    }
    if spec.transposed:
        arguments["output_padding"] = _pair(spec.output_padding)
    arguments |= {
        "dilation": _pair(spec.dilation),
        "groups": spec.groups,
        "bias": spec.bias,
        "padding_mode": spec.padding_mode,
    }
    return "".join(f"{_INDENT}{name}={_python(value)},\n" for name, value in arguments.items())


def _python(value: object) -> str:
    """A literal in the project's style (double-quoted strings)."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _pair(pair: tuple[int, int]) -> int | tuple[int, int]:
    return pair[0] if pair[0] == pair[1] else pair


def _literal(array: np.ndarray, spec: LayerSpec) -> str:
    """A nested list literal in PyTorch's layout; its blocks are labelled with comments."""
    if array.ndim == 1:
        return "[" + ", ".join(float32_literal(v) for v in array) + "]"
    lines = ["["]
    for first, block in enumerate(to_torch_layout(spec, array)):
        lines.append(f"{_INDENT}[  # {_outer_label(spec, first)}")
        for second, kernel in enumerate(block):
            lines.append(f"{_INDENT * 2}[  # {_inner_label(spec, first, second)}")
            for row in kernel:
                values = ", ".join(float32_literal(v) for v in row)
                lines.append(f"{_INDENT * 3}[{values}],")
            lines.append(f"{_INDENT * 2}],")
        lines.append(f"{_INDENT}],")
    lines.append("]")
    return "\n".join(lines)


def _outer_label(spec: LayerSpec, index: int) -> str:
    return f"input channel {index}" if spec.transposed else f"filter {index}"


def _inner_label(spec: LayerSpec, first: int, second: int) -> str:
    if spec.transposed:  # weight[i, k]: output channel k of input channel i's group
        return f"output channel {(first // spec.in_per_group) * spec.out_per_group + second}"
    return f"input channel {spec.filter_input_channels(first).start + second}"
