"""The engine against an independent simulation in plain numpy (`tests/reference.py`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtest.engine import INIT_CASH, simulate
from common.errors import ConfigError
from tests.reference import reference_sim


@pytest.fixture(scope="module")
def prices(bundled) -> pd.DataFrame:
    from market.frame import tbill_price

    f = bundled.frame.loc["2003-01-02":"2025-09-26"]
    return pd.DataFrame({"equity": f["SPY"], "bonds": f["IEF"], "cash": tbill_price(f["TBILL3M"])}).dropna()


def monthly(index: pd.DatetimeIndex) -> np.ndarray:
    m = index.to_period("M")
    last = np.append(m[:-1] != m[1:], False)
    last[0] = True
    return last


@pytest.mark.parametrize(("fees_bp", "slip_bp"), [(0.0, 0.0), (10.0, 5.0)])
def test_sixty_forty_matches_reference(prices, fees_bp, slip_bp):
    days = monthly(prices.index)
    dec = pd.DataFrame(np.nan, index=prices.index, columns=prices.columns)
    dec.loc[days] = [0.6, 0.4, 0.0]
    sim = simulate(prices, dec, lag=1, fees_bp=fees_bp, slippage_bp=slip_bp)
    ref = reference_sim(prices, dec, 1, fees_bp / 1e4, slip_bp / 1e4)
    assert sim.value.iloc[-1] == pytest.approx(ref[-1], rel=1e-9)
    np.testing.assert_allclose(sim.value.to_numpy(), ref, rtol=1e-9)


@pytest.mark.parametrize("lag", [1, 3])
def test_switch_strategy_matches_reference(prices, lag):
    rng = np.random.default_rng(7)
    state = pd.Series((np.cumsum(rng.random(len(prices)) < 0.01) % 2).astype(bool), index=prices.index)
    on, off = np.array([0.6, 0.4, 0.0]), np.array([0.2, 0.3, 0.5])
    w = np.where(state.to_numpy()[:, None], off, on)
    rebalance = monthly(prices.index) | state.ne(state.shift(1, fill_value=False)).to_numpy()
    dec = pd.DataFrame(np.where(rebalance[:, None], w, np.nan), index=prices.index, columns=prices.columns)
    sim = simulate(prices, dec, lag=lag, fees_bp=5.0, slippage_bp=2.0)
    ref = reference_sim(prices, dec, lag, 5e-4, 2e-4)
    assert sim.value.iloc[-1] == pytest.approx(ref[-1], rel=1e-9)
    assert state.sum() > 100  # the regime really switches


def test_lag_zero_is_refused(prices):
    dec = pd.DataFrame(0.5, index=prices.index[:5], columns=["equity", "bonds"])
    with pytest.raises(ConfigError, match="backtest.lag"):
        simulate(prices.iloc[:5, :2], dec, lag=0)


def test_weights_trade_one_bar_later(prices):
    p = prices.iloc[:30]
    dec = pd.DataFrame(np.nan, index=p.index, columns=p.columns)
    dec.iloc[10] = [1.0, 0.0, 0.0]
    sim = simulate(p, dec, lag=1)
    assert list(sim.orders["date"]) == [p.index[11]]
    assert (sim.value.iloc[:12] == INIT_CASH).all()
    assert sim.value.iloc[12] == pytest.approx(p["equity"].iloc[12] / p["equity"].iloc[11])
