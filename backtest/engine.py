"""The engine: target weights into a simulated portfolio on vectorbt.

This is the only module of the project that imports vectorbt. Rules it enforces:

- `Portfolio.from_orders` with ``size_type="targetpercent"``, all sleeves in one group with cash
  sharing and ``call_seq="auto"`` (sells before buys); NaN size means "no order that day".
- Execution lag ≥ 1 bar: weights decided on the close of day t are traded on the close of day t+lag.
- Proportional fees and slippage in basis points, one number for all sleeves or one per sleeve (a
  per-column array for vectorbt; sleeves left out of a mapping cost nothing); the valuation price for
  target percentages is the close (vectorbt's default), orders fill at close × (1 ± slippage) and pay
  fees on the filled notional.
- Leverage: a target weight set summing above 1 with a negative ``cash`` weight is simulated as a short
  position in the cash sleeve (borrowing at the T-bill rate), which vectorbt's ``targetpercent`` with
  cash sharing does exactly; a set summing above 1 without that short is cut to the cash available.
- Settings are passed explicitly on each call; ``vbt.settings`` is never mutated.
- The simulation runs on vectorbt's own kernels through one function (`_orders`): its Rust kernels
  (`vectorbt_rust`, shipped by ``vectorbt[rust]``) called directly, with the arrays prepared exactly as
  vectorbt 1.2's ``portfolio.dispatch.simulate_from_orders`` prepares them for Rust, so a run never
  imports vectorbt's package ``__init__`` (6 s: every subpackage, scipy, matplotlib, plotly, and
  quantstats when installed); or vectorbt's numba path through that dispatch (paying the import then).
  ``Portfolio.from_orders`` is the oracle: tests hold every preset's values and orders equal to it on
  both engines.
- The engine a simulation reports is the one that ran it. ``auto`` is Rust when `vectorbt_rust` is
  installed with vectorbt's major.minor (vectorbt's own rule) and this door was written for that
  version (`RUST_DOOR`); a call Rust does not cover (an array Rust cannot take) is re-run on numba and
  reported as such, with the reason (`on_engine`).
- Private vectorbt API (``dispatch.simulate_from_orders``, ``nb.build_call_seq``, the settings' defaults
  mirrored in `VBT_DEFAULTS`, the Rust kernels' signatures) is used under the version range pinned in
  pyproject.toml; `tests/backtest/test_vectorbt_pin.py` holds the installed versions to that range and
  checks the names, defaults and signatures.
"""

from __future__ import annotations

import sys
import threading
import types
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from backtest.metrics import order_totals
from common import checks
from common.errors import ConfigError

INIT_CASH = 1.0
#: Costs are in [0, MAX_COST_BP) basis points (a cost of 100% of the notional or more is not a cost);
#: above WARN_COST_BP a run warns.
MAX_COST_BP = 10_000.0
WARN_COST_BP = 100.0

#: Costs in basis points: one number for every sleeve, or sleeve -> number.
Cost = float | Mapping[str, float]

#: How vectorbt ends the message of a call the Rust engine does not cover (`vectorbt._engine.resolve_engine`);
#: the Rust door ends its own the same way.
RUST_UNSUPPORTED = "Use engine='numba'."

#: The vectorbt major.minor whose Rust dispatch `_rust_orders` reproduces; another version runs on numba.
RUST_DOOR = "1.2"

#: vectorbt 1.2's ``settings["portfolio"]`` defaults for the order settings the project leaves alone
#: (``Portfolio.from_orders`` reads them there; the pin test holds them equal to vectorbt's).
VBT_DEFAULTS: dict[str, Any] = {
    "fixed_fees": 0.0,
    "min_size": 1e-8,
    "max_size": np.inf,
    "size_granularity": np.nan,
    "reject_prob": 0.0,
    "lock_cash": False,
    "allow_partial": True,
    "raise_reject": False,
    "log": False,
    "val_price": np.inf,
    "ffill_val_price": True,
    "update_value": False,
    "init_temp_records": False,
}
#: vectorbt's enum values for what the project asks (`vectorbt.portfolio.enums`; the pin test checks them).
SIZE_TARGET_PERCENT, DIRECTION_BOTH, CALL_SEQ_DEFAULT = 5, 2, 0

