"""Performance metrics, computed once, here, from daily values: one implementation for every caller.

Each measure is one pure numpy function over arrays, 1-D or 2-D alike: a 1-D array (one portfolio's
days) gives a float, a (days × portfolios) array gives one value per column, each column reduced on
its own so that its result does not depend on the other columns. Single runs pass one portfolio, grid
mode and walk-forward (`sweeps`) pass thousands; `METRICS` and `RELATIVE` name, label and format
every metric for the terminal table, the grid report and the tracked runs.

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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import ArrayLike

YEAR = 252

#: A metric's value: a float for one portfolio (1-D input), one value per column for many (2-D input).
Value = float | np.ndarray


def _columns(x: ArrayLike) -> np.ndarray:
    """`x` as a float array of days × columns (a 1-D array is one column)."""
    a = np.asarray(x, dtype=float)
    return a[:, None] if a.ndim == 1 else a


def _like(out: np.ndarray, x: ArrayLike) -> Value:
    """Per-column results in the form of the input `x`: a float if it is 1-D, the array if 2-D."""
    return float(out[0]) if np.ndim(x) == 1 else out


def _mean(x: np.ndarray) -> np.ndarray:
    """Mean of each column of a 2-D array, each summed on its own (row-major over the transpose).

    A column's result then does not depend on which other columns share the array (numpy may change
    its summation order with the array's shape): a single run, chunked and unchunked grids agree to
    the last bit.
    """
    return np.ascontiguousarray(x.T).mean(axis=1)


def _std(x: np.ndarray) -> np.ndarray:
    """Sample standard deviation (ddof=1) of each column of a 2-D array, summed as in `_mean`."""
    return np.ascontiguousarray(x.T).std(axis=1, ddof=1)


def _rows(x: np.ndarray) -> np.ndarray:
    """A days × columns array as row-major columns × days: what `_mean` and `_std` reduce, made once.

    A metric that needs several reductions of the same array transposes it once and reduces the
    rows (`_sharpe_rows`, `_sortino_rows`): the same rows, the same sums, the same bits as `_mean`
    and `_std` on the array itself.
    """
    return np.ascontiguousarray(x.T)


def _sharpe_rows(ex: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """`sharpe` of excess returns given as rows (`_rows`) and their row means."""
    sd = ex.std(axis=1, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sd > 0, mean / sd * np.sqrt(YEAR), np.nan)


def _sortino_rows(ex: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """`sortino` of excess returns given as rows (`_rows`) and their row means."""
    dd = np.sqrt((np.minimum(ex, 0.0) ** 2).mean(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(dd > 0, mean / dd * np.sqrt(YEAR), np.nan)


def col_mean(x: ArrayLike) -> Value:
    """Mean over days (of each column)."""
    return _like(_mean(_columns(x)), x)


def col_std(x: ArrayLike) -> Value:
    """Sample standard deviation (ddof=1) over days (of each column)."""
    return _like(_std(_columns(x)), x)


def daily_returns(value: ArrayLike, initial: float, out: np.ndarray | None = None) -> np.ndarray:
    """Simple daily returns of `value` (of each column), the first measured from `initial`.

    `out`: an array of `value`'s shape to write them into (a grid's slice of all its returns);
    None: a new one. Either way the same operations, ``v[t] / v[t-1] - 1``, in place.
    """
    v = np.asarray(value, dtype=float)
    r = np.empty_like(v) if out is None else out
    if len(v):
        np.divide(v[1:], v[:-1], out=r[1:])
        np.divide(v[0], initial, out=r[0] if v.ndim > 1 else r[:1])
        np.subtract(r, 1.0, out=r)
    return r


def cagr(returns: ArrayLike) -> Value:
    """Compound annual growth rate on 252 days: ``prod(1 + r) ** (252 / n) - 1``."""
    r = _columns(returns)
    n = r.shape[0]
    out = np.prod(1.0 + r, axis=0) ** (YEAR / n) - 1.0 if n else np.full(r.shape[1], np.nan)
    return _like(out, returns)


def volatility(returns: ArrayLike) -> Value:
    """Annualised volatility: sample std of daily returns × √252."""
    return _like(_std(_columns(returns)) * np.sqrt(YEAR), returns)


def sharpe(excess: ArrayLike) -> Value:
    """Annualised Sharpe ratio of daily excess returns (over T-bills): mean / sample std × √252."""
    ex = _rows(_columns(excess))
    return _like(_sharpe_rows(ex, ex.mean(axis=1)), excess)


def sortino(excess: ArrayLike) -> Value:
    """Annualised Sortino ratio of daily excess returns: mean / downside deviation × √252.

    The downside deviation is the root mean square of the negative excess returns over all days.
    """
    ex = _rows(_columns(excess))
    return _like(_sortino_rows(ex, ex.mean(axis=1)), excess)


def max_drawdown(value: ArrayLike, initial: float) -> Value:
    """Largest drawdown from the running peak, the initial capital included (a negative number)."""
    v = _columns(value)
    full = np.vstack([np.full((1, v.shape[1]), initial), v])
    dd = np.maximum.accumulate(full, axis=0)  # the running peak, then in place the drawdown from it
    np.divide(full, dd, out=dd)
    dd -= 1.0
    return _like(dd.min(axis=0), value)


@dataclass(frozen=True)
class Daily:
    """What the performance metrics of `performance` are computed from, made once per call.

    Every array is days × portfolios (a 1-D input is one column) or, for `rows`, `excess` and
    `excess_mean`, portfolios × days transposed once (`_rows`). A `Metric` of the ``performance`` family
    computes its value from this: one value per portfolio.

    Attributes:
        value: Portfolio value on each day of the window.
        returns: Daily simple returns, the first from `initial`.
        rows: `returns` as rows (`_rows`).
        excess: `rows` less the daily T-bill return.
        excess_mean: Each row's mean of `excess`.
        initial: Value just before the window's first day.
        growth: The CAGR (`cagr`), shared by ``cagr`` and ``calmar``.
        drawdown: The max drawdown (`max_drawdown`), shared by ``max_drawdown`` and ``calmar``.
    """

    value: np.ndarray
    returns: np.ndarray
    rows: np.ndarray
    excess: np.ndarray
    excess_mean: np.ndarray
    initial: float
    growth: np.ndarray
    drawdown: np.ndarray


def performance(
    value: ArrayLike, cash_returns: ArrayLike, initial: float, *, returns: np.ndarray | None = None
) -> dict[str, Value]:
    """The ``performance`` metrics of `METRICS` of one portfolio (1-D `value`) or of each column of a 2-D one.

    Args:
        value: Portfolio value on each day of the evaluation window (days, or days × portfolios).
        cash_returns: Daily T-bill returns on the same days (1-D).
        initial: Value just before the window's first day.
        returns: ``daily_returns(value, initial)`` when the caller has them already (days ×
            portfolios); None: computed here.

    Returns:
        Each declared metric of the family (total_return, cagr, volatility, sharpe_excess_tbill,
        sortino_excess_tbill, max_drawdown, calmar, and any declared since), in `METRICS`' order:
        floats for a 1-D `value`, arrays (one value per column) for a 2-D one.
    """
    v = _columns(value)
    r = daily_returns(v, initial) if returns is None else _columns(returns)
    rows = _rows(
        r
    )  # transposed once for the reductions of the metrics (as `volatility`, `sharpe`, `sortino`)
    ex = rows - np.asarray(cash_returns, dtype=float).reshape(1, -1)
    growth, drawdown = np.asarray(cagr(r)), np.asarray(max_drawdown(v, initial))  # r, v 2-D: one per column
    daily = Daily(v, r, rows, ex, ex.mean(axis=1), initial, growth, drawdown)
    return {k: _like(x, value) for k, x in measure("performance", daily).items()}


def _calmar(d: Daily) -> np.ndarray:
    """CAGR / |max drawdown|; NaN without a drawdown."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(d.drawdown < 0, d.growth / np.abs(d.drawdown), np.nan)


