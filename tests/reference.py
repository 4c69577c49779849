"""An independent simulation of the engine's documented rules, in plain numpy (shared by tests).

On each execution day, target values are weights × the portfolio value at the close; orders with the
lowest (most negative) value change go first; fills at close × (1 ± slippage) pay proportional fees; a buy
larger than the cash left is cut to what the cash affords. A negative weight is a short position (its
sale adds cash): that is how borrowing at the T-bill rate is expressed with the cash sleeve.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from backtest.engine import INIT_CASH


def reference_sim(
    prices: pd.DataFrame,
    decisions: pd.DataFrame,
    lag: int,
    fees: float | np.ndarray,
    slip: float | np.ndarray,
) -> np.ndarray:
    """Portfolio value at each close; `fees` and `slip` are fractions, scalar or one per column."""
    close = prices.to_numpy()
    targets = decisions.shift(lag).to_numpy()
    n, k = close.shape
    fees = np.broadcast_to(np.asarray(fees, dtype=float), (k,))
    slip = np.broadcast_to(np.asarray(slip, dtype=float), (k,))
    cash, pos = INIT_CASH, np.zeros(k)
    values = np.empty(n)
    for t in range(n):
        row = targets[t]
        if not np.isnan(row).all():
            value = cash + pos @ close[t]
            cols = np.flatnonzero(~np.isnan(row))
            delta_value = row[cols] * value - pos[cols] * close[t, cols]
            for j in cols[np.argsort(delta_value, kind="stable")]:
                size = (row[j] * value - pos[j] * close[t, j]) / close[t, j]
                if size > 0:
                    price = close[t, j] * (1 + slip[j])
                    size = min(size, cash / (price * (1 + fees[j])))
                    cash -= size * price * (1 + fees[j])
                    pos[j] += size
                elif size < 0:
                    price = close[t, j] * (1 - slip[j])
                    cash += -size * price * (1 - fees[j])
                    pos[j] += size
        values[t] = cash + pos @ close[t]
    return values


def tbill_returns(rate_pct: pd.Series, days: pd.DatetimeIndex) -> pd.Series:
    """Daily returns of the T-bill cash sleeve on `days`: act/360 on the previous day's rate, in pandas."""
    gap = rate_pct.index.to_series().diff().dt.days
    level = (1 + rate_pct.shift() / 100 * gap / 360).fillna(1).cumprod()
    return level.pct_change().reindex(days)


def headline_by_hand(value: pd.Series, cash_returns: pd.Series | None = None) -> dict[str, float]:
    """CAGR, max drawdown (and Sharpe over T-bills, given their returns) of a path from 1.0, in pandas."""
    full = pd.concat([pd.Series([1.0]), value.reset_index(drop=True)])
    r = full.pct_change().dropna().to_numpy()
    out = {"cagr": (1 + r).prod() ** (252 / len(r)) - 1, "max_drawdown": (full / full.cummax() - 1).min()}
    if cash_returns is not None:
        ex = r - cash_returns.to_numpy()
        out["sharpe_excess_tbill"] = ex.mean() / ex.std(ddof=1) * 252**0.5
    return out
