"""Property: for random data, no signal's value at t (state, score, conditions) changes when the data after t
changes: every registered signal (conf/signal/*.yaml) with its YAML's parameters, found by
`tests.parts.registered`, and the short-window cases below, which make every rule fire."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signals.auction_stress import auction_stress
from signals.composite import composite
from signals.curve_divergence import curve_divergence
from signals.dollar_weakness import dollar_weakness
from signals.markov_regime import markov_regime
from signals.move_vix_wedge import move_vix_wedge
from signals.repo_stress import repo_stress
from signals.stock_bond_correlation import stock_bond_correlation
from signals.swap_spread import swap_spread
from signals.term_premium import term_premium
from signals.threshold import threshold
from signals.vol_gap import vol_gap
from signals.yield_breakout import yield_breakout
from signals.yield_shock import yield_shock
from tests.parts import Part, registered

# Short windows so that every rule can fire within a few dozen rows.
SIGNALS = {
    "move_vix_wedge": functools.partial(move_vix_wedge, lookback=10, z_entry=0.5, z_exit=0.0, trend_window=3),
    "yield_breakout_level": functools.partial(yield_breakout, level=4.0, exit_level=3.9, move_window=2),
    "yield_breakout_high": functools.partial(
        yield_breakout, rule="high", window=5, move_window=2, hold_days=3
    ),
    "yield_shock": functools.partial(yield_shock, x_bp=5, k=2, n=3),
    "yield_shock_range": functools.partial(yield_shock, x_bp=20, k=1, n=2, measure="range"),
    "swap_spread": functools.partial(swap_spread, rule="either", window=3, drop_bp=3, level_bp=10),
    "term_premium_high": functools.partial(term_premium, window=8, hold_days=3),
    "term_premium_level": functools.partial(term_premium, rule="level", level=0.5, exit_level=0.3),
    "stock_bond_correlation": functools.partial(stock_bond_correlation, window=6, entry=0.2, exit=-0.1),
    "threshold_zscore": functools.partial(
        threshold, column="VIX", rule="zscore", window=6, entry=1.0, exit=0.0
    ),
    "threshold_breakdown": functools.partial(
        threshold, column="VIX", rule="breakout", direction="below", window=4
    ),
    "vol_gap_equity": functools.partial(vol_gap, realized_window=5, window=8, entry=0.5, exit=0.0),
    "vol_gap_rates_level": functools.partial(
        vol_gap,
        implied="MOVE",
        underlying="UST10Y",
        moves="changes",
        realized_window=5,
        gap="spread",
        rule="level",
        entry=-20.0,
        exit=-40.0,
    ),
    "curve_divergence": functools.partial(curve_divergence, rule="either", window=3, x_bp=3, steepen_bp=5),
    "dollar_weakness_change": functools.partial(dollar_weakness, window=5, drop_pct=0.5, exit_drop_pct=0.2),
    "dollar_weakness_low": functools.partial(dollar_weakness, rule="low", window=5, hold_days=2),
    "auction_stress": functools.partial(auction_stress, lookback=3, k=0.5, x_bp=6.0, hold_days=3),
    "repo_stress_iorb": functools.partial(repo_stress, rule="iorb", x_bp=2.0, hold_days=2),
    "repo_stress_dispersion": functools.partial(repo_stress, rule="dispersion", window=8, z_entry=1.0),
}
SIGNALS["composite"] = functools.partial(
    composite,
    signals=[SIGNALS["move_vix_wedge"], SIGNALS["yield_shock"], SIGNALS["swap_spread"]],
    rule="k_of_n",
    k=2,
)
# statsmodels fits: slower, so checked on fewer examples below (fits at rows 14 and 44, filter after)
SLOW_SIGNALS = {
    "markov_regime": functools.partial(
        markov_regime, column="SPY", min_train=15, refit_every=30, em_iter=3, entry=0.6, exit=0.4
    ),
}
COLUMNS = (
    "MOVE",
    "VIX",
    "UST10Y",
    "UST10Y_HIGH",
    "UST10Y_LOW",
    "UST2Y",
    "SWAP10Y",
    "TERM_PREMIUM_10Y",
    "SPX",
    "SPY",
    "IEF",
    "DTWEXBGS",
    "AUCTION10Y_COUNT",
    "AUCTION10Y_BID_TO_COVER",
    "AUCTION10Y_INDIRECT_SHARE",
    "AUCTION10Y_HIGH_MINUS_AVG_BP",
    "SOFR",
    "TGCR",
    "IORB",
    "SOFR_P1",
    "SOFR_P99",
)


def random_frame(rng: np.random.Generator, n: int, nan_share: float) -> pd.DataFrame:
    walk = lambda lo, scale: lo + np.abs(np.cumsum(rng.normal(0, scale, n)))  # noqa: E731
    ust = walk(3.5, 0.08)
    f = pd.DataFrame(
        {
            "MOVE": walk(80, 4.0),
            "VIX": walk(12, 1.0),
            "UST10Y": ust,
            "UST10Y_HIGH": ust + rng.uniform(0, 0.3, n),
            "UST10Y_LOW": ust - rng.uniform(0, 0.3, n),
            "UST2Y": walk(3.0, 0.08),
            "SWAP10Y": ust + rng.normal(0.1, 0.05, n),
            "TERM_PREMIUM_10Y": rng.normal(0.3, 0.3, n).cumsum() / 5,
            "SPY": 100 * np.cumprod(1 + rng.normal(0, 0.01, n)),
            "IEF": 100 * np.cumprod(1 + rng.normal(0, 0.005, n)),
            "SPX": 3000 * np.cumprod(1 + rng.normal(0, 0.01, n)),
            "DTWEXBGS": 110 * np.cumprod(1 + rng.normal(0, 0.004, n)),
            **random_auctions(rng, n),
            **random_repo(rng, n),
        },
        index=pd.bdate_range("2020-01-01", periods=n),
    )
    holes = rng.random(f.shape) < nan_share
    return f.mask(holes)


def random_auctions(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """The daily auction columns: an auction every 3 to 6 rows, its figures held until the next."""
    count = np.cumsum(rng.random(n) < 0.25).astype(float)
    per = {c: rng.normal(m, s, n + 1) for c, m, s in (("b", 2.5, 0.15), ("i", 65, 8), ("h", 4, 2))}
    at = count.astype(int)
    return {
        "AUCTION10Y_COUNT": count,
        "AUCTION10Y_BID_TO_COVER": per["b"][at],
        "AUCTION10Y_INDIRECT_SHARE": per["i"][at],
        "AUCTION10Y_HIGH_MINUS_AVG_BP": per["h"][at],
    }


def random_repo(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """SOFR, TGCR around IORB, and SOFR's percentiles around SOFR, in percent."""
    iorb = np.full(n, 4.4)
    sofr = iorb + rng.normal(-0.03, 0.04, n)
    return {
        "SOFR": sofr,
        "TGCR": sofr + rng.normal(-0.01, 0.01, n),
        "IORB": iorb,
        "SOFR_P1": sofr - np.abs(rng.normal(0.05, 0.02, n)),
        "SOFR_P99": sofr + np.abs(rng.normal(0.1, 0.05, n)),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(30, 80),
    cut=st.floats(0.2, 0.9),
    nan_share=st.sampled_from([0.0, 0.05]),
)
def test_no_signal_at_t_depends_on_data_after_t(seed, n, cut, nan_share):
    assert_causal(SIGNALS, seed, n, cut, nan_share)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(50, 80),
    cut=st.floats(0.3, 0.9),
    nan_share=st.sampled_from([0.0, 0.05]),
)
def test_no_model_signal_at_t_depends_on_data_after_t(seed, n, cut, nan_share):
    """markov_regime: each fit sees data up to its refit day, each probability data up to its day."""
    assert_causal(SLOW_SIGNALS, seed, n, cut, nan_share)


