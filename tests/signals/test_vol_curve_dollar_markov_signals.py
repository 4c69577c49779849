"""vol_gap, curve_divergence, dollar_weakness and markov_regime on hand-built series, re-derived in numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.regime_switching.markov_regression import MarkovRegression

from common.errors import ConfigError, DataError
from signals.curve_divergence import curve_divergence
from signals.dollar_weakness import dollar_weakness
from signals.markov_regime import markov_regime
from signals.vol_gap import vol_gap


def frame(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame(cols, index=pd.bdate_range("2020-01-01", periods=n), dtype=float)


def latch_loop(score: np.ndarray, entry: float, exit: float) -> list[bool]:
    """On at score >= entry, off at score < exit or NaN: a plain loop."""
    on, out = False, []
    for s in score:
        if np.isnan(s) or s < exit:
            on = False
        if not np.isnan(s) and s >= entry:
            on = True
        out.append(on)
    return out


def realized_loop(moves: np.ndarray, window: int) -> np.ndarray:
    """Annualised sample std of the last `window` moves (full windows only), a plain loop."""
    out = np.full(len(moves), np.nan)
    for t in range(window, len(moves)):
        out[t] = np.std(moves[t - window + 1 : t + 1], ddof=1) * np.sqrt(252)
    return out


# ---- vol_gap -------------------------------------------------------------------------------------


def test_vol_gap_equity_ratio_level_rule_re_derived():
    rng = np.random.default_rng(3)
    n, w = 80, 10
    spx = 4000 * np.cumprod(1 + rng.normal(0, 0.01, n))
    vix = 15 + 5 * np.sin(np.arange(n) / 6) + rng.normal(0, 1, n)
    out = vol_gap(frame(VIX=vix, SPX=spx), realized_window=w, rule="level", entry=1.2, exit=1.0)
    ret_pct = np.r_[np.nan, spx[1:] / spx[:-1] - 1] * 100
    ratio = vix / realized_loop(ret_pct, w)
    got = out.score.to_numpy()
    np.testing.assert_allclose(got[w:], ratio[w:], rtol=1e-12)
    want = latch_loop(ratio, 1.2, 1.0)
    assert out.risk_off.iloc[w:].tolist() == want[w:]
    assert out.risk_off.iloc[w:].any() and not out.risk_off.iloc[w:].all()


def test_vol_gap_rates_leg_in_bp_spread_and_zscore():
    rng = np.random.default_rng(5)
    n, w, zw = 120, 10, 30
    ust = 4.0 + np.cumsum(rng.normal(0, 0.06, n))  # percent
    move = 90 + np.cumsum(rng.normal(0, 3, n))
    f = frame(MOVE=move, UST10Y=ust)
    kw = dict(implied="MOVE", underlying="UST10Y", moves="changes", realized_window=w, gap="spread")
    lvl = vol_gap(f, **kw, rule="level", entry=10.0, exit=0.0)
    bp = np.r_[np.nan, np.diff(ust) * 100]
    spread = move - realized_loop(bp, w)  # MOVE points (bp) minus realized bp per year
    np.testing.assert_allclose(lvl.score.to_numpy()[w:], spread[w:], rtol=1e-12)
    z = vol_gap(f, **kw, rule="zscore", window=zw, entry=1.0, exit=0.0)
    s = pd.Series(spread)
    past = [s.iloc[t - zw + 1 : t + 1] for t in range(n)]
    zs = [(s.iloc[t] - past[t].mean()) / past[t].std() for t in range(n)]
    start = w + zw
    np.testing.assert_allclose(z.score.to_numpy()[start:], np.array(zs)[start:], rtol=1e-9)
    assert z.risk_off.iloc[start:].tolist() == latch_loop(np.array(zs), 1.0, 0.0)[start:]


def test_vol_gap_below_direction_and_bad_parameters():
    f = frame(VIX=[20.0] * 40, SPX=100 * np.cumprod(1 + np.tile([0.01, -0.01], 20)))
    # 5 alternating ±1% returns: sample variance 1.2 (%²) whichever sign leads; ratio 20 / (√1.2 √252)
    ratio = 20 / (np.sqrt(1.2) * np.sqrt(252))
    on = vol_gap(f, realized_window=5, rule="level", direction="below", entry=1.2, exit=1.25)
    np.testing.assert_allclose(on.score.iloc[6:], ratio, rtol=1e-6)
    assert on.risk_off.iloc[6:].all()
    off = vol_gap(f, realized_window=5, rule="level", direction="below", entry=1.1, exit=1.15)
    assert not off.risk_off.iloc[6:].any()  # (the first reports, on 4 moves, differ)
    with pytest.raises(ConfigError, match="strategy.signal.exit"):
        vol_gap(f, rule="level", entry=1.5, exit=2.0)
    with pytest.raises(ConfigError, match="Did you mean `ratio`"):
        vol_gap(f, gap="ratoi")
    with pytest.raises(ConfigError, match="strategy.signal.realized_window"):
        vol_gap(f, realized_window=1)


# ---- curve_divergence ----------------------------------------------------------------------------


def test_curve_divergence_both_legs_must_move_x_bp():
    #          0     1     2     3     4     5     6     7
    two = [4.00, 3.98, 3.92, 3.88, 3.90, 3.95, 3.80, 3.80]
    ten = [4.20, 4.25, 4.31, 4.28, 4.40, 4.30, 4.50, 4.35]
    f = frame(UST2Y=two, UST10Y=ten)
    out = curve_divergence(f, window=2, x_bp=10, hold_days=1)
    d2 = (np.array(two[2:]) - np.array(two[:-2])) * 100
    d10 = (np.array(ten[2:]) - np.array(ten[:-2])) * 100
    div = np.minimum(-d2, d10)
    np.testing.assert_allclose(out.score.to_numpy()[2:], div, atol=1e-9)
    # day 2: 2y -8bp (not enough); day 3: -10 and +3; day 6: -10 and +20 -> only day 6
    assert out.risk_off.tolist() == [False] * 6 + [True, False]
    held = curve_divergence(f, window=2, x_bp=10, hold_days=2)
    assert held.risk_off.tolist() == [False] * 6 + [True, True]


def test_curve_divergence_steepening_needs_the_long_yield_up():
    two = [4.00, 3.70, 3.60, 3.60, 3.90]
    ten = [4.20, 4.00, 4.21, 4.00, 4.40]
    f = frame(UST2Y=two, UST10Y=ten)
    out = curve_divergence(f, rule="steepening", window=1, steepen_bp=15, hold_days=1)
    # 2s10s: 20, 30, 61, 40, 50 -> widened 10, 31, -21, 10; long: -20, +21, -21, +40
    np.testing.assert_allclose(out.score.to_numpy()[1:], [10, 31, -21, 10], atol=1e-9)
    assert out.risk_off.tolist() == [False, False, True, False, False]
    either = curve_divergence(f, rule="either", window=1, x_bp=30, steepen_bp=15, hold_days=1)
    # day 4: 2y +30 (up) so no divergence; day 2: 2y -10 -> no; steepening on day 2 only
    assert either.risk_off.tolist() == [False, False, True, False, False]
    with pytest.raises(ConfigError, match="strategy.signal.x_bp"):
        curve_divergence(f, x_bp=0)


# ---- dollar_weakness -----------------------------------------------------------------------------


def test_dollar_weakness_change_rule_with_exit():
    x = [120.0, 119.0, 117.0, 116.0, 118.5, 119.5, 114.0]
    out = dollar_weakness(frame(DTWEXBGS=x), window=2, drop_pct=2.0, exit_drop_pct=1.0)
    fall = [np.nan, np.nan] + [100 * (1 - x[t] / x[t - 2]) for t in range(2, 7)]
    np.testing.assert_allclose(out.score.to_numpy()[2:], fall[2:], rtol=1e-12)
    # falls: 2.5, 2.52, -1.28, -3.02, 3.80 -> on 2, 3; off 4 (< 1), 5; on 6
    assert out.risk_off.tolist() == latch_loop(np.array(fall), 2.0, 1.0)
    assert out.risk_off.tolist() == [False, False, True, True, False, False, True]


def test_dollar_weakness_low_rule_and_missing_column_names_its_sources():
    x = [100.0, 99.0, 101.0, 98.5, 100.0, 100.0, 97.0]
    out = dollar_weakness(frame(DTWEXBGS=x), rule="low", window=3, hold_days=2)
    # day 3: 98.5 < min(100, 99, 101); day 6: 97 < min(98.5, 100, 100)
    assert out.risk_off.tolist() == [False, False, False, True, True, False, True]
    with pytest.raises(DataError) as err:
        dollar_weakness(frame(SPY=[1.0, 2.0]))
    msg = str(err.value)
    assert "DTWEXBGS" in msg and "FRED" in msg and "data=live" in msg and "data=csv" in msg


# ---- markov_regime -------------------------------------------------------------------------------


def hamilton_filter(y: np.ndarray, params: np.ndarray) -> np.ndarray:
    """P[state_t | y_0..y_t] of a 2-state switching mean/variance model, in numpy (steady-state start).

    params as statsmodels orders them: p[0->0], p[1->0], const[0], const[1], sigma2[0], sigma2[1].
    """
    p00, p10, m0, m1, s0, s1 = params
    P = np.array([[p00, 1 - p00], [p10, 1 - p10]])  # row: from, column: to
    pi = np.array([p10, 1 - p00]) / (p10 + 1 - p00)  # stationary distribution
    out = np.empty((len(y), 2))
    prob = pi
    for t, v in enumerate(y):
        pred = prob @ P if t > 0 else pi
        dens = np.exp(-((v - np.array([m0, m1])) ** 2) / (2 * np.array([s0, s1])))
        dens /= np.sqrt(2 * np.pi * np.array([s0, s1]))
        joint = pred * dens
        prob = joint / joint.sum()
        out[t] = prob
    return out


def planted_returns(seed: int = 11) -> pd.Series:
    """Calm (0.5% a day), a storm (3%), calm, a second storm, calm: 200, 60, 150, 80, 120 days."""
    rng = np.random.default_rng(seed)
    calm = lambda n: rng.normal(0.05, 0.5, n)  # noqa: E731
    storm = lambda n: rng.normal(-0.2, 3.0, n)  # noqa: E731
    r = np.concatenate([calm(200), storm(60), calm(150), storm(80), calm(120)]) / 100
    price = 100 * np.cumprod(1 + np.r_[0.0, r])
    return pd.Series(price, index=pd.bdate_range("2015-01-01", periods=len(price)))


def test_markov_regime_finds_a_planted_high_variance_spell():
    f = pd.DataFrame({"SPY": planted_returns()})
    out = markov_regime(f, min_train=300, refit_every=50, entry=0.8, exit=0.5)
    p, on = out.score, out.risk_off
    assert p.iloc[:300].isna().all() and not on.iloc[:300].any()  # no fit before min_train returns
    second = slice(416, 491)  # the second storm's days (returns 410-489), after a few for the filter
    assert p.iloc[second].mean() > 0.9 and on.iloc[second].mean() > 0.9
    calm = [*range(310, 405), *range(500, 611)]
    assert p.iloc[calm].mean() < 0.1 and on.iloc[calm].mean() < 0.05


def test_markov_regime_probability_is_the_filtered_one_under_the_fit_up_to_the_refit():
    price = planted_returns(4)
    y = (price.pct_change() * 100).dropna().to_numpy()
    min_train, every = 300, 40
    out = markov_regime(pd.DataFrame({"SPY": price}), min_train=min_train, refit_every=every)
    # the first block: fit on the first min_train returns only, then filter forward
    params = MarkovRegression(y[:min_train], k_regimes=2, trend="c", switching_variance=True).fit(
        disp=False, return_params=True
    )
    high = int(np.argmax(params[4:6]))
    filt = hamilton_filter(y[: min_train - 1 + every], params)[:, high]
    got = out.score.dropna().to_numpy()[:every]  # score index = return index (first price has none)
    np.testing.assert_allclose(got, filt[min_train - 1 : min_train - 1 + every], atol=1e-6)
    # and it is not the smoothed probability, which uses the data after each day
    smooth = MarkovRegression(y[: min_train - 1 + every], k_regimes=2, trend="c", switching_variance=True)
    sm = smooth.smooth(params).smoothed_marginal_probabilities[min_train - 1 :, high]
    assert np.max(np.abs(sm - got)) > 1e-3


def test_markov_regime_bad_parameters():
    f = pd.DataFrame({"SPY": planted_returns()})
    with pytest.raises(ConfigError, match="strategy.signal.entry"):
        markov_regime(f, entry=1.2)
    with pytest.raises(ConfigError, match="strategy.signal.min_train"):
        markov_regime(f, min_train=5)
    with pytest.raises(ConfigError, match="strategy.signal.exit"):
        markov_regime(f, entry=0.6, exit=0.7)
