"""End to end through `python run.py`, on the bundled data, against a temporary MLflow store."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from tests import cli
from tests.cli import REPO
from tests.cli import store_runs as runs

NOT_BUNDLED: set[str] = set()  # every preset runs on the bundled data (DTWEXBGS since issue 36)
STRATEGIES = sorted(p.stem for p in (REPO / "conf" / "strategy").glob("*.yaml") if p.stem not in NOT_BUNDLED)

pytestmark = pytest.mark.slow


def run_py(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    out = [] if "-m" in args else [f"hydra.run.dir={tmp / 'out'}"]
    return cli.run_py(*args, *out, store=tmp, timeout=600)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_runs_end_to_end_and_is_tracked(tmp_path, strategy):
    proc = run_py(tmp_path, f"strategy={strategy}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "sixty_forty" in proc.stdout and "equity_buy_hold" in proc.stdout and "vol_target" in proc.stdout
    assert "Strategy: excess CAGR vs" in proc.stdout and "Costs total" in proc.stdout
    assert "Sharpe (excess of T-bill)" in proc.stdout and "mlflow ui" in proc.stdout
    df = runs(tmp_path)
    assert len(df) == 1
    row = df.iloc[0]
    assert row["status"] == "FINISHED"
    assert row["params.strategy.name"] == strategy
    assert row["params.backtest.lag"] == "1"
    assert row["tags.strategy"] == strategy and row["tags.data_source"] == "bundled"
    assert len(row["tags.git_commit"]) >= 7 and "run.py" in row["tags.command"]
    stats = json.loads((tmp_path / "out" / "results" / "stats.json").read_text())
    for metric in (
        "cagr",
        "sharpe_excess_tbill",
        "max_drawdown",
        "calmar",
        "turnover_per_year",
        "fees_total",
    ):
        assert row[f"metrics.{metric}"] == pytest.approx(stats["portfolios"]["strategy"][metric], rel=1e-9)
        assert row[f"metrics.sixty_forty.{metric}"] == pytest.approx(
            stats["portfolios"]["sixty_forty"][metric]
        )
    for bench in ("sixty_forty", "equity_buy_hold", "vol_target"):
        for metric in ("excess_cagr", "sharpe_diff", "max_drawdown_reduction", "tracking_error"):
            key = f"vs_{bench}.{metric}"
            assert row[f"metrics.{key}"] == pytest.approx(stats["portfolios"]["strategy"][key], rel=1e-9)
    import mlflow

    names = {a.path for a in mlflow.MlflowClient().list_artifacts(row["run_id"])}
    assert {
        "daily.csv",
        "orders.csv",
        "stats.json",
        "config.yaml",
        "equity_drawdown.png",
        "allocation.png",
        "report.html",
        "report.png",
    } <= names
    assert [n for n in names if n.endswith(".html")] == ["report.html"]  # one page, not one per chart
    if strategy not in ("sixty_forty", "vol_target"):
        assert "signal.png" in names
        assert {"event_study.csv", "event_study.json", "episodes.csv", "event_returns.png"} <= names
        assert "event_episodes.png" in names
        event = json.loads((tmp_path / "out" / "results" / "event_study.json").read_text())
        assert row["metrics.event.n_episodes"] == event["summary"]["n_episodes"]
        for h in ("5", "20", "60"):
            for name, key in (("fwd_ret_{}d_mean", "fwd_ret_mean"), ("hit_rate_{}d", "hit_rate")):
                want = event["by_horizon"][h][key]
                got = row[f"metrics.event.{name.format(h)}"]
                assert got == pytest.approx(want, rel=1e-9) if want is not None else got != got
        assert stats["signal"]["coverage"] == pytest.approx(row["metrics.signal_coverage"])
    hydra = {a.path for a in mlflow.MlflowClient().list_artifacts(row["run_id"], "hydra")}
    assert {"hydra/config.yaml", "hydra/overrides.yaml"} <= hydra
    # the notebook door gives run.py's numbers: every metric of the table, and every final value
    from pipeline import api

    result = api.backtest(strategy)
    for name, metrics in stats["portfolios"].items():
        for key, want in metrics.items():
            got = result.run.portfolios[name].metrics[key]
            assert got == pytest.approx(want, rel=1e-12, abs=1e-15) if want is not None else got != got, key
    table = result.stats
    assert (
        table.loc["sharpe_excess_tbill", "strategy"] == stats["portfolios"]["strategy"]["sharpe_excess_tbill"]
    )
    daily = pd.read_csv(tmp_path / "out" / "results" / "daily.csv", index_col="date", parse_dates=True)
    for name in stats["portfolios"]:
        assert result.equity[name].iloc[-1] == pytest.approx(daily[f"value_{name}"].iloc[-1], rel=1e-9)
        assert result.equity[name].index.equals(daily.index)


def test_sweep_makes_one_run_per_value(tmp_path):
    proc = run_py(
        tmp_path,
        "-m",
        "strategy=move_vix_wedge",
        "strategy.signal.z_entry=1.0,1.5,2.0",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    df = runs(tmp_path)
    assert (df["tags.sweep"] == "parent").sum() == 1  # plus the sweep's parent run
    df = df[df["tags.sweep"] != "parent"]
    assert sorted(df["params.strategy.signal.z_entry"]) == ["1.0", "1.5", "2.0"]
    assert df["metrics.time_in_risk_off"].nunique() == 3


# Bad input (exit 2, the key named, nothing written): tests/test_bad_input.py holds every case.
