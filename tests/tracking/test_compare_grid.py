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
