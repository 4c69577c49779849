"""The Treasury-trap study's new numbers, re-derived in plain pandas/numpy from the bundled data.

Each test reads the committed ``claims.json`` (what the README quotes) and recomputes its figures from
`market.bundled.load()` (and the bundled auction file) without the study's code; the verdicts in the
committed README are checked against the rules' thresholds applied here by hand.
"""

import json
import math

import numpy as np
import pandas as pd
import pytest

from market.bundled import load
from tests.cli import REPO

STUDY = REPO / "experiments" / "treasury_trap"
FEB4 = pd.Timestamp("2026-02-04")


@pytest.fixture(scope="module")
def claims():
    return json.loads((STUDY / "claims.json").read_text())


@pytest.fixture(scope="module")
def raw():
    return load()


def _ten_year_nominal(a):
    """10-year nominal notes: a term of 10 years once rounded ("9-Year 10-Month" reopenings in)."""
    parts = a["security_term"].str.extract(r"(\d+)-Year(?:\s+(\d+)-Month)?").astype(float).fillna(0.0)
    years = (parts[0] + parts[1] / 12).round()
    return a[(a["security_type"] == "Note") & (years == 10) & (a["inflation_index_security"] == "No")]


def _readme_line(text):
    lines = (STUDY / "README.md").read_text().splitlines()
    return next(line for line in lines if line.startswith(f"| {text}"))


def test_gold_row(claims, raw):
    assert claims["gold"]["GVZ_feb4"] == pytest.approx(raw["GVZ"].dropna().loc[FEB4], rel=1e-12)
    gld = raw["GLD"].dropna().to_numpy()
    i = int(np.flatnonzero(raw["GLD"].dropna().index == FEB4)[0])
    rets = np.log(gld[i - 20 : i + 1] / gld[i - 21 : i])
    rv = 100 * np.std(rets, ddof=1) * math.sqrt(252)
    assert claims["gold"]["GLD_rv30"] == pytest.approx(rv, rel=1e-10)
    verdict = "supported" if abs(rv - 19.5) <= 2 else "contradicted"
    assert f"**{verdict}**" in _readme_line("Gold 30-day realized vol 19.5% (000)")


def test_term_premium_gap_to_its_eighteen_month_high(claims, raw):
    tp = raw["TERM_PREMIUM_10Y"].dropna().loc[:FEB4].iloc[-378:]
    gap = 100 * (tp.iloc[-1] - tp.max())
    assert claims["term_premium"]["TP_gap_to_18m_max_bp"] == pytest.approx(gap, abs=1e-9)
    assert "**contradicted**" in _readme_line("Term premium at its highest") if gap < 0 else True


def test_both_fell_in_rising_bond_volatility_and_late_2025(claims, raw):
    px = raw[["SPY", "IEF"]].dropna()
    rets = px / px.shift(1) - 1
    rets = rets.iloc[1:]
    both = (rets["SPY"] < 0) & (rets["IEF"] < 0)
    move = raw["MOVE"].dropna().reindex(rets.index).ffill(limit=5)
    prior = move.shift(1) - move.shift(21)
    ok = prior.notna()
    rising = prior[ok] > 0
    b = both[ok]
    f = claims["fell_together"]
    assert f["both_fell_rising_move"] == pytest.approx(b[rising].mean(), abs=1e-12)
    assert f["both_fell_other"] == pytest.approx(b[~rising].mean(), abs=1e-12)
    late = both.loc["2025-09-01":"2025-12-31"].mean()
    now = both.loc["2026-01-01":"2026-02-04"].mean()
    assert f["both_fell_late2025"] == pytest.approx(late, abs=1e-12)
    assert f["both_fell_2026_to_feb4"] == pytest.approx(now, abs=1e-12)
    diff = 100 * (b[rising].mean() - b[~rising].mean())
    verdict = "supported" if diff >= 2 else "contradicted"
    assert f"**{verdict}**" in _readme_line("In rising volatility both stocks and bonds can fall (000)")


