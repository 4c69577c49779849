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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from common.errors import ConfigError

INIT_CASH = 1.0

#: Costs in basis points: one number for every sleeve, or sleeve -> number.
Cost = float | Mapping[str, float]


@dataclass(frozen=True)
class Simulation:
    """A simulated portfolio, as plain pandas.

    Attributes:
        value: Portfolio value at each close (starts from `INIT_CASH`).
        holdings_value: Value held in each sleeve at each close.
        orders: One row per order: date, sleeve, size, price (the fill), close, fees, side.
        targets: The executed target weights (NaN on days with no rebalance), on execution dates.
        engine: Which vectorbt engine ran the simulation (``rust`` or ``numba``).
    """

    value: pd.Series
    holdings_value: pd.DataFrame
    orders: pd.DataFrame
    targets: pd.DataFrame
    engine: str


def check_costs(*, lag: int, fees_bp: Cost, slippage_bp: Cost) -> None:
    """Validate execution settings; raise ConfigError naming the key."""
    if isinstance(lag, bool) or not isinstance(lag, int) or lag < 1:
        raise ConfigError(
            f"execution lag must be a whole number ≥ 1, got {lag!r}: a weight decided on the close of "
            "day t cannot trade on that same close.",
            key="backtest.lag",
            hint="use backtest.lag=1 (trade on the next close).",
        )
    for key, cost in (("fees_bp", fees_bp), ("slippage_bp", slippage_bp)):
        items = cost.items() if isinstance(cost, Mapping) else [(None, cost)]
        for sleeve, v in items:
            if isinstance(v, bool) or not isinstance(v, int | float) or not v >= 0:
                raise ConfigError(
                    f"must be a number of basis points ≥ 0, got {v!r}.",
                    key=f"backtest.{key}" + (f".{sleeve}" if sleeve is not None else ""),
                    hint="e.g. 1.0, or one per sleeve: {equity: 1.0, bonds: 2.0}.",
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
    import vectorbt as vbt

    targets = lagged(decisions.reindex(columns=prices.columns), lag)
    pf = vbt.Portfolio.from_orders(
        close=prices,
        size=targets,
        size_type="targetpercent",
        group_by=True,
        cash_sharing=True,
        call_seq="auto",
        fees=per_column(fees_bp, prices.columns),
        slippage=per_column(slippage_bp, prices.columns),
        init_cash=INIT_CASH,
        freq="1D",
        engine=engine,
    )
    rec = pf.orders.records
    orders = pd.DataFrame(
        {
            "date": prices.index[rec["idx"]],
            "sleeve": prices.columns[rec["col"]],
            "size": rec["size"],
            "price": rec["price"],
            "close": prices.to_numpy()[rec["idx"], rec["col"]],
            "fees": rec["fees"],
            "side": np.where(rec["side"] == 0, "buy", "sell"),
        }
    )
    return Simulation(
        value=pf.value().rename("value"),
        holdings_value=pf.asset_value(group_by=False),
        orders=orders,
        targets=targets,
        engine=_engine_used(engine),
    )


def _engine_used(engine: str) -> str:
    from vectorbt._engine import resolve_engine

    return resolve_engine(engine)
