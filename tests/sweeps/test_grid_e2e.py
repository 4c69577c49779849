"""Grid mode end to end through `python run.py` and Hydra's joblib multirun, on a temporary MLflow store."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from tests.cli import python
from tests.cli import store_runs as runs

pytestmark = pytest.mark.slow


def sh(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    return python(*args, store=tmp)


def test_wedge_grid_preset_runs_1000_configs_in_one_pass_with_its_statistics(tmp_path):
    proc = sh(tmp_path, "run.py", "experiment=wedge_grid", f"hydra.run.dir={tmp_path / 'out'}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "grid: 1,000 configurations" in out
    for words in ("deflated Sharpe ratio", "PBO (CSCV", "Sharpe 95% CI (stationary", "walk-forward"):
        assert words in out
    assert "config/s" in proc.stderr and "chunk 8/8" in proc.stderr  # the progress bar (125 per chunk)
    table = pd.read_parquet(tmp_path / "out" / "results" / "grid_results.parquet")
    assert len(table) == 1000 and table.index.is_unique
    df = runs(tmp_path)
    parent = df[df["tags.mode"] == "grid"]
    assert len(parent) == 1 and parent.iloc[0]["status"] == "FINISHED"
    p = parent.iloc[0]
    assert 0 <= p["metrics.pbo"] <= 1 and 0 <= p["metrics.deflated_sharpe"] <= 1
    assert p["metrics.n_configs"] == 1000
    best = table["sharpe_excess_tbill"].max()
    assert p["metrics.best.sharpe_excess_tbill"] == pytest.approx(best, rel=1e-12)
    children = df[df["tags.mlflow.parentRunId"] == p["run_id"]]
    assert len(children) == 5
    assert set(children["metrics.sharpe_excess_tbill"].round(12)) == set(
        table["sharpe_excess_tbill"].nlargest(5).round(12)
    )
    import mlflow

    arts = {a.path for a in mlflow.MlflowClient().list_artifacts(p["run_id"])}
    assert {"grid_results.parquet", "grid_results.csv", "summary.json", "walk_forward.csv"} <= arts
    assert {"grid_report.html", "grid_report.png"} <= arts  # the grid report, on the parent run


def test_grid_over_the_ceiling_exits_2_and_writes_nothing(tmp_path):
    out = f"hydra.run.dir={tmp_path / 'out'}"
    proc = sh(tmp_path, "run.py", "experiment=wedge_grid", "grid.ceiling=100", out)
    assert proc.returncode == 2
    assert "grid.ceiling" in proc.stderr and "GiB" in proc.stderr and "allow_large" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_chunks_through_joblib_multirun_then_merged(tmp_path):
    # parallel jobs share one store: create it (and the experiment) first, as a tracking server would be
    import mlflow

    from tracking.mlflow_store import artifact_root

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.create_experiment("regime-backtest", artifact_root(uri))
    small = [
        "grid.params.strategy.signal.lookback=[63,252]",
        "grid.params.strategy.signal.trend_window=[20]",
        "grid.params.strategy.signal.z_exit=[0.0,0.5]",
    ]
    proc = sh(
        tmp_path,
        "run.py",
        "-m",
        "experiment=wedge_grid",
        *small,
        "grid.n_chunks=2",
        "grid.chunk=0,1",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={tmp_path / 'multi'}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    merged = sh(tmp_path, "-m", "sweeps", "merge", str(tmp_path / "multi"))
    assert merged.returncode == 0, merged.stderr[-3000:]
    assert "grid: 40 configurations" in merged.stdout and "PBO" in merged.stdout
    df = runs(tmp_path)
    assert (df["tags.mode"] == "grid_chunk").sum() == 2
    assert (df["tags.mode"] == "grid").sum() == 1
    assert df["tags.sweep_id"].nunique() == 1
    again = sh(tmp_path, "-m", "sweeps", "merge", str(tmp_path / "nowhere"))
    assert again.returncode == 2 and "no grid chunk" in again.stderr
