"""The MLflow run opened in a worker: FINISHED with its record, FAILED when the backtest raises,
and never created when the input is bad."""

from __future__ import annotations

import mlflow
import pytest

import pipeline.run as pr
import single.run as sr
from common.errors import ConfigError


def store_runs(uri: str):
    mlflow.set_tracking_uri(uri)
    return mlflow.search_runs(experiment_names=["regime-backtest"], output_format="pandas")


def test_backtest_that_raises_leaves_a_failed_run(make_cfg, tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(sr, "simulate_all", boom)
    with pytest.raises(RuntimeError, match="simulated bug"):
        pr.run(make_cfg(f"tracking.uri={uri}"), output_dir=tmp_path / "out", echo=False)
    df = store_runs(uri)
    assert df["status"].tolist() == ["FAILED"]


def test_bad_data_range_creates_no_run(make_cfg, tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with pytest.raises(ConfigError, match="data.start"):
        pr.run(
            make_cfg(f"tracking.uri={uri}", "data.start=2031-01-01"), output_dir=tmp_path / "o", echo=False
        )
    assert store_runs(uri).empty
    assert not (tmp_path / "o").exists()


def test_finished_run_carries_the_record(make_cfg, tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    metrics = pr.run(
        make_cfg(f"tracking.uri={uri}", "strategy=sixty_forty"), output_dir=tmp_path / "o", echo=False
    )
    df = store_runs(uri)
    assert df["status"].tolist() == ["FINISHED"]
    assert df["metrics.cagr"].iloc[0] == pytest.approx(metrics["cagr"])
    assert df["params.strategy.name"].iloc[0] == "sixty_forty"


def test_a_script_without_a_main_guard_is_not_run_again_by_the_worker(tmp_path):
    """The API snippet saved as a script: the spawned tracking worker does not re-run it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    script = tmp_path / "snippet.py"
    script.write_text(
        "import os\n"
        "print('script ran in', os.getpid(), flush=True)\n"
        "from tracking.background import opened\n"
        f"with opened('sqlite:///{tmp_path / 'mlflow.db'}', 'regime-backtest', 'snippet') as run:\n"
        "    run.start()\n"
        "    run.fail()  # waits for the worker's answers: the store opened, the run created and ended\n"
        "print('answered', flush=True)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(repo)}
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("script ran in") == 1 and "answered" in proc.stdout
    assert "bootstrapping phase" not in proc.stderr
