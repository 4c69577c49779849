"""The grid report formats metrics as the terminal table does, from the one registry."""

from __future__ import annotations

import pandas as pd
import pytest

from backtest.metrics import METRICS, describe
from sweeps.summary import top_table
from sweeps.walkforward import CHOOSERS
from tests.reference import headline_by_hand, tbill_returns


def test_top_table_formats_each_metric_by_its_registry_kind():
    table = pd.DataFrame(
        {
            "strategy.signal.z_entry": [1.25, 2.0, 3.0],
            "sharpe_excess_tbill": [0.5123, 0.7, float("nan")],
            "cagr": [0.0712, 0.12, 0.01],
            "max_drawdown": [-0.2512, -0.3, -0.1],
            "vs_sixty_forty.excess_cagr": [0.001, -0.02, 0.0],
        },
        index=pd.Index([3, 7, 9], name="config"),
    )
    lines = top_table(table, "vs_sixty_forty.excess_cagr").splitlines()
    assert lines[0].split() == ["vs", "60/40:"]  # the benchmark named above its column
    assert lines[1].split() == ["config", "z_entry", "ΔCAGR", "Sharpe", "CAGR", "Max", "DD"]
    assert lines[3].split() == ["3", "1.25", "0.10%", "0.512", "7.12%", "-25.12%"]  # best first
    assert lines[5].split() == ["7", "2.0", "-2.00%", "0.700", "12.00%", "-30.00%"]
    assert lines[4].split()[3] == "-"  # NaN, as in the terminal table
    assert lines[-1] == "(every metric: grid.wide=true)"


def test_every_metric_walk_forward_chooses_by_is_in_the_registry():
    assert all(describe(m) is METRICS[m] for m in CHOOSERS)
    assert all(METRICS[m].higher_is_better for m in CHOOSERS)  # it maximises: each is declared higher-better
    assert describe("vs_any.tracking_error").label == "Strategy: tracking error vs"
    assert describe("not_a_metric") is None


SMALL_GRID = [
    "grid.params.strategy.signal.lookback=[126,252]",
    "grid.params.strategy.signal.z_entry=[1.5,2.0]",
    "grid.params.strategy.signal.z_exit=[0.0,0.5]",
    "grid.params.strategy.signal.trend_window=[20]",
    "grid.bootstrap.samples=50",
]


def test_the_grid_summary_fits_120_columns_and_its_60_40_row_is_the_benchmark(tmp_path, capsys, bundled):
    from pipeline import api
    from pipeline.run import execute

    cfg = api.compose(None, [*SMALL_GRID, "tracking.enabled=false"], experiment="wedge_grid")
    execute(cfg, tmp_path / "grid", echo=True)
    out = capsys.readouterr().out
    assert max(len(ln) for ln in out.splitlines()) <= 120, max(out.splitlines(), key=len)
    assert "vs 60/40:" in out and "ΔSharpe" in out and "sharpe_diff" not in out and "sixty_forty" not in out
    (row,) = [ln.split() for ln in out.splitlines() if ln.startswith("60/40 ")]
    single = api.backtest("move_vix_wedge", ["tracking.enabled=false"])  # same days and costs
    value = single.daily["value_sixty_forty"]
    want = headline_by_hand(value, tbill_returns(bundled.frame["TBILL3M"], value.index))
    sharpe, cagr, max_dd = row[1:4]
    assert float(sharpe) == pytest.approx(want["sharpe_excess_tbill"], abs=5e-4)
    assert cagr == f"{want['cagr'] * 100:.2f}%" and max_dd == f"{want['max_drawdown'] * 100:.2f}%"
    assert "same in every configuration: trend_window=20" in out

    table = pd.read_parquet(tmp_path / "grid" / "results" / "grid_results.parquet")
    wide = top_table(table, "sharpe_excess_tbill", wide=True)
    assert max(len(ln) for ln in wide.splitlines()) > 120  # everything, at any width
    header = wide.splitlines()[0] + wide.splitlines()[1]
    labels = ("vs 60/40:", "vs equity B&H:", "vs vol target:", "tracking error", "trend_window", "Trades")
    assert all(label in header for label in labels)