def test_note_004_week_from_april_2_4_and_11(claims, raw):
    y2 = raw["UST2Y"].dropna()
    for start, end in (
        ("2025-04-02", "2025-04-09"),
        ("2025-04-04", "2025-04-11"),
        ("2025-04-11", "2025-04-21"),
    ):
        w = claims["windows"][start]
        pos = y2.index.get_loc(pd.Timestamp(start))
        assert str(y2.index[pos + 5].date()) == end == w["end"]
        for col, key in (("UST2Y", "UST2Y_change_bp"), ("UST10Y", "UST10Y_change_bp")):
            s = raw[col].dropna()
            assert w[key] == pytest.approx(100 * (s.loc[end] - s.loc[start]), abs=1e-9)
        tp = raw["TERM_PREMIUM_10Y"].dropna()
        d_tp = 100 * (tp.loc[end] - tp.loc[start])
        assert w["TP_change_bp"] == pytest.approx(d_tp, abs=1e-9)
        d10 = 100 * (raw["UST10Y"].dropna().loc[end] - raw["UST10Y"].dropna().loc[start])
        if d10 >= 5:  # a sell-off of 5 bp or more: the term premium's share of it
            assert w["TP_share_of_10y_change"] == pytest.approx(d_tp / d10, rel=1e-9)
        else:  # no sell-off to share (April 11 to 21: the 10-year fell)
            assert w["TP_share_of_10y_change"] is None
    # the reading the note's defenders would pick changes the 2-year's answer
    assert (
        claims["windows"]["2025-04-02"]["UST2Y_change_bp"]
        < claims["windows"]["2025-04-04"]["UST2Y_change_bp"]
    )


def test_dollar_breakevens_and_repo_over_the_week(claims, raw):
    week = raw.loc["2025-04-04":"2025-04-11"]
    usd = raw["DTWEXBGS"].dropna()
    assert claims["dollar"]["DTWEXBGS_change_pct"] == pytest.approx(
        usd.loc["2025-04-11"] / usd.loc["2025-04-04"] - 1, rel=1e-10
    )
    be = raw["T10YIE"].dropna()
    assert claims["dollar"]["T10YIE_change_bp"] == pytest.approx(
        100 * (be.loc["2025-04-11"] - be.loc["2025-04-04"])
    )
    rows = week[["SOFR", "IORB"]].dropna()
    assert claims["repo"]["SOFR_minus_IORB_max_bp"] == pytest.approx(
        100 * (rows["SOFR"] - rows["IORB"]).max()
    )


def test_the_feb_11_auction_from_the_auction_file(claims, raw):
    a = pd.read_parquet(REPO / "market" / "data" / "auctions.parquet")
    ten = _ten_year_nominal(a)
    feb = ten[ten["auction_date"] == pd.Timestamp("2026-02-11")].iloc[0]
    got = claims["auction"]
    assert got["feb11_high_yield"] == pytest.approx(feb["high_yield"])  # 4.177 in SOURCES.md
    assert got["feb11_bid_to_cover_ratio"] == pytest.approx(feb["bid_to_cover_ratio"])
    share = 100 * feb["indirect_bidder_accepted"] / feb["total_accepted"]
    assert got["feb11_indirect_share_pct"] == pytest.approx(share, rel=1e-10)
    assert got["feb11_high_minus_avg_bp"] == pytest.approx(100 * (feb["high_yield"] - feb["avg_med_yield"]))
    prev = raw["UST10Y"].dropna().loc[:"2026-02-10"].iloc[-1]
    assert got["feb11_high_minus_prev_dgs10_bp"] == pytest.approx(100 * (feb["high_yield"] - prev), abs=1e-9)
    # five trading days on the days VIX, MOVE and the S&P 500 all have a close
    vix = raw[["VIX", "MOVE", "SPX"]].dropna().loc["2026-02-11":, "VIX"]
    assert got["feb11_VIX_change_5d"] == pytest.approx(vix.iloc[5] - vix.iloc[0], abs=1e-9)


def test_vix_after_every_ten_year_auction_since_2000(claims, raw):
    """The event study's mean 5-day VIX change after every 10-year nominal auction, by hand."""
    a = pd.read_parquet(REPO / "market" / "data" / "auctions.parquet")
    ten = _ten_year_nominal(a)
    levels = raw[["VIX", "MOVE", "SPX"]].loc["2000":].dropna()
    days = levels.index[levels.index.isin(pd.DatetimeIndex(ten["auction_date"]))]
    got = claims["auction"]
    assert got["n_ten_year_auctions"] == len(days)
    for col in ("VIX", "MOVE"):
        change = levels[col].shift(-5) - levels[col]
        at = change.loc[days].dropna()
        assert got[f"all_{col}_5d_change_mean"] == pytest.approx(at.mean(), abs=1e-9)
        assert got[f"all_{col}_5d_uncond_change_mean"] == pytest.approx(change.dropna().mean(), abs=1e-9)
        assert 0 < got[f"all_{col}_5d_pval_rise"] <= 1


