"""A trained model's conv layers as a stack: listed in file order, chained, BatchNorm folded, and
the imported stack's feature maps equal to ``model.eval()``'s on the same image within rounding.

Every checkpoint is built here with ``torch.save`` (never downloaded).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from convexplorer.io import (
    BATCHNORM_EPS,
    CheckpointConv,
    FileFormatError,
    LayerChoice,
    chain_problem,
    default_choice,
    fold_batchnorm,
    import_layers,
    list_checkpoint_convs,
    run_problem,
)
from convexplorer.model import (
    MAX_LAYERS,
    LayerSpec,
    absolute_sums,
    fft_bound,
    gamma,
    sum_terms,
    uses_fft,
)
from tests.reference import reference_conv2d
from tests.stack_support import stack_outputs
from tests.tolerance import assert_sums_close, assert_within


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def conv(key: str, shape, bias=True, batchnorm=None) -> CheckpointConv:
    return CheckpointConv(key, shape, key[:-6] + "bias" if bias else None, batchnorm)


# ---- chaining (pure, no file) ------------------------------------------------------------------


def test_chaining_infers_groups_and_says_why_a_pair_does_not_chain():
    first = conv("a.weight", (8, 3, 3, 3))
    assert chain_problem(first, conv("b.weight", (4, 8, 3, 3))) is None
    assert chain_problem(first, conv("b.weight", (8, 2, 3, 3))) is None  # 4 groups of 2
    assert chain_problem(first, conv("b.weight", (8, 3, 3, 3))) == (
        "b.weight cannot follow a.weight: a.weight makes 8 channels and b.weight's filters "
        "span 3, which does not divide 8"
    )
    assert "do not split into the 4 groups" in chain_problem(first, conv("b.weight", (6, 2, 1, 1)))
    assert run_problem([]) == "choose at least one conv layer"
    deep = [conv(f"{i}.weight", (4, 4, 3, 3)) for i in range(MAX_LAYERS + 1)]
    assert run_problem(deep) == f"{MAX_LAYERS + 1} layers are too many for a stack: at most 16"
    assert run_problem(deep[:MAX_LAYERS]) is None


def test_defaults_keep_an_odd_kernels_size_and_put_relu_between_layers():
    assert default_choice(conv("a.weight", (4, 3, 3, 5)), last=False) == LayerChoice(
        (1, 1), (1, 2), "relu"
    )
    assert default_choice(conv("a.weight", (4, 3, 1, 1)), last=True).activation == "none"


def test_folding_batchnorm_computes_what_conv_then_batchnorm_computes():
    """Without torch: the loop reference's conv followed by eval-mode BatchNorm, against the loop
    reference's conv with the folded weights, both in float64 — within float64 rounding of the
    magnitudes Σ|w'|·|x| + |s|·(|b| + |μ|) + |β| (at most n + 6 roundings on each side)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 7, 8))
    weight, bias = rng.standard_normal((6, 2, 3, 3)), rng.standard_normal(6)
    gamma_, beta = rng.uniform(0.5, 2, 6), rng.standard_normal(6)
    mean, var = rng.standard_normal(6), rng.uniform(0.1, 3, 6)
    conv_args = ((1, 1), (1, 1, 1, 1), (1, 1), 2, "zeros")
    for conv_bias in (bias, None):
        folded_w, folded_b = fold_batchnorm(weight, conv_bias, gamma_, beta, mean, var)
        y = reference_conv2d(x, weight, conv_bias, *conv_args)
        scale = gamma_ / np.sqrt(var + BATCHNORM_EPS)
        expected = (y - mean[:, None, None]) * scale[:, None, None] + beta[:, None, None]
        actual = reference_conv2d(x, folded_w, folded_b, *conv_args)
        base = np.zeros(6) if conv_bias is None else np.abs(conv_bias)
        magnitudes = reference_conv2d(np.abs(x), np.abs(folded_w), None, *conv_args)
        magnitudes += (np.abs(scale) * (base + np.abs(mean)) + np.abs(beta))[:, None, None]
        assert_sums_close(actual, expected, magnitudes, 2 * 9 + 6, np.float64)
    ones, zeros = np.ones(6), np.zeros(6)
    same_w, same_b = fold_batchnorm(weight, None, ones, zeros, zeros, ones, eps=0.0)
    assert np.array_equal(same_w, weight) and not same_b.any()  # the identity BatchNorm


