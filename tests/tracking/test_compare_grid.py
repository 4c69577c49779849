"""``compare`` after a grid: its configurations (the children), not its summary run, with the 60/40 row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tracking import compare


def _search_runs() -> pd.DataFrame:
    """What `mlflow.search_runs` returns for a grid's parent and two of its children."""
    return pd.DataFrame(
        {
            "run_id": ["parent0", "child1", "child2"],
            "tags.mode": ["grid", "grid", None],
            "tags.mlflow.parentRunId": [None, "parent0", "parent0"],
            "metrics.sharpe_excess_tbill": [np.nan, 0.66, 0.65],
            "metrics.sixty_forty.sharpe_excess_tbill": [0.659, np.nan, np.nan],
            "metrics.vs_sixty_forty.sharpe_diff": [np.nan, 0.001, -0.009],
        }
    )


def test_a_grids_parent_is_found_and_its_children_carry_its_benchmarks():
    df = _search_runs()
    assert compare.grid_parents(df).tolist() == [True, False, False]
    filled = compare.with_parents_benchmarks(df)
    assert filled["metrics.sixty_forty.sharpe_excess_tbill"].tolist() == [0.659, 0.659, 0.659]
    # only the benchmark's own metrics: a child's comparison with it is its own
    assert filled["metrics.vs_sixty_forty.sharpe_diff"].iloc[1:].tolist() == [0.001, -0.009]


def test_the_runs_left_out_of_the_chart_are_one_short_line():
    labels = [f"lookback={i} z_entry=2.0 risk_off_weights={{...}} [{i:08d}]" for i in range(40)]
    line = compare.left_out_line(labels)
    assert line.startswith("  40 runs left out") and "00000004" in line and "and 35 more" in line
    assert "lookback" not in line and len(line) < 160


def test_grid_children_named_by_what_tells_them_apart():
    long = 'z_exit=-0.5 risk_off_weights={"equity": 0.2, "bonds": 0.3, "cash": 0.5}'
    names = [f"lookback={lb} z_entry={z} {long}" for lb, z in [(63, 1.5), (63, 2.0), (252, 1.5)]]
    assert compare.distinct_names(names) == [
        "lookback=63 z_entry=1.5",
        "lookback=63 z_entry=2.0",
        "lookback=252 z_entry=1.5",
    ]
    assert compare.distinct_names(["a b", "a b"]) == ["a b", "a b"]  # nothing differs: kept whole
    assert compare.distinct_names(["only"]) == ["only"]


def test_the_table_of_a_grids_children_has_no_two_rows_alike():
    long = 'z_exit=-0.5 risk_off_weights={"equity": 0.2, "bonds": 0.3, "cash": 0.5} trend_window=40'
    runs = pd.DataFrame(
        {
            "run_id": [f"{i:032d}" for i in range(4)],
            "run_name": [f"{long} lookback={lb} z_entry={z}" for lb in (63, 252) for z in (1.5, 2.0)],
            "strategy": "move_vix_wedge",
            "sharpe_excess_tbill": [0.7, 0.69, 0.68, 0.67],
        }
    )
    lines = compare.text(runs, "sharpe_excess_tbill").splitlines()
    rows = [ln.split(None, 1)[1] for ln in lines if ln[:8].isdigit()]
    assert len(rows) == 4 and len(set(rows)) == 4, "\n".join(lines)
    assert all(("lookback=" in r and "z_entry=" in r and "risk_off" not in r) for r in rows)
