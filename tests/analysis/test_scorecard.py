"""The episode scorecard on a hand-built ten-day window: each number worked out by hand."""

import math

import pandas as pd
import pytest

from analysis.verdict import scorecard

DAYS = pd.bdate_range("2024-01-01", periods=10)


def test_during_and_after_are_compounded_from_the_onsets_close_and_late_horizons_are_empty():
    s = pd.Series([0.0, 0.01, 0.02, -0.01, 0.0, 0.03, 0.0, 0.0, 0.01, 0.0], index=DAYS)
    b = pd.Series([0.0, 0.00, -0.02, -0.02, 0.0, 0.01, 0.0, 0.0, 0.00, 0.0], index=DAYS)
    eps = pd.DataFrame(
        {
            "start": [DAYS[1], DAYS[7]],
            "end": [DAYS[3], DAYS[8]],
            "days": [3, 2],
            "ongoing": [False, False],
            "ret_during": [-0.05, 0.01],
        }
    )
    out = scorecard(eps, s, b, [0.0002, 0.0001], after=(2, 5))
    # during the first: days 2 and 3 (the onset's own day is before the close the signal is known on)
    assert out.loc[0, "active_during"] == pytest.approx(1.02 * 0.99 - 0.98 * 0.98)
    # two days after its last day: days 4 and 5
    assert out.loc[0, "active_2d_after"] == pytest.approx(1.0 * 1.03 - 1.0 * 1.01)
    assert out.loc[0, "active_5d_after"] == pytest.approx(1.03 * 1.01 - 1.01)  # days 4 to 8
    assert out.loc[1, "active_during"] == pytest.approx(0.01)  # day 8
    assert out.loc[1, "active_2d_after"] != out.loc[1, "active_2d_after"]  # past the window: NaN
    assert math.isnan(out.loc[1, "active_5d_after"])
    assert list(out.columns) == [
        "start", "end", "days", "ongoing", "ret_during", "benchmark", "active_during", "active_2d_after",
        "active_5d_after", "costs",
    ]  # fmt: skip
    assert (out["benchmark"] == "sixty_forty").all()
    assert out["costs"].tolist() == [0.0002, 0.0001]
