"""A small grid split into chunks by a cluster launcher, merged, and compared with the same grid unchunked."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd

from tests.cli import python
from tests.cli import store_runs as runs

#: 2 lookbacks x 2 exits x 2 risk-off weight sets (the preset's) = 8 configurations of move_vix_wedge.
SMALL = [
    "experiment=wedge_grid",
    "grid.params.strategy.signal.lookback=[63,252]",
    "grid.params.strategy.signal.z_entry=[2.0]",
    "grid.params.strategy.signal.z_exit=[0.0,0.5]",
    "grid.params.strategy.signal.trend_window=[20]",
]
#: One BLAS/numba thread per job, as the commands of docs/cluster.md export them.
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
}


def sh(tmp: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python *args`` from the repository, on the MLflow store in `tmp`."""
    return python(*args, store=tmp, env=env)


def new_store(tmp: Path) -> None:
    """Create the store and its experiment before parallel jobs write to it, as a tracking server would."""
    import mlflow

    from tracking.mlflow_store import artifact_root

    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.create_experiment("regime-backtest", artifact_root(uri))


def sweep_and_merge(tmp: Path, n_chunks: int, *launcher: str, env: dict[str, str] | None = None) -> str:
    """The small grid as a ``-m`` sweep of `n_chunks` jobs on `launcher`, into ``tmp/multi``, merged.

    Returns:
        The sweep's terminal output (stdout and stderr).
    """
    new_store(tmp)
    chunks = ",".join(str(i) for i in range(n_chunks))
    multi = f"hydra.sweep.dir={tmp / 'multi'}"
    proc = sh(
        tmp,
        "run.py",
        "-m",
        *SMALL,
        f"grid.n_chunks={n_chunks}",
        f"grid.chunk={chunks}",
        *launcher,
        multi,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    for i in range(n_chunks):
        meta = json.loads((tmp / "multi" / str(i) / "results" / "grid_chunk.json").read_text())
        assert meta["chunk"] == i and meta["n_chunks"] == n_chunks
    merged = sh(tmp, "-m", "sweeps", "merge", str(tmp / "multi"))
    assert merged.returncode == 0, merged.stderr[-3000:]
    assert "grid: 8 configurations" in merged.stdout
    return proc.stdout + proc.stderr


def sweep_result(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """A finished sweep's results table, daily returns and summary (wall-time figures left out)."""
    summary = json.loads((folder / "results" / "summary.json").read_text())
    timing = ("configs_per_second",)
    return (
        pd.read_parquet(folder / "results" / "grid_results.parquet"),
        pd.read_parquet(folder / "grid_data" / "grid_returns.parquet"),
        {k: v for k, v in summary.items() if k not in timing},
    )


def assert_same_sweep(merged: Path, whole: Path) -> None:
    """The merged chunks equal the unchunked grid to the last digit: table, daily returns, statistics."""
    (t1, r1, s1), (t2, r2, s2) = sweep_result(merged), sweep_result(whole)
    assert len(t1) == 8 and t1.index.is_unique
    pd.testing.assert_frame_equal(t1, t2, check_exact=True)
    pd.testing.assert_frame_equal(r1, r2, check_exact=True)
    assert s1 == s2  # best config, deflated Sharpe, PBO, bootstrap interval, walk-forward, benchmarks


def assert_chunks_logged(tmp: Path, n_chunks: int) -> None:
    """Each chunk a run of its own, the merge one parent run with its children, one sweep id for all."""
    df = runs(tmp)
    assert (df["tags.mode"] == "grid_chunk").sum() == n_chunks
    assert sorted(df.loc[df["tags.mode"] == "grid_chunk", "tags.chunk"]) == [str(i) for i in range(n_chunks)]
    parent = df[df["tags.mode"] == "grid"]
    assert len(parent) == 1 and parent.iloc[0]["status"] == "FINISHED"
    assert df["tags.sweep_id"].dropna().nunique() == 1
    assert (df["tags.mlflow.parentRunId"] == parent.iloc[0]["run_id"]).sum() == 5