# ---- a real checkpoint -------------------------------------------------------------------------


def trained_model(torch):
    """Conv-BN-ReLU, a grouped strided conv without bias + BN + ReLU, then a 1×1 conv; BatchNorm
    statistics far from their defaults so a wrong fold shows."""
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Conv2d(4, 6, 3, stride=2, groups=2, bias=False),
        nn.BatchNorm2d(6),
        nn.ReLU(),
        nn.Conv2d(6, 2, 1),
    )
    with torch.no_grad():
        for module in model:
            if isinstance(module, nn.BatchNorm2d):
                module.weight.uniform_(0.5, 2.0)
                module.bias.uniform_(-1, 1)
                module.running_mean.uniform_(-1, 1)
                module.running_var.uniform_(0.1, 3.0)
    return model.eval()


CHOICES = [LayerChoice((1, 1), (1, 1)), LayerChoice((2, 2), (0, 0)), LayerChoice(activation="none")]


@pytest.fixture(params=["state_dict", "nested"])
def checkpoint(request, tmp_path, torch):
    model = trained_model(torch)
    path = tmp_path / "model.pt"
    content = model.state_dict()
    if request.param == "nested":
        content = {"state_dict": content, "epoch": 3, "optimizer": {"lr": 0.1}}
    torch.save(content, path)
    prefix = "state_dict." if request.param == "nested" else ""
    return path, model, prefix


def test_convs_are_listed_in_file_order_with_bias_and_batchnorm(checkpoint):
    path, _, prefix = checkpoint
    assert list_checkpoint_convs(path) == [
        CheckpointConv(f"{prefix}0.weight", (4, 3, 3, 3), f"{prefix}0.bias", f"{prefix}1"),
        CheckpointConv(f"{prefix}3.weight", (6, 2, 3, 3), None, f"{prefix}4"),
        CheckpointConv(f"{prefix}6.weight", (2, 6, 1, 1), f"{prefix}6.bias", None),
    ]


def block_bound(spec: LayerSpec, x, weight, batchnorm, conv_bias) -> np.ndarray:
    """How far model.eval()'s conv → BatchNorm and the folded conv may lie apart on input x.

    Exactly, both compute z = Σ(s·w)·x + s·(b − μ) + β with s = γ/√(var+eps). The fold rounds
    each s·w and the bias once and sums the n = ``sum_terms`` products: within γ_{n+2} of the
    magnitudes M = Σ|s·w|·|x| + |s|·(|b| + |μ|) + |β|. torch sums Σw·x + b (γ_n of M/|s| before
    scaling by s) and then applies BatchNorm in at most 6 float32 operations, each a relative
    rounding of a value ≤ M. So each lies within γ_{n+6}·M of z, and they within 2·γ_{n+6}·M of
    each other, plus FFT's bound where the explorer's engine uses FFT.
    """
    gamma_, beta, mean, var = (a.detach().double().numpy() for a in batchnorm)
    scale = np.abs(gamma_ / np.sqrt(var + BATCHNORM_EPS))
    per_channel = scale * (np.abs(conv_bias) + np.abs(mean)) + np.abs(beta)
    magnitudes = absolute_sums(spec, x, weight, None) + per_channel[:, None, None]
    bound = 2 * gamma(sum_terms(spec) + 6, np.float32) * magnitudes
    if uses_fft(spec, x.shape[1], x.shape[2]):
        bound = bound + fft_bound(spec, x, weight, np.float32)[:, None, None]
    return bound


