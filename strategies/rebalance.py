"""When to trade: turn daily target weights into orders on rebalance days (NaN = no trade).

`schedule` is the rebalance rule, declared with `strategies.rule.rule` (``kind="rebalance"``): its
parameters are the keys of ``strategy.rebalance`` (``conf/rebalance/*.yaml``), checked by
`check_rebalance` before any data is loaded.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from common import checks
from common.errors import ConfigError, did_you_mean
from strategies.rule import rule

CALENDARS: dict[str, str | None] = {
    "daily": None,
    "weekly": "W",
    "monthly": "M",
    "quarterly": "Q",
    "none": "",
}


def calendar_days(index: pd.DatetimeIndex, calendar: str) -> pd.Series:
    """True on the first day and on the last trading day of each period.

    Args:
        index: Trading days.
        calendar: ``daily``, ``weekly``, ``monthly``, ``quarterly`` or ``none`` (first day only).

    Returns:
        Bool series on `index`: the days on whose close a calendar rebalance is decided.
    """
    if calendar not in CALENDARS:
        raise ConfigError(
            f"unknown calendar `{calendar}`.{did_you_mean(calendar, CALENDARS)}",
            key="strategy.rebalance.calendar",
            hint=f"choose one of: {', '.join(CALENDARS)}.",
        )
    first = pd.Series(False, index=index)
    if len(index):
        first.iloc[0] = True
    freq = CALENDARS[calendar]
    if freq is None:
        return pd.Series(True, index=index)
    if freq == "":
        return first
    period = index.to_period(freq)
    # the last row of the sample is not known to end its period, so it is not a rebalance day
    last_of_period = np.append(period[:-1] != period[1:], False)
    return first | pd.Series(last_of_period, index=index)


def regime_changes(state: pd.Series) -> pd.Series:
    """True on days the regime state (bool, or integer codes) differs from the previous day's."""
    s = state.astype("int64")
    return s.ne(s.shift(1, fill_value=s.iloc[0] if len(s) else 0))


def realised_weights(target: np.ndarray, start: np.ndarray, now: np.ndarray) -> np.ndarray:
    """Weights of a portfolio set to `target` at prices `start`, left to drift to prices `now` (no costs).

    >>> realised_weights(np.array([0.5, 0.5]), np.array([1.0, 1.0]), np.array([3.0, 1.0])).tolist()
    [0.75, 0.25]
    """
    held = target / start * now
    return held / held.sum()


def gate(
    candidates: np.ndarray,
    targets: np.ndarray,
    prices: np.ndarray,
    *,
    drift_band: float = 0.0,
    min_hold_days: int = 0,
    lag: int = 1,
) -> np.ndarray:
    """Which candidate rebalance days really trade, under a drift band and a minimum holding period.

    Walks the days in order (the choice is path dependent): a candidate day within `min_hold_days` rows
    of the previous trade is deferred to the first day the hold has passed; with a `drift_band`, a day
    trades only if some sleeve's realised weight is more than the band away from that day's target. The
    realised weights are the last traded target drifting with prices from its execution close (decision
    + `lag`) to today, cost-free (costs move them by basis points; the band is in percentage points);
    before execution the order is in flight and its target counts as held. The first candidate trades.

    Args:
        candidates: Bool per day: calendar or regime-change rebalance days.
        targets: Target weights per day (rows × sleeves), no NaN.
        prices: Sleeve prices per day, same shape.
        drift_band: Absolute weight tolerance (0.05 = 5 points); 0 = trade on every candidate.
        min_hold_days: Rows that must pass after a trade before the next one; 0 or 1 = no constraint.
        lag: Execution lag of the engine, rows.

    Returns:
        Bool per day: the decision days.
    """
    n = len(candidates)
    trade = np.zeros(n, dtype=bool)
    last, pending = -n - 1, False
    for t in range(n):
        if not (candidates[t] or pending):
            continue
        if t - last < min_hold_days:
            pending = True
            continue
        pending = False
        if drift_band > 0 and last >= 0:
            e = min(last + lag, n - 1)
            held = targets[last] if t < e else realised_weights(targets[last], prices[e], prices[t])
            if np.max(np.abs(held - targets[t])) <= drift_band:
                continue
        trade[t], last = True, t
    return trade


def _check_schedule(*, drift_band: object, min_hold_days: object, **_: Any) -> None:
    check_rebalance(drift_band, min_hold_days)


@rule(kind="rebalance", check=_check_schedule)
def schedule(
    targets: pd.DataFrame,
    *,
    calendar: str = "monthly",
    on_regime_change: bool = True,
    state: pd.Series | None = None,
    prices: pd.DataFrame | None = None,
    drift_band: float = 0.0,
    min_hold_days: int = 0,
    lag: int = 1,
) -> pd.DataFrame:
    """Keep the target weights on rebalance days only; NaN elsewhere.

    Args:
        targets: Daily target weights (decided at each close).
        calendar: Calendar rebalance frequency (see `calendar_days`).
        on_regime_change: Also rebalance on the close the regime state changes.
        state: The regime state (risk-off bool, or the rule's integer codes from
            `strategies.allocation.regime`); needed when `on_regime_change`.
        prices: Sleeve prices on `targets`' index and columns; needed with a drift band.
        drift_band: Trade a candidate day only when a realised weight is more than this from target
            (see `gate`); 0 = off.
        min_hold_days: No trade within this many rows of the previous one (see `gate`); 0 = off.
        lag: The engine's execution lag (where drift starts).

    Returns:
        Orders frame: target weights on decision days, NaN on all other rows.
    """
    days = calendar_days(targets.index, calendar)
    if on_regime_change and state is not None:
        days = days | regime_changes(state.reindex(targets.index, fill_value=0))
    mask = days.to_numpy()
    if drift_band > 0 or min_hold_days > 1:
        if prices is None:
            raise ValueError("a drift band needs the sleeve prices")
        px = prices.reindex(index=targets.index, columns=targets.columns).to_numpy()
        mask = gate(mask, targets.to_numpy(), px, drift_band=drift_band, min_hold_days=min_hold_days, lag=lag)
    return targets.where(np.broadcast_to(mask[:, None], targets.shape))


def check_rebalance(drift_band: object, min_hold_days: object) -> None:
    """Validate the drift band and minimum holding period; raise ConfigError naming the key."""
    checks.number(
        "strategy.rebalance.drift_band",
        drift_band,
        lo=0,
        hi=1,
        hi_open=True,
        fix="a weight tolerance, e.g. 0.05: trade when a sleeve is more than 5 points off target; 0 = off.",
    )
    checks.whole(
        "strategy.rebalance.min_hold_days",
        min_hold_days,
        lo=0,
        unit="trading days",
        fix="e.g. 5 (a week); 0 = off.",
    )
