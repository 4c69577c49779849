"""Performance metrics, computed once, here, from daily values (plain pandas/numpy).

Conventions (also in each metric's name where it matters):

- 252 trading days a year for every annualisation.
- Daily simple returns of the portfolio value; the first return is measured from the initial capital.
- Sharpe and Sortino are in excess of the daily return of the synthetic T-bill cash asset
  (``sharpe_excess_tbill``); Sortino's downside deviation is the root mean square of negative excess
  returns over all days.
- Max drawdown is negative (``-0.25`` = a 25% fall from the running peak); Calmar = CAGR / |max drawdown|.
- Costs in units of initial capital: fees paid, slippage (|filled size| × |fill price − close|), and their
  sum; turnover one-way per 252 days; ``n_orders`` single-sleeve orders, ``n_rebalances`` days with one.
- Relative metrics of a portfolio against a benchmark on the same days (``relative``; logged as
  ``vs_<benchmark>.<metric>``): differences of the metrics above, capture ratios on daily returns and
  tracking error (see the function).

Against quantstats (tests/backtest/test_quantstats.py): our Sharpe and Sortino equal quantstats'
``sharpe``/``sortino`` on the excess returns ``r - cash_r`` with ``rf=0, periods=252`` (quantstats takes a
constant annual rf and de-annualises it geometrically; ours subtracts the realised daily T-bill return);
CAGR equals ``cagr(r, periods=252)`` (quantstats also counts years as observations / 252, not calendar
time); max drawdown equals ``max_drawdown(r)`` (both measure from the initial capital).

vectorbt's own return metrics take a constant risk-free rate; ours is a daily T-bill series, which
is why these few formulas live here rather than in vectorbt.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

YEAR = 252


def daily_returns(value: pd.Series, initial: float) -> pd.Series:
    """Simple daily returns of `value`, the first measured from `initial`."""
    prev = value.shift(1)
    prev.iloc[0] = initial
    return value / prev - 1.0


def cagr(returns: pd.Series) -> float:
    """Compound annual growth rate on 252 days: ``prod(1 + r) ** (252 / n) - 1``."""
    n = len(returns)
    return float(np.prod(1.0 + returns.to_numpy()) ** (YEAR / n) - 1.0) if n else float("nan")


def volatility(returns: pd.Series) -> float:
    """Annualised volatility: sample std of daily returns × √252."""
    return float(returns.std(ddof=1) * np.sqrt(YEAR))


def sharpe(returns: pd.Series, cash_returns: pd.Series) -> float:
    """Annualised Sharpe ratio in excess of T-bills: mean / std of daily excess returns × √252."""
    ex = returns - cash_returns
    sd = ex.std(ddof=1)
    return float(ex.mean() / sd * np.sqrt(YEAR)) if sd > 0 else float("nan")


def sortino(returns: pd.Series, cash_returns: pd.Series) -> float:
    """Annualised Sortino ratio in excess of T-bills: mean excess / downside deviation × √252."""
    ex = returns - cash_returns
    dd = np.sqrt(np.mean(np.minimum(ex.to_numpy(), 0.0) ** 2))
    return float(ex.mean() / dd * np.sqrt(YEAR)) if dd > 0 else float("nan")


def drawdown(value: pd.Series) -> pd.Series:
    """Drawdown from the running peak: ``value / cummax(value) - 1`` (≤ 0)."""
    return value / value.cummax() - 1.0


def max_drawdown(value: pd.Series) -> float:
    """Largest drawdown (a negative number)."""
    return float(drawdown(value).min())


def performance(value: pd.Series, cash_returns: pd.Series, initial: float) -> dict[str, float]:
    """The standard metric set of one portfolio.

    Args:
        value: Portfolio value on each day of the evaluation window.
        cash_returns: Daily T-bill returns on the same days.
        initial: Value just before the window's first day.

    Returns:
        total_return, cagr, volatility, sharpe_excess_tbill, sortino_excess_tbill, max_drawdown, calmar.
    """
    r = daily_returns(value, initial)
    full = pd.concat([pd.Series([initial]), value.reset_index(drop=True)])
    mdd = max_drawdown(full)
    growth = cagr(r)
    return {
        "total_return": float(value.iloc[-1] / initial - 1.0),
        "cagr": growth,
        "volatility": volatility(r),
        "sharpe_excess_tbill": sharpe(r, cash_returns),
        "sortino_excess_tbill": sortino(r, cash_returns),
        "max_drawdown": mdd,
        "calmar": growth / abs(mdd) if mdd < 0 else float("nan"),
    }


def trading(orders: pd.DataFrame, value: pd.Series, n_days: int) -> dict[str, float]:
    """Cost and activity metrics from the order list.

    Args:
        orders: Orders with date, size, price, fees.
        value: Portfolio value by date (to express notional as a fraction of the portfolio).
        n_days: Days in the evaluation window (for per-year figures).

    Returns:
        fees_total, slippage_total (|size| × |fill price − close|) and costs_total (their sum), in units
        of initial capital; turnover_per_year (traded notional / portfolio value, summed, per 252 days;
        one-way); n_orders (single-sleeve orders); n_rebalances (days with at least one order).
    """
    if orders.empty:
        keys = ("fees_total", "slippage_total", "costs_total", "turnover_per_year", "n_orders")
        return dict.fromkeys((*keys, "n_rebalances"), 0.0)
    notional = (orders["size"] * orders["price"]).abs()
    pv = value.reindex(orders["date"]).to_numpy()
    fees = float(orders["fees"].sum())
    slip = float((orders["size"].abs() * (orders["price"] - orders["close"]).abs()).sum())
    return {
        "fees_total": fees,
        "slippage_total": slip,
        "costs_total": fees + slip,
        "turnover_per_year": float((notional.to_numpy() / pv).sum() / 2.0 / (n_days / YEAR)),
        "n_orders": float(len(orders)),
        "n_rebalances": float(orders["date"].nunique()),
    }


def capture(returns: pd.Series, bench: pd.Series, up: bool) -> float:
    """Up (or down) capture: mean daily return on the benchmark's up (down) days over the benchmark's.

    Arithmetic, on daily returns: ``mean(r[b > 0]) / mean(b[b > 0])`` (``b < 0`` for down capture). Up
    capture above 1 and down capture below 1 are both good.
    """
    days = bench > 0 if up else bench < 0
    denom = bench[days].mean()
    return float(returns[days].mean() / denom) if days.any() and denom != 0 else float("nan")


def relative(
    metrics: dict[str, float], bench_metrics: dict[str, float], returns: pd.Series, bench: pd.Series
) -> dict[str, float]:
    """A portfolio against a benchmark on the same days.

    Args:
        metrics: The portfolio's `performance` metrics.
        bench_metrics: The benchmark's `performance` metrics.
        returns: The portfolio's daily returns.
        bench: The benchmark's daily returns on the same days.

    Returns:
        excess_cagr (CAGR difference), sharpe_diff (difference of Sharpe ratios in excess of T-bills),
        max_drawdown_reduction (portfolio max drawdown minus the benchmark's: positive = shallower),
        up_capture and down_capture (see `capture`), tracking_error (sample std of the daily return
        difference × √252).
    """
    diff = returns - bench
    return {
        "excess_cagr": metrics["cagr"] - bench_metrics["cagr"],
        "sharpe_diff": metrics["sharpe_excess_tbill"] - bench_metrics["sharpe_excess_tbill"],
        "max_drawdown_reduction": metrics["max_drawdown"] - bench_metrics["max_drawdown"],
        "up_capture": capture(returns, bench, up=True),
        "down_capture": capture(returns, bench, up=False),
        "tracking_error": float(diff.std(ddof=1) * np.sqrt(YEAR)),
    }


def regime(state: pd.Series) -> dict[str, float]:
    """Time in risk-off (fraction of days) and number of regime switches (off→on plus on→off)."""
    s = state.astype(bool)
    return {
        "time_in_risk_off": float(s.mean()) if len(s) else 0.0,
        "n_switches": float(s.ne(s.shift(1, fill_value=False)).sum() - (1 if len(s) and s.iloc[0] else 0)),
    }
