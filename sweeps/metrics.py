"""`backtest.metrics` column-wise: the same formulas over a (days × configurations) array of values.

Each function here matches its namesake in `backtest.metrics` for every column (tests hold that to
1e-12); they exist so that thousands of configurations are measured in a few numpy calls instead of
thousands of pandas ones.
"""

from __future__ import annotations

import numpy as np

from backtest.metrics import YEAR


def col_mean(x: np.ndarray) -> np.ndarray:
    """Mean of each column, each summed on its own (row-major over the transpose).

    A column's result then does not depend on which other columns share the array (numpy may change
    its summation order with the array's shape): chunked and unchunked grids agree to the last bit.
    """
    return np.ascontiguousarray(x.T).mean(axis=1)


def col_std(x: np.ndarray) -> np.ndarray:
    """Sample standard deviation (ddof=1) of each column, summed column by column as `col_mean`."""
    return np.ascontiguousarray(x.T).std(axis=1, ddof=1)


def daily_returns(value: np.ndarray, initial: float) -> np.ndarray:
    """Simple daily returns of each column, the first measured from `initial`."""
    prev = np.vstack([np.full((1, value.shape[1]), initial), value[:-1]])
    return value / prev - 1.0


def sharpe(excess: np.ndarray) -> np.ndarray:
    """Annualised Sharpe ratio of each column of daily excess returns (sample std, × √252)."""
    sd = col_std(excess)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sd > 0, col_mean(excess) / sd * np.sqrt(YEAR), np.nan)


def sortino(excess: np.ndarray) -> np.ndarray:
    """Annualised Sortino ratio of each column: mean excess / RMS of negative excess × √252."""
    dd = np.sqrt(col_mean(np.minimum(excess, 0.0) ** 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(dd > 0, col_mean(excess) / dd * np.sqrt(YEAR), np.nan)


def cagr(returns: np.ndarray) -> np.ndarray:
    """Compound annual growth rate of each column on 252 days."""
    n = returns.shape[0]
    return np.prod(1.0 + returns, axis=0) ** (YEAR / n) - 1.0 if n else np.full(returns.shape[1], np.nan)


def max_drawdown(value: np.ndarray, initial: float) -> np.ndarray:
    """Largest drawdown of each column from its running peak, the initial capital included (≤ 0)."""
    full = np.vstack([np.full((1, value.shape[1]), initial), value])
    return (full / np.maximum.accumulate(full, axis=0) - 1.0).min(axis=0)


def performance(value: np.ndarray, cash_returns: np.ndarray, initial: float) -> dict[str, np.ndarray]:
    """The standard metric set (see `backtest.metrics.performance`) for each column of `value`.

    Args:
        value: Portfolio values, days × configurations, on the evaluation window.
        cash_returns: Daily T-bill returns on the same days.
        initial: Value just before the window's first day.
    """
    r = daily_returns(value, initial)
    ex = r - cash_returns[:, None]
    growth = cagr(r)
    mdd = max_drawdown(value, initial)
    with np.errstate(invalid="ignore", divide="ignore"):
        calmar = np.where(mdd < 0, growth / np.abs(mdd), np.nan)
    return {
        "total_return": value[-1] / initial - 1.0,
        "cagr": growth,
        "volatility": col_std(r) * np.sqrt(YEAR),
        "sharpe_excess_tbill": sharpe(ex),
        "sortino_excess_tbill": sortino(ex),
        "max_drawdown": mdd,
        "calmar": calmar,
    }
