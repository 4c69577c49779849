"""Each metric's declaration (`backtest.metrics.METRICS`, `RELATIVE`) drives the terminal table's rows,
the keys of stats.json and the names of the MLflow metrics: one test over the whole registry, with one
metric declared by the test itself (and nothing else edited) to show that a declaration is enough."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backtest import metrics as M

pytestmark = pytest.mark.slow  # a backtest, then the same run tracked in MLflow

BENCH = "sixty_forty"


def up_days(d: M.Daily) -> np.ndarray:
    """Share of days with a positive return, per portfolio (the test's own metric)."""
    return (d.returns > 0).mean(axis=0)


def test_each_declared_metric_is_a_terminal_row_a_stats_json_key_and_an_mlflow_metric(tmp_path, monkeypatch):
    declared = M.Metric(
        "up_days",
        "Up days (share)",
        "pct",
        "Up",
        True,
        "Share of days with a positive return.",
        compute=up_days,
    )
    monkeypatch.setitem(M.METRICS, "up_days", declared)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    from mlflow import MlflowClient

    from pipeline import api

    r = api.backtest("move_vix_wedge", ["data.start=2015-01-01", "charts=none"])
    r.log(tmp_path / "run")
    (path,) = (tmp_path / "run").rglob("stats.json")
    stats = json.loads(path.read_text())["portfolios"]
    client = MlflowClient(uri)  # named: an earlier test of the session may have set mlflow's global URI
    (run,) = client.search_runs([e.experiment_id for e in client.search_experiments()])
    logged = run.data.metrics
    lines = r.table().splitlines()
    row = {line.split("  ")[0]: line for line in lines}

    # the test's metric, re-derived from the daily returns
    for name in ("strategy", BENCH):
        want = float((r.daily[f"return_{name}"] > 0).mean())
        assert stats[name]["up_days"] == pytest.approx(want, rel=1e-12)
    assert logged["up_days"] == pytest.approx(stats["strategy"]["up_days"], rel=1e-12)
    assert logged[f"{BENCH}.up_days"] == pytest.approx(stats[BENCH]["up_days"], rel=1e-12)

    # every declared metric: its label is the terminal row, its name the stats.json key and MLflow name
    for m in M.METRICS.values():
        value = stats["strategy"][m.name]
        assert m.label in row, m.name
        assert m.format(value) in row[m.label].split(), m.name
        assert logged[m.name] == pytest.approx(value, rel=1e-12), m.name
        if m.family in ("performance", "trading"):  # what every portfolio has
            assert logged[f"{BENCH}.{m.name}"] == pytest.approx(stats[BENCH][m.name], rel=1e-12), m.name
    for m in M.RELATIVE.values():
        key = f"vs_{BENCH}.{m.name}"
        assert m.label in row, m.name
        assert m.format(stats["strategy"][key]) in row[m.label].split(), m.name
        assert logged[key] == pytest.approx(stats["strategy"][key], rel=1e-12), m.name
    # and nothing the registry does not declare is reported per portfolio
    declared_names = set(M.METRICS) | {f"vs_{b}.{k}" for b in stats if b != "strategy" for k in M.RELATIVE}
    assert set(stats["strategy"]) <= declared_names
    assert all(m.description and m.kind in ("pct", "num", "int") for m in M.METRICS.values())