_I, _F, _B = np.int64, np.float64, np.bool_
#: vectorbt 1.2's record dtypes (``vectorbt.portfolio.enums.order_dt`` and ``log_dt``; the pin test holds
#: them equal): the Rust kernels read them from that module at every call (`_lend_record_dtypes`).
ORDER_DT = np.dtype(
    [("id", _I), ("col", _I), ("idx", _I), ("size", _F), ("price", _F), ("fees", _F), ("side", _I)],
    align=True,
)
LOG_DT = np.dtype(
    [(f, _I) for f in ("id", "group", "col", "idx")]
    + [(f, _F) for f in ("cash", "position", "debt", "free_cash", "val_price", "value")]
    + [("req_size", _F), ("req_price", _F)]
    + [("req_size_type", _I), ("req_direction", _I)]
    + [(f"req_{f}", _F) for f in ("fees", "fixed_fees", "slippage", "min_size", "max_size")]
    + [("req_size_granularity", _F), ("req_reject_prob", _F)]
    + [(f"req_{f}", _B) for f in ("lock_cash", "allow_partial", "raise_reject", "log")]
    + [(f"new_{f}", _F) for f in ("cash", "position", "debt", "free_cash", "val_price", "value")]
    + [("res_size", _F), ("res_price", _F), ("res_fees", _F)]
    + [(f, _I) for f in ("res_side", "res_status", "res_status_info", "order_id")],
    align=True,
)

T = TypeVar("T")


@dataclass(frozen=True)
class EngineUsed:
    """The vectorbt engine a simulation ran on.

    Attributes:
        name: ``rust`` or ``numba``.
        fallback: Why it is not Rust although ``auto`` was asked ("" when nothing fell back).
    """

    name: str
    fallback: str = ""

    def __str__(self) -> str:
        return f"{self.name} ({self.fallback})" if self.fallback else self.name


@dataclass(frozen=True)
class Simulation:
    """A simulated portfolio, as plain pandas.

    Attributes:
        value: Portfolio value at each close (starts from `INIT_CASH`).
        holdings_value: Value held in each sleeve at each close.
        orders: One row per order: date, sleeve, size, price (the fill), close, fees, side.
        targets: The executed target weights (NaN on days with no rebalance), on execution dates.
        engine: Which vectorbt engine ran the simulation (``rust`` or ``numba``).
        engine_fallback: Why it ran on numba when ``auto`` was asked ("" if it did not fall back).
    """

    value: pd.Series
    holdings_value: pd.DataFrame
    orders: pd.DataFrame
    targets: pd.DataFrame
    engine: str
    engine_fallback: str = ""


def check_costs(*, lag: int, fees_bp: Cost, slippage_bp: Cost) -> None:
    """Validate execution settings; raise ConfigError naming the key."""
    checks.whole(
        "backtest.lag",
        lag,
        lo=1,
        unit="bars",
        fix="a weight decided on the close of day t cannot trade on that same close: use backtest.lag=1 "
        "(trade on the next close).",
    )
    for key, cost in (("fees_bp", fees_bp), ("slippage_bp", slippage_bp)):
        items = cost.items() if isinstance(cost, Mapping) else [(None, cost)]
        for sleeve, v in items:
            name = f"backtest.{key}" + (f".{sleeve}" if sleeve is not None else "")
            bp = checks.number(
                name,
                v,
                lo=0,
                hi=MAX_COST_BP,
                hi_open=True,
                fix="basis points of the traded notional (10000 bp = 100%), e.g. 1.0, or one per sleeve: "
                "{equity: 1.0, bonds: 2.0}.",
            )
            if bp > WARN_COST_BP:
                warnings.warn(
                    f"`{name}` is {bp:g} bp ({bp / 100:g}% of each trade's notional): is that meant?",
                    UserWarning,
                    stacklevel=2,
                )


def per_column(cost_bp: Cost, columns: pd.Index) -> np.ndarray:
    """Costs as a fraction per column (shape ``(len(columns),)``); sleeves absent from a mapping pay 0.

    >>> per_column({"equity": 2.0}, pd.Index(["equity", "cash"])).tolist()
    [0.0002, 0.0]
    """
    if isinstance(cost_bp, Mapping):
        return np.array([float(cost_bp.get(c, 0.0)) for c in columns]) / 1e4
    return np.full(len(columns), float(cost_bp)) / 1e4


def lagged(decisions: pd.DataFrame, lag: int) -> pd.DataFrame:
    """Shift decided target weights forward by `lag` rows: the execution schedule."""
    return decisions.shift(lag)


