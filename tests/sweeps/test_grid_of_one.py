"""A grid of one configuration is the single run: for every strategy preset, through the API's two doors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.verdict import sentence
from pipeline import api
from tests.cli import REPO

NOT_BUNDLED: set[str] = set()  # every preset runs on the bundled data (DTWEXBGS since issue 36)
PRESETS = sorted(p.stem for p in (REPO / "conf" / "strategy").glob("*.yaml") if p.stem not in NOT_BUNDLED)

pytestmark = pytest.mark.slow


def same(a: float, b: float) -> bool:
    """Equal to the last digit (NaN equals NaN: a metric undefined on both sides)."""
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("strategy", PRESETS)
def test_a_grid_of_one_equals_the_single_run(tmp_path, strategy):
    """Its daily returns, metrics, benchmarks and verdict, to the last digit: the two modes share one core."""
    calendar = api.compose(strategy).strategy.rebalance.calendar
    params = f"grid.params={{strategy: {{rebalance: {{calendar: [{calendar}]}}}}}}"
    g = api.grid("wedge_grid", [f"strategy={strategy}", params], folder=tmp_path)
    single = api.backtest(strategy)
    run = single.run
    assert len(g.table) == 1
    row = g.table.iloc[0]
    # the daily returns (the values' changes) on the same days
    daily = pd.read_parquet(tmp_path / "grid_data" / "grid_returns.parquet")[str(g.table.index[0])]
    assert daily.index.equals(run.strategy.returns.index)
    np.testing.assert_array_equal(daily.to_numpy(), run.strategy.returns.to_numpy())
    mine = run.strategy.metrics
    shared = [k for k in mine if k in row.index]
    must = {"cagr", "sharpe_excess_tbill", "max_drawdown", "turnover_per_year", "n_orders", "costs_total"}
    must |= {f"vs_{b}.sharpe_diff" for b in ("sixty_forty", "equity_buy_hold", "vol_target")}
    assert must <= set(shared)
    assert [k for k in shared if not same(row[k], mine[k])] == []
    assert g.summary["best.sharpe_excess_tbill"] == mine["sharpe_excess_tbill"]
    # the grid's benchmarks are the single run's, every metric the summary carries
    for bench in ("sixty_forty", "equity_buy_hold", "vol_target"):
        theirs = run.portfolios[bench].metrics
        logged = {k: g.summary[f"{bench}.{k}"] for k in theirs if f"{bench}.{k}" in g.summary}
        assert "sharpe_excess_tbill" in logged and "max_drawdown" in logged
        assert [k for k, v in logged.items() if not same(v, theirs[k])] == [], bench
    # the best configuration's verdict over the whole window is the single run's verdict
    assert run.verdicts and list(run.verdicts) == [b for b in run.plan.verdict if b in run.verdicts]
    for bench, comparison in run.verdicts.items():
        want = comparison.metrics()
        got = {k: g.summary[f"best.verdict.{bench}.{k}"] for k in want}
        assert [k for k, v in want.items() if not same(got[k], v)] == [], bench
        assert g.summary[f"best.verdict.{bench}.sentence"] == sentence(comparison.verdict)


def test_a_grid_of_one_judges_its_out_of_sample_days_as_the_single_run_would(tmp_path):
    """Walk-forward over one configuration holds it throughout: the single run's verdict on those days."""
    from analysis.verdict import compare

    params = "grid.params={strategy: {rebalance: {calendar: [monthly]}}}"
    g = api.grid("wedge_grid", ["strategy=move_vix_wedge", params], folder=tmp_path)
    single = api.backtest("move_vix_wedge")
    train = api.compose("move_vix_wedge", experiment="wedge_grid").grid.walk_forward.train_days
    run = single.run
    days = run.strategy.returns.index[train:]
    for bench in ("sixty_forty", "equity_buy_hold", "vol_target"):
        want = compare(
            run.strategy.returns.loc[days],
            run.portfolios[bench].returns.loc[days],
            run.cash_returns.loc[days],
            benchmark_name=bench,
            settings=run.plan.verdict_settings,
        )
        for key, value in want.metrics().items():
            got = g.summary[f"walk_forward.verdict.{bench}.{key}"]
            assert got == pytest.approx(value, rel=1e-12, abs=1e-15, nan_ok=True), (bench, key)


def test_a_grid_of_one_gives_the_single_run_s_verdict_to_the_last_digit(tmp_path):
    """Its best over the whole window through `compare`: the single run's verdict, every number and word."""
    params = "grid.params={strategy: {rebalance: {calendar: [monthly]}}}"
    g = api.grid("wedge_grid", ["strategy=move_vix_wedge", params], folder=tmp_path)
    single = api.backtest("move_vix_wedge")
    assert list(single.verdicts) == ["sixty_forty", "equity_buy_hold", "vol_target"]
    for bench, want in single.verdicts.items():
        for key, value in want.metrics().items():
            got = g.summary[f"best.verdict.{bench}.{key}"]
            assert got == pytest.approx(value, rel=1e-12, abs=1e-15, nan_ok=True), (bench, key)
        assert g.summary[f"best.verdict.{bench}.sentence"] == str(want)
    # the numbers re-derived: the Sharpe difference from the single run's daily returns, by hand
    run = single.run
    excess = {n: run.portfolios[n].returns - run.cash_returns for n in ("strategy", "sixty_forty")}
    sharpe = {n: x.mean() / x.std(ddof=1) * 252**0.5 for n, x in excess.items()}
    got = g.summary["best.verdict.sixty_forty.sharpe_diff"]
    assert got == pytest.approx(sharpe["strategy"] - sharpe["sixty_forty"], rel=1e-9)
