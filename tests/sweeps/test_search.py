"""An Optuna search over a grid's lists (`sweeps.search`): its trials are the configurations DSR counts.

The golden numbers are re-derived here: the deflated Sharpe ratio's expected maximum Sharpe from the
search's own daily returns in plain numpy/scipy, and each configuration's row from the exhaustive grid.
"""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from scipy.stats import norm

from common.errors import ConfigError
from pipeline.run import run
from sweeps import search
from tests.cli import REPO, run_py

#: 3 x 2 x 2 x 2 x 2 = 48 configurations, 12 of them refused (z_exit 1.5 above z_entry 1.0).
SPACE = {
    "strategy": {
        "signal": {"lookback": [63, 126, 252], "z_entry": [1.0, 2.0], "z_exit": [0.5, 1.5]},
        "allocation": {
            "risk_off_weights": [{"equity": 0.2, "bonds": 0.3, "cash": 0.5}, {"bonds": 0.5, "cash": 0.5}]
        },
    },
    "backtest.fees_bp": [1.0, 3.0],
}
FAST = [
    "experiment=wedge_grid",
    "tracking=disabled",
    "data.start=2015-01-01",
    "grid.bootstrap.samples=100",
    "grid.pbo_blocks=6",
    "grid.walk_forward.train_days=504",
]


def cfg_of(*overrides: str, params=SPACE):
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[*FAST, *overrides])
    cfg.grid.params = OmegaConf.create(params)
    return cfg