def simulate(
    prices: pd.DataFrame,
    decisions: pd.DataFrame,
    *,
    lag: int = 1,
    fees_bp: Cost = 0.0,
    slippage_bp: Cost = 0.0,
    engine: str = "auto",
) -> Simulation:
    """Simulate a target-weight portfolio.

    Args:
        prices: Close prices, one column per sleeve, no NaN.
        decisions: Target weights decided on each row's close (NaN = no rebalance), same shape.
        lag: Rows between decision and execution (≥ 1).
        fees_bp: Proportional fees in basis points of traded notional (a number, or sleeve -> number).
        slippage_bp: Slippage in basis points of price, against the trader (same forms).
        engine: vectorbt engine: ``auto`` (Rust when installed, else numba), ``rust`` or ``numba``.

    Returns:
        The simulation as plain pandas objects.
    """
    check_costs(lag=lag, fees_bp=fees_bp, slippage_bp=slippage_bp)
    targets = lagged(decisions.reindex(columns=prices.columns), lag)
    fees, slippage = per_column(fees_bp, prices.columns), per_column(slippage_bp, prices.columns)
    close, size = prices.to_numpy(), targets.to_numpy(dtype=float)
    rec, used = on_engine(
        engine, lambda eng: _orders(close, size, np.array([close.shape[1]]), fees, slippage, eng)
    )
    value, holdings = _book(rec, close)
    orders = pd.DataFrame(
        {
            "date": prices.index[rec["idx"]],
            "sleeve": prices.columns[rec["col"]],
            "size": rec["size"],
            "price": rec["price"],
            "close": close[rec["idx"], rec["col"]],
            "fees": rec["fees"],
            "side": np.where(rec["side"] == 0, "buy", "sell"),
        }
    )
    return Simulation(
        value=pd.Series(value, index=prices.index, name="value"),
        holdings_value=pd.DataFrame(holdings, index=prices.index, columns=prices.columns),
        orders=orders,
        targets=targets,
        engine=used.name,
        engine_fallback=used.fallback,
    )


def import_engine(engine: str = "auto") -> str:
    """Import the kernels `engine` will run on now, e.g. under a progress bar that says so.

    Rust: `vectorbt_rust` (a fraction of a second); numba: vectorbt's package, about 6 s.

    Returns:
        What was imported (``vectorbt_rust`` or ``vectorbt``), for the bar.
    """
    if engine != "numba" and not rust_unavailable():
        import vectorbt_rust  # noqa: F401  (lazy: see `_rust_orders`)

        return "vectorbt_rust"
    _import_vectorbt()
    return "vectorbt"