def test_the_imported_stack_computes_what_model_eval_computes(checkpoint, torch):
    """Layer by layer: each block of the model (conv, BatchNorm, ReLU) runs on the app's own input
    to that layer, and its output is compared with the app's within ``block_bound`` (ReLU is
    1-Lipschitz and exact, so it keeps the bound)."""
    path, model, _ = checkpoint
    image = np.random.default_rng(1).standard_normal((3, 12, 13)).astype(np.float32)
    imported = import_layers(path, list_checkpoint_convs(path), CHOICES, input_channels=3)
    assert imported.notes == (
        f"layer 1: BatchNorm {imported_bn(path, 0)} folded into {imported_key(path, 0)} "
        "(eval mode, eps = 1e-05 assumed: a state_dict does not store it)",
        f"layer 2: BatchNorm {imported_bn(path, 1)} folded into {imported_key(path, 1)} "
        "(eval mode, eps = 1e-05 assumed: a state_dict does not store it)",
    )
    specs = [layer.spec for layer in imported.layers]
    assert specs == [
        LayerSpec(3, 4, 3, padding=1),
        LayerSpec(4, 6, 3, stride=2, groups=2, bias=True),  # the BatchNorm brings a bias
        LayerSpec(6, 2, 1),
    ]
    snapshot = imported.snapshot(image)
    blocks = [model[0:3], model[3:6], model[6:7]]
    for index, ((x, y), block) in enumerate(zip(stack_outputs(snapshot), blocks, strict=True)):
        with torch.no_grad():
            expected = block(torch.from_numpy(np.array(x))[None])[0].numpy()
        layer = snapshot.layers[index]
        if len(block) > 1:
            conv_bias = np.zeros(layer.spec.out_channels)
            if block[0].bias is not None:
                conv_bias = block[0].bias.detach().double().numpy()
            norm = block[1]
            stats = (norm.weight, norm.bias, norm.running_mean, norm.running_var)
            bound = block_bound(layer.spec, x, layer.weight, stats, conv_bias)
        else:
            bound = (
                2
                * gamma(sum_terms(layer.spec), np.float32)
                * absolute_sums(layer.spec, x, layer.weight, layer.bias)
            )
        assert_within(y, expected, bound, f"layer {index + 1}'s feature maps")
    with torch.no_grad():  # the blocks are the whole model
        final = model(torch.from_numpy(image)[None])[0].numpy()
    assert final.shape == stack_outputs(snapshot)[-1][1].shape == (2, 5, 6)


def imported_key(path, index):
    return list_checkpoint_convs(path)[index].key


def imported_bn(path, index):
    return list_checkpoint_convs(path)[index].batchnorm


# ---- bad checkpoints and refused runs ----------------------------------------------------------


def test_a_run_that_does_not_chain_or_does_not_fit_the_input_is_refused_in_words(checkpoint):
    path, _, prefix = checkpoint
    convs = list_checkpoint_convs(path)
    with pytest.raises(ValueError, match=f"{prefix}6.weight cannot follow {prefix}0.weight"):
        import_layers(path, [convs[0], convs[2]], CHOICES[:2], input_channels=3)
    with pytest.raises(ValueError, match=r"layer 1 .* spanning 3 channels; the input has 1"):
        import_layers(path, convs, CHOICES, input_channels=1)
    imported = import_layers(path, convs[1:], CHOICES[1:], input_channels=4)
    with pytest.raises(ValueError, match=r"layer 1 expects 4 .*the input has 3"):
        imported.snapshot(np.zeros((3, 8, 8), np.float32))
    with pytest.raises(ValueError, match="cannot run on the 2×2 maps"):
        imported.snapshot(np.zeros((4, 2, 2), np.float32))
    with pytest.raises(ValueError, match=r"layer 2 .*: stride"):
        import_layers(path, convs[:2], [CHOICES[0], LayerChoice((0, 1))], input_channels=3)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        import_layers(path, convs[:1], [LayerChoice(activation="swish")], input_channels=3)


