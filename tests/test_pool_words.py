"""What a pool computes and what its padding reads are worded once (widgets/pool_words.py): every
view that says it uses those words, and no view writes "−∞" itself."""

from __future__ import annotations

import ast
import pathlib

import pytest

import convexplorer
from convexplorer.app import _explain_pool, _guide
from convexplorer.widgets.kernel_editor._pool_page import pool_page_text
from convexplorer.widgets.layer_controls._controls import POOL_REASONS
from convexplorer.widgets.matrix_view._view import unsupported_reason
from convexplorer.widgets.pool_words import (
    POOL_PADDING_MODES,
    pool_output,
    pool_padding,
)
from convexplorer.widgets.sliding_window._view import _pool_reads_text

from .test_pool_views import make_document, pool

PACKAGE = pathlib.Path(convexplorer.__file__).parent
#: The one module that writes the glyph (as ``MINUS_INFINITY``, a number format).
INFINITY_ALLOWED = {"widgets/style.py"}


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_every_view_says_a_pool_in_the_same_words(kind, qtbot):
    spec = pool(kind, kernel_size=3)
    view = make_document(spec).view
    output, padding = pool_output(spec), f"padding {pool_padding(kind)}"
    texts = {
        "kernel editor page": pool_page_text(spec).replace("Padding", "padding"),
        "What's This (Kind)": _explain_pool.pool_kind_text(view),
        "What's This (Pad mode)": _explain_pool.pool_control_text(view, "paddingMode") or "",
        "guide": _guide._pytorch_paragraph(spec),
    }
    for name, text in texts.items():
        assert padding in text, name
    for name in ("kernel editor page", "What's This (Kind)", "guide"):
        assert output in texts[name], name
    assert _explain_pool.pool_editor_text(view).count(output) == 1
    header = _pool_reads_text(2, spec)
    assert pool_output(spec, "in 2") in header and padding in header
    assert POOL_REASONS["padding_mode"] == POOL_PADDING_MODES
    if kind == "max":
        assert output in (unsupported_reason(spec) or "")


def test_the_words_say_what_pytorch_does():
    assert pool_padding("max") == "reads −∞, so it never wins"
    assert "count_include_pad=True" in pool_padding("avg")
    spec = pool("avg", kernel_size=2)
    assert pool_output(spec) == (
        "the mean of its 2×2 window of one channel — a depthwise conv whose weights are all 1/4"
    )
    assert pool_output(pool("max", kernel_size=3), "in 1").endswith("3×3 window of in 1")


def infinities(tree: ast.AST) -> list[int]:
    """Lines of string literals (f-string parts included, docstrings not) that write "∞"."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and "∞" in node.value
        and id(node) not in docstrings
    ]


def test_no_view_writes_minus_infinity_itself():
    offenders = {
        name: lines
        for path in sorted([*PACKAGE.glob("widgets/**/*.py"), *PACKAGE.glob("app/**/*.py")])
        if (name := path.relative_to(PACKAGE).as_posix()) not in INFINITY_ALLOWED
        and (lines := infinities(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('tip = f"padding at ({row}): −∞ (never wins)"', [1]),
        ('def f():\n    """Padding reads −∞."""\n    return MINUS_INFINITY', []),
    ],
)
def test_the_scan_finds_a_written_infinity_and_lets_docstrings_be(source, found):
    assert infinities(ast.parse(source)) == found
