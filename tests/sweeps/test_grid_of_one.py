"""A grid of one configuration is the single run: for every strategy preset, through the API's two doors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import api

REPO = Path(__file__).resolve().parents[2]
NOT_BUNDLED: set[str] = set()  # every preset runs on the bundled data (DTWEXBGS since issue 36)
PRESETS = sorted(p.stem for p in (REPO / "conf" / "strategy").glob("*.yaml") if p.stem not in NOT_BUNDLED)

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("strategy", PRESETS)
def test_a_grid_of_one_equals_the_single_run(tmp_path, strategy):
    calendar = api.compose(strategy).strategy.rebalance.calendar
    params = f"grid.params={{strategy: {{rebalance: {{calendar: [{calendar}]}}}}}}"
    g = api.grid("wedge_grid", [f"strategy={strategy}", params], folder=tmp_path)
    single = api.backtest(strategy)
    assert len(g.table) == 1
    row = g.table.iloc[0]
    mine = single.run.strategy.metrics
    shared = [k for k in mine if k in row.index]
    must = {"cagr", "sharpe_excess_tbill", "max_drawdown", "turnover_per_year", "n_orders", "costs_total"}
    must |= {f"vs_{b}.sharpe_diff" for b in ("sixty_forty", "equity_buy_hold", "vol_target")}
    assert must <= set(shared)
    for key in shared:
        assert row[key] == pytest.approx(mine[key], rel=1e-9, abs=1e-12, nan_ok=True), key
    assert g.summary["best.sharpe_excess_tbill"] == pytest.approx(mine["sharpe_excess_tbill"], rel=1e-9)
    # the grid's benchmarks are the single run's too
    for bench in ("sixty_forty", "equity_buy_hold", "vol_target"):
        want = single.run.portfolios[bench].metrics["sharpe_excess_tbill"]
        assert g.summary[f"{bench}.sharpe_excess_tbill"] == pytest.approx(want, rel=1e-9)
