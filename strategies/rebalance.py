"""When to trade: turn daily target weights into orders on rebalance days (NaN = no trade)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from common.errors import ConfigError, did_you_mean

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
    """True on days the regime state differs from the previous day's."""
    s = state.astype(bool)
    return s.ne(s.shift(1, fill_value=s.iloc[0] if len(s) else False))


def schedule(
    targets: pd.DataFrame,
    *,
    calendar: str = "monthly",
    on_regime_change: bool = True,
    state: pd.Series | None = None,
) -> pd.DataFrame:
    """Keep the target weights on rebalance days only; NaN elsewhere.

    Args:
        targets: Daily target weights (decided at each close).
        calendar: Calendar rebalance frequency (see `calendar_days`).
        on_regime_change: Also rebalance on the close the regime state changes.
        state: The regime state (risk-off bool series); needed when `on_regime_change`.

    Returns:
        Orders frame: target weights on decision days, NaN on all other rows.
    """
    days = calendar_days(targets.index, calendar)
    if on_regime_change and state is not None:
        days = days | regime_changes(state.reindex(targets.index, fill_value=False))
    return targets.where(np.broadcast_to(days.to_numpy()[:, None], targets.shape))
