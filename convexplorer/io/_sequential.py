"""'Copy as PyTorch' for a stack: one ``nn.Sequential`` holding every layer with its weights.

Each layer becomes the module PyTorch has for it — ``nn.Conv2d`` / ``nn.ConvTranspose2d`` with
every setting, or a pooling module for a pooling layer — followed by its activation's module, and
its weights are written as exact float32 literals (``_snippets.float32_literal``), so the script
rebuilds the stack bit for bit and runs as is.
"""

from __future__ import annotations

from convexplorer.model import (
    ACTIVATIONS,
    LayerSetup,
    LayerSpec,
    NetworkSnapshot,
    activation_info,
    check_chain,
    layer_name,
)

from ._snippets import _INDENT, _conv_arguments, _layout_comment, _literal, pool_module


def sequential_snippet(snapshot: NetworkSnapshot, input_line: str | None = None) -> str:
    """A runnable script building the stack as ``model = nn.Sequential(...)`` with its weights.

    The script computes ``y = model(x)``; ``input_line`` (default: a random input of the
    explorer's shape) defines ``x``. ValueError if an activation has no PyTorch module.
    """
    c, h, w = snapshot.image.shape
    shapes = check_chain((c, h, w), [layer.spec for layer in snapshot.layers])
    modules, loads = [], []
    for index, layer in enumerate(snapshot.layers):
        loads.append(_load_lines(index, len(modules), layer))
        modules.append(_module(index, layer.spec))
        if layer.activation not in ACTIVATIONS:
            raise ValueError(f"the activation {layer.activation!r} has no PyTorch module to copy")
        activation = activation_info(layer.activation).module
        if activation:
            modules.append(f"{activation},  # after {layer_name(index)}")
    input_line = input_line or (
        f"x = torch.rand(1, {c}, {h}, {w})  # a batch of one input like the explorer's"
    )
    count = len(snapshot.layers)
    out_c, out_h, out_w = shapes[-1]
    body = "".join(f"{_INDENT}{module}\n" for module in modules)
    return (
        f"# A stack of {count} layer{'s' if count > 1 else ''}, as the explorer computes it\n"
        "import torch\n"
        "from torch import nn\n"
        "\n"
        f"model = nn.Sequential(\n{body})\n"
        "with torch.no_grad():\n"
        f"{''.join(loads)}"
        "\n"
        f"{input_line}\n"
        "y = model(x)\n"
        f"print(y.shape)  # torch.Size([1, {out_c}, {out_h}, {out_w}])\n"
    )


def _module(index: int, spec: LayerSpec) -> str:
    """The constructor of layer ``index``'s module, on one line per argument."""
    if spec.pool:
        return f"{pool_module(spec)},  # {layer_name(index)}"
    arguments = _conv_arguments(spec).replace("\n", "\n" + _INDENT)
    title = f"# {layer_name(index)}: {spec.describe()}"
    return f"{title}\n{_INDENT}nn.{spec.kind}(\n{_INDENT}{arguments}),"


def _load_lines(index: int, position: int, layer: LayerSetup) -> str:
    """The lines copying layer ``index``'s weights into ``model[position]`` (none for a pool)."""
    spec = layer.spec
    if spec.pool:
        return ""
    weight = _literal(layer.weight, spec).replace("\n", "\n" + _INDENT)
    comment = "".join(f"{_INDENT}{line}\n" for line in _layout_comment(spec).splitlines())
    lines = f"{_INDENT}# {layer_name(index)}\n{comment}"
    target = f"model[{position}].weight"
    if spec.flip_kernel:
        lines += (
            f"{_INDENT}# Textbook convolution: the explorer flips each kernel in both axes\n"
            f"{_INDENT}# before sliding it; PyTorch computes cross-correlation, so it gets the\n"
            f"{_INDENT}# flipped copy.\n"
            f"{_INDENT}{target}.copy_(torch.tensor({weight}, dtype=torch.float32).flip(-2, -1))\n"
        )
    else:
        lines += f"{_INDENT}{target}.copy_(torch.tensor({weight}, dtype=torch.float32))\n"
    if layer.bias is not None:
        bias = _literal(layer.bias, spec)
        lines += (
            f"{_INDENT}model[{position}].bias.copy_(torch.tensor({bias}, dtype=torch.float32))\n"
        )
    return lines