def _book(rec: np.ndarray, close: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Value of one cash-sharing portfolio and of each sleeve at each close, from its order records.

    What ``pf.value()`` and ``pf.asset_value(group_by=False)`` return: units and cash accumulated
    over the orders of each day (buys add units and pay size × price + fees; sells the reverse), held
    units valued at the close.
    """
    n, k = close.shape
    signed = np.where(rec["side"] == 0, rec["size"], -rec["size"])
    units = np.bincount(rec["idx"] * k + rec["col"], weights=signed, minlength=n * k).reshape(n, k)
    np.cumsum(units, axis=0, out=units)
    flows = np.bincount(rec["idx"], weights=-signed * rec["price"] - rec["fees"], minlength=n)
    held = units * close
    return INIT_CASH + np.cumsum(flows) + held.sum(axis=1), held


def _major_minor(v: str) -> str:
    return v.rsplit(".", 1)[0]


def rust_unavailable() -> str:
    """Why the Rust kernels will not run ("" when they will): not installed, or a version mismatch.

    vectorbt's rule (`vectorbt._engine.is_rust_available`: the same major.minor), read from the
    installed distributions without importing vectorbt; and the door's own: `_rust_orders` reproduces
    vectorbt `RUST_DOOR`'s dispatch, so another vectorbt runs on numba until the door is checked.
    """
    try:
        import vectorbt_rust  # lazy: 0.05 s, and only where a simulation runs
    except ImportError:
        return "vectorbt-rust is not installed"
    try:
        vbt = version("vectorbt")
    except PackageNotFoundError:
        return "vectorbt is not installed"
    if _major_minor(vbt) != _major_minor(vectorbt_rust.__version__):
        return f"vectorbt-rust {vectorbt_rust.__version__} does not match vectorbt {vbt}"
    if _major_minor(vbt) != RUST_DOOR:
        return f"the engine's Rust door reproduces vectorbt {RUST_DOOR}'s dispatch, not {vbt}'s"
    return ""


def on_engine(engine: str, call: Callable[[str], T]) -> tuple[T, EngineUsed]:
    """Run `call(engine)` on an explicit vectorbt engine and say which one ran it.

    ``auto`` is Rust when the Rust kernels can run (`rust_unavailable`), else numba; a call Rust
    does not cover (a ``ValueError`` ending in `RUST_UNSUPPORTED`, as vectorbt words it) is re-run
    on numba. ``rust`` asked explicitly never falls back: it is refused with the reason.

    Args:
        engine: ``auto``, ``rust`` or ``numba`` (``backtest.engine``).
        call: Makes every vectorbt call of one simulation with ``engine=`` the name it is given.

    Returns:
        The call's result, and the engine that produced it.

    Raises:
        ConfigError: ``rust`` asked and vectorbt cannot run it (not installed, version mismatch, or a
            call it does not cover).
    """
    if engine == "numba":
        return call("numba"), EngineUsed("numba")
    unavailable = rust_unavailable()
    if unavailable:
        if engine == "rust":
            raise ConfigError(
                f"the Rust engine is not available: {unavailable}.",
                key="backtest.engine",
                hint="install matching versions (pip install 'vectorbt[rust]'), or use backtest.engine=auto.",
            )
        return call("numba"), EngineUsed("numba", unavailable)
    try:
        return call("rust"), EngineUsed("rust")
    except ValueError as exc:
        if not str(exc).endswith(RUST_UNSUPPORTED):
            raise
        reason = str(exc).removesuffix(RUST_UNSUPPORTED).strip()
        if engine == "rust":
            raise ConfigError(
                f"the Rust engine does not cover this simulation: {reason}",
                key="backtest.engine",
                hint="use backtest.engine=auto (numba where Rust does not cover a call) or numba.",
            ) from exc
        return call("numba"), EngineUsed("numba", f"Rust does not cover it: {reason}")


@dataclass(frozen=True)
class GridSimulation:
    """Many target-weight portfolios simulated at once, one vectorbt group per configuration.

    Attributes:
        value: Portfolio value at each close, one column per configuration (rows: the price dates).
        fees: Total fees paid per configuration, in units of initial capital.
        traded: Per configuration, the sum over orders of |size × price| / portfolio value on the
            order's date (twice the one-way turnover).
        n_orders: Orders per configuration.
        slippage: Per configuration, the sum over orders of |size| × |fill price − close|.
        n_rebalances: Days with at least one order, per configuration.
        engine: Which vectorbt engine ran the simulation.
        engine_fallback: Why it ran on numba when ``auto`` was asked ("" if it did not fall back).
    """

    value: np.ndarray
    fees: np.ndarray
    traded: np.ndarray
    n_orders: np.ndarray
    slippage: np.ndarray
    n_rebalances: np.ndarray
    engine: str
    engine_fallback: str = ""


@dataclass(frozen=True)
class Decisions:
    """Target weights decided on each close for C configurations, as codes into per-configuration tables.

    The weights configuration ``c`` decides on row ``t`` are ``table[codes[t, c], c]``; a row of
    NaN means no rebalance. A rule that switches between a few weight vectors (risk-on, risk-off,
    none) is then a (T, C) array of small codes and a (3, C, K) table instead of a dense (T, C, K)
    array: cheaper to build, to deduplicate and to scan for order days.

    Attributes:
        codes: (T, C) integer row numbers into `table`.
        table: (M, C, K) target weight vectors, sleeves in the order of the prices' columns.
    """

    codes: np.ndarray
    table: np.ndarray

    @classmethod
    def dense(cls, decisions: np.ndarray) -> Decisions:
        """A dense (T, C, K) array of decisions: row ``t`` of every configuration is its own table row."""
        n, c = decisions.shape[:2]
        return cls(np.broadcast_to(np.arange(n)[:, None], (n, c)), decisions)

    @property
    def shape(self) -> tuple[int, int, int]:
        """(T, C, K), as the dense array would have."""
        return (self.codes.shape[0], self.codes.shape[1], self.table.shape[2])

    def columns(self, cols: Sequence[int] | np.ndarray) -> Decisions:
        """The decisions of configurations `cols` only."""
        return Decisions(self.codes[:, cols], self.table[:, cols])

    def on(self, rows: np.ndarray) -> np.ndarray:
        """The weights of rows ``rows[r, c]`` of each configuration ``c``: shape (R, C, K)."""
        c = np.arange(self.codes.shape[1])
        return self.table[self.codes[rows, c], c]

    def orders(self) -> np.ndarray:
        """(T, C): True where a configuration decided something (a row that is not all NaN)."""
        some = ~np.isnan(self.table).all(axis=2)  # (M, C)
        if len(some) > 8:  # a dense table: gather
            return some[self.codes, np.arange(self.codes.shape[1])]
        out = np.zeros(self.codes.shape, dtype=bool)  # a few rows: compare, faster than a gather
        for m, row in enumerate(some):
            out |= (self.codes == m) & row
        return out


def simulate_grid(
    prices: pd.DataFrame,
    decisions: np.ndarray | Decisions,
    *,
    lag: int = 1,
    fees_bp: Cost | Sequence[Cost] = 0.0,
    slippage_bp: Cost | Sequence[Cost] = 0.0,
    engine: str = "auto",
) -> GridSimulation:
    """Simulate one portfolio per configuration in a single vectorbt call.

    The same rules as `simulate`: the close and size frames are laid out wide, configurations ×
    sleeves columns, grouped per configuration (``group_by``) with cash sharing and
    ``call_seq="auto"`` inside each group, ``size_type="targetpercent"``.

    Args:
        prices: Close prices, one column per sleeve, no NaN (T rows, K sleeves).
        decisions: Target weights decided on each close, shape (T, C, K) for C configurations, sleeves
            in the order of `prices`' columns; NaN = no rebalance. Or the same as `Decisions`.
        lag: Rows between decision and execution (≥ 1).
        fees_bp: Proportional fees in basis points (a number, or sleeve -> number), the same for every
            configuration, or a sequence of those, one per configuration.
        slippage_bp: Slippage in basis points, in the same forms.
        engine: vectorbt engine (``auto``, ``rust`` or ``numba``).

    Returns:
        Values and order aggregates per configuration, as numpy arrays.
    """
    n, k = prices.shape
    if not isinstance(decisions, Decisions):
        if decisions.ndim != 3:
            raise ValueError(f"decisions must have shape ({n}, C, {k}), got {decisions.shape}")
        decisions = Decisions.dense(decisions)
    if decisions.shape[0] != n or decisions.shape[2] != k:
        raise ValueError(f"decisions must have shape ({n}, C, {k}), got {decisions.shape}")
    c = decisions.shape[1]
    costs = [_per_config(x, c) for x in (fees_bp, slippage_bp)]
    for f, s in {(repr(f), repr(s)): (f, s) for f, s in zip(*costs, strict=True)}.values():
        check_costs(lag=lag, fees_bp=f, slippage_bp=s)
    fees, slip = (np.concatenate([per_column(x, prices.columns) for x in cs]) for cs in costs)
    px = prices.to_numpy(dtype=float)
    active = np.zeros((n, c), dtype=bool)  # a configuration has an order to place that day
    active[lag:] = decisions.orders()[: n - lag]
    days, depth = trading_days(active)
    csize = decisions.on(np.maximum(days - lag, 0))  # (R, C, K): sizes on those days
    csize[np.arange(len(days))[:, None] >= depth] = np.nan
    cclose = px[days]
    rec, used = on_engine(
        engine,
        lambda eng: _orders(
            cclose.reshape(len(days), c * k),
            csize.reshape(len(days), c * k),
            np.full(c, k, dtype=np.int64),
            fees,
            slip,
            eng,
        ),
    )
    grp = rec["col"] // k
    row = days[rec["idx"], grp]  # the order's row in `prices`
    value = _values_from_orders(rec, rec["idx"], px, days, c)
    totals = order_totals(
        rec["size"],
        rec["price"],
        px[row, rec["col"] % k],
        rec["fees"],
        value[row, grp],
        row,
        group=grp,
        n_groups=c,
    )
    return GridSimulation(value=value, **totals, engine=used.name, engine_fallback=used.fallback)


def trading_days(active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each configuration's own order days, stacked: the simulation skips the days nobody trades.

    A day without an order leaves a portfolio's cash and units as they were, and an order is sized on
    that day's close alone (``val_price=inf``), so simulating only the days a configuration has an
    order gives the same order records as simulating every day. Row ``r`` of ``days`` holds the
    ``r``-th order day of each configuration; a configuration with fewer repeats its last one (given
    no order there: `depth` says how many rows are real).

    Args:
        active: Days × configurations, True where the configuration has an order.

    Returns:
        ``days`` (R × C row numbers) and ``depth`` (C counts).
    """
    c = active.shape[1]
    depth = active.sum(axis=0)
    cfg, day = np.nonzero(active.T)  # by configuration, then by day
    rank = np.arange(len(day)) - np.repeat(np.cumsum(depth) - depth, depth)
    days = np.zeros((max(int(depth.max(initial=0)), 1), c), dtype=np.int64)
    days[rank, cfg] = day
    np.maximum.accumulate(days, axis=0, out=days)  # padding repeats the last day
    return days, depth


def _values_from_orders(
    rec: np.ndarray, at: np.ndarray, close: np.ndarray, days: np.ndarray, c: int
) -> np.ndarray:
    """Group values at each close from vectorbt's order records (what ``pf.value()`` returns).

    Computed in numpy because ``pf.value()`` wraps several (T, C × K) frames in pandas, which
    costs three times the simulation itself on a wide grid. Units and cash are accumulated over
    each configuration's order days (`at`: the record's row among them) and each running total is
    repeated over the days it holds, from its order day to the day before the next; adding a day
    without orders adds zero, so the sums are those of a day-by-day accumulation, to the last bit.

    Args:
        rec: The order records (``col`` in groups of K sleeves).
        at: Each record's row among its configuration's order days (`trading_days`).
        close: Closes, T × K.
        days: Each configuration's order days, stacked (`trading_days`: R × C, the last repeated).
        c: Configurations.
    """
    n, k = close.shape
    depth = len(days)
    signed = np.where(rec["side"] == 0, rec["size"], -rec["size"])
    grp = rec["col"] // k
    # row 0: before the first order (nothing held); row r + 1: after the r-th order day
    units = np.bincount((at + 1) * c * k + rec["col"], weights=signed, minlength=(depth + 1) * c * k)
    units = np.cumsum(units.reshape(depth + 1, c, k), axis=0)
    flows = -signed * rec["price"] - rec["fees"]
    cash = np.bincount((at + 1) * c + grp, weights=flows, minlength=(depth + 1) * c).reshape(depth + 1, c)
    np.cumsum(cash, axis=0, out=cash)
    # the days each row holds: up to the first order day, between order days, after the last (a
    # padding row holds none; the rows after a configuration's last order repeat its totals)
    edges = np.empty((depth + 2, c), dtype=np.int64)
    edges[0], edges[1:-1], edges[-1] = 0, days, n
    lengths = np.diff(edges, axis=0).T.ravel()
    # configurations × days (row-major), returned transposed: each configuration's days contiguous
    closes = np.ascontiguousarray(close.T)  # K × T
    per_sleeve = np.ascontiguousarray(units.transpose(2, 1, 0))  # K × C × (depth + 1)
    held = np.repeat(per_sleeve[0].ravel(), lengths).reshape(c, n)
    held *= closes[0]
    for j in range(1, k):  # the same sums in the same order as a day-by-day valuation
        part = np.repeat(per_sleeve[j].ravel(), lengths).reshape(c, n)
        part *= closes[j]
        held += part
    value = np.repeat(np.ascontiguousarray(cash.T).ravel(), lengths).reshape(c, n)
    value += INIT_CASH
    value += held
    return value.T


#: The order settings vectorbt's simulation broadcasts ("flexible" arrays), in its order, with the dtype
#: its Rust dispatch casts each to.
_FLEX_DTYPES: dict[str, type] = {
    "size": np.float64,
    "price": np.float64,
    "size_type": np.int64,
    "direction": np.int64,
    "fees": np.float64,
    "fixed_fees": np.float64,
    "slippage": np.float64,
    "min_size": np.float64,
    "max_size": np.float64,
    "size_granularity": np.float64,
    "reject_prob": np.float64,
    "lock_cash": np.bool_,
    "allow_partial": np.bool_,
    "raise_reject": np.bool_,
    "log": np.bool_,
    "val_price": np.float64,
    "close": np.float64,
}


def _orders(
    close: np.ndarray,
    size: np.ndarray,
    group_lens: np.ndarray,
    fees: np.ndarray,
    slippage: np.ndarray,
    engine: str,
) -> np.ndarray:
    """Order records of groups of columns, each group one cash-sharing portfolio, on one engine.

    The engine-neutral simulation that `Portfolio.from_orders` dispatches to, called with the arguments
    `simulate` documents (``targetpercent``, ``call_seq="auto"``, cash sharing per group, the close as
    the valuation price, vectorbt's defaults for everything else, `VBT_DEFAULTS`). Called directly:
    ``from_orders`` wraps its inputs and outputs in pandas (on a wide grid as costly as the simulation)
    and needs vectorbt's package import (6 s); tests hold the records equal to its own.

    Args:
        close: Closes, days × columns (float64 for Rust).
        size: Target weights on execution days (NaN: no order), the same shape.
        group_lens: Columns per portfolio, in column order.
        fees: Fees as a fraction of the traded notional, per column (shape (columns,)).
        slippage: Slippage as a fraction of the price, per column.
        engine: ``rust`` (`vectorbt_rust`, no vectorbt import) or ``numba`` (vectorbt's dispatch).

    Returns:
        vectorbt's order records (``id, col, idx, size, price, fees, side``).
    """
    shape = close.shape
    d = VBT_DEFAULTS
    flex = {
        "size": size,
        "price": np.asarray(np.inf),
        "size_type": np.asarray(SIZE_TARGET_PERCENT),
        "direction": np.asarray(DIRECTION_BOTH),
        "fees": fees.reshape(-1),
        "fixed_fees": np.asarray(d["fixed_fees"]),
        "slippage": slippage.reshape(-1),
        **{key: np.asarray(d[key]) for key in list(_FLEX_DTYPES)[7:-1]},
        "close": close,
    }
    group_lens = np.asarray(group_lens, dtype=np.int64)
    init_cash = np.full(len(group_lens), INIT_CASH)
    options = {
        "auto_call_seq": True,
        "ffill_val_price": d["ffill_val_price"],
        "update_value": d["update_value"],
        "max_orders": int(np.count_nonzero(~np.isnan(size))),
        "max_logs": 1,  # from_orders' count when nothing is logged
        "init_temp_records": d["init_temp_records"],
        "flex_2d": True,
    }
    if engine == "rust":
        return _rust_orders(shape, group_lens, init_cash, flex, options)
    _import_vectorbt()  # not under a lent stand-in
    from vectorbt.portfolio import dispatch, nb  # lazy: only a numba simulation pays the import

    call_seq = nb.build_call_seq(shape, group_lens, call_seq_type=CALL_SEQ_DEFAULT)
    orders, _ = dispatch.simulate_from_orders(
        shape, group_lens, init_cash, call_seq, **flex, **options, engine="numba"
    )
    return orders


def _rust_orders(
    shape: tuple[int, int],
    group_lens: np.ndarray,
    init_cash: np.ndarray,
    flex: dict[str, np.ndarray],
    options: dict[str, Any],
) -> np.ndarray:
    """`_orders` on vectorbt's Rust kernels, the arrays prepared as vectorbt 1.2's dispatch prepares them.

    ``dispatch.simulate_from_orders`` checks each flexible array (`_for_rust`), casts it to the
    kernel's dtype, builds the default call sequence with ``build_call_seq_rs`` and calls
    ``simulate_from_orders_rs``; done here without importing vectorbt (whose package ``__init__``
    imports every subpackage). A call it would refuse raises its ``ValueError`` (`RUST_UNSUPPORTED`).
    """
    # lazy: the Rust kernels load only where a simulation runs (a monitor or --help never pays them)
    from vectorbt_rust.portfolio import build_call_seq_rs, simulate_from_orders_rs

    arrays = {name: _for_rust(name, a, shape, _FLEX_DTYPES[name]) for name, a in flex.items()}
    call_seq = build_call_seq_rs(shape, group_lens, CALL_SEQ_DEFAULT)
    with _lend_record_dtypes():
        orders, _ = simulate_from_orders_rs(
            shape, group_lens, init_cash, call_seq, **arrays, **options, seed=None
        )
    return orders


#: The modules `_lend_record_dtypes` stands in for, parent first.
_STAND_IN = ("vectorbt", "vectorbt.portfolio", "vectorbt.portfolio.enums")
_lending = threading.Condition()
_lent = 0  # Rust calls under way with the stand-in lent


def _stand_in() -> dict[str, types.ModuleType]:
    """Three modules holding only what the Rust kernels read: ``vectorbt.portfolio.enums``' dtypes."""
    mods = {name: types.ModuleType(name, "Lent by backtest.engine during a Rust call.") for name in _STAND_IN}
    mods["vectorbt"].portfolio = mods["vectorbt.portfolio"]
    mods["vectorbt.portfolio"].enums = mods["vectorbt.portfolio.enums"]
    mods["vectorbt.portfolio.enums"].order_dt = ORDER_DT
    mods["vectorbt.portfolio.enums"].log_dt = LOG_DT
    return mods


@contextmanager
def _lend_record_dtypes() -> Iterator[None]:
    """During a Rust call, lend ``vectorbt.portfolio.enums`` as a stand-in when vectorbt is not imported.

    `vectorbt_rust`'s kernels import ``vectorbt.portfolio.enums`` at every call to read the record
    dtypes (`ORDER_DT`, `LOG_DT`), and that import runs vectorbt's package ``__init__`` (6 s: every
    subpackage, scipy, matplotlib, plotly, quantstats when installed). So while a call runs,
    `sys.modules` holds a stand-in with just those two dtypes (vectorbt's own, pinned by test), and
    nothing once the last concurrent call returns. Where vectorbt is imported, the call reads
    vectorbt's module. `_import_vectorbt` waits until no stand-in is lent.
    """
    global _lent
    with _lending:
        lend = _lent > 0 or _STAND_IN[0] not in sys.modules
        if lend:
            if _lent == 0:
                sys.modules.update(_stand_in())
            _lent += 1
    if not lend:
        yield
        return
    try:
        yield
    finally:
        with _lending:
            _lent -= 1
            if _lent == 0:
                for name in _STAND_IN:
                    del sys.modules[name]
                _lending.notify_all()


def _import_vectorbt() -> types.ModuleType:
    """Import vectorbt's package (about 6 s), once no Rust call has the stand-in lent."""
    with _lending:
        _lending.wait_for(lambda: _lent == 0)
        import vectorbt  # lazy: only the numba path and its fallback pay it

    return vectorbt


def _for_rust(name: str, a: np.ndarray, shape: tuple[int, int], dtype: type) -> np.ndarray:
    """`a` as the Rust kernel takes it, or vectorbt's ``ValueError`` for an array Rust cannot take.

    vectorbt 1.2's ``flex_array_compatible_with_rust`` and ``prepare_flex_array_for_rust``: a scalar
    must convert to `dtype`; an array must be 1-D or 2-D and cast to it safely within its kind (int to
    float is refused); it must broadcast to `shape` as a flexible array (1-D along columns); it is cast
    only when its dtype differs.
    """
    want = np.dtype(dtype)
    if a.ndim == 0:
        try:
            np.asarray(a, dtype=want)
        except (TypeError, ValueError):
            _not_covered(f"Rust engine requires `{name}` to be convertible to {want.name}.")
    else:
        same_kind = a.dtype.kind == want.kind or (a.dtype.kind in "iu" and want.kind in "iu")
        castable = a.dtype == want or (same_kind and np.can_cast(a.dtype, want, casting="safe"))
        if not castable or a.ndim > 2:
            _not_covered(f"Rust engine requires `{name}` to be {want.name}-compatible.")
    try:
        np.broadcast_to(a.reshape(1, -1) if a.ndim == 1 else np.atleast_2d(a), shape)
    except ValueError:
        _not_covered(f"Rust engine requires `{name}` to broadcast to shape {tuple(shape)}.")
    return a if a.dtype == want else np.asarray(a, dtype=want)


def _not_covered(reason: str) -> None:
    raise ValueError(f"{reason} {RUST_UNSUPPORTED}")


def _per_config(cost: Cost | Sequence[Cost], c: int) -> list[Cost]:
    """One cost setting per configuration: `cost` repeated, or the sequence given (of length `c`)."""
    costs = list(cost) if isinstance(cost, Sequence) and not isinstance(cost, str) else [cost] * c
    if len(costs) != c:
        raise ValueError(f"{len(costs)} cost settings for {c} configurations")
    return costs
