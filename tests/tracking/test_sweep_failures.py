"""A sweep with a bad job or a crashing job: the other jobs still count, and the parent run never
stays RUNNING. Real `python run.py -m` subprocesses against a temporary SQLite store."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli import REPO, python
from tests.cli import store_runs as runs_in
from tracking.record import failed_jobs

pytestmark = pytest.mark.slow

# run.py with `pipeline.run.run` wrapped so that the job with z_entry=2.0 raises a non-user error (a bug)
CRASHING_RUN_PY = """
import runpy, sys
import pipeline.run as pr
real = pr.run
def run(cfg, **kw):
    if float(cfg.strategy.signal.z_entry) == 2.0:
        raise RuntimeError("planted bug")
    return real(cfg, **kw)
pr.run = run
sys.argv = [{run_py!r}, *sys.argv[1:]]
runpy.run_path({run_py!r}, run_name="__main__")
"""


def sweep(tmp_path: Path, *args: str, script: list[str] | None = None) -> subprocess.CompletedProcess:
    sweep_dir = f"hydra.sweep.dir={tmp_path / 'sweep'}"
    return python(*(script or ["run.py"]), "-m", *args, sweep_dir, store=tmp_path)


def test_a_bad_job_is_listed_the_others_run_and_the_sweep_exits_2(tmp_path):
    # z_entry=0.2 sits below z_exit=0.5: that job stops at validation, the other two run
    proc = sweep(tmp_path, "strategy.signal.z_entry=1.5,0.2,2.0")
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "1 of 3 jobs stopped on bad input" in proc.stderr
    assert "#1 strategy.signal.z_entry=0.2" in proc.stderr
    assert "z_exit" in proc.stderr
    assert "Traceback" not in proc.stderr
    [bad] = failed_jobs(tmp_path / "sweep")
    assert bad["job"] == 1 and bad["overrides"] == ["strategy.signal.z_entry=0.2"]
    assert not (tmp_path / "sweep" / "1").exists()  # nothing half-written for the bad job
    df = runs_in(f"sqlite:///{tmp_path / 'mlflow.db'}")
    parent = df[df["tags.sweep"] == "parent"].iloc[0]
    children = df[df["tags.mlflow.parentRunId"] == parent["run_id"]]
    assert sorted(children["params.strategy.signal.z_entry"]) == ["1.5", "2.0"]
    assert parent["status"] == "FINISHED"
    assert parent["metrics.n_children_logged"] == 2.0


def test_a_job_that_raises_leaves_the_parent_failed_not_running(tmp_path):
    script = tmp_path / "crashing_run.py"
    script.write_text(CRASHING_RUN_PY.format(run_py=str(REPO / "run.py")))
    proc = sweep(tmp_path, "strategy.signal.z_entry=1.5,2.0", script=[str(script)])
    assert proc.returncode == 1, proc.stderr[-3000:]  # Hydra's own exit status for a failed job
    assert "planted bug" in proc.stderr
    df = runs_in(f"sqlite:///{tmp_path / 'mlflow.db'}")
    parent = df[df["tags.sweep"] == "parent"].iloc[0]
    assert parent["status"] == "FAILED"
    children = df[df["tags.mlflow.parentRunId"] == parent["run_id"]]
    by_z = dict(zip(children["params.strategy.signal.z_entry"], children["status"], strict=True))
    assert by_z.get("1.5") == "FINISHED"
    assert set(df["status"]) <= {"FINISHED", "FAILED"}  # nothing left RUNNING
    assert (tmp_path / "sweep" / "leaderboard.csv").is_file()  # the finished child's leaderboard


def test_a_refused_store_leaves_no_sweep_folder(tmp_path):
    # a store path in a folder that does not exist: refused before any job, and the sweep folder
    # `RunFolders` made first is removed again (only it: its parent was the user's)
    proc = sweep(
        tmp_path,
        f"tracking.uri=sqlite:///{tmp_path / 'no' / 'such' / 'mlflow.db'}",
        "strategy.signal.z_entry=1.5,2.0",
    )
    assert proc.returncode == 2, proc.stderr[-3000:]
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "`tracking.uri`" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "sweep").exists() and tmp_path.is_dir()
