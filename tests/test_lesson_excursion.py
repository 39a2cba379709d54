"""A lesson's excursion through the document: each scene is one undo step, and coming back
returns the learner's session bit for bit — state, selection, undo history, modified mark."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convexplorer.model import ExplorerState, LayerSpec, load_sample
from convexplorer.qt import Document
from tests.test_document import everything


def learner_document() -> Document:
    """A session with a history: two edits, one undone, a saved point between them."""
    rng = np.random.default_rng(3)
    state = ExplorerState(rng.random((3, 12, 14), dtype=np.float32), LayerSpec(3, 2, padding=1))
    state.apply_preset("kaiming", seed=5)
    document = Document(state)
    document.set_weight(1, 2, 0, 1, 0.123456789)
    document.mark_saved()
    document.set_activation("relu")
    document.set_bias(0, -0.5)
    document.undo()
    document.select(1, (3, 4))
    document.wait_until_idle()
    return document


def history(document: Document) -> tuple:
    return (
        document.undo_count,
        document.undo_label,
        document.can_redo,
        document.redo_label,
        document.is_modified,
    )


def outputs(document: Document) -> bytes:
    document.wait_until_idle()
    return document.view.outputs().tobytes()


def scene_of(document: Document, sample: str, spec: LayerSpec, activation="none") -> tuple:
    weight = np.random.default_rng(0).standard_normal(spec.weight_shape).astype(np.float32)
    bias = np.ones(spec.out_channels, np.float32) if spec.bias else None
    return (load_sample(sample), spec, weight, bias, activation)


def test_a_scene_is_one_undo_step_that_undo_takes_back_exactly(qtbot):
    document = learner_document()
    before, steps = everything(document), document.undo_count
    changed = document.set_scene(
        *scene_of(document, "shapes", LayerSpec(3, 4, groups=1), "relu"), "Lesson: shapes"
    )
    assert changed and document.undo_count == steps + 1
    assert document.undo_label == "Lesson: shapes"
    view = document.view
    assert view.spec.out_channels == 4 and view.activation == "relu"
    assert view.image.shape == (3, 96, 96)
    document.undo()
    assert everything(document) == before
    document.redo()
    assert document.view.spec.out_channels == 4 and document.view.activation == "relu"


def test_a_scene_with_no_input_keeps_the_input_array(qtbot):
    document = learner_document()
    image, version = document.view.image, document.view.input_version
    spec = document.view.spec.replace(out_channels=3)
    weight = np.zeros(spec.weight_shape, np.float32)
    assert document.set_scene(None, spec, weight, np.zeros(3, np.float32), "none", "Lesson")
    assert document.view.input_version == version
    np.testing.assert_array_equal(document.view.image, image)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda scene: (*scene[:4], "gelu"), "activation must be one of"),
        (lambda scene: (scene[0], LayerSpec(1, 2), *scene[2:]), "expects 1 input channel"),
        (lambda scene: (scene[0], scene[1], scene[2][:1], *scene[3:]), "weights must have shape"),
        (
            lambda scene: (scene[0], scene[1], scene[2] * np.nan, *scene[3:]),
            "finite numbers",
        ),
    ],
)
def test_a_refused_scene_changes_nothing_and_records_nothing(qtbot, change, message):
    document = learner_document()
    before, steps = everything(document), history(document)
    scene = change(scene_of(document, "shapes", LayerSpec(3, 2)))
    with pytest.raises(ValueError, match=message):
        document.set_scene(*scene, "Lesson")
    assert everything(document) == before and history(document) == steps


def test_coming_back_restores_the_session_its_history_and_modified_mark(qtbot):
    document = learner_document()
    before, steps, computed = everything(document), history(document), outputs(document)
    assert steps[-1] is True  # the learner has unsaved work
    document.put_aside()
    assert document.is_aside and not document.can_undo  # the lesson's own history
    document.set_scene(*scene_of(document, "corner diagonal", LayerSpec(1, 1)), "Lesson: a")
    document.set_weight(0, 0, 1, 1, 9.0)
    document.set_layer(document.view.spec.replace(out_channels=3))
    document.mark_saved()  # e.g. File → Save inside a lesson: the lesson's history only
    document.select(2, (5, 5))
    document.come_back()
    assert not document.is_aside
    assert everything(document) == before
    assert history(document) == steps
    assert outputs(document) == computed  # the outputs are the same bits, computed afresh
    document.undo()  # the learner's own history goes on where it was
    assert document.view.activation == "none"


def test_coming_back_to_an_unmodified_session_is_unmodified(qtbot):
    document = learner_document()
    document.mark_saved()
    document.put_aside()
    document.set_scene(*scene_of(document, "shapes", LayerSpec(3, 2)), "Lesson")
    assert document.is_modified
    with qtbot.waitSignal(document.modifiedChanged) as changed:
        document.come_back()
    assert changed.args == [False] and not document.is_modified


def test_put_aside_twice_is_a_mistake_and_come_back_without_it_does_nothing(qtbot):
    document = learner_document()
    before = everything(document), history(document)
    document.come_back()
    assert (everything(document), history(document)) == before
    document.put_aside()
    with pytest.raises(RuntimeError):
        document.put_aside()


_LESSON_EDITS = st.one_of(
    st.tuples(st.just("scene"), st.sampled_from(["shapes", "corner diagonal", "checkerboard"]),
              st.integers(1, 4), st.sampled_from([1, 3]), st.sampled_from(["none", "relu"])),
    st.tuples(st.just("weight"), st.floats(-3, 3, width=32)),
    st.tuples(st.just("preset"), st.sampled_from(["kaiming", "sobel x", "zeros"])),
    st.tuples(st.just("layer"), st.integers(1, 3)),
    st.tuples(st.just("select"), st.integers(0, 3)),
    st.tuples(st.just("undo")),
    st.tuples(st.just("redo")),
)  # fmt: skip


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=st.lists(_LESSON_EDITS, max_size=10))
def test_whatever_a_lesson_does_coming_back_is_bit_exact(qtbot, edits):
    document = learner_document()
    before, steps, computed = everything(document), history(document), outputs(document)
    document.put_aside()
    for edit in edits:
        kind, view = edit[0], document.view
        if kind == "scene":
            _, sample, c_out, k, activation = edit
            image = load_sample(sample)
            spec = LayerSpec(image.shape[0], c_out, kernel_size=k, padding="same")
            document.set_scene(*scene_of(document, sample, spec, activation), f"Lesson {sample}")
        elif kind == "weight":
            document.set_weight(0, 0, 0, 0, edit[1])
        elif kind == "preset":
            with contextlib.suppress(ValueError):  # refused (sobel x on 1×1): changes nothing
                document.apply_preset(edit[1], 0)
        elif kind == "layer":
            document.set_layer(view.spec.replace(out_channels=edit[1]))
        elif kind == "select":
            document.select(min(edit[1], view.spec.out_channels - 1))
        else:
            getattr(document, kind)()
    document.come_back()
    assert everything(document) == before
    assert history(document) == steps
    assert outputs(document) == computed
