"""The tracking record never lies, checked with real processes on a real SQLite store: `run.py` killed
with SIGKILL at each stage leaves no run, a complete one, or one ended KILLED with what is known (never an
empty FINISHED run), and `python -m tracking resync` completes what can be completed; two runs that
create one store at the same instant both log."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli import REPO

POLL = 0.02  # polling a process's progress (never a timed assertion)

pytestmark = pytest.mark.slow


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}


def launch(uri: str, folder: Path, *extra: str) -> subprocess.Popen:
    """`python run.py` in its own process group (the parent and its tracking worker)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "run.py", f"tracking.uri={uri}", f"hydra.run.dir={folder}", *extra],
        cwd=REPO,
        env=env(),
        stdout=open(folder.parent / f"{folder.name}.out", "w"),  # noqa: SIM115 (closed with the process)
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def store_rows(db: Path, sql: str) -> list[tuple]:
    """Rows read straight from the SQLite file (no mlflow): empty while the store has no schema yet."""
    if not db.is_file():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []


def wait_until(proc: subprocess.Popen, ready: Callable[[], bool], what: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            pytest.fail(f"run.py ended (exit {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"run.py never reached {what}")
        time.sleep(POLL)


def wait_group_gone(pgid: int, timeout: float = 120) -> None:
    """Wait until every process of the group (the killed parent's worker too) has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(POLL)
    os.killpg(pgid, signal.SIGKILL)
    pytest.fail("the tracking worker outlived its parent")


def complete_record(folder: Path) -> bool:
    path = folder / "tracking" / "record.json"
    try:
        return json.loads(path.read_text()).get("complete") is True
    except (OSError, ValueError):
        return False


def new_run(db: Path, before: int) -> bool:
    return len(store_rows(db, "select run_uuid from runs")) > before


# stage -> (the condition polled before SIGKILL: (store, run folder, runs before), kill the group too)
STAGES: dict[str, tuple[Callable[[Path, Path, int], bool], bool]] = {
    "importing": (lambda db, f, n: (f / ".hydra").is_dir(), False),
    "run created": (lambda db, f, n: new_run(db, n), False),
    "charts drawn": (lambda db, f, n: (f / "results" / "equity_drawdown.png").is_file(), False),
    "logging": (lambda db, f, n: complete_record(f), False),
    "logging, worker killed too": (lambda db, f, n: complete_record(f), True),
}


def check_honest(uri: str, folders: dict[str, Path], running: str | None = None) -> dict[str, object]:
    """No run RUNNING (but the one of stage `running`, whose worker was killed too); a FINISHED run has
    params, metrics and its daily.csv; a KILLED/FAILED one its params."""
    import mlflow

    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(experiment_names=["regime-backtest"], output_format="list")
    by_folder = {}
    for run in runs:
        by_folder[run.data.tags["run_folder"]] = run
        mine = running and run.data.tags["run_folder"] == str(folders[running].resolve())
        if mine and run.info.status == "RUNNING":
            continue
        assert run.info.status in ("FINISHED", "KILLED", "FAILED"), run.info
        assert run.data.params, f"a run without params: {run.info}"
        if run.info.status == "FINISHED":
            assert run.data.metrics and "cagr" in run.data.metrics
            names = {a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id)}
            assert {"daily.csv", "stats.json", "config.yaml"} <= names
        else:
            assert "incomplete" in run.data.tags or run.info.status == "FAILED"
    assert len(by_folder) == len(runs)  # one run per folder at most
    return {stage: by_folder.get(str(f.resolve())) for stage, f in folders.items()}


def test_kill_9_at_each_stage_never_leaves_an_empty_finished_run(tmp_path):
    db = tmp_path / "mlflow.db"
    uri = f"sqlite:///{db}"
    first = launch(uri, tmp_path / "seed")  # the store exists before the kills (its creation is tested below)
    assert first.wait(timeout=600) == 0, (tmp_path / "seed.out").read_text()[-3000:]
    folders = {}
    for i, (stage, (ready, group)) in enumerate(STAGES.items()):
        folder = folders[stage] = tmp_path / f"kill{i}"
        n = len(store_rows(db, "select run_uuid from runs"))
        proc = launch(uri, folder)
        wait_until(proc, lambda r=ready, f=folder, n=n: r(db, f, n), stage)
        os.killpg(proc.pid, signal.SIGKILL) if group else os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        wait_group_gone(proc.pid)

    before = check_honest(uri, folders, running="logging, worker killed too")
    assert before["importing"] is None  # killed before its run existed
    killed = before["run created"]
    assert killed is not None and killed.info.status == "KILLED"
    assert killed.data.params["strategy.name"] == "move_vix_wedge"  # ended with what is known
    assert killed.data.tags["rerun"].startswith("python run.py")
    assert (
        before["logging"] is not None and before["logging"].info.status == "FINISHED"
    )  # the worker finished

    proc = subprocess.run(
        [sys.executable, "-m", "tracking", "resync", str(tmp_path)],
        cwd=REPO,
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    after = check_honest(uri, folders)
    assert after["importing"] is None
    assert after["run created"].info.status == "KILLED"
    assert after["charts drawn"] is None or after["charts drawn"].info.status == "KILLED"
    # the run whose worker died while logging is completed from its record, in place
    done = after["logging, worker killed too"]
    assert done is not None and done.info.status == "FINISHED"
    record = json.loads((folders["logging, worker killed too"] / "tracking" / "record.json").read_text())
    assert done.data.metrics["cagr"] == pytest.approx(record["metrics"]["cagr"], rel=1e-12)
    if before["logging, worker killed too"] is not None:
        assert done.info.run_id == before["logging, worker killed too"].info.run_id
    assert str(folders["run created"]) in proc.stdout and "incomplete" in proc.stdout


def test_two_runs_creating_one_store_at_once_both_log(tmp_path):
    db = tmp_path / "new" / "mlflow.db"
    db.parent.mkdir()
    uri = f"sqlite:///{db}"
    procs = [launch(uri, tmp_path / f"w{i}", "strategy=sixty_forty") for i in (0, 1)]
    codes = [p.wait(timeout=900) for p in procs]
    outs = [(tmp_path / f"w{i}.out").read_text() for i in (0, 1)]
    assert codes == [0, 0], outs
    rows = store_rows(db, "select status from runs")
    assert sorted(rows) == [("FINISHED",), ("FINISHED",)]
    assert sum("creating a new MLflow store" in o for o in outs) >= 1
