"""Primitives on hand-built series with hand-computed answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signals import primitives as P


def s(values) -> pd.Series:
    return pd.Series(values, index=pd.bdate_range("2024-01-01", periods=len(values)), dtype=float)


def test_rolling_zscore_by_hand():
    x = s([1, 2, 3, 4, 10])
    z = P.rolling_zscore(x, 5)
    mean, sd = np.mean([1, 2, 3, 4, 10]), np.std([1, 2, 3, 4, 10], ddof=1)
    assert z.iloc[-1] == pytest.approx((10 - mean) / sd)
    assert z.iloc[:3].isna().all()  # 80% of 5 = 4 observations needed
    assert z.iloc[3] == pytest.approx((4 - 2.5) / np.std([1, 2, 3, 4], ddof=1))


def test_hysteresis_enters_at_level_and_exits_below_exit():
    score = s([0.0, 1.4, 1.5, 1.0, 0.6, 0.49, 1.2, 2.0, np.nan, 2.0])
    got = P.hysteresis(score, enter=1.5, exit=0.5).tolist()
    assert got == [False, False, True, True, True, False, False, True, False, True]


def test_latch_enter_wins_ties():
    e = s([0, 1, 0, 1]).astype(bool)
    x = s([0, 0, 1, 1]).astype(bool)
    assert P.latch(e, x).tolist() == [False, True, False, True]


def test_rising_and_breakout():
    x = s([5, 4, 6, 6, 7, 3])
    assert P.rising(x, 2).tolist() == [False, False, True, True, True, False]
    assert P.breakout(x, 2).tolist() == [False, False, True, False, True, False]


def test_percentile_corr_vote():
    x = s([1, 2, 3, 4, 5])
    assert P.rolling_percentile(x, 5).iloc[-1] == pytest.approx(1.0)
    a, b = s([1, 2, 3, 4, 5]), s([2, 4, 6, 8, 10])
    assert P.rolling_corr(a, b, 5).iloc[-1] == pytest.approx(1.0)
    votes = pd.DataFrame({"a": [True, False, True], "b": [True, False, False], "c": [False, True, True]})
    assert P.k_of_n(votes, 2).tolist() == [True, False, True]
