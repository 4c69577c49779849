"""``--run <id>``: a tracked run's exact config replayed on the latest data, from a real SQLite store."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest

from monitor.__main__ import main, parse
from monitor.core import run
from pipeline import api
from pipeline.run import execute
from tests.monitor.test_changed import DAYS, write_data


@pytest.fixture
def tracked(tmp_path):
    """A backtest of `threshold` with non-preset thresholds and an early data.end, tracked in SQLite."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    data = write_data(tmp_path / "data.parquet", [16.0, 27.0, 24.0])
    cfg = api.compose(
        "threshold",
        [
            f"data.loader={{_target_: market.bundled.load, path: '{data}'}}",
            "data.source=handbuilt",
            f"data.end={DAYS[100].date()}",
            "strategy.signal.entry=26",
            "strategy.signal.exit=23",
            f"tracking.uri={uri}",
        ],
    )
    execute(cfg, tmp_path / "backtest", echo=False)
    mlflow.set_tracking_uri(uri)
    (run_id,) = mlflow.search_runs(experiment_names=["regime-backtest"], search_all_experiments=False).run_id
    return uri, run_id, data


def test_replay_uses_the_runs_config_on_the_latest_data(tracked, tmp_path):
    uri, run_id, data = tracked
    mlflow.set_tracking_uri(uri)
    args = [f"--run={run_id}", f"tracking.uri={uri}", f"monitor.state_dir={tmp_path / 'state'}"]
    assert run(parse(args), tmp_path / "mon", echo=False) == 0
    (details,) = pd.read_json(tmp_path / "mon" / "results" / "monitor.json").to_dict("records")
    assert details["signal"] == f"threshold-run{run_id[:8]}"
    assert (details["entry"], details["exit"]) == (26.0, 23.0)  # the run's thresholds, not the preset's
    assert details["as_of"] == str(DAYS[-1].date())  # the latest data, not the run's data.end
    vix = pd.read_parquet(data)["VIX"]
    assert details["risk_off"] is True and details["since"] == str(vix[vix >= 26].index[0].date())
    assert details["to_trigger"] == pytest.approx(23.0 - vix.iloc[-1])
    runs = mlflow.search_runs(experiment_names=["regime-backtest"], filter_string="tags.mode = 'monitor'")
    assert len(runs) == 1 and runs["tags.replay_of"].iloc[0] == run_id
    assert runs[f"metrics.threshold-run{run_id[:8]}.risk_off"].iloc[0] == 1.0


def test_unknown_run_id_exits_2_in_one_line_and_creates_no_run(tracked, tmp_path, capsys):
    uri, _, _ = tracked
    code = main(["--run", "0123456789abcdef0123456789abcdef", f"tracking.uri={uri}"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "no MLflow run `0123456789abcdef0123456789abcdef`" in err
    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(experiment_names=["regime-backtest"])
    assert "monitor" not in set(runs.get("tags.mode", pd.Series(dtype=str)).dropna())


def test_bad_flags_are_user_errors(capsys):
    assert main(["--run"]) == 2
    assert main(["--chnged"]) == 2
    assert "unknown option `--chnged`" in capsys.readouterr().err
