"""Allocation rules and rebalance schedules on tiny hand-built frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from common.errors import ConfigError
from signals.base import SignalOutput
from strategies.allocation import fixed, switch
from strategies.rebalance import calendar_days, schedule

IDX = pd.DatetimeIndex(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-28", "2024-02-29", "2024-03-01"])
PRICES = pd.DataFrame(1.0, index=IDX, columns=["equity", "bonds", "cash"])


def test_switch_weights_by_hand():
    state = pd.Series([False, False, True, True, False, False], index=IDX)
    w = switch(
        SignalOutput(state),
        PRICES,
        risk_on_weights={"equity": 0.6, "bonds": 0.4},
        risk_off_weights={"equity": 0.2, "bonds": 0.3, "cash": 0.5},
    )
    assert w.loc["2024-02-01"].tolist() == [0.2, 0.3, 0.5]
    assert w.loc["2024-02-29"].tolist() == [0.6, 0.4, 0.0]


def test_monthly_calendar_is_first_day_and_month_ends_but_not_the_last_row():
    assert calendar_days(IDX, "monthly").tolist() == [True, True, False, False, True, False]
    assert calendar_days(IDX, "none").tolist() == [True, False, False, False, False, False]


def test_schedule_adds_regime_changes_and_leaves_nan_elsewhere():
    state = pd.Series([False, False, True, True, False, False], index=IDX)
    targets = fixed(None, PRICES, weights={"equity": 1.0})
    orders = schedule(targets, calendar="monthly", on_regime_change=True, state=state)
    assert orders["equity"].notna().tolist() == [True, True, True, False, True, False]
    assert np.isnan(orders.loc["2024-02-28", "equity"])


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ({"equity": 0.6, "bonds": 0.3}, "sum to 0.9.*off by -0.1"),
        ({"equity": 0.6, "bondz": 0.4}, "bonds"),
        ({"equity": 1.2, "bonds": -0.2}, "≥ 0"),
    ],
)
def test_bad_weights(weights, match):
    with pytest.raises(ConfigError, match=match):
        fixed(None, PRICES, weights=weights)
