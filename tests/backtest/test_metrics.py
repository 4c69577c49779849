"""Every reported metric re-derived independently from the daily values (numpy only)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from backtest import metrics as M


@pytest.fixture
def path():
    rng = np.random.default_rng(3)
    idx = pd.bdate_range("2020-01-01", periods=600)
    r = rng.normal(0.0004, 0.01, len(idx))
    value = pd.Series(100.0 * np.cumprod(1 + r), index=idx)
    cash = pd.Series(rng.uniform(0, 0.0002, len(idx)), index=idx)
    return value, cash, 100.0


def test_performance_matches_independent_formulas(path):
    value, cash, init = path
    v = np.concatenate([[init], value.to_numpy()])
    r = v[1:] / v[:-1] - 1
    ex = r - cash.to_numpy()
    n = len(r)
    years = n / 252
    expected_cagr = (v[-1] / v[0]) ** (1 / years) - 1
    peak = np.maximum.accumulate(v)
    mdd = (v / peak - 1).min()
    got = M.performance(value, cash, init)
    assert got["total_return"] == pytest.approx(v[-1] / v[0] - 1, rel=1e-12)
    assert got["cagr"] == pytest.approx(expected_cagr, rel=1e-10)
    assert got["volatility"] == pytest.approx(np.std(r, ddof=1) * math.sqrt(252), rel=1e-10)
    assert got["sharpe_excess_tbill"] == pytest.approx(
        ex.mean() / np.std(ex, ddof=1) * math.sqrt(252), rel=1e-10
    )
    downside = math.sqrt(np.mean(np.minimum(ex, 0) ** 2))
    assert got["sortino_excess_tbill"] == pytest.approx(ex.mean() / downside * math.sqrt(252), rel=1e-10)
    assert got["max_drawdown"] == pytest.approx(mdd, rel=1e-12)
    assert got["calmar"] == pytest.approx(expected_cagr / abs(mdd), rel=1e-10)


def test_drawdown_from_first_day_counts_the_initial_capital():
    value = pd.Series([90.0, 95.0, 99.0], index=pd.bdate_range("2021-01-01", periods=3))
    got = M.performance(value, pd.Series(0.0, index=value.index), 100.0)
    assert got["max_drawdown"] == pytest.approx(-0.10)


def test_trading_metrics():
    idx = pd.bdate_range("2021-01-01", periods=504)
    value = pd.Series(2.0, index=idx)
    orders = pd.DataFrame(
        {
            "date": [idx[0], idx[10], idx[10]],
            "size": [1.0, -0.5, 0.25],
            "price": [2.0, 2.0, 4.0],
            "close": [1.99, 2.01, 3.98],
            "fees": [0.01, 0.02, 0.005],
        }
    )
    got = M.trading(orders, value, n_days=504)
    # notional 2.0, 1.0 and 1.0 on a value of 2.0 -> 2.0 of the portfolio traded, halved (one-way), 2 years
    # slippage: 1.0 x 0.01 + 0.5 x 0.01 + 0.25 x 0.02
    assert got == {
        "fees_total": pytest.approx(0.035),
        "slippage_total": pytest.approx(0.02),
        "costs_total": pytest.approx(0.055),
        "turnover_per_year": pytest.approx(0.5),
        "n_orders": 3.0,
        "n_rebalances": 2.0,
    }


def test_regime_metrics():
    s = pd.Series([True, True, False, False, True, False, False, False])
    got = M.regime(s)
    assert got["time_in_risk_off"] == pytest.approx(3 / 8)
    assert got["n_switches"] == 3  # on->off, off->on, on->off; the starting state is not a switch
