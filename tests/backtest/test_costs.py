"""Per-sleeve costs, their reporting, and leverage via a short cash sleeve, against the numpy reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtest import metrics as M
from backtest.engine import check_costs, simulate
from common.errors import ConfigError
from tests.reference import reference_sim


@pytest.fixture(scope="module")
def prices(bundled) -> pd.DataFrame:
    from market.frame import tbill_price

    f = bundled.frame.loc["2005-01-03":"2014-12-31"]
    return pd.DataFrame({"equity": f["SPY"], "bonds": f["IEF"], "cash": tbill_price(f["TBILL3M"])}).dropna()


@pytest.fixture(scope="module")
def decisions(prices) -> pd.DataFrame:
    """A switch between 60/40 and 20/30/50 every ~40 days, plus month ends."""
    idx = prices.index
    state = (np.arange(len(idx)) // 40) % 2 == 1
    w = np.where(state[:, None], [0.2, 0.3, 0.5], [0.6, 0.4, 0.0])
    m = idx.to_period("M")
    days = np.append(m[:-1] != m[1:], False) | np.append(True, state[1:] != state[:-1])
    return pd.DataFrame(np.where(days[:, None], w, np.nan), index=idx, columns=prices.columns)


def test_doubling_fees_changes_the_final_value_by_the_independent_amount(prices, decisions):
    one = simulate(prices, decisions, lag=1, fees_bp=5.0, slippage_bp=1.0).value.iloc[-1]
    two = simulate(prices, decisions, lag=1, fees_bp=10.0, slippage_bp=1.0).value.iloc[-1]
    ref_one = reference_sim(prices, decisions, 1, 5e-4, 1e-4)[-1]
    ref_two = reference_sim(prices, decisions, 1, 10e-4, 1e-4)[-1]
    assert one - two == pytest.approx(ref_one - ref_two, rel=1e-7)
    assert one - two > 0.005  # a real amount: half a percent of initial capital over ten years


def test_per_sleeve_costs_match_the_reference_and_are_reported(prices, decisions):
    fees = {"equity": 8.0, "bonds": 2.0}  # cash trades free
    slip = {"equity": 3.0, "bonds": 1.0, "cash": 0.5}
    sim = simulate(prices, decisions, lag=1, fees_bp=fees, slippage_bp=slip)
    ref = reference_sim(prices, decisions, 1, np.array([8e-4, 2e-4, 0.0]), np.array([3e-4, 1e-4, 0.5e-4]))
    np.testing.assert_allclose(sim.value.to_numpy(), ref, rtol=1e-9)
    o = sim.orders
    assert (o.loc[o["sleeve"] == "cash", "fees"] == 0).all()
    # fees: rate x filled notional; slippage: |size| x close x rate, per sleeve, re-derived from the orders
    rate_f = o["sleeve"].map({"equity": 8e-4, "bonds": 2e-4, "cash": 0.0})
    rate_s = o["sleeve"].map({"equity": 3e-4, "bonds": 1e-4, "cash": 0.5e-4})
    close = prices.to_numpy()[prices.index.get_indexer(o["date"]), prices.columns.get_indexer(o["sleeve"])]
    np.testing.assert_allclose(o["fees"], rate_f * o["size"].abs() * o["price"], rtol=1e-9)
    got = M.trading(o, sim.value, len(prices))
    assert got["slippage_total"] == pytest.approx((o["size"].abs() * close * rate_s).sum(), rel=1e-9)
    assert got["costs_total"] == pytest.approx(got["fees_total"] + got["slippage_total"])
    assert got["n_rebalances"] == decisions.notna().any(axis=1).sum()


def test_leverage_is_a_short_cash_sleeve_simulated_exactly(prices):
    dec = pd.DataFrame(np.nan, index=prices.index, columns=prices.columns)
    m = prices.index.to_period("M")
    dec.loc[np.append(True, m[1:] != m[:-1])] = [1.2, 0.3, -0.5]
    sim = simulate(prices, dec, lag=1, fees_bp=2.0, slippage_bp=1.0)
    np.testing.assert_allclose(sim.value.to_numpy(), reference_sim(prices, dec, 1, 2e-4, 1e-4), rtol=1e-9)
    w = sim.holdings_value.div(sim.value, axis=0).iloc[1]  # the execution close (fees move it a little)
    assert w["equity"] == pytest.approx(1.2, abs=5e-3) and w["cash"] == pytest.approx(-0.5, abs=5e-3)


@pytest.mark.parametrize(
    ("fees", "slip", "key"),
    [
        (-1.0, 1.0, "backtest.fees_bp"),
        ({"equity": 1.0, "bonds": -2.0}, 1.0, "backtest.fees_bp.bonds"),
        (1.0, {"gold": "x"}, "backtest.slippage_bp.gold"),
    ],
)
def test_negative_or_non_numeric_costs_are_refused(fees, slip, key):
    with pytest.raises(ConfigError) as err:
        check_costs(lag=1, fees_bp=fees, slippage_bp=slip)
    assert err.value.key == key
