"""A single run prints its table as soon as the numbers exist, before its charts and its tracking."""

from __future__ import annotations

import mlflow
import pytest

import pipeline.run as pr
import single.outputs as po


def test_the_table_is_printed_before_the_outputs_are_written(make_cfg, tmp_path, capsys, monkeypatch):
    seen: dict[str, str] = {}
    real = po.write

    def write(*args, **kwargs):
        seen["before"] = capsys.readouterr().out
        return real(*args, **kwargs)

    monkeypatch.setattr(po, "write", write)
    cfg = make_cfg("tracking=disabled", "charts.enabled=false", "data.start=2015-01-01")
    pr.run(cfg, tmp_path)
    after = capsys.readouterr().out
    assert "Sharpe (excess of T-bill)" in seen["before"] and "sixty_forty" in seen["before"]
    assert "Sharpe" not in after  # printed once
    assert after.strip() == f"results: {tmp_path / 'results'}"


def test_without_echo_nothing_is_printed(make_cfg, tmp_path, capsys):
    cfg = make_cfg("tracking=disabled", "charts.enabled=false", "data.start=2015-01-01")
    pr.run(cfg, tmp_path, echo=False)
    assert capsys.readouterr().out == ""


def test_a_chart_writer_that_fails_leaves_the_table_the_results_and_a_failed_run(
    make_cfg, tmp_path, capsys, monkeypatch
):
    def boom(jobs):
        raise RuntimeError("chart writer failed")

    monkeypatch.setattr(po, "render", boom)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with pytest.raises(RuntimeError, match="chart writer failed"):
        pr.run(make_cfg(f"tracking.uri={uri}", "data.start=2015-01-01"), tmp_path / "o")
    assert "Sharpe (excess of T-bill)" in capsys.readouterr().out  # the numbers were shown
    results = tmp_path / "o" / "results"
    for name in ("daily.csv", "orders.csv", "stats.json", "event_study.csv"):
        assert (results / name).stat().st_size > 0, name
    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(experiment_names=["regime-backtest"], output_format="pandas")
    assert runs["status"].tolist() == ["FAILED"]  # never a FINISHED run without its charts
