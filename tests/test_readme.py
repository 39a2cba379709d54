"""The README stays true: its test command is the one CI runs, and its model example works."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command():
    block = README.split("<!-- test-command -->", 1)[1]
    command = re.search(r"```sh\n(.+?)\n```", block, re.S).group(1)
    assert 'pip install -e ".[test]"' in command and "python -m pytest" in command
    assert ".ci/test-command" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    extracted = subprocess.run(
        [str(ROOT / ".ci" / "test-command")], capture_output=True, text=True, check=True
    ).stdout
    assert extracted.strip() == command


def test_the_scripting_example_runs_and_prints_what_it_says():
    session = re.search(r"## Scripting the model.+?```python\n(.+?)```", README, re.S).group(1)
    namespace: dict = {}
    pending: tuple[str, str] | None = None
    for line in session.splitlines():
        if line.startswith(">>> "):
            code = line[4:].split("  #")[0].rstrip()
            try:
                value = eval(compile(code, "README", "eval"), namespace)
            except SyntaxError:
                exec(compile(code, "README", "exec"), namespace)
                value = None
            pending = (code, repr(value)) if value is not None else None
        elif pending is not None and line.strip():
            assert pending[1] == line.strip(), pending[0]
            pending = None