def test_a_grouped_first_layer_takes_its_groups_from_the_input(tmp_path, torch):
    path = tmp_path / "depthwise.pt"
    torch.save({"dw.weight": torch.ones(6, 1, 3, 3), "pw.weight": torch.ones(2, 6, 1, 1)}, path)
    convs = list_checkpoint_convs(path)
    imported = import_layers(path, convs, [LayerChoice(), LayerChoice()], input_channels=6)
    assert [layer.spec.groups for layer in imported.layers] == [6, 1]
    assert imported.layers[0].bias is None and imported.notes == ()


def test_garbage_and_pickled_objects_are_refused(tmp_path, torch):
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a model, " * 20)
    # (torch's weights-only loader words any unpickling failure as unsafe content, so the reason
    # varies with the garbage; what matters is a FileFormatError naming the file)
    with pytest.raises(FileFormatError, match=r"^garbage\.pt: "):
        list_checkpoint_convs(garbage)
    pickled = tmp_path / "model.pt"
    torch.save(torch.nn.Conv2d(1, 1, 3), pickled)
    with pytest.raises(FileFormatError, match="holds Python objects besides tensors"):
        list_checkpoint_convs(pickled)


def test_huge_declared_sizes_are_refused_before_any_tensor_is_built(tmp_path, torch):
    path = tmp_path / "giant.pt"
    giant = torch.zeros(1).expand(100000, 4, 3, 3)
    torch.save({"a.weight": torch.zeros(4, 3, 3, 3), "b.weight": giant}, path)
    assert path.stat().st_size < 8192
    convs = list_checkpoint_convs(path)
    assert convs[1].shape == (100000, 4, 3, 3)  # listed, never built
    with pytest.raises(FileFormatError, match=r"b\.weight has 100000 filters; at most 256"):
        import_layers(path, convs, [LayerChoice(), LayerChoice()], input_channels=3)


def test_mismatched_batchnorm_and_bias_lengths_are_not_paired(tmp_path, torch):
    path = tmp_path / "odd.pt"
    torch.save(
        {
            "c.weight": torch.ones(4, 3, 3, 3),
            "c.bias": torch.ones(5),
            "n.weight": torch.ones(3),
            "n.bias": torch.ones(3),
            "n.running_mean": torch.ones(3),
            "n.running_var": torch.ones(3),
        },
        path,
    )
    assert list_checkpoint_convs(path) == [CheckpointConv("c.weight", (4, 3, 3, 3), None, None)]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"n.running_var": -1.0}, "BatchNorm n has a negative running_var"),
        ({"n.weight": float("nan")}, "BatchNorm n holds NaN or infinite values"),
        ({"c.weight": float("inf")}, "c.weight holds NaN or infinite values"),
        ({"n.weight": 1e30}, "c.weight holds values beyond ±"),
    ],
)
def test_bad_values_are_refused_with_the_key(tmp_path, torch, change, words):
    tensors = {
        "c.weight": torch.ones(2, 1, 3, 3),
        "n.weight": torch.ones(2),
        "n.bias": torch.zeros(2),
        "n.running_mean": torch.zeros(2),
        "n.running_var": torch.ones(2),
    }
    for key, value in change.items():
        tensors[key][0] = value
    path = tmp_path / "bad.pt"
    torch.save(tensors, path)
    convs = list_checkpoint_convs(path)
    assert convs[0].batchnorm == "n"
    with pytest.raises(FileFormatError, match=re.escape(words)):
        import_layers(path, convs, [LayerChoice()], input_channels=1)


def test_a_float64_checkpoint_is_converted_and_says_so(tmp_path, torch):
    path = tmp_path / "f64.pt"
    torch.save({"c.weight": torch.full((1, 1, 1, 1), 0.1, dtype=torch.float64)}, path)
    imported = import_layers(path, list_checkpoint_convs(path), [LayerChoice()], 1)
    assert imported.notes == ("layer 1: c.weight converted from float64",)
    assert imported.layers[0].weight.dtype == np.float32
    assert imported.layers[0].weight[0, 0, 0, 0] == np.float32(0.1)
