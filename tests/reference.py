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
