"""A sweep's jobs in one process share one tracking worker, kept warm between them (issue 38), and it
keeps what tracking promises: each job's run FINISHED, FAILED or never created as before, a parent
killed with SIGKILL mid-job leaves that job's run KILLED (the earlier ones FINISHED), and a worker that
met a store error is never reused."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tracking import background
from tracking.background import TrackingError, opened
from tracking.record import RunRecord, StartInfo

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_warm_worker_left():
    yield
    while background._warm:
        background._warm.pop().close()


def runs(db: Path) -> dict[str, str]:
    """Run name -> status, read straight from the SQLite file."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
        return dict(con.execute("select name, status from runs"))


def log(run: background.BackgroundRun, folder: Path) -> None:
    (folder / "results").mkdir(parents=True, exist_ok=True)
    (folder / "results" / "stats.json").write_text("{}")
    params, metrics = {"job": run._name}, {"sharpe": 0.5}
    run.log(RunRecord("sweep", run._name, params, StartInfo(), metrics=metrics), folder)


def test_one_worker_serves_a_sweeps_jobs_and_each_run_ends_as_before(tmp_path):
    db = tmp_path / "mlflow.db"
    uri = f"sqlite:///{db}"
    with opened(uri, "sweep", "job-0", keep=True) as first:
        first.start()
        log(first, tmp_path / "0")
    pid = first._proc.pid
    with opened(uri, "sweep", "job-1", keep=True) as run:  # bad input: no run created
        assert run is first and run._proc.pid == pid
        run.abort()
    with opened(uri, "sweep", "job-2", keep=True) as run:  # the backtest raised
        assert run is first
        run.start()
        run.fail()
    with opened(uri, "sweep", "job-3", keep=True) as run:
        assert run is first and run.alive()
        run.start()
        log(run, tmp_path / "3")
        assert run.run_id and run.uri == uri
    assert runs(db) == {"job-0": "FINISHED", "job-2": "FAILED", "job-3": "FINISHED"}
    with opened(uri, "other-experiment", "x", keep=True) as other:  # another store or experiment: a new one
        assert other is not first
    assert not first.alive()  # the warm one was closed, not left behind
    with opened(uri, "other-experiment", "single") as single:  # not a sweep: its own worker, closed after
        assert single is not other and not other.alive()
    assert not background._warm and not single.alive()


def test_a_worker_that_met_a_store_error_is_not_kept(tmp_path):
    (tmp_path / "file").write_text("")
    uri = f"sqlite:///{tmp_path / 'file' / 'mlflow.db'}"  # a store that cannot be opened
    with opened(uri, "sweep", "job-0", keep=True) as run:
        run.start()
        with pytest.raises(TrackingError):
            log(run, tmp_path / "0")
    assert not background._warm
    good = tmp_path / "good.db"
    with opened(f"sqlite:///{good}", "sweep", "job-1", keep=True) as fresh:
        assert fresh is not run
        fresh.start()
        log(fresh, tmp_path / "1")
    assert runs(good) == {"job-1": "FINISHED"}


PARENT = """
import sys, time
from pathlib import Path
from tracking.background import opened
from tracking.record import RunRecord, StartInfo
uri, out = sys.argv[1], Path(sys.argv[2])
with opened(uri, "sweep", "job-0", keep=True) as run:
    run.start()
    (out / "results").mkdir(parents=True)
    run.log(RunRecord("sweep", "job-0", {}, StartInfo(), metrics={"sharpe": 0.5}), out)
with opened(uri, "sweep", "job-1", keep=True) as again:
    assert again is run
    again.start(StartInfo(), {"strategy.name": "move_vix_wedge"})
    again._started()  # the run exists
    print(again._proc.pid, flush=True)
    time.sleep(600)  # killed here, mid-job
"""


@pytest.mark.slow
def test_a_parent_killed_mid_job_leaves_that_run_killed_and_the_warm_worker_exits(tmp_path):
    db = tmp_path / "mlflow.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", PARENT, f"sqlite:///{db}", str(tmp_path / "0")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"},
    )
    worker = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    deadline = time.monotonic() + 300
    while runs(db).get("job-1") == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert runs(db) == {"job-0": "FINISHED", "job-1": "KILLED"}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:  # what was known is kept
        assert con.execute("select key from params").fetchall() == [("strategy.name",)]
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the warm worker outlived its killed parent")
