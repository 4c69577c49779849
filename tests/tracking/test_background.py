"""The MLflow run opened in a worker: FINISHED with its record, FAILED when the backtest raises,
and never created when the input is bad."""

from __future__ import annotations

import mlflow
import pytest

import pipeline.run as pr
from common.errors import ConfigError


def store_runs(uri: str):
    mlflow.set_tracking_uri(uri)
    return mlflow.search_runs(experiment_names=["regime-backtest"], output_format="pandas")


def test_backtest_that_raises_leaves_a_failed_run(make_cfg, tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(pr, "simulate_all", boom)
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
