"""Allocation rules: from a signal to daily target weights (decided at each day's close).

Each rule is a function ``(signal, prices, **params) -> DataFrame`` returning, for every day, the
weights the strategy wants over the sleeve columns of `prices`. When to trade is decided later by
`strategies.rebalance`; when orders execute (the lag) by the engine.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from common.errors import ConfigError
from signals.base import SignalOutput
from strategies.weights import check_weights, constant

KEY = "strategy.allocation"


def fixed(signal: SignalOutput | None, prices: pd.DataFrame, *, weights: Mapping[str, float]) -> pd.DataFrame:
    """Hold one weight set throughout (the 60/40 benchmark, buy-and-hold). The signal is ignored.

    Args:
        signal: Ignored.
        prices: Sleeve prices; its index and columns shape the result.
        weights: Sleeve -> weight, summing to 1.
    """
    w = check_weights(weights, f"{KEY}.weights")
    return constant(w, prices.index, list(prices.columns))


def switch(
    signal: SignalOutput | None,
    prices: pd.DataFrame,
    *,
    risk_on_weights: Mapping[str, float],
    risk_off_weights: Mapping[str, float],
) -> pd.DataFrame:
    """De-risking switch: risk-on weights normally, risk-off weights while the signal is on.

    Args:
        signal: The regime signal; required.
        prices: Sleeve prices; its index and columns shape the result.
        risk_on_weights: Sleeve -> weight while risk-on (e.g. 60/40 equity/bonds).
        risk_off_weights: Sleeve -> weight while risk-off (e.g. 20/30/50 equity/bonds/cash).
    """
    on = check_weights(risk_on_weights, f"{KEY}.risk_on_weights")
    off = check_weights(risk_off_weights, f"{KEY}.risk_off_weights")
    if signal is None:
        raise ConfigError("the switch needs a signal.", key="strategy.signal", hint="set strategy.signal.")
    state = signal.risk_off.reindex(prices.index, fill_value=False).to_numpy()
    sleeves = list(prices.columns)
    on_f, off_f = constant(on, prices.index, sleeves), constant(off, prices.index, sleeves)
    return on_f.where(np.broadcast_to(~state[:, None], on_f.shape), off_f)


def validate(rule: object, params: Mapping[str, object]) -> None:
    """Check an allocation rule's weight sets before any data is loaded."""
    for name, value in params.items():
        if name.endswith("weights") and isinstance(value, Mapping):
            check_weights(value, f"{KEY}.{name}")