@pytest.mark.parametrize("part", registered("signal"), ids=str)
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), cut=st.floats(0.7, 0.95), nan_share=st.sampled_from([0.0, 0.05]))
def test_every_registered_signal_with_its_yaml_parameters_is_causal(part: Part, seed, cut, nan_share):
    """600 rows: past the longest default warm-up (markov_regime's 504 before its first fit)."""
    assert_causal({str(part): part.built}, seed, 600, cut, nan_share)


def assert_causal(signals: dict, seed: int, n: int, cut: float, nan_share: float) -> None:
    rng = np.random.default_rng(seed)
    base = random_frame(rng, n, nan_share)
    t = int(cut * n)
    other = base.copy()
    other.iloc[t + 1 :] = random_frame(rng, n, nan_share).iloc[t + 1 :].to_numpy()
    for name, sig in signals.items():
        a, b = sig(base), sig(other)
        pd.testing.assert_series_equal(a.risk_off.iloc[: t + 1], b.risk_off.iloc[: t + 1], obj=name)
        pd.testing.assert_series_equal(a.covered.iloc[: t + 1], b.covered.iloc[: t + 1], obj=name)
        if a.score is not None:
            pd.testing.assert_series_equal(a.score.iloc[: t + 1], b.score.iloc[: t + 1], obj=name)
        if a.conditions is not None:  # the strips a reader sees are as causal as the state
            pd.testing.assert_frame_equal(a.conditions.iloc[: t + 1], b.conditions.iloc[: t + 1], obj=name)


def test_the_property_has_teeth():
    """The random frames make every signal fire somewhere, so the property above is not vacuous."""
    rng = np.random.default_rng(7)
    every = SIGNALS | SLOW_SIGNALS
    fired = {name: False for name in every}
    for i in range(30):
        f = random_frame(rng, 80, 0.0)
        for name, sig in (every if i < 5 else SIGNALS).items():
            fired[name] |= bool(sig(f).risk_off.any())
    assert all(fired.values()), [n for n, v in fired.items() if not v]
