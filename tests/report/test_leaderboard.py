"""The sweep leaderboard's axes sit around the values, so close Sharpe ratios look different."""

from __future__ import annotations

import pandas as pd
import pytest

from report.leaderboard import axis_limits, figure, table


def board() -> pd.DataFrame:
    runs = pd.DataFrame(
        {
            "run_id": ["a", "b", "c"],
            "run_name": ["z=1.5", "z=2.0", "z=2.5"],
            "strategy.signal.z_entry": ["1.5", "2.0", "2.5"],
            "sharpe_excess_tbill": [0.62, 0.65, 0.63],
            "max_drawdown": [-0.2890, -0.2916, -0.3138],
        }
    )
    return table(runs, ["strategy.signal.z_entry"])


def test_the_axes_are_limited_to_the_values_not_started_at_zero():
    fig = figure(board(), ["strategy.signal.z_entry"])
    sharpe_ax, dd_ax = fig.axes
    lo, hi = sharpe_ax.get_xlim()
    assert 0.0 < lo < 0.62 and 0.65 < hi < 0.70  # not from 0
    assert (0.65 - lo) / (0.62 - lo) > 1.5  # the better bar is visibly longer
    lo, hi = dd_ax.get_xlim()
    assert -31.38 > lo > -35.0 and -28.9 < hi < 0.0  # percent, around -28.9 to -31.4
    assert [t.get_text() for t in sharpe_ax.get_yticklabels()][-1] == "z_entry=2.0"  # best at the top


def test_axis_limits_pad_the_range_and_keep_zero_when_the_values_cross_it():
    lo, hi = axis_limits([0.62, 0.65])
    assert (lo, hi) == (pytest.approx(0.62 - 0.15 * 0.03), pytest.approx(0.65 + 0.15 * 0.03))
    lo, hi = axis_limits([-0.2, 0.4])
    assert lo < 0 < hi
    assert axis_limits([0.5, 0.5]) == (0.425, 0.575)  # equal values: padded by their size
    assert axis_limits([float("nan")]) == (-1.0, 1.0)
