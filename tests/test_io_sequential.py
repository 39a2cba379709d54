"""'Copy as PyTorch' for a stack: the script is one runnable nn.Sequential whose weights are exactly
the explorer's, and whose outputs are the app's own stack outputs within float32 rounding."""

from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np
import pytest

from convexplorer.io import export_network_weights, sequential_snippet
from convexplorer.model import LayerSetup, LayerSpec, NetworkSnapshot, to_torch_layout
from tests.stack_support import make_stack, stack_bound, stack_outputs
from tests.tolerance import assert_within

STACKS = {
    "conv-relu-conv": [LayerSpec(3, 4, 3, padding=1), LayerSpec(4, 2, 3)],
    "strided, grouped, no bias, textbook": [
        LayerSpec(3, 6, 3, stride=2, padding=1, padding_mode="reflect"),
        LayerSpec(6, 4, (3, 2), groups=2, bias=False, dilation=(1, 2), flip_kernel=True),
        LayerSpec(4, 1, 1),
    ],
    "transposed": [
        LayerSpec(3, 4, 3, stride=2),
        LayerSpec(4, 2, 2, stride=2, transposed=True, output_padding=1, groups=2),
    ],
}


def test_the_script_is_valid_python_with_one_sequential_and_exact_literals():
    snapshot = make_stack(STACKS["conv-relu-conv"])
    script = sequential_snippet(snapshot)
    ast.parse(script)
    assert script.count("nn.Sequential(") == 1
    assert script.count("nn.Conv2d(") == 2
    assert script.count("nn.ReLU()") == 1  # after layer 1 only: layer 2's activation is none
    assert "model[2].weight.copy_" in script  # the ReLU is model[1]
    assert "-0.0" in script and "1e-45" in script  # awkward values written exactly
    assert "torch.Size([1, 2, 7, 9])" in script


def test_the_scripts_literals_are_the_weights_bit_for_bit_without_torch():
    """Every ``model[i].weight/bias.copy_(torch.tensor(LITERAL, ...))`` read back as float32 is
    the layer's weights in PyTorch's layout (flipped where the script flips them), bit for bit."""
    snapshot = make_stack(STACKS["strided, grouped, no bias, textbook"], size=(10, 11), seed=8)
    loaded = {}
    for node in ast.walk(ast.parse(sequential_snippet(snapshot))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "copy_":
            target = node.func.value  # model[i].weight or model[i].bias
            index = target.value.slice.value
            tensor = node.args[0]
            if isinstance(tensor, ast.Call) and getattr(tensor.func, "attr", "") == "flip":
                tensor = tensor.func.value  # torch.tensor(...).flip(-2, -1): flipped in torch
            values = np.array(ast.literal_eval(tensor.args[0]), dtype=np.float32)
            loaded[(index, target.attr)] = values
    convs = [0, 2, 4]  # each of the first two layers is followed by its ReLU
    assert sorted(loaded) == [(0, "bias"), (0, "weight"), (2, "weight"), (4, "bias"), (4, "weight")]
    for position, layer in zip(convs, snapshot.layers, strict=True):
        typed = to_torch_layout(layer.spec, layer.weight)
        assert loaded[(position, "weight")].tobytes() == typed.tobytes()
        if layer.bias is not None:
            assert loaded[(position, "bias")].tobytes() == layer.bias.tobytes()


def test_an_unknown_activation_is_refused_in_words():
    snapshot = make_stack(STACKS["conv-relu-conv"])
    layer = snapshot.layers[0]
    odd = LayerSetup(layer.spec, layer.weight, layer.bias, "swish")
    with pytest.raises(ValueError, match="'swish' has no PyTorch module"):
        sequential_snippet(NetworkSnapshot(snapshot.image, (odd, snapshot.layers[1])))


@pytest.mark.parametrize("name", list(STACKS))
def test_the_script_runs_and_matches_the_apps_stack(name):
    """The script's y against the app's last output, within ``stack_bound``: each layer adds the
    two computations' float32 rounding of its sums, and passes on the error it received times
    Σ|w| (1-Lipschitz activations), starting from the same input."""
    torch = pytest.importorskip("torch")
    snapshot = make_stack(STACKS[name], size=(10, 11), seed=3)
    outputs = stack_outputs(snapshot)
    namespace: dict = {}
    script = sequential_snippet(snapshot, input_line="x = torch.from_numpy(image)[None]")
    exec(compile(script, "<snippet>", "exec"), {"image": snapshot.image}, namespace)
    model = namespace["model"]
    convs = [module for module in model if hasattr(module, "weight")]
    for layer, module in zip(snapshot.layers, convs, strict=True):
        typed = torch.from_numpy(to_torch_layout(layer.spec, layer.weight))
        loaded = module.weight.flip(-2, -1) if layer.spec.flip_kernel else module.weight
        assert torch.equal(loaded, typed)  # bit for bit, in PyTorch's layout for the kind
    actual = namespace["y"][0].detach().numpy()
    assert_within(actual, outputs[-1][1], stack_bound(snapshot, outputs), "stack outputs")


@dataclass(frozen=True)
class PoolSpec(LayerSpec):
    """A pooling layer as the model will describe it (``LayerSpec.pool``: "max" or "avg")."""

    pool: str | None = None


@pytest.mark.parametrize(("pool", "module"), [("max", "MaxPool2d"), ("avg", "AvgPool2d")])
def test_a_pooling_layer_becomes_pytorchs_pooling_module_with_no_weights_to_load(pool, module):
    torch = pytest.importorskip("torch")
    snapshot = make_stack([LayerSpec(3, 2, 3, padding=1)], size=(8, 9))
    conv = snapshot.layers[0]
    spec = PoolSpec(2, 2, 3, stride=2, padding=1, groups=2, bias=False, pool=pool)
    pooling = LayerSetup(spec, np.zeros(spec.weight_shape, np.float32), None, "none")
    stack = NetworkSnapshot(
        snapshot.image, (LayerSetup(conv.spec, conv.weight, conv.bias), pooling)
    )
    script = sequential_snippet(stack, input_line="x = torch.from_numpy(image)[None]")
    assert "model[1].weight" not in script
    namespace: dict = {}
    exec(compile(script, "<snippet>", "exec"), {"image": stack.image}, namespace)
    model = namespace["model"]
    assert type(model[1]).__name__ == module
    expected = getattr(torch.nn, module)(3, stride=2, padding=1)(model[0](namespace["x"]))
    assert torch.equal(namespace["y"], expected)


def test_a_stacks_weights_export_to_one_npz_in_pytorchs_layout(tmp_path):
    snapshot = make_stack(STACKS["transposed"], size=(10, 11))
    path = tmp_path / "stack.npz"
    export_network_weights(path, snapshot.layers)
    with np.load(path) as archive:
        arrays = dict(archive)
    assert sorted(arrays) == ["layer1_bias", "layer1_weight", "layer2_bias", "layer2_weight"]
    for index, layer in enumerate(snapshot.layers):
        typed = to_torch_layout(layer.spec, layer.weight)
        assert arrays[f"layer{index + 1}_weight"].tobytes() == typed.tobytes()
        assert arrays[f"layer{index + 1}_bias"].tobytes() == layer.bias.tobytes()
    assert arrays["layer2_weight"].shape == (4, 1, 2, 2)  # (C_in, C_out/groups, kH, kW)
