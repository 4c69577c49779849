"""Every signal of the catalogue in its native units, on the bundled data: each value re-derived here with
numpy/pandas from the frame, written as a strategist reads it, against thresholds stated by the signal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitor import view
from monitor.core import MONITOR, Request, assess_all, configs
from pipeline import api

pytestmark = pytest.mark.slow  # every preset's signal on the whole bundled frame (markov_regime's fits)


@pytest.fixture(scope="module")
def states():
    base = api.compose(None, [MONITOR])
    _, found = assess_all(configs(Request(), base), 504, skip_missing=True)
    return {s.name: s for s in found}


@pytest.fixture(scope="module")
def f(bundled):
    return bundled.frame


def op(value: float, at: float, above: bool = True) -> str:
    """The comparison a reader sees: at or past the threshold on the side that turns the rule on, or not."""
    if above:
        return "≥" if value >= at else "<"
    return "≤" if value <= at else ">"


def zscore_last(x: pd.Series, window: int) -> float:
    tail = x.iloc[-window:].to_numpy(dtype=float)
    return float((tail[-1] - tail.mean()) / tail.std(ddof=1))


def against(s, entry: float, exit_: float | None) -> float:
    """The threshold the reading compares with: the exit while on (a level exit), else the entry."""
    return exit_ if s.risk_off and exit_ is not None else entry


def test_every_signal_of_the_catalogue_states_its_thresholds(states):
    from pipeline.cli import choices

    with_signal = {n for n in choices("strategy") if api.compose(n).strategy.get("signal") is not None}
    assert set(states) == with_signal
    assert {"auction_stress", "repo_stress", "vol_gap", "curve_divergence"} <= set(states)
    for name, s in states.items():
        assert s.thresholds is not None, name
        assert view.thresholds_native(s).startswith(("entry ≥", "entry ≤")), name


def test_yield_breakout_reads_the_ten_year_against_its_level(states, f):
    s = states["yield_breakout"]
    y = float(f["UST10Y"].iloc[-1])
    at = 4.55  # conf/signal/yield_breakout.yaml: level 4.55, exit_level null (= level)
    assert view.reading(s) == f"10y {y:.2f}% {op(y, at)} {at:.2f}%"
    assert view.thresholds_native(s) == "entry ≥ 4.55%, exit < 4.55%"
    assert f"{'✓' if y >= at else '✗'} UST10Y ≥ 4.55% (entry): {y:.2f}%" in view.why(s)
    assert view.next_text(s) == f"{(at - y) * 100:+.0f} bp to {'off' if s.risk_off else 'on'}"


def test_the_wedge_reads_its_z_score_against_entry_and_exit(states, f):
    s = states["move_vix_wedge"]
    z = zscore_last(f["MOVE"] / f["VIX"], 252)
    assert view.reading(s) == f"wedge z {z:.2f} {op(z, against(s, 1.5, 0.5))} {against(s, 1.5, 0.5):.2f}"
    assert view.thresholds_native(s) == "entry ≥ 1.50, exit < 0.50"
    names = [name for name, _ in s.why]
    assert names[:3] == ["wedge z ≥ 1.5 (entry)", "MOVE above its level 20 days ago", "VIX < 20"]
    holds = dict(s.why)
    assert holds["VIX < 20"] == bool(f["VIX"].iloc[-1] < 20)
    assert holds["MOVE above its level 20 days ago"] == bool(f["MOVE"].iloc[-1] > f["MOVE"].iloc[-21])
    assert holds["wedge z ≥ 1.5 (entry)"] == bool(z >= 1.5)
    # the number each condition reads, beside it
    vix, move_change = f["VIX"].iloc[-1], f["MOVE"].iloc[-1] - f["MOVE"].iloc[-21]
    assert s.gauges["VIX < 20"] == f"{vix:.2f}" and s.gauges["wedge z ≥ 1.5 (entry)"] == f"{z:.2f}"
    assert s.gauges["MOVE above its level 20 days ago"] == f"{move_change:+.1f} in 20d"
    assert f"{'✓' if vix < 20 else '✗'} VIX < 20: {vix:.2f}" in view.why(s)


def test_repo_stress_reads_repo_over_iorb_in_bp(states, f):
    s = states["repo_stress"]
    over = (max(f["SOFR"].iloc[-1], f["TGCR"].iloc[-1]) - f["IORB"].iloc[-1]) * 100
    assert view.reading(s) == f"repo - IORB {over:+.0f} bp {op(over, 5.0)} +5 bp"
    assert view.thresholds_native(s) == "entry ≥ +5 bp, held 5d"
    assert dict(s.why)["repo - IORB ≥ 5bp"] == bool(over >= 5.0)
    assert f"{'✓' if over >= 5 else '✗'} repo - IORB ≥ 5bp: {over:+.0f} bp" in view.why(s)


def test_auction_stress_reads_the_latest_auctions_weakest_demand_z(states, f):
    s = states["auction_stress"]
    new = f["AUCTION10Y_COUNT"].ffill().diff() > 0
    ev = f.loc[new]
    zs = []
    for col in ("AUCTION10Y_BID_TO_COVER", "AUCTION10Y_INDIRECT_SHARE"):
        x = ev[col].to_numpy(dtype=float)
        prior = x[-13:-1]  # the 12 auctions before the latest one
        zs.append((x[-1] - prior.mean()) / prior.std(ddof=1))
    z = min(zs)
    assert view.reading(s) == f"weakest demand z {z:.2f} {op(z, -1.5, above=False)} -1.50"
    assert view.thresholds_native(s) == "entry ≤ -1.50, held 5d"


def test_stock_bond_correlation_reads_its_rolling_correlation(states, f):
    s = states["stock_bond_correlation"]
    r = f[["SPY", "IEF"]].pct_change(fill_method=None).iloc[-63:].to_numpy(dtype=float)
    c = float(np.corrcoef(r[:, 0], r[:, 1])[0, 1])
    at = against(s, 0.3, 0.0)
    assert view.reading(s) == f"SPY/IEF 63d corr {c:+.2f} {op(c, at)} {at:+.2f}"
    assert view.thresholds_native(s) == "entry ≥ +0.30, exit < +0.00"


def test_dollar_weakness_reads_the_fall_in_percent(states, f):
    s = states["dollar_weakness"]
    x = f["DTWEXBGS"]
    fall = (1 - x.iloc[-1] / x.iloc[-64]) * 100
    at = against(s, 3.0, 1.0)
    assert view.reading(s) == f"DTWEXBGS fall over 63d {fall:.1f}% {op(fall, at)} {at:.1f}%"
    assert view.thresholds_native(s) == "entry ≥ 3.0%, exit < 1.0%"


def test_term_premium_reads_its_distance_to_the_18_month_high_in_bp(states, f):
    s = states["term_premium"]
    tp = f["TERM_PREMIUM_10Y"].to_numpy(dtype=float)
    bp = (tp[-1] - np.max(tp[-379:-1])) * 100
    assert view.reading(s) == f"term premium vs its 378d high {bp:+.0f} bp {op(bp, 0.0)} +0 bp"
    assert view.thresholds_native(s) == "entry ≥ +0 bp, held 20d"


def test_curve_divergence_reads_the_smaller_leg_in_bp(states, f):
    s = states["curve_divergence"]
    d2 = (f["UST2Y"].iloc[-1] - f["UST2Y"].iloc[-21]) * 100
    d10 = (f["UST10Y"].iloc[-1] - f["UST10Y"].iloc[-21]) * 100
    div = min(-d2, d10)
    assert view.reading(s) == f"min(UST2Y fall, UST10Y rise) 20d {div:+.0f} bp {op(div, 10.0)} +10 bp"
    assert view.thresholds_native(s) == "entry ≥ +10 bp, held 5d"
    (name, holds), *_ = s.why
    assert name == "UST2Y fell and UST10Y rose ≥ 10bp over 20d" and holds == bool(div >= 10.0 - 1e-9)


def test_vol_gap_reads_the_implied_over_realized_z(states, f):
    s = states["vol_gap"]
    rv = f["SPX"].pct_change(fill_method=None).mul(100).rolling(21).std(ddof=1) * np.sqrt(252)
    z = zscore_last(f["VIX"] / rv, 252)
    at = against(s, 1.5, 0.5)
    assert view.reading(s) == f"VIX/RV z {z:.2f} {op(z, at)} {at:.2f}"
    assert view.thresholds_native(s) == "entry ≥ 1.50, exit < 0.50"


def test_the_rest_state_their_thresholds_in_their_units(states, f):
    vix = float(f["VIX"].iloc[-1])
    s = states["threshold"]
    at = against(s, 30.0, 20.0)
    assert view.reading(s) == f"VIX {vix:.2f} {op(vix, at)} {at:.2f}"
    assert view.thresholds_native(states["swap_spread"]) == "entry ≥ +20.0 bp, exit < +0.0 bp"
    assert view.reading(states["swap_spread"]) == "SWAP10Y-UST10Y fall over 60d -"  # ended 2016: n/c
    assert view.thresholds_native(states["markov_regime"]) == "entry ≥ 0.80, exit < 0.50"
    assert view.reading(states["markov_regime"]).startswith("P(high-variance SPY) ")
    assert view.thresholds_native(states["composite"]) == f"entry ≥ {2 / 4:.0%}, exit < {2 / 4:.0%}"
    assert view.thresholds_native(states["yield_shock"]) == "entry ≥ 3, exit < 3"
