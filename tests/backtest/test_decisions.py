"""Coded decisions (codes into per-configuration tables) simulate exactly as the dense array does."""

from __future__ import annotations

import numpy as np
import pandas as pd

from backtest.engine import Decisions, simulate_grid


def _prices() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    idx = pd.bdate_range("2024-01-01", periods=60)
    walk = np.exp(np.cumsum(rng.normal(0, 0.01, (60, 2)), axis=0))
    return pd.DataFrame({"equity": 100 * walk[:, 0], "bonds": 50 * walk[:, 1], "cash": 1.0}, index=idx)


def test_codes_and_the_dense_array_they_stand_for_simulate_the_same():
    prices = _prices()
    rng = np.random.default_rng(3)
    c = 5
    table = np.stack(
        [
            np.tile([0.6, 0.4, 0.0], (c, 1)),
            np.tile([0.2, 0.3, 0.5], (c, 1)),
            np.full((c, 3), np.nan),
        ]
    )  # (3, C, K): risk-on, risk-off, no rebalance
    codes = rng.integers(0, 3, (len(prices), c))
    codes[0] = 0
    coded = Decisions(codes, table)
    dense = table[codes, np.arange(c)]  # independent: the (T, C, K) array the codes stand for
    assert coded.shape == dense.shape
    np.testing.assert_array_equal(coded.orders(), ~np.isnan(dense).all(axis=2))
    rows = np.array([[3] * c, [10] * c])
    np.testing.assert_array_equal(coded.on(rows), dense[rows, np.arange(c)])
    a = simulate_grid(prices, coded, fees_bp=2.0)
    b = simulate_grid(prices, dense, fees_bp=2.0)
    assert np.array_equal(a.value, b.value) and np.array_equal(a.fees, b.fees)
    assert np.array_equal(a.n_orders, b.n_orders) and np.array_equal(a.traded, b.traded)
    sub = simulate_grid(prices, coded.columns([4, 1]), fees_bp=2.0)
    assert np.array_equal(sub.value, b.value[:, [4, 1]])
    assert not np.allclose(a.value[:, 0], a.value[:, 1])  # the columns really differ