def test_what_happened_next(claims, raw):
    a = claims["after"]
    spx = raw["SPX"].dropna().loc[FEB4:]
    dd = spx / spx.cummax() - 1
    assert a["SPX_maxdd_from_feb4"] == pytest.approx(dd.min(), rel=1e-12)
    assert a["SPX_trough_date"] == str(dd.idxmin().date())
    high = raw["SPX"].dropna().loc["2026-01-01":FEB4]
    assert a["SPX_dd_from_2026_high"] == pytest.approx(spx.loc[dd.idxmin()] / high.max() - 1, rel=1e-12)
    for col in ("VIX", "MOVE"):
        s = raw[col].dropna().loc[FEB4:]
        assert (a[f"{col}_peak"], a[f"{col}_peak_date"]) == (pytest.approx(s.max()), str(s.idxmax().date()))
    y = raw["UST10Y"].dropna().loc[FEB4:]
    assert (a["UST10Y_high"], a["UST10Y_high_date"]) == (pytest.approx(y.max()), str(y.idxmax().date()))
    assert (a["UST10Y_low"], a["UST10Y_last"]) == (pytest.approx(y.min()), pytest.approx(y.iloc[-1]))
    px = raw[["SPY", "IEF"]].dropna()
    r = (px / px.shift(1) - 1).iloc[1:]
    both = (r < 0).all(axis=1)
    assert a["both_fell_after"] == pytest.approx(both.loc["2026-02-05":].mean(), abs=1e-12)
    to = px.loc[dd.idxmin()] / px.loc[FEB4] - 1
    assert (a["SPY_to_trough"], a["IEF_to_trough"]) == (pytest.approx(to["SPY"]), pytest.approx(to["IEF"]))


def test_the_wedge_premise_on_feb_4(claims, raw):
    """The MOVE/VIX wedge's score on Feb 4 (the preset: ratio z-score over 252 days), by hand."""
    p = claims["premise"]
    assert p["wedge_score_minus_entry"] == pytest.approx(p["wedge_score_feb4"] - p["wedge_z_entry"])
    assert p["wedge_score_feb4"] < p["wedge_z_entry"] and not p["wedge_on_feb4"]
    assert "**contradicted**" in _readme_line("A MOVE/VIX wedge on Feb 4 (000)")


def test_every_readme_verdict_is_its_rules(claims):
    """The committed scorecard holds each rule's verdict on the committed numbers."""
    from experiments.treasury_trap import rules

    for r in rules.RULES:
        line = _readme_line(f"{r.claim} ({r.note})")
        assert f"**{rules.verdict(r, claims)}**" in line, r.key


def test_vix_and_the_sp500_after_weak_auctions(claims, raw):
    """After the auction_stress preset's onsets: VIX's 5-day change and the S&P 500's forward return and
    correction share, by hand (the signal's own causality is tested with the signals)."""
    from pipeline import api

    sig = api.signals("auction_stress")
    levels = raw[["VIX", "MOVE", "SPX"]].loc["2000":].dropna()
    weak = sig["risk_off"].where(sig["covered"], False).reindex(levels.index, fill_value=False).astype(bool)
    onset = weak & ~weak.shift(1, fill_value=False)
    got = claims["auction"]
    vix = levels["VIX"]
    change = (vix.shift(-5) - vix)[onset].dropna()
    assert got["spill_VIX_5d_change_mean"] == pytest.approx(change.mean(), abs=1e-9)
    spx = levels["SPX"].to_numpy()
    starts = [i for i in np.flatnonzero(onset.to_numpy()) if i + 5 < len(spx)]
    rets = [spx[i + 5] / spx[i] - 1 for i in starts]
    falls = [min(spx[s] / spx[i : s + 1].max() - 1 for s in range(i + 1, i + 6)) <= -0.05 for i in starts]
    assert got["spill_SPX_5d_n_onsets"] == len(starts)
    assert got["spill_SPX_5d_fwd_ret_mean"] == pytest.approx(np.mean(rets), rel=1e-10)
    assert got["spill_SPX_5d_p_correction"] == pytest.approx(np.mean(falls), abs=1e-12)
