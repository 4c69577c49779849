"""A portfolio's history broken down: worst drawdowns, monthly returns, returns by regime, rolling Sharpe.

The tables of a run's tearsheet (`report.tearsheet`), from daily values and returns in the conventions of
`backtest.metrics`, whose measures they call wherever one exists (Sharpe, CAGR, volatility on a subset
or a window of days): a number here agrees with the run's metrics by construction. Pure pandas/numpy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from backtest import metrics as M

DRAWDOWN_COLUMNS = ("depth", "start", "trough", "recovery", "days")


def drawdowns(value: pd.Series, initial: float, n: int = 5) -> pd.DataFrame:
    """The `n` deepest drawdowns of a portfolio, deepest first.

    A drawdown runs from a peak (the running maximum, the initial capital included, as in
    `backtest.metrics.max_drawdown`) to the first day the value is back at or above it.

    Requires: ``value`` the portfolio's value by date (no NaN); ``initial`` its value before the first day.
    Produces: one row per drawdown: ``depth`` (worst value / peak − 1, negative), ``start`` (the peak's
    day; the first day when the peak is the initial capital), ``trough``, ``recovery`` (NaT while not
    recovered), ``days`` (trading days from start to recovery, or to the last day if not recovered).

    >>> v = pd.Series([100.0, 90, 100, 80, 120], index=pd.date_range("2024-01-01", periods=5))
    >>> drawdowns(v, 100.0)[["depth", "days"]].round(2).to_dict("list")
    {'depth': [-0.2, -0.1], 'days': [2, 2]}
    """
    v = value.to_numpy(dtype=float)
    peak = np.maximum.accumulate(np.concatenate([[initial], v]))[1:]
    dd = v / peak - 1.0
    under = dd < 0
    run = np.cumsum(~under)  # the days of one drawdown share the count of non-drawdown days before them
    rows = []
    for key in np.unique(run[under]):
        days = np.flatnonzero(under & (run == key))
        first, last = days[0], days[-1]
        begin = first - 1 if first > 0 else 0
        trough = days[np.argmin(dd[days])]
        recovered = last + 1 < len(v)
        end = last + 1 if recovered else len(v) - 1
        rows.append(
            {
                "depth": float(dd[trough]),
                "start": value.index[begin],
                "trough": value.index[trough],
                "recovery": value.index[end] if recovered else pd.NaT,
                "days": int(end - begin),
            }
        )
    table = pd.DataFrame(rows, columns=list(DRAWDOWN_COLUMNS))
    return table.sort_values("depth", kind="stable").head(n).reset_index(drop=True)


def monthly_returns(returns: pd.Series) -> pd.DataFrame:
    """Compounded returns by calendar month: one row per year, columns 1 to 12, then ``year``.

    Requires: daily simple returns by date. A month without days is NaN; ``year`` compounds the
    year's days (a partial first or last year is its days only).

    >>> r = pd.Series([0.1, 0.1, -0.5], index=pd.to_datetime(["2024-01-02", "2024-01-03", "2024-02-01"]))
    >>> monthly_returns(r).round(4).loc[2024, [1, 2, "year"]].tolist()
    [0.21, -0.5, -0.395]
    """
    growth = 1.0 + returns.astype(float)
    by_month = growth.groupby([returns.index.year, returns.index.month]).prod() - 1.0
    table = by_month.unstack().reindex(columns=range(1, 13))
    table["year"] = growth.groupby(returns.index.year).prod() - 1.0
    table.index.name, table.columns.name = "year", "month"
    return table


def regime_returns(returns: pd.DataFrame, cash_returns: pd.Series, risk_off: pd.Series) -> pd.DataFrame:
    """Each portfolio's returns on the days after a risk-on close and after a risk-off close.

    A day belongs to the regime the signal was in at the previous close (what the signal said before
    the day's return was earned); the first day, with no previous close, is left out. Measures are
    `backtest.metrics`' on that subset of days: CAGR and volatility on 252 days a year, Sharpe in
    excess of the T-bill.

    Args:
        returns: Daily returns, one column per portfolio.
        cash_returns: The T-bill's daily returns on the same days.
        risk_off: The signal's state at each close (NaN = risk-on).

    Returns:
        Rows ``(portfolio, regime)`` with regime ``risk-on`` / ``risk-off``; columns ``days``,
        ``share`` (of the days classified), ``total_return`` (compounded), ``cagr``, ``volatility``,
        ``sharpe_excess_tbill``, ``mean_daily``.
    """
    prev = risk_off.reindex(returns.index).astype("boolean").fillna(False).astype(bool).shift(1)
    known = prev.notna().to_numpy()
    off = prev[known].astype(bool).to_numpy()
    r, cash = returns[known], cash_returns.reindex(returns.index)[known].to_numpy()
    rows = {}
    for name in returns.columns:
        x = r[name].to_numpy(dtype=float)
        for regime, days in (("risk-on", ~off), ("risk-off", off)):
            sub = x[days]
            rows[(str(name), regime)] = {
                "days": int(days.sum()),
                "share": float(days.mean()) if len(days) else np.nan,
                "total_return": float(np.prod(1.0 + sub) - 1.0) if len(sub) else np.nan,
                "cagr": M.cagr(sub) if len(sub) else np.nan,
                "volatility": M.volatility(sub) if len(sub) > 1 else np.nan,
                "sharpe_excess_tbill": M.sharpe(sub - cash[days]) if len(sub) > 1 else np.nan,
                "mean_daily": float(sub.mean()) if len(sub) else np.nan,
            }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.names = ["portfolio", "regime"]
    return table


def rolling_sharpe(returns: pd.DataFrame, cash_returns: pd.Series, window: int = M.YEAR) -> pd.DataFrame:
    """Sharpe ratio (in excess of the T-bill, `backtest.metrics.sharpe`) over each trailing `window` days.

    Requires: daily returns (one column per portfolio) and the T-bill's on the same days. Produces: one
    value per day and portfolio, the window ending that day; NaN for the first ``window - 1`` days.
    """
    excess = returns.sub(cash_returns.reindex(returns.index), axis=0).to_numpy(dtype=float)
    out = np.full(excess.shape, np.nan)
    if len(excess) >= window:
        for j in range(excess.shape[1]):
            windows = sliding_window_view(excess[:, j], window)  # (n - window + 1) x window, a view
            out[window - 1 :, j] = M.sharpe(windows.T)
    return pd.DataFrame(out, index=returns.index, columns=returns.columns)
