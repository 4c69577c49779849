"""auction_stress and repo_stress on hand-built series, re-derived with plain loops; the spill-over study."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.event_study import level_changes
from common.errors import ConfigError, DataError
from market import auctions
from signals.auction_stress import auction_stress
from signals.repo_stress import repo_stress


def days(n: int) -> pd.DatetimeIndex:
    return pd.bdate_range("2024-01-01", periods=n)


def auction_frame(events: list[tuple[int, float, float, float]], n: int) -> pd.DataFrame:
    """Daily columns as `market.auctions.ten_year_daily` writes them: (day, bid-to-cover, indirect %, bp)."""
    cols = {c: np.full(n, np.nan) for c in auctions.DAILY}
    for number, (day, btc, ind, bp) in enumerate(events, start=1):
        for c, v in zip(auctions.DAILY, (number, btc, ind, bp), strict=True):
            cols[c][day:] = v
    return pd.DataFrame(cols, index=days(n))


EVENTS = [(0, 2.5, 60, 3), (3, 2.6, 62, 4), (6, 2.4, 61, 3), (9, 2.5, 63, 5), (12, 2.2, 62, 4),
          (15, 2.5, 40, 4), (18, 2.5, 61, 9), (21, 2.55, 61, 4)]  # fmt: skip


def expected_auction_state(events, n: int, lookback: int, k: float, x_bp: float, hold: int) -> list[bool]:
    fired = np.zeros(n, dtype=bool)
    for i, (day, btc, ind, bp) in enumerate(events):
        weak = bp >= x_bp
        if i >= lookback:
            for j, v in ((1, btc), (2, ind)):
                prev = np.array([e[j] for e in events[i - lookback : i]], dtype=float)
                weak |= (v - prev.mean()) / prev.std(ddof=1) <= -k
        fired[day] = weak
    return [bool(fired[max(0, t - hold + 1) : t + 1].any()) for t in range(n)]


def test_auction_stress_fires_on_weak_auctions_and_holds():
    n = 26
    out = auction_stress(auction_frame(EVENTS, n), lookback=3, k=1.5, x_bp=8.0, hold_days=2)
    want = expected_auction_state(EVENTS, n, 3, 1.5, 8.0, 2)
    assert out.risk_off.tolist() == want
    # the three weak ones: bid-to-cover 2.2 (day 12), indirect 40% (day 15), 9 bp (day 18)
    assert [d for d in range(n) if want[d] and (d == 0 or not want[d - 1])] == [12, 15, 18]
    prev = np.array([2.6, 2.4, 2.5])
    assert out.score.iloc[12] == pytest.approx((2.2 - prev.mean()) / prev.std(ddof=1))
    assert out.score.iloc[13] == out.score.iloc[12]  # carried to the next auction
    # the frame's first row is no auction (its date is unknown); 3 prior auctions needed: 3, 6, 9 -> 12
    assert not out.covered.iloc[:12].any() and out.covered.iloc[12:].all()


def test_a_forward_filled_auction_is_not_a_new_one():
    """Repeated figures without a step in the count are the same auction, whatever their length."""
    frame = auction_frame(EVENTS, 26)
    same = frame.copy()
    same.iloc[13:15] = same.iloc[12].to_numpy()  # the carry a loader's forward-fill makes
    a = auction_stress(frame, lookback=3, hold_days=1)
    b = auction_stress(same, lookback=3, hold_days=1)
    assert a.risk_off.equals(b.risk_off) and a.risk_off.sum() == 3


def test_auction_stress_refuses_bad_parameters_and_missing_columns():
    with pytest.raises(ConfigError, match="strategy.signal.k"):
        auction_stress(auction_frame(EVENTS, 26), k=-1)
    with pytest.raises(ConfigError, match="strategy.signal.lookback"):
        auction_stress(auction_frame(EVENTS, 26), lookback=1)
    with pytest.raises(DataError) as err:
        auction_stress(pd.DataFrame({"SPY": [1.0, 2.0]}, index=days(2)))
    assert "AUCTION10Y_COUNT" in str(err.value) and "bundled" in str(err.value)


def test_repo_stress_iorb_and_dispersion_rules():
    n = 12
    iorb = np.full(n, 4.40)
    sofr = np.array([4.33, 4.35, 4.36, 4.46, 4.37, 4.36, 4.35, 4.34, 4.36, 4.35, 4.36, 4.35])
    tgcr = sofr - 0.02
    tgcr[8] = 4.47  # TGCR alone above IORB by 7 bp
    p1 = sofr - 0.05
    p99 = sofr + np.array([0.10, 0.11, 0.10, 0.12, 0.10, 0.11, 0.10, 0.40, 0.11, 0.10, 0.12, 0.11])
    f = pd.DataFrame(
        {"SOFR": sofr, "TGCR": tgcr, "IORB": iorb, "SOFR_P1": p1, "SOFR_P99": p99}, index=days(n)
    )
    over = (np.maximum(sofr, tgcr) - iorb) * 100
    out = repo_stress(f, rule="iorb", x_bp=5.0, hold_days=2)
    fired = over >= 5.0 - 1e-9
    assert list(np.flatnonzero(fired)) == [3, 8]
    assert out.risk_off.tolist() == [bool(fired[max(0, t - 1) : t + 1].any()) for t in range(n)]
    np.testing.assert_allclose(out.score.to_numpy(), over)
    spread = (p99 - p1) * 100
    z = np.full(n, np.nan)
    for t in range(n):
        w = spread[max(0, t - 4) : t + 1]
        if len(w) >= 4:  # 80% of a 5-day window
            z[t] = (spread[t] - w.mean()) / w.std(ddof=1)
    disp = repo_stress(f, rule="dispersion", window=5, z_entry=1.5, hold_days=1)
    assert disp.risk_off.tolist() == list(np.nan_to_num(z, nan=-9) >= 1.5)
    assert disp.risk_off.iloc[7]  # the 40 bp day
    either = repo_stress(f, rule="either", window=5, z_entry=1.5, hold_days=1)
    assert either.risk_off.tolist() == list(fired | (np.nan_to_num(z, nan=-9) >= 1.5))


def test_repo_stress_is_neutral_before_iorb_and_refuses_an_unknown_rule():
    f = pd.DataFrame(
        {
            "SOFR": [4.5, 4.6],
            "TGCR": [4.5, 4.6],
            "IORB": [np.nan, 4.4],
            "SOFR_P1": [4.4, 4.5],
            "SOFR_P99": [4.6, 4.7],
        },
        index=days(2),
    )
    out = repo_stress(f, rule="iorb", hold_days=1)
    assert out.covered.tolist() == [False, True] and out.risk_off.tolist() == [False, True]
    with pytest.raises(ConfigError, match="did you mean|iorb"):
        repo_stress(f, rule="iorbb")


def test_level_changes_are_the_mean_moves_after_onsets():
    idx = days(30)
    vix = pd.Series(np.arange(30.0) ** 1.5, index=idx)
    state = pd.Series(False, index=idx)
    state.iloc[[4, 5, 15, 27]] = True  # onsets on 4, 15 and 27 (27 has no 5-day horizon)
    t = level_changes(state, pd.DataFrame({"VIX": vix}), horizons=(1, 5), n_draws=200, seed=1)
    v = vix.to_numpy()
    assert t.loc[("VIX", 1), "change_mean"] == pytest.approx(
        np.mean([v[5] - v[4], v[16] - v[15], v[28] - v[27]])
    )
    assert t.loc[("VIX", 5), "n_onsets"] == 2
    assert t.loc[("VIX", 5), "change_mean"] == pytest.approx(np.mean([v[9] - v[4], v[20] - v[15]]))
    assert t.loc[("VIX", 1), "uncond_change_mean"] == pytest.approx(np.diff(v).mean())
    assert 0 < t.loc[("VIX", 1), "pval_rise"] <= 1


def test_the_feb_11_2026_auction_fires_on_the_bundled_data():
    """Re-derived from the auction table: the bid-to-cover's z-score against the 12 auctions before."""
    from pipeline import api

    table = auctions.load()
    ten = table[auctions.is_ten_year_nominal(table)].reset_index(drop=True)
    i = ten.index[ten["auction_date"] == "2026-02-11"][0]
    prev = ten.loc[i - 12 : i - 1, "bid_to_cover_ratio"]
    z = (2.39 - prev.mean()) / prev.std(ddof=1)
    assert z <= -1.5
    sig = api.signals("auction_stress")
    assert sig.loc["2026-02-11", "risk_off"] and not sig.loc["2026-02-10", "risk_off"]
    assert sig.loc["2026-02-11", "score"] == pytest.approx(z)
    assert sig.loc["2026-02-18", "risk_off"] and not sig.loc["2026-02-19", "risk_off"]  # 5 trading days
