"""Drift band and minimum holding period on constructed price paths, hand-computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from common.errors import ConfigError
from strategies.rebalance import check_rebalance, gate, schedule

TARGET = np.array([0.5, 0.5])


def test_drift_band_trades_only_when_a_weight_is_off_by_more_than_the_band():
    a = np.array([1.0, 1.0, 1.1, 1.25, 1.3, 1.0, 1.02])
    prices = np.column_stack([a, np.ones_like(a)])
    targets = np.tile(TARGET, (len(a), 1))
    got = gate(np.ones(len(a), bool), targets, prices, drift_band=0.05, lag=1)
    # day 0 trades (executed day 1 at A=1); day 2: A weight 1.1/2.1 = 0.524 (in band); day 3: 1.25/2.25 =
    # 0.556 (out: trade, executed day 4 at A=1.3); day 4: just executed (0.5); day 5: units 0.5/1.3 and
    # 0.5 -> A weight (1/1.3)/(1/1.3 + 1) = 0.435 (out: trade); day 6: in flight at day 5's decision
    assert np.flatnonzero(got).tolist() == [0, 3, 5]
    assert abs(1.25 / 2.25 - 0.5) > 0.05 > abs(1.1 / 2.1 - 0.5)
    assert abs((1 / 1.3) / (1 / 1.3 + 1) - 0.5) > 0.05


def test_drift_band_counts_target_changes():
    prices = np.ones((4, 2))
    targets = np.array([[0.5, 0.5], [0.53, 0.47], [0.6, 0.4], [0.6, 0.4]])
    assert np.flatnonzero(gate(np.ones(4, bool), targets, prices, drift_band=0.05)).tolist() == [0, 2]


def test_minimum_hold_spaces_trades_and_defers_blocked_ones():
    prices, targets = np.ones((10, 2)), np.tile(TARGET, (10, 1))
    every_day = gate(np.ones(10, bool), targets, prices, min_hold_days=3)
    assert np.flatnonzero(every_day).tolist() == [0, 3, 6, 9]
    cands = np.zeros(10, bool)
    cands[[0, 1, 7]] = True  # day 1 is blocked (1 day after day 0) and trades as soon as the hold ends
    assert np.flatnonzero(gate(cands, targets, prices, min_hold_days=3)).tolist() == [0, 3, 7]


def test_schedule_applies_the_gates_on_pandas():
    idx = pd.bdate_range("2024-01-01", periods=6)
    prices = pd.DataFrame({"equity": [1.0, 1.0, 1.1, 1.25, 1.3, 1.0], "bonds": 1.0}, index=idx)
    targets = pd.DataFrame({"equity": 0.5, "bonds": 0.5}, index=idx)
    orders = schedule(targets, calendar="daily", on_regime_change=False, prices=prices, drift_band=0.05)
    assert orders["equity"].notna().tolist() == [True, False, False, True, False, True]


@pytest.mark.parametrize(
    ("band", "hold", "key"),
    [
        (-0.1, 0, "drift_band"),
        (1.0, 0, "drift_band"),
        (0.05, -1, "min_hold_days"),
        (0.0, 2.5, "min_hold_days"),
    ],
)
def test_bad_rebalance_settings(band, hold, key):
    with pytest.raises(ConfigError) as err:
        check_rebalance(band, hold)
    assert err.value.key == f"strategy.rebalance.{key}"
