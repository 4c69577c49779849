"""The notebook door (`pipeline.api`) and the front door's override rules, on Hydra's real composition."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from common.errors import ConfigError
from pipeline import api
from tests.cli import REPO


def test_parts_compose_with_no_new_preset():
    cfg = api.compose(None, ["signal=term_premium", "allocation=graded", "rebalance=weekly"])
    s = cfg.strategy
    assert s.signal._target_ == "signals.term_premium.term_premium" and s.signal.window == 378
    assert s.allocation._target_ == "strategies.allocation.graded" and s.allocation.score_hi == 2.0
    assert s.rebalance.calendar == "weekly" and s.rebalance.on_regime_change is True
    # a preset overrides only what differs: the banded rebalance of the graded preset
    g = api.compose("wedge_graded").strategy
    assert (g.rebalance.calendar, g.rebalance.drift_band, g.rebalance.min_hold_days) == ("daily", 0.1, 5)
    assert api.compose("sixty_forty").strategy.signal is None


def test_a_mapping_override_replaces_the_mapping():
    w = api.compose(None, ["strategy.allocation.risk_off_weights={equity: 0.5, bonds: 0.5}"])
    assert dict(w.strategy.allocation.risk_off_weights) == {"equity": 0.5, "bonds": 0.5}
    g = api.compose(None, ["strategy.allocation.risk_off_weights={equity: 0.5, gold: 0.5}"])
    assert dict(g.strategy.allocation.risk_off_weights) == {"equity": 0.5, "gold": 0.5}
    # a scalar override of one weight still merges
    e = api.compose(None, ["strategy.allocation.risk_off_weights.equity=0.1"])
    assert dict(e.strategy.allocation.risk_off_weights) == {"equity": 0.1, "bonds": 0.3, "cash": 0.5}


def test_replaced_weights_are_the_weights_traded():
    r = api.backtest("move_vix_wedge", ["strategy.allocation.risk_off_weights={equity: 0.5, bonds: 0.5}"])
    traded = r.run.strategy.targets.dropna(how="all").round(12).drop_duplicates()
    rows = {tuple(row) for row in traded[["equity", "bonds", "cash"]].to_numpy()}
    assert rows == {(0.6, 0.4, 0.0), (0.5, 0.5, 0.0)}


@pytest.mark.parametrize(
    ("override", "suggestion"),
    [
        ("strategy.signal.lookbak=10", "lookback"),
        ("stratgy.name=x", "strategy"),
        ("backtest.fees=2", "fees_bp"),
        ("signal=term_premiun", "term_premium"),
    ],
)
def test_key_typos_are_a_config_error_with_a_suggestion(override, suggestion):
    with pytest.raises(ConfigError, match=f"Did you mean `{suggestion}`"):
        api.compose(None, [override])


def test_stats_are_the_numbers_of_the_table():
    r = api.backtest("sixty_forty")
    s = r.stats
    p = r.run.portfolios
    assert list(s.columns) == list(p)
    assert s.loc["cagr", "sixty_forty"] == p["sixty_forty"].metrics["cagr"]
    assert s.loc["vs.sharpe_diff", "sixty_forty"] == p["strategy"].metrics["vs_sixty_forty.sharpe_diff"]
    assert np.isnan(s.loc["vs.sharpe_diff", "strategy"])
    # independently: CAGR from the strategy's own values, on 252 days a year
    v = r.equity["strategy"]
    n = len(v)
    cagr = (v.iloc[-1] / 1.0) ** (252 / n) - 1  # from an initial capital of 1
    assert s.loc["cagr", "strategy"] == pytest.approx(cagr, rel=1e-9)
    assert f"{s.loc['cagr', 'strategy'] * 100:.2f}%" in r.table()


def test_a_dataframe_of_ones_own_is_read_like_a_loaded_file(bundled):
    from market.bundled import load

    raw = load()
    mine = api.backtest("move_vix_wedge", data=raw)
    ref = api.backtest("move_vix_wedge")
    assert mine.stats.equals(ref.stats)
    assert mine.run.market.source == "dataframe"
    # a frame cut short gives a shorter backtest, and the future cannot change the past decisions
    cut = api.backtest("move_vix_wedge", data=raw.loc[:"2015-12-31"])
    assert cut.equity.index[-1] <= pd.Timestamp("2015-12-31")
    both = cut.signal.index
    pd.testing.assert_series_equal(cut.signal["risk_off"], ref.signal["risk_off"].loc[both])


def test_plots_are_figures_and_write_nothing(tmp_path, monkeypatch):
    import matplotlib.figure
    import plotly.graph_objects as go

    monkeypatch.chdir(tmp_path)
    r = api.backtest("move_vix_wedge")
    for kind in api.PLOTS:
        assert isinstance(r.plot(kind), matplotlib.figure.Figure)
        assert isinstance(r.plot(kind, interactive=True), go.Figure)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ConfigError, match="one of: equity"):
        r.plot("equty")
    with pytest.raises(ConfigError, match="no signal"):
        api.backtest("sixty_forty").plot("signal")


def test_save_writes_the_run_folder_with_its_numbers(tmp_path):
    import json

    r = api.backtest("move_vix_wedge", ["+tracking.api_key=s3cr3tvalue"])
    results = r.save(tmp_path / "run")
    stats = json.loads((results / "stats.json").read_text())
    assert (
        stats["portfolios"]["strategy"]["sharpe_excess_tbill"]
        == r.stats.loc["sharpe_excess_tbill", "strategy"]
    )
    assert "s3cr3tvalue" not in (results / "config.yaml").read_text()


@pytest.mark.slow  # the whole tour end to end in a subprocess: 49 s on 2 loaded cores
def test_the_example_notebook_runs_from_another_directory(tmp_path):
    script = REPO / "experiments" / "api_tour.py"
    env = {**os.environ, "MPLBACKEND": "Agg", "REGIME_TOUR_OUT": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Sharpe" in proc.stdout and (tmp_path / "equity.png").is_file()


def test_a_mapping_override_of_a_key_that_is_null_here_sets_it():
    """The README's composite example: `weights` is null in the preset; the mapping is set as written."""
    w = "strategy.signal.weights={wedge: 2, breakout: 1, shock: 1, term_premium: 1}"
    cfg = api.compose("composite", ["strategy.signal.rule=weighted", w])
    assert dict(cfg.strategy.signal.weights) == {"wedge": 2, "breakout": 1, "shock": 1, "term_premium": 1}
    with pytest.raises(ConfigError, match="Did you mean `weights`"):  # a typo is still a typo
        api.compose("composite", ["strategy.signal.weigths={wedge: 2}"])


def test_a_mixed_run_is_named_by_its_parts_not_by_the_preset_it_started_from():
    mixed = api.compose(None, ["signal=term_premium", "allocation=graded", "rebalance=weekly"])
    assert mixed.strategy.name == "term_premium+graded+weekly"
    assert api.compose("composite", ["signal=yield_shock"]).strategy.name == "yield_shock"
    assert api.compose("composite").strategy.name == "composite"  # the preset as it is: its own name
    named = api.compose(None, ["signal=term_premium", "strategy.name=mine"])
    assert named.strategy.name == "mine"
