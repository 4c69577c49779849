"""Shared building blocks for signals: small, pure, causal (value at t uses data up to t only).

Every function takes pandas Series on a DatetimeIndex and returns a Series on the same index.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def min_obs(window: int) -> int:
    """Observations a rolling window needs before it reports: 80% of the window, at least 2.

    A short data gap therefore does not blank a whole window's worth of later values.

    >>> min_obs(252), min_obs(5), min_obs(1)
    (202, 4, 2)
    """
    return max(2, math.ceil(0.8 * window))


def rolling_zscore(x: pd.Series, window: int, *, full_window: bool = False) -> pd.Series:
    """Z-score of today's value against the trailing `window` values, today included.

    A partial warm-up: the z-score is reported once `min_obs(window)` of the last `window` rows have
    data (80%: 202 of 252), so it starts before a full window of history exists; `full_window`
    requires all `window` rows.

    Args:
        x: Input series.
        window: Trailing window in rows (trading days).
        full_window: Require `window` observations instead of `min_obs(window)`.

    Returns:
        ``(x - rolling mean) / rolling std`` (sample std, ddof=1); NaN until `min_obs(window)` values
        (`window` values with `full_window`).
    """
    roll = x.rolling(window, min_periods=window if full_window else min_obs(window))
    return (x - roll.mean()) / roll.std(ddof=1)


def latch(enter: pd.Series, exit: pd.Series) -> pd.Series:
    """A state that turns on when `enter` is True and stays on until `exit` is True.

    On a day where both are True, `enter` wins. The state starts off.

    >>> e = pd.Series([False, True, False, False, False])
    >>> x = pd.Series([False, False, False, True, False])
    >>> latch(e, x).tolist()
    [False, True, True, False, False]
    """
    events = pd.Series(np.nan, index=enter.index)
    events[exit.fillna(False).astype(bool).to_numpy()] = 0.0
    events[enter.fillna(False).astype(bool).to_numpy()] = 1.0
    return events.ffill().fillna(0.0).astype(bool)


def hysteresis(score: pd.Series, enter: float, exit: float) -> pd.Series:
    """On when `score` rises to `enter` or above; off when it falls below `exit` (or is NaN).

    Args:
        score: Continuous score.
        enter: Level at which the state turns on (``score >= enter``).
        exit: Level below which it turns off (``score < exit``); must be ≤ `enter`.

    >>> hysteresis(pd.Series([0.0, 2.0, 1.0, 0.4, 1.0]), enter=1.5, exit=0.5).tolist()
    [False, True, True, False, False]
    """
    return latch(score >= enter, (score < exit) | score.isna())


def rising(x: pd.Series, window: int) -> pd.Series:
    """True where `x` is above its value `window` rows ago (a trend-up test).

    >>> rising(pd.Series([1.0, 2.0, 1.5, 3.0]), 2).tolist()
    [False, False, True, True]
    """
    return (x > x.shift(window)).fillna(False)


def breakout(x: pd.Series, window: int) -> pd.Series:
    """True where `x` closes above the highest value of the previous `window` rows.

    >>> breakout(pd.Series([1.0, 3.0, 2.0, 4.0]), 2).tolist()
    [False, False, False, True]
    """
    prior_high = x.shift(1).rolling(window, min_periods=window).max()
    return (x > prior_high).fillna(False)


def rolling_percentile(x: pd.Series, window: int) -> pd.Series:
    """Percentile rank (0 to 1) of today's value within the trailing `window` values, today included."""
    return x.rolling(window, min_periods=min_obs(window)).rank(pct=True)


def rolling_corr(a: pd.Series, b: pd.Series, window: int) -> pd.Series:
    """Trailing `window`-row Pearson correlation of two series."""
    return a.rolling(window, min_periods=min_obs(window)).corr(b)


def k_of_n(states: pd.DataFrame, k: int) -> pd.Series:
    """True where at least `k` of the boolean columns are True.

    >>> k_of_n(pd.DataFrame({"a": [True, True], "b": [False, True], "c": [False, True]}), 2).tolist()
    [False, True]
    """
    return states.fillna(False).astype(bool).sum(axis=1) >= k


def breakdown(x: pd.Series, window: int) -> pd.Series:
    """True where `x` closes below the lowest value of the previous `window` rows.

    >>> breakdown(pd.Series([4.0, 2.0, 3.0, 1.0]), 2).tolist()
    [False, False, False, True]
    """
    prior_low = x.shift(1).rolling(window, min_periods=window).min()
    return (x < prior_low).fillna(False)


def change(x: pd.Series, window: int) -> pd.Series:
    """Change of `x` over `window` rows: ``x[t] - x[t - window]`` (NaN where either is missing).

    >>> change(pd.Series([1.0, 2.0, 4.0, 7.0]), 2).tolist()
    [nan, nan, 3.0, 5.0]
    """
    return x - x.shift(window)


def cross_above(x: pd.Series, level: float) -> pd.Series:
    """True on the days `x` reaches `level` or above after being below it the day before.

    >>> cross_above(pd.Series([1.0, 2.0, 3.0, 1.0, 2.5]), 2.0).tolist()
    [False, True, False, False, True]
    """
    return ((x >= level) & (x.shift(1) < level)).fillna(False)


def cross_below(x: pd.Series, level: float) -> pd.Series:
    """True on the days `x` falls below `level` after being at or above it the day before.

    >>> cross_below(pd.Series([3.0, 1.0, 0.5, 2.0, 1.0]), 2.0).tolist()
    [False, True, False, False, True]
    """
    return ((x < level) & (x.shift(1) >= level)).fillna(False)


def hold(trigger: pd.Series, days: int) -> pd.Series:
    """True on each trigger day and the `days` - 1 rows after it (an event held as a state).

    A new trigger while held restarts the count. ``days=1`` returns the triggers themselves.

    >>> hold(pd.Series([False, True, False, False, False, True, False]), 3).tolist()
    [False, True, True, True, False, True, True]
    """
    t = trigger.fillna(False).astype(bool).astype(np.int8)
    return t.rolling(days, min_periods=1).max().astype(bool)


def count_in_window(events: pd.Series, window: int) -> pd.Series:
    """How many of the last `window` rows, today included, have a True event (NaN counts as False).

    >>> count_in_window(pd.Series([True, False, True, True, False]), 3).tolist()
    [1.0, 1.0, 2.0, 2.0, 2.0]
    """
    e = events.astype("boolean").fillna(False).astype(float)
    return e.rolling(window, min_periods=1).sum()


#: Trading days a year: the project's annualisation everywhere (as `backtest.metrics.YEAR`).
YEAR = 252


def realized_vol(moves: pd.Series, window: int, *, min_periods: int | None = None) -> pd.Series:
    """Annualised (√252) sample std (ddof=1) of the last `window` daily moves, today's included.

    Args:
        moves: Daily returns (a fraction or percent) or daily changes (e.g. of a yield, in bp); the
            result is in the same unit, per year.
        window: Trailing window in rows (trading days).
        min_periods: Moves the window needs before it reports (default `min_obs(window)`).

    >>> realized_vol(pd.Series([1.0, -1.0, 1.0, -1.0]), 4).round(4).tolist()[-1] == round(252**0.5 * (4 / 3) ** 0.5, 4)
    True
    """
    need = min_obs(window) if min_periods is None else min_periods
    return moves.rolling(window, min_periods=need).std(ddof=1) * math.sqrt(YEAR)
