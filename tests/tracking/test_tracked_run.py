"""A mode tells its tracked run what happened (`tracking.tracked.opened`): a raise before `start` creates
no run and writes nothing, a raise after it ends the run FAILED, `finish` writes the record and logs it,
and a store that fails keeps the record (with the code version) and raises last. The store side is a
stand-in worker that notes what it was told: no MLflow, no process."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

import tracking.tracked as tracked
from tracking.background import TrackingError
from tracking.record import RECORD, RunRecord
from tracking.tracked import Outcome, opened


class Worker:
    """Notes each message a `tracking.background.BackgroundRun` would send its worker."""

    def __init__(self, fail_log: bool = False) -> None:
        self.said: list[str] = []
        self.logged: tuple[RunRecord, Path] | None = None
        self.fail_log = fail_log
        self.uri, self.run_id, self.experiment_id = "sqlite:///x.db", "r1", "0"

    def start(self, start, params) -> None:
        self.said.append("start")
        self.start_info, self.params = start, params

    def log(self, record: RunRecord, folder: Path) -> None:
        self.said.append("log")
        if self.fail_log:
            raise TrackingError("cannot reach the tracking server at http://127.0.0.1:9")
        self.logged = (record, folder)

    def fail(self) -> None:
        self.said.append("fail")

    def abort(self) -> None:
        self.said.append("abort")


@pytest.fixture
def worker(monkeypatch):
    """The worker `opened` gets, instead of a background process on a real store."""
    held = Worker()

    @contextlib.contextmanager
    def background(uri, experiment, name, keep=False):
        yield held

    monkeypatch.setattr(tracked, "background", background)
    monkeypatch.setattr(tracked, "check_store", lambda uri, key: False)
    monkeypatch.setattr(tracked, "repro_info", lambda: {"git_commit": "f00"})
    return held


@pytest.fixture
def cfg(make_cfg, tmp_path):
    return make_cfg("strategy=sixty_forty", f"tracking.uri=sqlite:///{tmp_path}/mlflow.db")


def outcome() -> Outcome:
    return Outcome({"cagr": 0.05}, "the summary", {"strategy": "sixty_forty"}, [{"name": "c", "metrics": {}}])


def test_a_raise_before_start_creates_no_run_and_writes_nothing(worker, cfg, tmp_path, bundled):
    folder = tmp_path / "run"
    with pytest.raises(ValueError, match="bad input"), opened(cfg, "n", folder) as run:
        raise ValueError("bad input")
    assert worker.said == ["abort"]
    assert not (folder / RECORD).exists() and not run.results.exists()


def test_a_raise_after_start_ends_the_run_failed_leaving_the_start_record(worker, cfg, tmp_path, bundled):
    folder = tmp_path / "run"
    with pytest.raises(RuntimeError, match="simulation broke"), opened(cfg, "n", folder) as run:
        run.start(bundled)
        raise RuntimeError("simulation broke")
    assert worker.said == ["start", "fail"]
    record = RunRecord.read(folder)
    assert not record.complete and record.metrics == {} and record.start == worker.start_info
    assert record.params == worker.params and record.params["strategy.name"] == "sixty_forty"


def test_finish_writes_the_record_logs_it_and_returns_the_metrics(worker, cfg, tmp_path, bundled, capsys):
    folder = tmp_path / "run"
    with opened(cfg, "sixty_forty x", folder, "python run.py strategy=sixty_forty") as run:
        run.start(bundled)
        run.results.mkdir(parents=True)
        metrics = run.finish(outcome())
    assert metrics == {"cagr": 0.05} and worker.said == ["start", "log"]
    record = RunRecord.read(folder)
    assert worker.logged == (record, folder)
    assert record.complete and record.run_name == "sixty_forty x" and record.repro is None
    done = outcome()
    assert (record.metrics, record.tags, record.children) == (done.metrics, done.tags, done.children)
    assert record.start.rerun == "python run.py strategy=sixty_forty"
    where = str(folder.resolve())
    assert record.start.folder == where and record.start.tags["run_folder"] == where
    assert record.start.dataset["rows"] == len(bundled.frame)
    assert (run.results / "config.yaml").is_file()
    printed = capsys.readouterr().out
    assert printed.startswith("the summary") and "MLflow run r1 (+1 child runs)" in printed
    assert f"results: {run.results}" in printed


def test_a_store_that_fails_keeps_the_record_and_raises_last(worker, cfg, tmp_path, bundled, capsys):
    worker.fail_log = True
    folder = tmp_path / "run"
    with pytest.raises(TrackingError, match="cannot reach"), opened(cfg, "n", folder) as run:
        run.start(bundled)
        run.finish(outcome(), echo=False)
    assert worker.said == ["start", "log"]  # not failed: the results are complete, the store is down
    record = RunRecord.read(folder)
    assert record.complete and record.metrics == {"cagr": 0.05} and record.repro == {"git_commit": "f00"}
    assert capsys.readouterr().out == ""


def test_without_tracking_finish_still_writes_the_config_and_prints(make_cfg, tmp_path, bundled, capsys):
    cfg = make_cfg("strategy=sixty_forty", "tracking=disabled")
    with opened(cfg, "n", tmp_path / "run") as run:
        run.start(bundled)
        run.results.mkdir(parents=True)
        assert run.finish(outcome()) == {"cagr": 0.05}
    assert (run.results / "config.yaml").is_file() and not (tmp_path / "run" / RECORD).exists()
    assert "MLflow" not in capsys.readouterr().out
