"""The layering rules and the style gate, checked on every test run."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "convexplorer"


def _imported_modules(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; it is part of the test extra")
    return path


def test_import_contracts_hold():
    result = subprocess.run(
        [_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# (file to change, the import added, the contract that must then break)
FORBIDDEN_IMPORTS = [
    ("model/_spec.py", "import convexplorer.io", "The model is pure numpy"),
    ("model/_spec.py", "import PySide6.QtCore", "The model is pure numpy"),
    ("qt/_compute.py", "import convexplorer.widgets", "The Qt adapter knows no widgets"),
    ("qt/_compute.py", "import convexplorer.io", "The Qt adapter knows no widgets"),
    ("io/_errors.py", "import convexplorer.qt", "Files in and out are pure python"),
    ("lessons/_build.py", "import PySide6.QtCore", "Lessons are data and pure measures"),
    ("widgets/layer_controls/_controls.py", "import convexplorer.io", "widgets never import io"),
    (
        "widgets/kernel_editor/_editor.py",
        "import convexplorer.widgets.sliding_window",
        "the widget folders never import each other",
    ),
    ("qt/_document.py", "import convexplorer.app", "Layers point one way"),
]


@pytest.mark.parametrize(("target", "line", "contract"), FORBIDDEN_IMPORTS)
def test_each_import_contract_can_fail(tmp_path, target, line, contract):
    """Add a forbidden import to a copy of the package: lint-imports must name the contract."""
    shutil.copytree(PACKAGE, tmp_path / "convexplorer", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    changed = tmp_path / "convexplorer" / target
    changed.write_text(changed.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [_tool("lint-imports"), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    broken = [text for text in result.stdout.splitlines() if text.endswith(" BROKEN")]
    assert result.returncode != 0 and any(contract in text for text in broken), result.stdout


def _absolute(module: str, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom names, resolving ``from ..x import y`` in ``module``."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")[: -node.level]
    return ".".join(base + ([node.module] if node.module else []))


def private_imports(root: Path) -> list[str]:
    """Imports of a private module (``_name``) from outside the package that holds it.

    ``convexplorer.widgets._colors`` may be imported anywhere inside ``convexplorer.widgets``, but
    not from ``convexplorer.app``; ``convexplorer.model._state`` only from inside the model.
    """
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = module if parts[-1] == "__init__" else module.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, node)
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                if _reaches_into(package, target):
                    found.append(f"{module}:{node.lineno} imports {target}")
                    break  # one finding per import statement
    return found


def _reaches_into(package: str, target: str) -> bool:
    """Whether code in ``package`` importing ``target`` reaches into another package's privates."""
    names = target.split(".")
    if names[0] != "convexplorer":
        return False
    for depth, name in enumerate(names):
        if name.startswith("_") and not name.startswith("__"):
            owner = ".".join(names[:depth])
            return package != owner and not package.startswith(owner + ".")
    return False


def test_no_module_imports_another_package_s_private_module():
    assert private_imports(PACKAGE) == []


@pytest.mark.parametrize(
    ("where", "line"),
    [
        ("widgets/kernel_editor/_editor.py", "from ..sliding_window._format import number"),
        ("widgets/output_panels/_panels.py", "from ...model._state import ExplorerState"),
        ("app/cli.py", "from ..model._conv import conv2d"),
        ("app/cli.py", "import convexplorer.widgets._colors"),
    ],
)
def test_the_private_import_rule_can_fail(tmp_path, where, line):
    shutil.copytree(PACKAGE, tmp_path / "convexplorer", ignore=shutil.ignore_patterns("*.pyc"))
    before = private_imports(tmp_path / "convexplorer")
    changed = tmp_path / "convexplorer" / where
    changed.write_text(changed.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    added = set(private_imports(tmp_path / "convexplorer")) - set(before)
    assert len(added) == 1 and where.split("/")[0] in added.pop().replace(".", "/")


def test_the_adapter_uses_qtcore_only():
    qt_modules = {m for m in _imported_modules(PACKAGE / "qt") if m.startswith("PySide6.")}
    assert qt_modules and all(m.startswith("PySide6.QtCore") for m in qt_modules), qt_modules


def test_the_model_runs_without_qt_installed():
    """Import and use the model with PySide6 and pyqtgraph made unimportable."""
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import numpy as np\n"
        "from convexplorer.model import ExplorerState, LayerSpec, load_sample\n"
        "state = ExplorerState(load_sample('corner diagonal'), LayerSpec(1, 2))\n"
        "state.apply_preset('diagonal ↘')\n"
        "assert state.compute().shape == (2, 30, 30)\n"
        "assert not any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_ruff_is_clean():
    ruff = _tool("ruff")
    paths = ["convexplorer", "tests", "benchmarks", "resources"]
    check = subprocess.run([ruff, "check", *paths], cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    fmt = subprocess.run(
        [ruff, "format", "--check", *paths], cwd=ROOT, capture_output=True, text=True
    )
    assert fmt.returncode == 0, fmt.stdout


def test_every_package_is_listed_for_installation():
    """pyproject lists packages explicitly (resources/ maps in); a forgotten one would not ship."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {".".join(path.parent.relative_to(ROOT).parts) for path in PACKAGE.rglob("__init__.py")}
    assert found | {"convexplorer.resources"} == listed
