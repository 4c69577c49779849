"""The sweep leaderboard's bars start at 0 and 60/40 is a line beside them: no axis cut to the values."""

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
            "sixty_forty.sharpe_excess_tbill": [0.66, 0.66, 0.66],
            "sixty_forty.max_drawdown": [-0.32, -0.32, -0.32],
        }
    )
    return table(runs, ["strategy.signal.z_entry"])


def test_the_bars_start_at_zero_and_sixty_forty_is_a_line():
    fig = figure(board(), ["strategy.signal.z_entry"])
    sharpe_ax, dd_ax = fig.axes
    lo, hi = sharpe_ax.get_xlim()
    assert lo < 0.0 and hi > 0.66  # 0 and 60/40 inside: no axis cut to a 0.03-point range
    assert hi - lo > 0.66
    (line,) = [ln for ln in sharpe_ax.get_lines() if ln.get_linestyle() == "--"]
    assert line.get_xdata()[0] == pytest.approx(0.66)  # 60/40, beside the bars
    lo, hi = dd_ax.get_xlim()
    assert lo < -32.0 and hi > 0.0  # percent: every bar and 60/40's -32%
    (line,) = [ln for ln in dd_ax.get_lines() if ln.get_linestyle() == "--"]
    assert line.get_xdata()[0] == pytest.approx(-32.0)
    assert [t.get_text() for t in sharpe_ax.get_yticklabels()][-1] == "z_entry=2.0"  # best at the top


def test_axis_limits_hold_zero_and_pad_the_range():
    lo, hi = axis_limits([0.62, 0.65])
    assert (lo, hi) == (pytest.approx(-0.15 * 0.65), pytest.approx(0.65 + 0.15 * 0.65))  # from 0
    lo, hi = axis_limits([-0.2, 0.4])
    assert (lo, hi) == (pytest.approx(-0.2 - 0.09), pytest.approx(0.4 + 0.09))
    assert axis_limits([0.5, 0.5]) == (-0.075, 0.575)
    assert axis_limits([float("nan")]) == (-1.0, 1.0)
