"""The grid report formats metrics as the terminal table does, from the one registry."""

from __future__ import annotations

import pandas as pd

from backtest.metrics import METRICS, describe
from sweeps.report import top_table
from sweeps.walkforward import CHOOSERS


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
    assert lines[0].split() == [
        "z_entry",
        "vs_sixty_forty.excess_cagr",
        "sharpe_excess_tbill",
        "cagr",
        "max_drawdown",
    ]
    assert lines[2].split() == ["3", "1.250", "0.10%", "0.512", "7.12%", "-25.12%"]  # best first
    assert lines[4].split() == ["7", "2.000", "-2.00%", "0.700", "12.00%", "-30.00%"]
    assert lines[3].split()[3] == "-"  # NaN, as in the terminal table


def test_every_metric_walk_forward_chooses_by_is_in_the_registry():
    assert all(describe(m) is METRICS[m] for m in CHOOSERS)
    assert describe("vs_any.tracking_error").label == "Strategy: tracking error vs"
    assert describe("not_a_metric") is None
