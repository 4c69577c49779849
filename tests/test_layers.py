"""The import contracts of pyproject.toml hold and catch a back-import; no module import cycles."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

from tests.cli import REPO

CONFIG = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
ROOTS: list[str] = CONFIG["root_packages"]
LINT = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"]


def lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the tree at `cwd`, which must win over the installed project on sys.path."""
    return subprocess.run([*LINT, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_every_package_is_a_root_of_the_contracts():
    packages = {p.parent.name for p in REPO.glob("*/__init__.py")} - {"tests", "benchmarks"}
    assert packages == set(ROOTS)


def test_the_tree_keeps_its_contracts():
    out = lint(REPO)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "BROKEN" not in out.stdout


@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        ("market/frame.py", "import pipeline.run", "market is not allowed to import pipeline"),
        ("signals/base.py", "import strategies.allocation", "signals is not allowed to import strategies"),
        ("report/charts.py", "import vectorbt", "vectorbt behind one door"),
        ("sweeps/grid.py", "import mlflow", "MLflow behind one door"),
        # the two modes are independent: neither imports the other, and the core imports neither
        ("single/summary.py", "import sweeps.grid", "single is not allowed to import sweeps"),
        ("sweeps/grid.py", "import single.summary", "sweeps is not allowed to import single"),
        ("core/plan.py", "import sweeps.grid", "core is not allowed to import sweeps"),
    ],
)
def test_a_planted_import_breaks_the_contract_it_crosses(tmp_path, module, planted, contract):
    for root in ROOTS:
        shutil.copytree(REPO / root, tmp_path / root, ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    with (tmp_path / module).open("a") as f:
        f.write(f"\n{planted}  # planted\n")
    out = lint(tmp_path)
    assert out.returncode != 0
    assert contract in out.stdout and "BROKEN" in out.stdout
    assert module.removesuffix(".py").replace("/", ".") in out.stdout


def test_no_module_imports_itself_through_others():
    """No runtime import cycle between modules, function-level imports included (`if TYPE_CHECKING` not)."""
    graph = grimp.build_graph(*ROOTS, exclude_type_checking_imports=True)
    cycles = [
        (a, b)
        for a in sorted(graph.modules)
        for b in sorted(graph.find_modules_directly_imported_by(a))
        if graph.chain_exists(importer=b, imported=a)
    ]
    assert cycles == []
