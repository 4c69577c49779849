"""Imports sit at the top of each module; one inside a function says why (`# lazy: <reason>`).

The reason goes on the import's own line or in the comment lines just above its import block. Imports
under ``if TYPE_CHECKING:`` never run and are not counted. `benchmarks/` and `tests/` are left out.
"""

from __future__ import annotations

import ast

import pytest

from tests.cli import REPO
from tests.test_layers import ROOTS


def function_imports(source: str) -> list[tuple[int, bool]]:
    """(line, has a reason) for each import inside a function of `source`."""
    lines = source.splitlines()
    tree = ast.parse(source)
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    found = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if not isinstance(node, ast.Import | ast.ImportFrom) or id(node) in typing_only:
                continue
            said = lines[node.lineno - 1 : node.end_lineno]
            above = node.lineno - 2
            while above >= 0 and lines[above].strip().startswith(("#", "import ", "from ")):
                said.append(lines[above])
                above -= 1
            found.append((node.lineno, any("# lazy" in ln or "(lazy" in ln for ln in said)))
    return found


def test_the_check_sees_a_bare_and_a_marked_import():
    source = "def f():\n    import json\n\ndef g():\n    # lazy: costly\n    import csv\n"
    assert function_imports(source) == [(2, False), (6, True)]


@pytest.mark.parametrize("room", ROOTS)
def test_every_import_inside_a_function_says_why(room):
    bare = [
        f"{path.relative_to(REPO)}:{line}"
        for path in sorted((REPO / room).rglob("*.py"))
        for line, reasoned in function_imports(path.read_text())
        if not reasoned
    ]
    hint = "move these imports to the top, or say why they are lazy (`# lazy: <reason>`): "
    assert not bare, hint + ", ".join(bare)
