"""Graded, hedge-aware and volatility-target rules on hand-built frames; the overlay against numpy."""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest

from common.errors import ConfigError
from signals.base import SignalOutput
from strategies.allocation import (
    bonds_no_hedge,
    graded,
    hedge_aware,
    regime,
    switch,
    validate,
    vol_overlay,
    vol_target,
)
from strategies.rebalance import schedule

ON = {"equity": 0.6, "bonds": 0.4}
OFF = {"equity": 0.2, "bonds": 0.3, "cash": 0.5}


def frame(n: int, **cols) -> pd.DataFrame:
    idx = pd.bdate_range("2024-01-01", periods=n)
    base = {"equity": 1.0, "bonds": 1.0, "cash": 1.0}
    return pd.DataFrame({c: cols.get(c, np.full(n, base[c])) for c in base}, index=idx)


def test_graded_weights_by_hand():
    p = frame(6)
    score = pd.Series([np.nan, 0.0, 0.5, 1.25, 2.0, 3.0], index=p.index)
    risk_off = pd.Series(False, index=p.index)  # the boolean state is not what grades
    w = graded(SignalOutput(risk_off, score), p, risk_on_weights=ON, risk_off_weights=OFF, score_lo=0.5,
               score_hi=2.0)  # fmt: skip
    expected = [
        [0.6, 0.4, 0.0],  # NaN score: risk-on
        [0.6, 0.4, 0.0],
        [0.6, 0.4, 0.0],  # at score_lo
        [0.4, 0.35, 0.25],  # halfway: (0.6+0.2)/2, (0.4+0.3)/2, (0+0.5)/2
        [0.2, 0.3, 0.5],
        [0.2, 0.3, 0.5],  # clipped above score_hi
    ]
    np.testing.assert_allclose(w.to_numpy(), expected, atol=1e-15)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)


def test_graded_needs_a_score():
    p = frame(3)
    with pytest.raises(ConfigError, match="score"):
        graded(SignalOutput(pd.Series(False, index=p.index)), p, risk_on_weights=ON, risk_off_weights=OFF,
               score_lo=0.0, score_hi=1.0)  # fmt: skip


def hedge_frame():
    """Bond returns are minus equity's up to day 4, equal to them from day 5: correlation -1 then +1."""
    e = np.array([0.0, 0.01, -0.01, 0.02, -0.02, 0.01, 0.02, -0.01, 0.03, -0.02])
    b = np.where(np.arange(10) <= 4, -e, e)
    return frame(10, equity=np.cumprod(1 + e), bonds=np.cumprod(1 + b))


def test_bonds_no_hedge_on_a_constructed_path():
    got = bonds_no_hedge(hedge_frame(), window=3, threshold=0.0)
    # window 3 at day t uses returns t-2..t: all -1 on days 3-4, all +1 on days 7-9; day 1-2 warm-up
    assert got.iloc[[0, 1, 2, 3, 4]].tolist() == [False] * 5
    assert got.iloc[[7, 8, 9]].tolist() == [True] * 3


def test_hedge_aware_weights_by_hand():
    p = hedge_frame()
    state = pd.Series([False, False, False, True, True, False, False, True, True, False], index=p.index)
    w = hedge_aware(SignalOutput(state), p, risk_on_weights=ON, risk_off_weights=OFF, corr_window=3,
                    corr_threshold=0.0)  # fmt: skip
    assert w.iloc[3].tolist() == [0.2, 0.3, 0.5]  # risk-off, bonds still hedge
    assert w.iloc[4].tolist() == [0.2, 0.3, 0.5]
    assert w.iloc[7].tolist() == [0.2, 0.0, 0.8]  # risk-off, bonds no hedge: their weight goes to cash
    assert w.iloc[8].tolist() == [0.2, 0.0, 0.8]
    assert w.iloc[9].tolist() == [0.6, 0.4, 0.0]  # risk-on weights are never changed


