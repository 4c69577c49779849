"""The tracking worker spawned first thing (`tracking.background.prewarm`), before the config is composed.

Its mlflow import overlaps the parent's start-up (issue 38); tracking keeps its promises with it: the
run it serves ends FINISHED in the store like any other, an untracked command line spawns none, and a
prewarmed worker nobody hands a store to exits with its parent's pipe without touching any store.
"""

from __future__ import annotations

import os
import sqlite3

import pytest

from tracking import background
from tracking.background import opened, prewarm, tracked_argv
from tracking.record import RunRecord, StartInfo


@pytest.fixture(autouse=True)
def _no_spare_left():
    yield
    while background._spare:
        proc, conn = background._spare.pop()
        conn.close()
        proc.join(timeout=10)


def test_the_prewarmed_worker_serves_the_run_and_it_is_finished_in_the_store(tmp_path):
    prewarm()
    prewarm()  # one spare at a time
    assert len(background._spare) == 1
    pid = background._spare[0][0].pid
    db = tmp_path / "mlflow.db"
    with opened(f"sqlite:///{db}", "prewarmed", "one-run") as run:
        assert run._proc.pid == pid and not background._spare  # the spare was taken
        run.start(StartInfo())
        (tmp_path / "results").mkdir()
        (tmp_path / "results" / "stats.json").write_text("{}")
        record = RunRecord("prewarmed", "one-run", {"a": "1"}, StartInfo(), metrics={"sharpe": 0.25})
        run.log(record, tmp_path)
        assert run.run_id
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        ((name, status, run_id),) = con.execute("select name, status, run_uuid from runs")
        (value,) = con.execute("select value from metrics where key = 'sharpe'").fetchone()
    assert (name, status, run_id, value) == ("one-run", "FINISHED", run.run_id, 0.25)


def test_an_unused_prewarmed_worker_leaves_with_its_parent_and_touches_no_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'never.db'}")
    prewarm()
    proc, conn = background._spare.pop()
    conn.close()  # what the parent's exit does to the pipe
    proc.join(timeout=60)
    assert proc.exitcode == 0
    assert list(tmp_path.iterdir()) == []


def test_a_dead_spare_is_replaced_by_a_fresh_worker(tmp_path):
    prewarm()
    proc, _ = background._spare[0]
    proc.kill()
    proc.join(timeout=10)
    with opened(f"sqlite:///{tmp_path / 'm.db'}", "e", "r") as run:
        assert run._proc.pid != proc.pid and run.alive()
        run.abort()


@pytest.mark.parametrize(
    ("argv", "tracked"),
    [
        ([], True),
        (["strategy=move_vix_wedge", "experiment=wedge_grid"], True),
        (["-m", "strategy.signal.z_entry=1,2"], True),
        (["tracking=disabled"], False),
        (["charts=none", "tracking.enabled=false"], False),
        (["--help"], False),
        (["--cfg", "job"], False),
        (["--info"], False),
        (["-i", "all"], False),
    ],
)
def test_only_a_command_line_that_may_track_prewarms(argv, tracked):
    assert tracked_argv(argv) is tracked


def test_a_call_runs_in_the_prewarmed_worker_which_stays_for_the_run(tmp_path):
    """A sweep's parent run is made by the worker (`in_worker`): the main process needs no mlflow."""
    prewarm()
    pid = background._spare[0][0].pid
    assert background.in_worker(os.getpid) == pid != os.getpid()
    with pytest.raises(ValueError, match="invalid literal"):  # raised there, raised here
        background.in_worker(int, "not a number")
    assert background._spare[0][0].pid == pid  # still the spare, for the first job
    with opened(f"sqlite:///{tmp_path / 'm.db'}", "e", "r", keep=True) as run:
        assert run._proc.pid == pid
        run.abort()
    assert background.in_worker(os.getpid) == pid  # the warm worker, between a sweep's jobs
    while background._warm:
        background._warm.pop().close()


def test_without_a_worker_the_call_runs_here():
    assert not background._spare and not background._warm
    assert background.in_worker(os.getpid) == os.getpid()