def results(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    table = pd.read_parquet(folder / "results" / "grid_results.parquet")
    returns = pd.read_parquet(folder / "grid_data" / "grid_returns.parquet")
    return table, returns, json.loads((folder / "results" / "summary.json").read_text())


def trials(folder: Path):
    import optuna

    return optuna.load_study(study_name=search.STUDY, storage=search._storage(folder / search.STORE)).trials


@pytest.fixture(scope="module")
def grid_and_search(tmp_path_factory):
    """The exhaustive grid of the space, and a TPE search of 16 of its configurations (batches of 5)."""
    tmp = tmp_path_factory.mktemp("search")
    run(cfg_of(), tmp / "grid", echo=False)
    metrics = run(cfg_of("grid.search=tpe", "grid.n_trials=16", "grid.batch_size=5"), tmp / "tpe", echo=False)
    return tmp / "grid", tmp / "tpe", metrics


def expected_max_sharpe(excess: np.ndarray, n: int) -> float:
    """Bailey & López de Prado's E[max] of `n` skill-less Sharpe ratios, annualised (plain numpy/scipy)."""
    sr = excess.mean(axis=0) / excess.std(axis=0, ddof=1)
    gamma = 0.5772156649015329
    z = (1 - gamma) * norm.ppf(1 - 1 / n) + gamma * norm.ppf(1 - 1 / (n * math.e))
    return float(np.sqrt(np.var(sr, ddof=1)) * z * np.sqrt(252))


def test_trials_are_the_rows_of_the_results_table_and_the_n_of_the_deflated_sharpe(grid_and_search):
    _, folder, metrics = grid_and_search
    table, returns, summary = results(folder)
    assert len(table) == 16 and table.index.is_unique
    assert summary["n_configs"] == 16 and metrics["n_configs"] == 16
    excess = returns.drop(columns="cash_return").to_numpy() - returns[["cash_return"]].to_numpy()
    assert excess.shape[1] == 16
    assert summary["dsr_expected_max_sharpe"] == pytest.approx(expected_max_sharpe(excess, 16), rel=1e-9)
    for n in (15, 17, 48):  # another N gives another number: the test can tell which N was used
        assert summary["dsr_expected_max_sharpe"] != pytest.approx(expected_max_sharpe(excess, n), rel=1e-6)
    study = trials(folder)
    assert len(study) == metrics["search.n_trials"] >= 16
    firsts = [t for t in study if not t.user_attrs.get("repeat") and "skipped" not in t.user_attrs]
    assert sorted(t.user_attrs["config"] for t in firsts) == sorted(table.index)  # each counted once
    repeats = [t for t in study if t.user_attrs.get("repeat")]
    assert len(repeats) == metrics["search.n_repeats"]
    refused = {t.user_attrs["config"] for t in study if "skipped" in t.user_attrs}
    assert metrics["n_skipped"] == len(refused)
    for t in study:  # every trial was told the value of its configuration; refused ones failed
        i = t.user_attrs["config"]
        if i in table.index:
            assert t.value == table.loc[i, "sharpe_excess_tbill"]
        else:
            assert t.state.name == "FAIL" and i in refused


def test_a_searched_configuration_has_the_exhaustive_grids_numbers_to_the_last_digit(grid_and_search):
    grid, folder, _ = grid_and_search
    full, full_r, _ = results(grid)
    found, found_r, summary = results(folder)
    assert len(full) == 36  # 48 less the 12 refused
    pd.testing.assert_frame_equal(found, full.loc[found.index], check_exact=True)
    cols = ["cash_return", *map(str, found.index)]
    pd.testing.assert_frame_equal(found_r[cols], full_r[cols], check_exact=True)
    assert summary["n_grid"] == 48
    assert summary["best.sharpe_excess_tbill"] == found["sharpe_excess_tbill"].max()


def test_a_search_resumed_after_a_crash_continues_without_repeating_a_configuration(tmp_path, monkeypatch):
    simulated: list[list[int]] = []
    real = search._simulate

    def crash_on_the_third(ev, plans, chunk_size, dates):
        if len(simulated) == 2:
            raise KeyboardInterrupt  # the process dies mid-search, after two batches were kept
        simulated.append(list(plans))
        return real(ev, plans, chunk_size, dates)

    monkeypatch.setattr(search, "_simulate", crash_on_the_third)
    over = ["grid.search=tpe", "grid.n_trials=14", "grid.batch_size=4"]
    with pytest.raises(KeyboardInterrupt):
        run(cfg_of(*over), tmp_path / "first", echo=False)
    before = sorted(i for b in simulated for i in b)
    assert len(before) == len(set(before)) >= 2
    monkeypatch.setattr(search, "_simulate", lambda *a: simulated.append(list(a[1])) or real(*a))
    metrics = run(cfg_of(*over, f"grid.resume={tmp_path / 'first'}"), tmp_path / "second", echo=False)
    table, _, summary = results(tmp_path / "second")
    after = [i for b in simulated[2:] for i in b]
    assert len(table) == 14 == summary["n_configs"] and table.index.is_unique
    assert not set(after) & set(before) and len(after) == len(set(after))  # nothing evaluated twice
    assert sorted(before + after) == sorted(table.index)
    assert metrics["search.n_resumed"] == len(before)
    assert list(table.index[: len(before)]) == [i for b in simulated[:2] for i in b]  # resumed rows first
    study = trials(tmp_path / "second")
    assert all(t.state.name in ("COMPLETE", "FAIL") for t in study)  # the crashed batch's trials closed
    assert not (tmp_path / "first" / "results" / "grid_results.parquet").exists()  # the first is untouched


def test_resuming_with_another_space_names_the_key_that_differs(tmp_path):
    run(cfg_of("grid.search=random", "grid.n_trials=4"), tmp_path / "a", echo=False)
    other = {**SPACE, "backtest.fees_bp": [1.0, 5.0]}
    cfg = cfg_of("grid.search=random", "grid.n_trials=8", f"grid.resume={tmp_path / 'a'}", params=other)
    with pytest.raises(ConfigError, match=r"grid\.params\.backtest\.fees_bp \(was \[1\.0, 3\.0\]\)") as e:
        run(cfg, tmp_path / "b", echo=False)
    assert e.value.key == "grid.resume" and not (tmp_path / "b").exists()
    with pytest.raises(ConfigError, match="no search study") as e:
        run(
            cfg_of("grid.search=tpe", "grid.n_trials=8", f"grid.resume={tmp_path / 'nowhere'}"),
            tmp_path / "c",
            echo=False,
        )
    with pytest.raises(ConfigError, match="fewer than the 4 configurations") as e:
        run(cfg_of("grid.search=random", "grid.n_trials=3", f"grid.resume={tmp_path / 'a'}"), tmp_path / "c")
    assert e.value.key == "grid.n_trials"
    with pytest.raises(ConfigError, match="grid.search=grid enumerates") as e:
        run(cfg_of(f"grid.resume={tmp_path / 'a'}"), tmp_path / "c", echo=False)
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    ("overrides", "key", "words"),
    [
        (["grid.search=tpee"], "grid.search", "Did you mean `tpe`"),
        (["grid.search=tpe", "grid.n_trials=49"], "grid.n_trials", "more than the 48 configurations"),
        (["grid.search=tpe", "grid.n_trials=0"], "grid.n_trials", "whole number"),
        (["grid.search=tpe", "grid.n_trials=8", "grid.n_jobs=2"], "grid.n_jobs", "one process"),
        (
            ["grid.search=random", "grid.n_trials=8", "grid.n_chunks=2", "grid.chunk=0"],
            "grid.n_chunks",
            "one process",
        ),
    ],
)
def test_bad_search_settings_are_refused_before_any_work(tmp_path, overrides, key, words):
    with pytest.raises(ConfigError, match=words) as e:
        run(cfg_of(*overrides), tmp_path / "out", echo=False)
    assert e.value.key == key and not (tmp_path / "out").exists()


