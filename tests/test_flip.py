"""Textbook convolution: the typed kernel flipped in both axes, everywhere the layer computes."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from convexplorer.io import load_session, numpy_snippet, pytorch_snippet, save_session
from convexplorer.model import ExplorerState, LayerSpec, kernel_in_use, tap_in_use
from convexplorer.qt import Document
from convexplorer.widgets.layer_controls import LayerControls
from convexplorer.widgets.sliding_window import SlidingWindowView
from tests.io_support import apply_session, fingerprint, make_state
from tests.reference import reference_convolve2d
from tests.tolerance import assert_conv_close, assert_sums_close


@st.composite
def flipped_layers(draw):
    """A random textbook-convolution layer, its input, weights and biases."""
    groups = draw(st.integers(1, 2))
    c_in = groups * draw(st.integers(1, 3))
    c_out = groups * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    mode = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    height = draw(st.integers(dh * (kh - 1) + 2, dh * (kh - 1) + 9))
    width = draw(st.integers(dw * (kw - 1) + 2, dw * (kw - 1) + 9))
    padding = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    spec = LayerSpec(
        c_in, c_out, (kh, kw), stride, padding, mode, (dh, dw), groups, True, flip_kernel=True
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((c_in, height, width)).astype(np.float32)
    weight = rng.standard_normal(spec.weight_shape).astype(np.float32)
    bias = rng.standard_normal(c_out).astype(np.float32)
    return spec, x, weight, bias


def conv_kwargs(spec: LayerSpec) -> dict:
    return {
        "stride": spec.stride,
        "padding": spec.padding,
        "dilation": spec.dilation,
        "groups": spec.groups,
        "padding_mode": spec.padding_mode,
    }


# ---- the model ---------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(flipped_layers())
def test_a_flipped_layer_computes_the_textbook_convolution(layer):
    spec, x, weight, bias = layer
    state = ExplorerState(x, spec, weight, bias)
    got = state.compute()
    expected = reference_convolve2d(
        x, weight, bias, spec.stride, spec.pads, spec.dilation, spec.groups, spec.padding_mode
    )
    flipped = weight[..., ::-1, ::-1]  # what the bound's magnitudes are made of
    assert_conv_close(got, expected, x, flipped, bias, **conv_kwargs(spec))
    np.testing.assert_array_equal(state.weight, weight)  # the typed weights stay as typed


@settings(max_examples=25, deadline=None)
@given(flipped_layers())
def test_flipping_is_the_unflipped_layer_on_flipped_weights_bit_for_bit(layer):
    spec, x, weight, bias = layer
    flipped = ExplorerState(x, spec, weight, bias).compute()
    plain = ExplorerState(x, spec.replace(flip_kernel=False), weight[..., ::-1, ::-1], bias)
    assert np.array_equal(flipped, plain.compute())


@settings(max_examples=25, deadline=None)
@given(flipped_layers(), st.data())
def test_the_sliding_windows_dot_product_uses_the_flipped_kernel_and_equals_the_output(layer, data):
    spec, x, weight, bias = layer
    state = ExplorerState(x, spec, weight, bias)
    outputs = state.compute()
    o = data.draw(st.integers(0, spec.out_channels - 1))
    row = data.draw(st.integers(0, state.output_size[0] - 1))
    col = data.draw(st.integers(0, state.output_size[1] - 1))
    dot = state.dot_product(o, (row, col))
    np.testing.assert_array_equal(dot.kernel, weight[o, :, ::-1, ::-1])
    magnitudes = float(np.abs(dot.products).sum(dtype=np.float64)) + abs(dot.bias)
    terms = spec.weights_per_filter + 1  # two float32 sums of these, in different orders
    assert_sums_close(dot.value, float(outputs[o, row, col]), magnitudes, terms, np.float32)


def test_an_edit_of_a_flipped_layer_recomputes_with_the_flipped_kernel():
    state = make_state(2, 3, (8, 9), flip_kernel=True, kernel_size=(2, 3))
    state.set_weight(1, 0, 0, 0, 5.0)  # typed top-left: the flipped kernel's bottom-right
    after_edit = state.compute()
    fresh = ExplorerState(state.image, state.spec, state.weight, state.bias).compute()
    assert np.array_equal(after_edit, fresh)
    assert state.weight[1, 0, 0, 0] == 5.0
    assert state.dot_product(1, (0, 0)).kernel[0, 1, 2] == 5.0


def test_kernel_in_use_and_tap_in_use():
    spec = LayerSpec(1, 1, (2, 3), flip_kernel=True)
    weight = np.arange(6, dtype=np.float32).reshape(1, 1, 2, 3)
    used = kernel_in_use(spec, weight)
    assert used.flags.c_contiguous and used[0, 0].tolist() == [[5, 4, 3], [2, 1, 0]]
    assert tap_in_use(spec, 0, 0) == (1, 2) and tap_in_use(spec, *tap_in_use(spec, 1, 0)) == (1, 0)
    plain = spec.replace(flip_kernel=False)
    assert np.array_equal(kernel_in_use(plain, weight), weight) and tap_in_use(plain, 1, 0) == (
        1,
        0,
    )


def test_the_description_names_textbook_convolution_and_the_setting_is_checked():
    assert "flipped: textbook convolution" in LayerSpec(3, 2, flip_kernel=True).describe()
    assert "flipped" not in LayerSpec(3, 2).describe()
    with pytest.raises(ValueError, match="flip_kernel must be True or False"):
        LayerSpec(3, 2, flip_kernel=1)


# ---- the document: one undo step ----------------------------------------------------------------


def test_switching_is_one_undoable_layer_change(qtbot):
    state = make_state(3, 2, (10, 10), compute=True)
    document = Document(state)
    document.wait_until_idle()
    before = (document.view.weight.tobytes(), document.view.outputs().tobytes())
    assert document.set_layer(document.view.spec.replace(flip_kernel=True), "Flip the kernel")
    document.wait_until_idle()
    assert document.view.spec.flip_kernel
    assert document.view.weight.tobytes() == before[0]  # the typed weights are kept
    assert document.view.outputs().tobytes() != before[1]
    assert document.undo_label == "Flip the kernel"
    document.undo()
    document.wait_until_idle()
    assert not document.view.spec.flip_kernel
    assert (document.view.weight.tobytes(), document.view.outputs().tobytes()) == before


# ---- files --------------------------------------------------------------------------------------


def test_a_session_keeps_the_switch_and_says_version_2(tmp_path):
    state = make_state(flip_kernel=True, padding=1)
    save_session(tmp_path / "f.convx", state)
    with zipfile.ZipFile(tmp_path / "f.convx") as archive:
        document = json.loads(archive.read("session.json"))
    assert document["version"] == 2 and document["layer"]["flip_kernel"] is True
    target = make_state(seed=5)
    apply_session(target, load_session(tmp_path / "f.convx"))
    assert fingerprint(target) == fingerprint(state) and target.spec.flip_kernel


def test_a_session_without_the_switch_opens_as_cross_correlation(tmp_path):
    state = make_state(padding=1)
    save_session(tmp_path / "old.convx", state)
    with zipfile.ZipFile(tmp_path / "old.convx") as archive:
        document = json.loads(archive.read("session.json"))
        members = {name: archive.read(name) for name in archive.namelist()}
    assert document["version"] == 1 and "flip_kernel" not in document["layer"]  # as before
    loaded = load_session(tmp_path / "old.convx")
    assert loaded.spec == state.spec and not loaded.spec.flip_kernel
    document["layer"]["flip_kernel"] = "yes"
    members["session.json"] = json.dumps(document).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    (tmp_path / "bad.convx").write_bytes(buffer.getvalue())
    with pytest.raises(ValueError, match="flip_kernel='yes'"):
        load_session(tmp_path / "bad.convx")


def test_the_snippets_say_the_flip():
    state = make_state(flip_kernel=True)
    assert "conv.weight.copy_(weight.flip(-2, -1))" in pytorch_snippet(state)
    assert "textbook convolution" in pytorch_snippet(state).lower()
    assert "weight[..., ::-1, ::-1]" in numpy_snippet(state)
    assert "flip" not in pytorch_snippet(make_state())


@pytest.mark.parametrize("spec_kw", [{}, {"padding": 1, "stride": 2, "groups": 1, "dilation": 2}])
def test_the_pytorch_snippet_matches_the_explorer(spec_kw):
    torch = pytest.importorskip("torch")
    state = make_state(
        3, 2, (11, 12), extremes=False, flip_kernel=True, kernel_size=(2, 3), **spec_kw
    )
    namespace: dict = {}
    exec(compile(pytorch_snippet(state), "<snippet>", "exec"), namespace)
    x = torch.from_numpy(np.array(state.image)[None])
    with torch.no_grad():
        got = namespace["layer"](x)[0].numpy()
    flipped = np.array(state.weight)[..., ::-1, ::-1]
    assert_conv_close(
        got, state.outputs(), state.image, flipped, state.bias, **conv_kwargs(state.spec)
    )


# ---- the views ----------------------------------------------------------------------------------


def test_the_layer_controls_switch_it(qtbot):
    state = ExplorerState(np.random.default_rng(0).random((3, 12, 12), dtype="f4"), LayerSpec(3, 2))
    document = Document(state)
    widget = LayerControls(document)
    qtbot.addWidget(widget)
    widget.show()
    assert "cross-correlation" in widget.flip_kernel.toolTip()
    with qtbot.waitSignal(document.layerChanged):
        qtbot.mouseClick(widget.flip_kernel, Qt.MouseButton.LeftButton)
    assert document.view.spec.flip_kernel and document.can_undo
    assert "flipped" in widget.summary.text()
    document.undo()
    assert not widget.flip_kernel.isChecked()


def test_the_sliding_window_shows_the_flipped_kernel_and_says_why(qtbot):
    state = ExplorerState(
        np.random.default_rng(1).random((2, 9, 9), dtype="f4"), LayerSpec(2, 1, (2, 3))
    )
    state.apply_preset("kaiming", seed=4)
    document = Document(state)
    view = SlidingWindowView(document)
    qtbot.addWidget(view)
    view.resize(1400, 450)
    view.show()
    document.set_layer(document.view.spec.replace(flip_kernel=True))
    document.wait_until_idle()
    document.select(position=(2, 3))
    dot = view.dot_product
    assert dot is not None
    np.testing.assert_array_equal(dot.kernel, np.array(document.view.weight)[0, :, ::-1, ::-1])
    assert "flipped in both axes" in view.header.text()
    titles = view.strip.findChildren(QLabel, "kernelTitle")
    assert [title.text() for title in titles] == ["kernel, flipped"]
    # the view's kernel cell (0, 0) is the typed weight (1, 2): hovering it hovers that weight
    grid = view.strip._rows[0].kernel
    grid.cellHovered.emit((0, 0))
    assert document.hovered_weight == (0, 0, 1, 2)
    assert "w[0, 0, 1, 2]" in view.overview.input_caption.text()
    document.set_layer(document.view.spec.replace(flip_kernel=False))
    assert "flipped" not in view.header.text()
