"""swap_spread, term_premium and stock_bond_correlation on hand-built series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from common.errors import ConfigError
from signals.stock_bond_correlation import stock_bond_correlation
from signals.swap_spread import swap_spread
from signals.term_premium import term_premium


def frame(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame(cols, index=pd.bdate_range("2024-01-01", periods=n), dtype=float)


def test_swap_spread_change_rule_with_hysteresis():
    # spread (bp): 20, 15, 8, 12, 14, 30
    f = frame(SWAP10Y=[4.20, 4.15, 4.08, 4.12, 4.14, 4.30], UST10Y=[4.0] * 6)
    out = swap_spread(f, window=2, drop_bp=10, exit_drop_bp=0)
    # fall over 2 days: -, -, 12, 3, -6, -16 -> on day 2, still falling on day 3, off day 4
    assert out.score.round(6).tolist() == [20.0, 15.0, 8.0, 12.0, 14.0, 30.0]
    assert out.risk_off.tolist() == [False, False, True, True, False, False]


def test_swap_spread_level_rule_and_exit_level():
    f = frame(SWAP10Y=[4.05, 3.99, 4.01, 4.03, 3.98], UST10Y=[4.0] * 5)  # 5, -1, 1, 3, -2 bp
    assert swap_spread(f, rule="level").risk_off.tolist() == [False, True, False, False, True]
    held = swap_spread(f, rule="level", level_bp=0, exit_level_bp=2)
    assert held.risk_off.tolist() == [False, True, True, False, True]


def test_swap_spread_is_neutral_outside_swap_coverage_and_reports_it():
    swap = [np.nan, np.nan, 3.9, 3.8, 3.7, np.nan]
    f = frame(SWAP10Y=swap, UST10Y=[4.0] * 6)  # spread -10, -20, -30 where covered
    out = swap_spread(f, rule="level")
    assert out.risk_off.tolist() == [False, False, True, True, True, False]
    assert out.coverage == pytest.approx(3 / 6)


def test_swap_spread_on_a_user_spread_column_in_bp():
    f = frame(MY_SPREAD=[5.0, -3.0, -4.0])
    out = swap_spread(f, spread="MY_SPREAD", rule="level")
    assert out.risk_off.tolist() == [False, True, True]
    assert swap_spread.columns(spread="MY_SPREAD") == ("MY_SPREAD",)
    assert swap_spread.columns() == ("SWAP10Y", "UST10Y")


def test_term_premium_new_high_holds_and_level_rule():
    tp = [0.5, 0.6, 0.55, 0.7, 0.65, 0.6, 0.8]
    out = term_premium(frame(TERM_PREMIUM_10Y=tp), window=3, hold_days=2)
    # day 3: 0.7 > max(0.5, 0.6, 0.55); day 6: 0.8 > max(0.7, 0.65, 0.6)
    assert out.risk_off.tolist() == [False, False, False, True, True, False, True]
    assert out.score.iloc[3] == pytest.approx(10.0)
    lvl = term_premium(frame(TERM_PREMIUM_10Y=tp), rule="level", level=0.6, exit_level=0.58)
    assert lvl.risk_off.tolist() == [False, True, False, True, True, True, True]


def test_stock_bond_correlation_by_hand():
    rng = np.random.default_rng(0)
    r = rng.normal(0, 0.01, 40)
    eq = 100 * np.cumprod(1 + r)
    same = 100 * np.cumprod(1 + 0.5 * r + rng.normal(0, 0.002, 40))
    opposite = 100 * np.cumprod(1 - r)
    up = stock_bond_correlation(frame(SPY=eq, IEF=same), window=10, entry=0.3, exit=0.0)
    r_eq, r_bd = np.diff(eq) / eq[:-1], np.diff(same) / same[:-1]
    assert up.score.iloc[-1] == pytest.approx(np.corrcoef(r_eq[-10:], r_bd[-10:])[0, 1])
    assert up.risk_off.iloc[12:].all() and not up.risk_off.iloc[:8].any()
    down = stock_bond_correlation(frame(SPY=eq, IEF=opposite), window=10)
    assert not down.risk_off.any()
    assert stock_bond_correlation.columns(equity="QQQ", bonds="TLT") == ("QQQ", "TLT")


@pytest.mark.parametrize(
    ("fn", "params", "key"),
    [
        (swap_spread, {"drop_bp": 10, "exit_drop_bp": 12}, "strategy.signal.exit_drop_bp"),
        (swap_spread, {"level_bp": 0, "exit_level_bp": -5}, "strategy.signal.exit_level_bp"),
        (swap_spread, {"window": 0}, "strategy.signal.window"),
        (swap_spread, {"drop_bp": -1}, "strategy.signal.drop_bp"),
        (term_premium, {"window": -1}, "strategy.signal.window"),
        (term_premium, {"level": 1.0, "exit_level": 1.2}, "strategy.signal.exit_level"),
        (stock_bond_correlation, {"entry": 0.2, "exit": 0.5}, "strategy.signal.exit"),
        (stock_bond_correlation, {"entry": 1.5}, "strategy.signal.entry"),
        (stock_bond_correlation, {"window": 2}, "strategy.signal.window"),
    ],
)
def test_bad_parameters_name_their_key(fn, params, key):
    with pytest.raises(ConfigError) as err:
        fn.validate(**params)
    assert err.value.key == key