def sh(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    return run_py("experiment=wedge_grid", *args, f"hydra.run.dir={tmp / 'out'}", store=tmp, timeout=600)


ONE_EACH = [
    "grid.params.strategy.signal.lookback=[252]",
    "grid.params.strategy.signal.z_entry=[2.0]",
    "grid.params.strategy.signal.z_exit=[0.5]",
    "grid.params.strategy.signal.trend_window=[20]",
    "grid.params.strategy.allocation.risk_off_weights=[{equity:0.2,bonds:0.3,cash:0.5}]",
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["grid.search=tpe", *ONE_EACH], "`grid.params`: nothing to search"),
        (
            ["grid.search=tpe", "grid.n_trials=200", "grid.ceiling=100"],
            "`grid.n_trials`: the search would evaluate 200 configurations, above the ceiling of 100",
        ),
    ],
)
def test_bad_searches_exit_2_through_run_py_and_write_nothing(tmp_path, args, words):
    proc = sh(tmp_path, *args)
    assert proc.returncode == 2, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and words in errors[0] and "Traceback" not in proc.stderr
    assert "  hint: " in proc.stderr
    assert not (tmp_path / "out").exists()
    if (tmp_path / "mlflow.db").exists():  # the store may be created; no run is
        import mlflow

        mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
        assert mlflow.search_runs(search_all_experiments=True).empty


def test_a_search_above_the_ceiling_runs_with_allow_large_and_its_space_may_exceed_it():
    from sweeps import grid as G

    spec = G.parse(cfg_of("grid.ceiling=10"))
    assert spec.size == 48
    G.check_size(spec, 3000, 3, n_trials=10)  # the space is above the ceiling: the trials are not
    with pytest.raises(ConfigError) as e:
        G.check_size(spec, 3000, 3, n_trials=11)
    assert e.value.key == "grid.n_trials" and "grid.allow_large=true" in e.value.hint
    G.check_size(G.parse(cfg_of("grid.ceiling=10", "grid.allow_large=true")), 3000, 3, n_trials=11)


@pytest.mark.slow
def test_a_search_through_run_py_lands_in_mlflow_as_a_grid_does(tmp_path):
    small = [
        "grid.params.strategy.signal.lookback=[63,252]",
        "grid.params.strategy.signal.trend_window=[20]",
        "grid.params.strategy.signal.z_exit=[0.0,0.5]",
    ]
    fast = ["data.start=2015-01-01", "grid.bootstrap.samples=100", "grid.walk_forward.train_days=504"]
    proc = sh(
        tmp_path, "grid.search=tpe", "grid.n_trials=8", "grid.batch_size=4", "grid.top_k=3", *small, *fast
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "tpe search (Optuna " in proc.stdout and "8 of 40 configurations evaluated" in proc.stdout
    assert f"grid.resume={tmp_path / 'out'}" in proc.stdout
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    df = mlflow.search_runs(experiment_names=["regime-backtest"])
    parent = df[df["tags.mode"] == "grid"]
    assert len(parent) == 1 and parent.iloc[0]["status"] == "FINISHED"
    p = parent.iloc[0]
    assert p["tags.search"] == "tpe" and p["metrics.n_configs"] == 8 and p["metrics.n_grid"] == 40
    table = pd.read_parquet(tmp_path / "out" / "results" / "grid_results.parquet")
    assert len(table) == 8 and p["metrics.best.sharpe_excess_tbill"] == table["sharpe_excess_tbill"].max()
    children = df[df["tags.mlflow.parentRunId"] == p["run_id"]]
    assert len(children) == 3 and set(children["tags.config"].astype(int)) <= set(table.index)
    assert len(trials(tmp_path / "out")) == p["metrics.search.n_trials"]