def test_hedge_aware_regime_has_a_third_state_and_its_flip_is_a_rebalance_day():
    p = hedge_frame()
    # risk-off from day 3 to day 8: bonds hedge on days 3-4 (correlation -1), not on days 7-8 (+1)
    state = pd.Series([False, False, False, True, True, True, True, True, True, False], index=p.index)
    rule = functools.partial(hedge_aware, risk_on_weights=ON, risk_off_weights=OFF, corr_window=3,
                             corr_threshold=0.0)  # fmt: skip
    codes = regime(rule, SignalOutput(state), p)
    no_hedge = bonds_no_hedge(p, 3, 0.0)
    expected = [0 if not s else (2 if h else 1) for s, h in zip(state, no_hedge, strict=True)]
    assert codes.tolist() == expected
    assert codes.iloc[3] == 1 and codes.iloc[7] == 2  # the flip happens inside the risk-off episode
    # the plain switch's regime is the risk-off state alone
    plain = functools.partial(switch, risk_on_weights=ON, risk_off_weights=OFF)
    assert regime(plain, SignalOutput(state), p).tolist() == state.astype(int).tolist()
    # no calendar rebalance: the orders fall on day 0 (start) and on every change of the codes only
    targets = rule(SignalOutput(state), p)
    orders = schedule(targets, calendar="none", on_regime_change=True, state=codes)
    flips = [i for i in range(1, 10) if expected[i] != expected[i - 1]]
    assert sorted(np.flatnonzero(orders.notna().all(axis=1)).tolist()) == sorted({0, *flips})
    assert orders.iloc[flips[1]].tolist() == [0.2, 0.0, 0.8]  # bonds to cash on the flip's close


@pytest.fixture(scope="module")
def spy(bundled) -> pd.DataFrame:
    from market.frame import tbill_price

    f = bundled.frame.loc["2005-01-03":"2012-12-31"]
    return pd.DataFrame({"equity": f["SPY"], "bonds": f["IEF"], "cash": tbill_price(f["TBILL3M"])}).dropna()


def test_vol_overlay_against_numpy(spy):
    window, target, cap = 21, 0.12, 1.5
    base = pd.DataFrame({"equity": 0.6, "bonds": 0.4, "cash": 0.0}, index=spy.index)
    got = vol_overlay(base, spy, target_vol=target, window=window, max_leverage=cap)
    p = spy["equity"].to_numpy()
    r = p[1:] / p[:-1] - 1  # r[t-1] is day t's return
    k = np.ones(len(p))
    for t in range(window, len(p)):
        sd = np.std(r[t - window : t], ddof=1) * math.sqrt(252)  # returns of days t-window+1 .. t
        k[t] = min(target / sd, cap)
    np.testing.assert_allclose(got["equity"].to_numpy(), 0.6 * k, rtol=1e-10)
    np.testing.assert_allclose(got["cash"].to_numpy(), 0.6 * (1 - k), rtol=1e-10, atol=1e-15)
    assert (got["bonds"] == 0.4).all()
    np.testing.assert_allclose(got.sum(axis=1), 1.0)
    assert (k == cap).sum() > 100 and (k < 0.5).sum() > 20  # both the cap and 2008's de-risking bite
    assert got["cash"].min() == pytest.approx(-0.3)  # leverage: borrowing at the T-bill rate


def test_vol_overlay_is_causal(spy):
    t = spy.index[1000]
    base = pd.DataFrame({"equity": 1.0, "bonds": 0.0, "cash": 0.0}, index=spy.index)
    full = vol_overlay(base, spy, window=63)
    cut = vol_overlay(base.loc[:t], spy.loc[:t], window=63)
    pd.testing.assert_frame_equal(full.loc[:t], cut)


def test_vol_target_baseline_is_all_equity_under_the_overlay(spy):
    got = vol_target(None, spy, target_vol=0.10, window=63, max_leverage=1.0)
    assert got["equity"].max() == 1.0 and got["equity"].min() < 0.3
    np.testing.assert_allclose(got["equity"] + got["cash"], 1.0)
    assert (got["bonds"] == 0).all()


@pytest.mark.parametrize(
    ("rule", "params", "key"),
    [
        (vol_target, {"max_leverage": 0.8}, "strategy.allocation.max_leverage"),
        (vol_target, {"target_vol": 0.0}, "strategy.allocation.target_vol"),
        (vol_target, {"window": 1}, "strategy.allocation.window"),
        (graded, {"risk_on_weights": ON, "risk_off_weights": OFF, "score_lo": 2.0, "score_hi": 1.0},
         "strategy.allocation.score_hi"),
        (hedge_aware, {"risk_on_weights": ON, "risk_off_weights": OFF, "corr_threshold": 1.5},
         "strategy.allocation.corr_threshold"),
    ],
)  # fmt: skip
def test_bad_rule_parameters(rule, params, key):
    with pytest.raises(ConfigError) as err:
        validate(rule, params)
    assert err.value.key == key
