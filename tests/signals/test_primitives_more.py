"""The primitives added for the signal catalogue, on hand-built series."""

from __future__ import annotations

import numpy as np
import pandas as pd

from signals import primitives as P


def s(values) -> pd.Series:
    return pd.Series(values, index=pd.bdate_range("2024-01-01", periods=len(values)), dtype=float)


def test_crossings_fire_only_on_the_crossing_day():
    x = s([1.0, 2.0, 2.5, 1.9, 2.0, np.nan, 3.0])
    assert P.cross_above(x, 2.0).tolist() == [False, True, False, False, True, False, False]
    assert P.cross_below(x, 2.0).tolist() == [False, False, False, True, False, False, False]


def test_breakdown_is_a_new_low_below_the_previous_window():
    x = s([5.0, 4.0, 6.0, 3.0, 3.0, 2.0])
    # day 3: 3 < min(4, 6); day 4: 3 is not below min(6, 3); day 5: 2 < min(3, 3)
    assert P.breakdown(x, 2).tolist() == [False, False, False, True, False, True]


def test_change_over_window():
    x = s([1.0, 1.5, np.nan, 4.0, 5.0])
    got = P.change(x, 2)
    assert np.isnan(got.iloc[:3]).all() and np.isnan(got.iloc[4])  # 5 - NaN
    assert got.iloc[3] == 4.0 - 1.5


def test_hold_extends_and_restarts():
    t = s([0, 1, 0, 0, 1, 0, 0, 0]).astype(bool)
    assert P.hold(t, 2).tolist() == [False, True, True, False, True, True, False, False]
    assert P.hold(t, 1).tolist() == t.tolist()


def test_count_in_window_counts_trues_today_included():
    e = pd.Series([True, True, None, True, False, True], dtype="boolean")
    assert P.count_in_window(e, 3).tolist() == [1.0, 2.0, 2.0, 2.0, 1.0, 2.0]
