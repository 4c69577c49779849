"""What each entry point imports in its main process (issue 38: the strategist's loop in seconds).

Not timed: each entry point runs in a fresh process under an import hook that records every module
actually imported (found by the import system, not served from `sys.modules`); the heavy packages a
run does not need must not be among them. A single run simulates on vectorbt's Rust kernels
(`backtest.engine`) without vectorbt's package ``__init__`` (6 s with numba, scipy, matplotlib, plotly,
quantstats); MLflow and SQLAlchemy live in the tracking worker; the monitor, the event study and
Hydra's ``--help``/``--cfg job`` simulate nothing; ``charts.enabled=false`` draws nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import REPO

pytestmark = pytest.mark.slow

#: Run an entry point in this process with an import hook; print the top-level packages imported.
HOOK = """
import atexit, json, os, runpy, sys
sys.path.insert(0, os.getcwd())
seen = set()
class Watch:
    def find_spec(self, name, path=None, target=None):
        seen.add(name)
        return None
sys.meta_path.insert(0, Watch())
out = sys.argv[1]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(seen))))
target, sys.argv = sys.argv[2], sys.argv[2:]
if target.startswith("-m"):
    sys.argv[0] = target[2:]
    runpy.run_module(target[2:], run_name="__main__", alter_sys=True)
else:
    runpy.run_path(target, run_name="__main__")
"""

#: Never in the main process of any entry point below.
NEVER = {"vectorbt", "mlflow", "quantstats", "sqlalchemy", "numba"}

#: Nor in a single run's (its verdict's block length and HAC variance are numpy in analysis.verdict; arch's
#: __init__ pulls arch.univariate, numba, scipy.stats and statsmodels' models: seconds). A signal that needs
#: statsmodels (markov_regime's MarkovRegression) imports it itself.
SINGLE_RUN_NEVER = NEVER | {"arch", "statsmodels", "scipy"}

#: The grid mode's package: a single run walks the run core (`core`) and its own mode (`single`) only.
GRID = {"sweeps"}


def imported(tmp: Path, *argv: str) -> set[str]:
    """The modules the main process of `argv` (``run.py ...`` or ``-m<module> ...``) imported."""
    out = tmp / "imported.json"
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp / 'mlflow.db'}"}
    proc = subprocess.run(
        [sys.executable, "-c", HOOK, str(out), *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return set(json.loads(out.read_text()))


def tops(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_the_hook_sees_what_is_imported(tmp_path):
    mods = imported(tmp_path, "-mjson.tool", "--help")
    assert "json.tool" in mods and "argparse" in mods
    assert not tops(mods) & NEVER  # and the assertion below can fail: a heavy import would be listed


def test_a_tracked_single_run_imports_neither_vectorbt_nor_mlflow(tmp_path):
    mods = imported(tmp_path, "run.py", f"hydra.run.dir={tmp_path / 'out'}")
    assert not tops(mods) & SINGLE_RUN_NEVER, sorted(tops(mods) & SINGLE_RUN_NEVER)
    assert not tops(mods) & GRID, sorted(m for m in mods if m.split(".")[0] in GRID)  # the grid's code
    assert {"single.run", "core.simulation"} <= mods  # and the hook saw the single run's own modules
    assert "vectorbt_rust" in mods  # it simulated, on the Rust kernels
    assert (tmp_path / "out" / "results" / "report.html").is_file()  # and drew its charts
    assert (tmp_path / "mlflow.db").is_file()  # and the worker tracked it


def test_a_run_without_tracking_or_charts_imports_no_plotting(tmp_path):
    out = f"hydra.run.dir={tmp_path / 'o'}"
    mods = imported(tmp_path, "run.py", "tracking=disabled", "charts.enabled=false", out)
    never = SINGLE_RUN_NEVER | GRID | {"matplotlib", "plotly", "kaleido"}
    assert not tops(mods) & never, sorted(tops(mods))
    results = tmp_path / "o" / "results"
    assert (results / "stats.json").is_file() and not list(results.glob("*.png"))
    assert "verdict" in json.loads((results / "stats.json").read_text())  # computed, without arch
    assert not (results / "report.html").exists()


@pytest.mark.parametrize(
    "argv",
    [("-mmonitor",), ("-manalysis",), ("run.py", "--help"), ("run.py", "--cfg", "job")],
    ids=["monitor", "analysis", "help", "cfg-job"],
)
def test_entry_points_that_simulate_nothing_import_no_engine_and_no_mlflow(tmp_path, argv):
    mods = imported(tmp_path, *argv)
    assert not tops(mods) & (NEVER | {"vectorbt_rust"}), sorted(tops(mods) & (NEVER | {"vectorbt_rust"}))


def test_a_tracked_sweep_makes_its_parent_run_without_mlflow_in_the_main_process(tmp_path):
    """The parent run is created and ended by the tracking worker (`tracking.background.in_worker`)."""
    import sqlite3

    sweep = f"hydra.sweep.dir={tmp_path / 'sweep'}"
    mods = imported(tmp_path, "run.py", "-m", "strategy.signal.z_entry=1.5,2.0", "charts=none", sweep)
    assert not tops(mods) & NEVER, sorted(tops(mods) & NEVER)
    with sqlite3.connect(f"file:{tmp_path / 'mlflow.db'}?mode=ro", uri=True) as con:
        runs = con.execute("select run_uuid, status from runs").fetchall()
        parent = "select run_uuid from tags where key = 'sweep' and value = 'parent'"
        parents = [r for (r,) in con.execute(parent)]
        children = con.execute("select count(*) from tags where key = 'mlflow.parentRunId'").fetchone()[0]
    assert len(runs) == 3 and {s for _, s in runs} == {"FINISHED"}
    assert len(parents) == 1 and children == 2
    assert (tmp_path / "sweep" / "leaderboard.csv").is_file()  # written by the worker's finish_parent
