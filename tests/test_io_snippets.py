"""'Copy as PyTorch' and 'Copy as NumPy': the snippets run and rebuild the layer exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convexplorer.io import float32_literal, numpy_snippet, pytorch_snippet
from convexplorer.model import ACTIVATIONS, activate
from tests.io_support import AWKWARD, make_state
from tests.tolerance import assert_activation_close, assert_conv_close

SPECS = [
    {},
    {"padding": 1, "stride": (2, 1), "padding_mode": "reflect"},
    {"padding": "same", "kernel_size": (2, 4), "dilation": (2, 1), "padding_mode": "circular"},
    {"padding": (2, 0), "padding_mode": "replicate", "groups": 2, "c_in": 4, "c_out": 6},
    {"padding": "valid", "bias": False, "kernel_size": 1},
    {"padding": "same", "kernel_size": 4, "padding_mode": "zeros"},
]


def state_for(spec_kw, activation="none", extremes=True):
    spec_kw = dict(spec_kw)
    c_in, c_out = spec_kw.pop("c_in", 2), spec_kw.pop("c_out", 3)
    state = make_state(c_in, c_out, (9, 10), extremes=extremes, **spec_kw)
    state.set_activation(activation)
    state.compute()  # the activation is applied by a computation, never by a read
    return state


def run(snippet: str) -> dict:
    namespace: dict = {}
    exec(compile(snippet, "<snippet>", "exec"), namespace)
    return namespace


@settings(max_examples=100, deadline=None)
@given(st.floats(width=32, allow_nan=False, allow_infinity=False))
def test_float32_literals_convert_back_exactly(value):
    single = np.float32(value)
    assert np.float32(float(float32_literal(single))).tobytes() == single.tobytes()


def test_awkward_values_keep_their_bits():
    for value in AWKWARD:
        assert np.float32(float(float32_literal(value))).tobytes() == value.tobytes()
    assert float32_literal(np.float32(0.1)) == "0.1"
    assert float32_literal(np.float32(-0.0)) == "-0.0"


@pytest.mark.parametrize("spec_kw", SPECS)
def test_numpy_snippet_rebuilds_the_weights_bit_for_bit(spec_kw):
    state = state_for(spec_kw)
    namespace = run(numpy_snippet(state))
    assert namespace["weight"].dtype == np.float32
    assert namespace["weight"].tobytes() == state.weight.tobytes()
    if state.bias is None:
        assert namespace["bias"] is None
    else:
        assert namespace["bias"].tobytes() == state.bias.tobytes()


# PyTorch's own performance hint for 'same' padding with an even kernel, not a problem.
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("spec_kw", SPECS)
def test_pytorch_snippet_builds_the_same_layer(spec_kw, activation, capsys):
    torch = pytest.importorskip("torch")
    state = state_for(spec_kw, activation, extremes=False)
    namespace = run(pytorch_snippet(state))
    conv = namespace["conv"]
    assert conv.weight.detach().numpy().tobytes() == state.weight.tobytes()
    if state.bias is None:
        assert conv.bias is None
    else:
        assert conv.bias.detach().numpy().tobytes() == state.bias.tobytes()
    x = torch.from_numpy(np.array(state.image))[None]
    with torch.no_grad():
        raw = conv(x)[0].numpy()
        shown = namespace["layer"](x)[0].numpy()
    ours = np.stack([state.raw_output(o) for o in range(state.spec.out_channels)])
    spec = state.spec
    kwargs = {
        "stride": spec.stride,
        "padding": spec.padding,
        "dilation": spec.dilation,
        "groups": spec.groups,
        "padding_mode": spec.padding_mode,
    }
    image, weight, bias = np.array(state.image), np.array(state.weight), state.bias
    assert_conv_close(raw, ours, image, weight, bias, **kwargs)  # two float32 sums, any order
    # the script's layer applies our activation to those sums (each side rounds it once)
    assert_activation_close(shown, activate(raw, activation), raw, activation, evaluations=2)
    oh, ow = state.output_size
    assert (
        capsys.readouterr().out.strip() == f"torch.Size([1, {state.spec.out_channels}, {oh}, {ow}])"
    )


def test_the_snippets_read_well():
    state = state_for(SPECS[3], "relu")
    text = pytorch_snippet(state)
    assert text.startswith(f"# {state.spec.describe()}\nimport torch\n")
    assert 'padding_mode="replicate",' in text and "padding=(2, 0)," in text
    assert "groups=2," in text and "kernel_size=3," in text
    assert "[  # filter 5" in text and "[  # input channel 3" in text  # absolute channel numbers
    assert "nn.Sequential(conv, nn.ReLU())" in text
    assert "import numpy as np" in numpy_snippet(state)


@pytest.mark.parametrize(
    ("activation", "module", "numpy_text"),
    [
        ("leaky_relu", "nn.LeakyReLU(0.01)", "np.where(y > 0, y, y * np.float32(0.01))"),
        ("sigmoid", "nn.Sigmoid()", "np.exp(-np.logaddexp(0, -y))"),
        ("tanh", "nn.Tanh()", "np.tanh(y)"),
        ("relu", "nn.ReLU()", "np.maximum(y, 0)"),
    ],
)
def test_the_snippets_name_the_activation(activation, module, numpy_text):
    state = state_for(SPECS[0], activation)
    assert f"layer = nn.Sequential(conv, {module})" in pytorch_snippet(state)
    text = numpy_snippet(state)
    assert f"def activation(y):  # {module}: applied to the outputs\n" in text
    assert f"    return {numpy_text}" in text
    y = state.raw_output(0)
    shown = run(text)["activation"](y)
    assert_activation_close(shown, state.output(0), y, activation, evaluations=2)


def test_without_an_activation_the_snippets_apply_none():
    state = state_for(SPECS[0], "none")
    assert "layer = conv\n" in pytorch_snippet(state)
    assert "activation" not in numpy_snippet(state)