def order_totals(
    size: ArrayLike,
    price: ArrayLike,
    close: ArrayLike,
    fees: ArrayLike,
    value: ArrayLike,
    day: ArrayLike,
    group: ArrayLike | None = None,
    n_groups: int = 1,
) -> dict[str, np.ndarray]:
    """Per portfolio, the sums over its orders that the trading metrics are made of.

    Args:
        size: Each order's filled size (signed or not).
        price: Its fill price.
        close: The day's close of its sleeve.
        fees: The fees it paid.
        value: The portfolio's value on the order's day.
        day: The order's day, as an integer (a row number, or any code of the date).
        group: The order's portfolio (0 to `n_groups` - 1); all orders are one portfolio's if None.
        n_groups: Number of portfolios.

    Returns:
        Arrays of `n_groups` values: fees (paid), slippage (|size| × |fill price − close|), traded (|size ×
        price| / portfolio value, summed: twice the one-way turnover), n_orders, n_rebalances (days with
        at least one order).
    """
    size, price, close = (np.asarray(x, dtype=float) for x in (size, price, close))
    day = np.asarray(day, dtype=np.int64)
    grp = np.zeros(len(size), dtype=np.int64) if group is None else np.asarray(group, dtype=np.int64)
    span = int(day.max()) + 1 if len(day) else 1
    keys = grp * span + day  # one key per (portfolio, day)
    if not (keys[1:] >= keys[:-1]).all():  # vectorbt's records come by portfolio and day: sorted
        keys = np.sort(keys)
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    traded = np.abs(size * price) / np.asarray(value, dtype=float)
    slipped = np.abs(size) * np.abs(price - close)
    return {
        "fees": np.bincount(grp, weights=np.asarray(fees, dtype=float), minlength=n_groups),
        "slippage": np.bincount(grp, weights=slipped, minlength=n_groups),
        "traded": np.bincount(grp, weights=traded, minlength=n_groups),
        "n_orders": np.bincount(grp, minlength=n_groups).astype(float),
        "n_rebalances": np.bincount(keys[first] // span, minlength=n_groups).astype(float),
    }


@dataclass(frozen=True)
class Orders:
    """What the ``trading`` metrics are computed from: order totals (`order_totals`) and the window's days."""

    totals: Mapping[str, Value]
    n_days: int


def trading_metrics(totals: Mapping[str, Value], n_days: int) -> dict[str, Value]:
    """The ``trading`` metrics of `METRICS` from order totals (`order_totals`, of one portfolio or of many).

    Returns:
        fees_total, slippage_total and costs_total (their sum), in units of initial capital;
        turnover_per_year (traded notional / portfolio value, summed, per 252 days; one-way);
        n_orders (single-sleeve orders); n_rebalances (days with at least one order).
    """
    return measure("trading", Orders(totals, n_days))


def trading(orders: pd.DataFrame, value: pd.Series, n_days: int) -> dict[str, float]:
    """`trading_metrics` of one portfolio from its order list.

    Args:
        orders: Orders with date, size, price, close, fees.
        value: Portfolio value by date (to express notional as a fraction of the portfolio).
        n_days: Days in the evaluation window (for per-year figures).
    """
    dates = orders["date"].to_numpy()
    totals = order_totals(
        orders["size"],
        orders["price"],
        orders["close"],
        orders["fees"],
        value.reindex(orders["date"]),
        np.unique(dates, return_inverse=True)[1].reshape(-1),
    )
    return trading_metrics({k: float(v[0]) for k, v in totals.items()}, n_days)


def capture(returns: ArrayLike, bench: ArrayLike, up: bool) -> Value:
    """Up (or down) capture: mean daily return on the benchmark's up (down) days over the benchmark's.

    Arithmetic, on daily returns: ``mean(r[b > 0]) / mean(b[b > 0])`` (``b < 0`` for down capture). Up
    capture above 1 and down capture below 1 are both good. `returns` one portfolio's or one per column,
    `bench` 1-D.
    """
    b = np.asarray(bench, dtype=float).reshape(-1)
    return _like(_capture_rows(_rows(_columns(returns)), b, up), returns)


def _capture_rows(rows: np.ndarray, bench: np.ndarray, up: bool) -> np.ndarray:
    """`capture` of returns given as rows (`_rows`) against 1-D benchmark returns."""
    days = bench > 0 if up else bench < 0
    denom = _mean(bench[days, None])[0] if days.any() else 0.0
    if denom == 0:
        return np.full(rows.shape[0], np.nan)
    return rows.compress(days, axis=1).mean(axis=1) / denom  # row-major, as `_mean` (`rows[:, days]` is not)


def as_rows(returns: ArrayLike) -> np.ndarray:
    """Daily returns (days, or days × portfolios) as `relative` reduces them: pass it as its ``rows``."""
    return _rows(_columns(returns))


@dataclass(frozen=True)
class Against:
    """What the ``relative`` metrics (`RELATIVE`) are computed from: a portfolio and a benchmark.

    Attributes:
        metrics: The portfolio's `performance` metrics (floats, or one value per column).
        bench_metrics: The benchmark's.
        returns: The portfolio's daily returns (1-D, or days × portfolios): the shape of the result.
        rows: `returns` as rows (`as_rows`).
        bench: The benchmark's daily returns on the same days (1-D).
    """

    metrics: Mapping[str, Value]
    bench_metrics: Mapping[str, float]
    returns: ArrayLike
    rows: np.ndarray
    bench: np.ndarray


def relative(
    metrics: Mapping[str, Value],
    bench_metrics: Mapping[str, float],
    returns: ArrayLike,
    bench: ArrayLike,
    *,
    rows: np.ndarray | None = None,
) -> dict[str, Value]:
    """A portfolio (or each column of `returns`) against a benchmark on the same days: `RELATIVE`.

    Args:
        metrics: The portfolio's `performance` metrics (floats, or one value per column).
        bench_metrics: The benchmark's `performance` metrics.
        returns: The portfolio's daily returns (1-D, or days × portfolios).
        bench: The benchmark's daily returns on the same days (1-D).
        rows: ``as_rows(returns)``, when the caller compares the same returns with several benchmarks.

    Returns:
        excess_cagr (CAGR difference), sharpe_diff (difference of Sharpe ratios in excess of T-bills),
        max_drawdown_reduction (portfolio max drawdown minus the benchmark's: positive = shallower),
        up_capture and down_capture (see `capture`), tracking_error (sample std of the daily return
        difference × √252).
    """
    rows = as_rows(returns) if rows is None else rows  # transposed once for the reductions below
    b = np.asarray(bench, dtype=float).reshape(-1)
    return measure("relative", Against(metrics, bench_metrics, returns, rows, b))


def _tracking_error(a: Against) -> Value:
    """Sample std of the daily return difference × √252."""
    return _like((a.rows - a.bench[None, :]).std(axis=1, ddof=1) * np.sqrt(YEAR), a.returns)


def regime(state: ArrayLike) -> dict[str, Value]:
    """The ``regime`` metrics of `METRICS`: time in risk-off (fraction of days), regime switches.

    Switches count off→on plus on→off; the starting state is not a switch. `state` is one portfolio's
    risk-off flags, or one per column.
    """
    return measure("regime", np.asarray(state, dtype=bool))


def _risk_off_share(state: np.ndarray) -> Value:
    """Fraction of days in risk-off (0 for no days)."""
    s = state[:, None] if state.ndim == 1 else state
    return _like(s.mean(axis=0) if len(s) else np.zeros(s.shape[1]), state)


def _switches(state: np.ndarray) -> Value:
    """Regime switches, off→on plus on→off; the starting state is not one (0 for no days)."""
    s = state[:, None] if state.ndim == 1 else state
    if not len(s):
        return _like(np.zeros(s.shape[1]), state)
    prev = np.vstack([np.zeros((1, s.shape[1]), dtype=bool), s[:-1]])
    return _like(((s != prev).sum(axis=0) - s[0]).astype(float), state)


@dataclass(frozen=True)
class Metric:
    """A reported metric, declared once: everything that computes, shows, logs or ranks it reads this.

    The terminal table (its rows, labels and formats), ``stats.json`` and the MLflow metric names (its
    key: ``<name>`` for the strategy, ``<benchmark>.<name>`` for a benchmark, ``vs_<benchmark>.<name>``
    for `RELATIVE`), the grid report, the tearsheet and the API's ``r.stats`` all take it from here.

    Attributes:
        name: The key in metric dicts, grid tables, ``stats.json`` and tracked runs.
        label: What the terminal table calls it.
        kind: The unit and format: ``pct`` (a fraction, shown as a percentage), ``num`` or ``int``.
        short: A column header for tables one row per run or configuration (`column_label`).
        higher_is_better: True when a larger value is better, False when a smaller one is, None when
            neither (a count, a share of time in a regime).
        description: What it measures, with its convention (one sentence).
        family: What it is computed from, and by which function: ``performance`` (daily values,
            `Daily`), ``trading`` (order totals, `Orders`), ``regime`` (risk-off flags), ``relative``
            (a portfolio against a benchmark, `Against`) or ``signal`` (set by the run).
        compute: The metric from its family's inputs, one value per portfolio (1-D or 2-D alike);
            None for a metric the run sets itself (``signal``).
    """

    name: str
    label: str
    kind: str
    short: str = ""
    higher_is_better: bool | None = None
    description: str = ""
    family: str = "performance"
    compute: Callable[[Any], Value] | None = field(default=None, compare=False, repr=False)

    def format(self, value: float | None, digits: int = 2) -> str:
        """`value` as text: ``12.34%``, ``0.53`` (`digits` decimals) or ``42``; ``-`` if missing or NaN."""
        if value is None or value != value:
            return "-"
        if self.kind == "pct":
            return f"{value * 100:.2f}%"
        if self.kind == "int":
            return f"{value:.0f}"
        return f"{value:.{digits}f}"


def _declare(*metrics: Metric) -> dict[str, Metric]:
    return {m.name: m for m in metrics}


#: Every metric of a portfolio, in the order the terminal table shows them.
METRICS: dict[str, Metric] = _declare(
    Metric(
        "cagr",
        "CAGR",
        "pct",
        "CAGR",
        higher_is_better=True,
        description="Compound annual growth rate on 252 days a year: prod(1 + r) ** (252 / n) - 1.",
        compute=lambda d: d.growth,
    ),
    Metric(
        "volatility",
        "Volatility",
        "pct",
        "Vol",
        higher_is_better=False,
        description="Sample standard deviation of daily returns × √252.",
        compute=lambda d: d.rows.std(axis=1, ddof=1) * np.sqrt(YEAR),
    ),
    Metric(
        "sharpe_excess_tbill",
        "Sharpe (excess of T-bill)",
        "num",
        "Sharpe",
        higher_is_better=True,
        description="Mean / sample std of daily returns in excess of the T-bill's, × √252.",
        compute=lambda d: _sharpe_rows(d.excess, d.excess_mean),
    ),
    Metric(
        "sortino_excess_tbill",
        "Sortino (excess of T-bill)",
        "num",
        "Sortino",
        higher_is_better=True,
        description="Mean daily excess return / root mean square of the negative ones over all days, × √252.",
        compute=lambda d: _sortino_rows(d.excess, d.excess_mean),
    ),
    Metric(
        "max_drawdown",
        "Max drawdown",
        "pct",
        "Max DD",
        higher_is_better=True,
        description="Largest fall from the running peak, initial capital included (-0.25 = a 25% fall).",
        compute=lambda d: d.drawdown,
    ),
    Metric(
        "calmar",
        "Calmar",
        "num",
        "Calmar",
        higher_is_better=True,
        description="CAGR / |max drawdown|.",
        compute=_calmar,
    ),
    Metric(
        "total_return",
        "Total return",
        "pct",
        "Total return",
        higher_is_better=True,
        description="Final value / initial capital - 1.",
        compute=lambda d: d.value[-1] / d.initial - 1.0,
    ),
    Metric(
        "turnover_per_year",
        "Turnover / year (one-way)",
        "pct",
        "Turnover/yr",
        higher_is_better=False,
        description="Traded notional / portfolio value, summed, halved (one-way), per 252 days.",
        family="trading",
        compute=lambda o: o.totals["traded"] / 2.0 / (o.n_days / YEAR),
    ),
    Metric(
        "fees_total",
        "Fees (% of initial capital)",
        "pct",
        "Fees",
        higher_is_better=False,
        description="Fees paid, in units of initial capital.",
        family="trading",
        compute=lambda o: o.totals["fees"],
    ),
    Metric(
        "slippage_total",
        "Slippage (% of initial capital)",
        "pct",
        "Slippage",
        higher_is_better=False,
        description="|filled size| × |fill price - close|, summed, in units of initial capital.",
        family="trading",
        compute=lambda o: o.totals["slippage"],
    ),
    Metric(
        "costs_total",
        "Costs total (% of initial capital)",
        "pct",
        "Costs",
        higher_is_better=False,
        description="Fees plus slippage, in units of initial capital.",
        family="trading",
        compute=lambda o: o.totals["fees"] + o.totals["slippage"],
    ),
    Metric(
        "n_orders",
        "Trades (single-sleeve orders)",
        "int",
        "Trades",
        higher_is_better=None,
        description="Orders, one per sleeve traded on a day.",
        family="trading",
        compute=lambda o: o.totals["n_orders"],
    ),
    Metric(
        "n_rebalances",
        "Rebalance days",
        "int",
        "Rebalances",
        higher_is_better=None,
        description="Days with at least one order.",
        family="trading",
        compute=lambda o: o.totals["n_rebalances"],
    ),
    Metric(
        "time_in_risk_off",
        "Time in risk-off",
        "pct",
        "Risk-off",
        higher_is_better=None,
        description="Fraction of the window's days the strategy held its risk-off state.",
        family="regime",
        compute=_risk_off_share,
    ),
    Metric(
        "n_switches",
        "Regime switches",
        "int",
        "Switches",
        higher_is_better=None,
        description="Changes of the risk-off state, off→on plus on→off; the starting state is not one.",
        family="regime",
        compute=_switches,
    ),
    Metric(
        "signal_coverage",
        "Signal coverage",
        "pct",
        "Coverage",
        higher_is_better=True,
        description="Fraction of the window's days on which the signal could decide (its inputs had data).",
        family="signal",
    ),
)

#: A portfolio against a benchmark (`relative`), keyed ``vs_<benchmark>.<name>`` in metric dicts.
RELATIVE: dict[str, Metric] = _declare(
    Metric(
        "excess_cagr",
        "Strategy: excess CAGR vs",
        "pct",
        "ΔCAGR",
        higher_is_better=True,
        description="CAGR minus the benchmark's, on the same days.",
        family="relative",
        compute=lambda a: a.metrics["cagr"] - a.bench_metrics["cagr"],
    ),
    Metric(
        "sharpe_diff",
        "Strategy: Sharpe difference vs",
        "num",
        "ΔSharpe",
        higher_is_better=True,
        description="Sharpe (excess of T-bill) minus the benchmark's, on the same days.",
        family="relative",
        compute=lambda a: a.metrics["sharpe_excess_tbill"] - a.bench_metrics["sharpe_excess_tbill"],
    ),
    Metric(
        "max_drawdown_reduction",
        "Strategy: max DD reduction vs",
        "pct",
        "ΔMax DD",
        higher_is_better=True,
        description="Max drawdown minus the benchmark's: positive = shallower.",
        family="relative",
        compute=lambda a: a.metrics["max_drawdown"] - a.bench_metrics["max_drawdown"],
    ),
    Metric(
        "up_capture",
        "Strategy: up capture vs",
        "num",
        "up capture",
        higher_is_better=True,
        description="Mean daily return on the benchmark's up days over the benchmark's mean on them.",
        family="relative",
        compute=lambda a: _like(_capture_rows(a.rows, a.bench, up=True), a.returns),
    ),
    Metric(
        "down_capture",
        "Strategy: down capture vs",
        "num",
        "down capture",
        higher_is_better=False,
        description="Mean daily return on the benchmark's down days over the benchmark's mean on them.",
        family="relative",
        compute=lambda a: _like(_capture_rows(a.rows, a.bench, up=False), a.returns),
    ),
    Metric(
        "tracking_error",
        "Strategy: tracking error vs",
        "pct",
        "tracking error",
        higher_is_better=None,
        description="Sample standard deviation of the daily return difference × √252.",
        family="relative",
        compute=_tracking_error,
    ),
)


def declare(metric: Metric) -> Metric:
    """Add `metric` to the registry (`METRICS`, or `RELATIVE` for the ``relative`` family), after the others.

    In the project a metric is one more `Metric` in `METRICS` (or `RELATIVE`) here; from a package of
    your own, ``declare(Metric(...))`` before the run does the same.

    Raises:
        ValueError: A metric of that name is declared already.
    """
    registry = RELATIVE if metric.family == "relative" else METRICS
    if metric.name in registry:
        raise ValueError(f"a metric `{metric.name}` is declared already: {registry[metric.name].label}")
    registry[metric.name] = metric
    return metric


def family(name: str) -> list[Metric]:
    """The declared metrics computed from one family's inputs, in the registry's order."""
    return [m for m in (*METRICS.values(), *RELATIVE.values()) if m.family == name]


def measure(name: str, inputs: Any) -> dict[str, Value]:
    """Every declared metric of family `name` computed from `inputs` (`Daily`, `Orders`, ...)."""
    return {m.name: m.compute(inputs) for m in family(name) if m.compute is not None}


#: How tables name the benchmarks of ``conf/config.yaml`` (``benchmarks:``); any other shows as its key.
BENCHMARK_LABELS = {"sixty_forty": "60/40", "equity_buy_hold": "equity B&H", "vol_target": "vol target"}


def benchmark_label(name: str) -> str:
    """A benchmark's display name.

    >>> benchmark_label("sixty_forty"), benchmark_label("my_bench")
    ('60/40', 'my_bench')
    """
    return BENCHMARK_LABELS.get(name, name)


def describe(key: str) -> Metric | None:
    """The registry entry of a metric key, ``cagr`` or ``vs_<benchmark>.excess_cagr``; None if unknown."""
    if key.startswith("vs_") and "." in key:
        return RELATIVE.get(key.rsplit(".", 1)[1])
    return METRICS.get(key)


def column_label(key: str) -> str:
    """A metric key's column header, the benchmark named; the key itself if it is not a metric.

    >>> column_label("sharpe_excess_tbill"), column_label("vs_sixty_forty.sharpe_diff")
    ('Sharpe', 'vs 60/40: ΔSharpe')
    >>> column_label("sixty_forty.cagr"), column_label("strategy.signal.z_entry")
    ('60/40: CAGR', 'strategy.signal.z_entry')
    """
    m = describe(key)
    if m is not None and key.startswith("vs_"):
        return f"vs {benchmark_label(key[3:].rsplit('.', 1)[0])}: {m.short}"
    if m is not None:
        return m.short
    bench, _, name = key.rpartition(".")
    if bench and "." not in bench and name in METRICS:
        return f"{benchmark_label(bench)}: {METRICS[name].short}"
    return key


#: The columns a table of runs or configurations shows by default, in order (``vs.``: against the main
#: benchmark, `main_benchmark`); the wide view shows every metric.
SHORT_TABLE = (
    "sharpe_excess_tbill",
    "cagr",
    "max_drawdown",
    "vs.sharpe_diff",
    "vs.excess_cagr",
    "time_in_risk_off",
    "turnover_per_year",
)


def main_benchmark(keys: Iterable[str]) -> str | None:
    """The benchmark short tables compare against: 60/40 when `keys` have it, else the first named.

    >>> main_benchmark(["cagr", "vs_vol_target.sharpe_diff", "vs_sixty_forty.sharpe_diff"])
    'sixty_forty'
    """
    names = list(dict.fromkeys(k[3:].rsplit(".", 1)[0] for k in keys if k.startswith("vs_") and "." in k))
    return "sixty_forty" if "sixty_forty" in names else (names[0] if names else None)


def short_keys(keys: Iterable[str], first: str | None = None) -> list[str]:
    """The metric keys among `keys` a short table shows: `first` (e.g. the sort metric), then `SHORT_TABLE`.

    >>> short_keys(["max_drawdown", "cagr", "vs_sixty_forty.sharpe_diff", "calmar"], first="calmar")
    ['calmar', 'cagr', 'max_drawdown', 'vs_sixty_forty.sharpe_diff']
    """
    keys = list(keys)
    bench = main_benchmark(keys)
    wanted = [first, *(k.replace("vs.", f"vs_{bench}.") if bench else k for k in SHORT_TABLE)]
    return [k for k in dict.fromkeys(w for w in wanted if w) if k in keys]


def ordered_keys(keys: Iterable[str]) -> list[str]:
    """Metric keys in the registry's order: the portfolio's (`METRICS`), then against each benchmark.

    Benchmarks in order of first appearance, each with the `RELATIVE` metrics in their order; keys the
    registry does not know are left out.

    >>> ordered_keys(["vs_b.sharpe_diff", "max_drawdown", "vs_b.excess_cagr", "cagr", "other"])
    ['cagr', 'max_drawdown', 'vs_b.excess_cagr', 'vs_b.sharpe_diff']
    """
    keys = list(keys)
    benches = dict.fromkeys(k[3:].rsplit(".", 1)[0] for k in keys if k.startswith("vs_") and describe(k))
    wanted = [*METRICS, *(f"vs_{b}.{m}" for b in benches for m in RELATIVE)]
    have = set(keys)
    return [k for k in wanted if k in have]
