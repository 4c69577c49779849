"""The Treasury-trap study: the two notes' claims (``../shared/seeds/000`` and ``004``) on the bundled data.

Run from the project root with ``python -m experiments.treasury_trap.study``; ``--out <folder>`` writes
elsewhere (the slow test does, and checks that the fresh folder equals the committed one). It uses the
public API (`pipeline.api`), the catalogue verdict (`pipeline.catalogue`, as ``python -m analysis
verdicts``), the event-study code (`analysis.event_study`) and the bundled data (`market.bundled.load`,
`market.auctions.load`), and writes `OUTPUTS`: ``README.md`` (the scorecard, the rules, one detail row per
claim, what happened next, the window, auction and grid sections), ``claims.json`` (every number the README
quotes) and the figures (`charts`). Verdicts come from `rules` only.

Conventions: "30-day realized volatility" is the standard deviation of the last 21 daily changes
(about 30 calendar days) annualised with sqrt(252): log returns for the S&P 500, and for the 10-year
both the yield's log changes (percent of yield) and its changes in basis points. Every series is read on
its own observation dates (NaN rows of the raw frame dropped).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

from analysis.event_study import level_changes, study  # noqa: E402
from common import progress  # noqa: E402
from experiments.treasury_trap import charts, rules  # noqa: E402
from experiments.treasury_trap.rules import CORRECTION, CORRECTION_DAYS  # noqa: E402
from market import auctions  # noqa: E402
from market.bundled import load  # noqa: E402
from pipeline import api, catalogue  # noqa: E402

HERE = Path(__file__).resolve().parent
SNAPSHOT = pd.Timestamp("2026-02-04")
AUCTION = pd.Timestamp("2026-02-11")
YEAR_START = pd.Timestamp("2026-01-01")
MID_YEAR = pd.Timestamp("2026-06-30")
RV_DAYS = 21
TP_WINDOW = 378  # trading days in eighteen months
SWING_BP = 15.0
LEVEL = 4.55
HORIZONS = (5, 20, 60)
#: The note's numbers for its February 4 table: (column, the note's value, the unit it is quoted in).
NOTE = {
    "SPX": 6142.50,
    "UST10Y": 4.48,
    "MOVE": 132.0,
    "VIX": 12.7,
    "SPX_rv30": 11.2,
    "UST10Y_rv30": 26.4,
}
CATALOGUE = (
    "move_vix_wedge",
    "yield_breakout",
    "yield_shock",
    "swap_spread",
    "term_premium",
    "stock_bond_correlation",
    "vol_gap",
    "curve_divergence",
    "markov_regime",
    "composite",
)


def series(raw: pd.DataFrame, column: str) -> pd.Series:
    """One column on its own observation dates."""
    return raw[column].dropna()


def realized_vol(changes: pd.Series, end: pd.Timestamp, days: int = RV_DAYS) -> float:
    """Annualised standard deviation (sqrt 252, ddof 1) of the last `days` changes up to `end`."""
    return float(changes.loc[:end].tail(days).std() * math.sqrt(252))


def snapshot(raw: pd.DataFrame) -> dict[str, float]:
    """The February 4, 2026 table: levels and 30-day realized vols, as the bundled data has them."""
    spx, y10 = series(raw, "SPX"), series(raw, "UST10Y")
    out = {c: float(series(raw, c).loc[SNAPSHOT]) for c in ("SPX", "UST10Y", "MOVE", "VIX")}
    out["SPX_rv30"] = 100 * realized_vol(np.log(spx).diff().dropna(), SNAPSHOT)
    out["UST10Y_rv30"] = 100 * realized_vol(np.log(y10).diff().dropna(), SNAPSHOT)
    out["UST10Y_rv30_bp"] = realized_vol(100 * y10.diff().dropna(), SNAPSHOT)
    return out


def move_vs_vix(raw: pd.DataFrame) -> dict[str, float]:
    """MOVE and VIX over January-February 2026: start, Feb 4, end of February, and where they rank."""
    out: dict[str, float] = {}
    for col in ("MOVE", "VIX"):
        s = series(raw, col)
        window = s.loc[YEAR_START:"2026-02-28"]
        out[f"{col}_first"] = float(window.iloc[0])
        out[f"{col}_feb4"] = float(s.loc[SNAPSHOT])
        out[f"{col}_feb_end"] = float(window.iloc[-1])
        out[f"{col}_pctile_feb4"] = float((s.loc[:SNAPSHOT] <= s.loc[SNAPSHOT]).mean())
    out["MOVE_change_to_feb4"] = out["MOVE_feb4"] - out["MOVE_first"]
    return out


def term_premium(raw: pd.DataFrame) -> dict[str, Any]:
    """The ACM 10-year term premium on Feb 4 against its trailing eighteen months (378 trading days)."""
    tp = series(raw, "TERM_PREMIUM_10Y").loc[:SNAPSHOT].tail(TP_WINDOW)
    return {
        "TP_feb4": float(tp.iloc[-1]),
        "TP_18m_max": float(tp.max()),
        "TP_18m_max_date": str(tp.idxmax().date()),
        "TP_feb4_rank_in_18m": float((tp <= tp.iloc[-1]).mean()),
        "TP_gap_to_18m_max_bp": float(100 * (tp.iloc[-1] - tp.max())),
    }


def swings(raw: pd.DataFrame) -> dict[str, float]:
    """The 10-year's swings (bp) in the five trading days to Feb 4: how many exceed 15 bp.

    Close to close (DGS10), and the intraday range (^TNX high minus low, on its own five trading days).
    """
    d = (100 * series(raw, "UST10Y").diff()).loc[:SNAPSHOT].tail(5)
    rng = (100 * (raw["UST10Y_HIGH"] - raw["UST10Y_LOW"])).dropna().loc[:SNAPSHOT].tail(5)
    return {
        "swings_n_over_15bp": int((d.abs() > SWING_BP).sum()),
        "swings_max_abs_bp": float(d.abs().max()),
        "swings_first_day": str(d.index[0].date()),
        "range_n_over_15bp": int((rng > SWING_BP).sum()),
        "range_max_bp": float(rng.max()),
        "range_max_date": str(rng.idxmax().date()),
        "range_first_day": str(rng.index[0].date()),
    }


def ytd(raw: pd.DataFrame) -> dict[str, Any]:
    """The 10-year's change from the last 2025 close to Feb 4, and the S&P 500's and QQQ's."""
    y10, spx, qqq = series(raw, "UST10Y"), series(raw, "SPX"), series(raw, "QQQ")
    y0 = y10.loc[: YEAR_START - pd.Timedelta(days=1)]
    s0 = spx.loc[: YEAR_START - pd.Timedelta(days=1)]
    path = y10.loc[YEAR_START:SNAPSHOT]
    return {
        "UST10Y_2025_close": float(y0.iloc[-1]),
        "UST10Y_ytd_bp_feb4": float(100 * (y10.loc[SNAPSHOT] - y0.iloc[-1])),
        "UST10Y_ytd_max": float(path.max()),
        "UST10Y_ytd_min": float(path.min()),
        "SPX_ytd_feb4": float(spx.loc[SNAPSHOT] / s0.iloc[-1] - 1),
        "QQQ_ytd_feb4": float(qqq.loc[SNAPSHOT] / qqq.loc[: YEAR_START - pd.Timedelta(days=1)].iloc[-1] - 1),
    }


def level_break(raw: pd.DataFrame) -> dict[str, Any]:
    """After the Feb 11 auction: the 10-year's high, whether it closed above 4.55%, and 5% by mid-year."""
    y10 = series(raw, "UST10Y")
    after = y10.loc[AUCTION:]
    above = after[after > LEVEL]
    out: dict[str, Any] = {"UST10Y_first_close_above_455": str(above.index[0].date()) if len(above) else None}
    if len(above):
        first = above.index[0]
        move = series(raw, "MOVE").loc[:first]
        spx = series(raw, "SPX").loc[first:]
        window = spx.iloc[:61]
        out["MOVE_20d_change_at_break"] = float(move.iloc[-1] - move.iloc[-21])
        out["SPX_maxdd_60d_after_break"] = float((window / window.cummax() - 1).min())
    return out | {
        "UST10Y_max_after_auction": float(after.max()),
        "UST10Y_max_after_auction_date": str(after.idxmax().date()),
        "UST10Y_days_above_455": int(len(above)),
        "UST10Y_max_to_midyear": float(y10.loc[YEAR_START:MID_YEAR].max()),
        "UST10Y_max_to_midyear_minus_5_bp": float(100 * (y10.loc[YEAR_START:MID_YEAR].max() - 5.0)),
        "UST10Y_last": float(y10.iloc[-1]),
        "UST10Y_last_date": str(y10.index[-1].date()),
    }


def spx_after(raw: pd.DataFrame) -> dict[str, Any]:
    """The S&P 500 from the Feb 4 close: its return 5, 20 and 60 trading days later, and its worst drawdown.

    The drawdown is the correction rule's (`CORRECTION` within `CORRECTION_DAYS`, from the running peak,
    Feb 4 included); VIX's and MOVE's highs are over the same days.
    """
    spx = series(raw, "SPX")
    i = spx.index.get_loc(SNAPSHOT)
    out: dict[str, Any] = {f"SPX_fwd_{h}d": float(spx.iloc[i + h] / spx.iloc[i] - 1) for h in HORIZONS}
    w = spx.iloc[i : i + CORRECTION_DAYS + 1]
    dd = w / w.cummax() - 1
    out |= {"SPX_maxdd_60d": float(dd.min()), "SPX_trough_date": str(dd.idxmin().date())}
    for col in ("VIX", "MOVE"):
        lv = series(raw, col).loc[SNAPSHOT : w.index[-1]]
        out |= {f"{col}_max_60d": float(lv.max()), f"{col}_max_60d_date": str(lv.idxmax().date())}
    return out


def catalogue_on(day: pd.Timestamp) -> dict[str, str]:
    """Each catalogue preset's state on `day`: on, off, or not covered (an input missing)."""
    out = {}
    for name in CATALOGUE:
        row = api.signals(name).loc[day]
        out[name] = "not covered" if not row["covered"] else ("on" if row["risk_off"] else "off")
    return out


def wedge_study() -> dict[str, float]:
    """The wedge's event study (equity sleeve, backtest window) with its p-values, per horizon."""
    table = api.event_study("move_vix_wedge").table
    cols = ["n_onsets", "fwd_ret_mean", "uncond_ret_mean", "p_correction", "uncond_p_correction"]
    cols += ["pval_ret", "pval_correction"]
    out = {f"wedge_{c}_{h}d": float(table.loc[h, c]) for h in HORIZONS for c in cols}
    return out | {"wedge_min_pval_correction": min(out[f"wedge_pval_correction_{h}d"] for h in HORIZONS)}


#: "A preview of this in late 2025", and 2026 to the note's date.
LATE_2025 = (pd.Timestamp("2025-09-01"), pd.Timestamp("2025-12-31"))
MOVE_RISING_DAYS = 20


def fell_together(raw: pd.DataFrame) -> dict[str, Any]:
    """Share of days both SPY and IEF fell: in rising bond volatility or not, late 2025, and 2026 to Feb 4.

    "Rising volatility" is MOVE above its level 20 trading days earlier, read at the previous close (so
    the day's own returns do not define it): a condition outside the two returns, unlike their correlation.
    """
    rets = raw[["SPY", "IEF"]].dropna().pct_change().dropna()
    both = (rets < 0).all(axis=1)
    move = series(raw, "MOVE").reindex(rets.index).ffill(limit=5)
    rising = (move.shift(1) - move.shift(1 + MOVE_RISING_DAYS)).dropna() > 0
    on = both.loc[rising.index]
    late = both.loc[LATE_2025[0] : LATE_2025[1]]
    now = both.loc[YEAR_START:SNAPSHOT]
    out = {
        "both_fell_all": float(both.mean()),
        "both_fell_rising_move": float(on[rising].mean()),
        "both_fell_other": float(on[~rising].mean()),
        "rising_move_share": float(rising.mean()),
        "both_fell_late2025": float(late.mean()),
        "both_fell_2026_to_feb4": float(now.mean()),
        "both_fell_first": str(both.index[0].date()),
        "both_fell_last": str(both.index[-1].date()),
    }
    out["both_fell_rising_move_minus_other"] = out["both_fell_rising_move"] - out["both_fell_other"]
    out["late2025_minus_all"] = out["both_fell_late2025"] - out["both_fell_all"]
    out["ytd2026_minus_late2025"] = out["both_fell_2026_to_feb4"] - out["both_fell_late2025"]
    return out


def gold(raw: pd.DataFrame) -> dict[str, float]:
    """The note's gold row: GVZ on Feb 4 and GLD's 30-day realized vol (21 log returns, sqrt 252)."""
    gld = series(raw, "GLD")
    return {
        "GVZ_feb4": float(series(raw, "GVZ").loc[SNAPSHOT]),
        "GLD_rv30": 100 * realized_vol(np.log(gld).diff().dropna(), SNAPSHOT),
        "GLD_feb4": float(gld.loc[SNAPSHOT]),
    }


def premise() -> dict[str, Any]:
    """The wedge on Feb 4: the move_vix_wedge preset's score (MOVE/VIX z-score) against its z_entry."""
    sig = api.signals("move_vix_wedge")
    entry = float(api.compose("move_vix_wedge").strategy.signal.z_entry)
    spring = sig["score"].loc[SNAPSHOT:"2026-04-30"].dropna()
    return {
        "wedge_score_feb4": float(sig.loc[SNAPSHOT, "score"]),
        "wedge_z_entry": entry,
        "wedge_score_minus_entry": float(sig.loc[SNAPSHOT, "score"]) - entry,
        "wedge_score_max_to_april": float(spring.max()),
        "wedge_on_feb4": bool(sig.loc[SNAPSHOT, "risk_off"]),
    }


#: The auction event study's window: every 10-year nominal auction from here on.
AUCTIONS_FROM = pd.Timestamp("2000-01-01")
AUCTION_FIELDS = ("high_yield", "bid_to_cover_ratio", "indirect_share_pct", "high_minus_avg_bp")
AUCTION_FIELDS += ("bid_to_cover_minus_trailing", "high_minus_prev_dgs10_bp", "offering_amt")


def auction_spillover(state: pd.Series, levels: pd.DataFrame, tag: str) -> dict[str, float]:
    """`analysis.event_study.level_changes` of `levels` after `state`'s onsets, flat, keys prefixed `tag`."""
    moves = level_changes(state, levels)
    out: dict[str, float] = {}
    for (col, h), r in moves.iterrows():
        if h not in (1, 5):
            continue
        for stat in ("n_onsets", "change_mean", "uncond_change_mean", "pval_rise"):
            out[f"{tag}_{col}_{h}d_{stat}"] = float(r[stat])
    return out


def auction(raw: pd.DataFrame) -> dict[str, Any]:
    """The Feb 11, 2026 10-year auction, and the spill-over after 10-year auctions since 2000.

    The auction's own figures (`market.auctions`: no free source has the when-issued yield, so none of
    them is the quoted "tail"); the auction_stress preset's state at its close; VIX and MOVE 1 and 5
    days on. The event study (`analysis.event_study.level_changes`, p-values against random placements
    of the same episodes) on the days since 2000 where VIX, MOVE and the S&P 500 all trade (MOVE starts
    the window): after the weak auctions (the auction_stress preset's onsets), and after every 10-year
    nominal auction; and the S&P 500 after the weak auctions (`analysis.event_study.study`: forward
    return and the correction rule's share, 5 and 60 days, with p-values).
    """
    table = auctions.load()
    ten = table[auctions.is_ten_year_nominal(table)]
    feb = ten[ten["auction_date"] == AUCTION].iloc[0]
    sig = api.signals("auction_stress")
    levels = raw[["VIX", "MOVE", "SPX"]].loc[AUCTIONS_FROM:].dropna()
    after = levels.loc[AUCTION:]
    out: dict[str, Any] = {f"feb11_{f}": float(feb[f]) for f in AUCTION_FIELDS}
    out["feb11_weak"] = int(
        bool(sig.loc[AUCTION, "risk_off"]) and not bool(sig["risk_off"].shift(1).loc[AUCTION])
    )
    for col in ("VIX", "MOVE"):
        out |= {f"feb11_{col}_change_{h}d": float(after[col].iloc[h] - after[col].iloc[0]) for h in (1, 5)}
    out["feb11_SPX_ret_5d"] = float(after["SPX"].iloc[5] / after["SPX"].iloc[0] - 1)
    dates = pd.DatetimeIndex(ten["auction_date"])
    every = pd.Series(levels.index.isin(dates[dates >= AUCTIONS_FROM]), index=levels.index)
    weak = sig["risk_off"].where(sig["covered"], False).reindex(levels.index, fill_value=False).astype(bool)
    out |= auction_spillover(weak, levels[["VIX", "MOVE"]], "spill")
    out |= auction_spillover(every, levels[["VIX", "MOVE"]], "all")
    equity = study(weak, levels["SPX"]).table
    stats = ("n_onsets", "fwd_ret_mean", "uncond_ret_mean", "pval_ret", "p_correction", "uncond_p_correction")
    stats += ("pval_correction",)
    out |= {f"spill_SPX_{h}d_{k}": float(equity.loc[h, k]) for h in (5, 60) for k in stats}
    out["n_ten_year_auctions"] = int(every.sum())
    out["events_first"], out["events_last"] = str(levels.index[0].date()), str(levels.index[-1].date())
    return out


def dollar(raw: pd.DataFrame) -> dict[str, float]:
    """The broad dollar (DTWEXBGS, percent) and 10-year breakevens (T10YIE, bp) over the note's week."""
    usd = series(raw, "DTWEXBGS")
    return {
        "DTWEXBGS_change_pct": float(usd.loc[NOTE2_END] / usd.loc[NOTE2_START] - 1),
        "T10YIE_change_bp": _change_bp(series(raw, "T10YIE"), NOTE2_START, NOTE2_END),
        "DFII10_change_bp": _change_bp(series(raw, "DFII10"), NOTE2_START, NOTE2_END),
    }


def repo(raw: pd.DataFrame) -> dict[str, float]:
    """Repo against the interest on reserves over the note's week: SOFR and TGCR minus IORB, bp."""
    week = raw.loc[NOTE2_START:NOTE2_END, ["SOFR", "TGCR", "IORB"]].dropna()
    return {
        "SOFR_minus_IORB_max_bp": float(100 * (week["SOFR"] - week["IORB"]).max()),
        "TGCR_minus_IORB_max_bp": float(100 * (week["TGCR"] - week["IORB"]).max()),
        "SOFR_minus_IORB_mean_2025_bp": float(
            100 * (raw.loc["2025", "SOFR"] - raw.loc["2025", "IORB"]).dropna().mean()
        ),
    }


# --- the second note (seeds/004, "UST sell-off: From Safe-Haven to Lost-Haven?") ---------------------
#: "this week": the tariff sell-off, from the close before it (Fri April 4, 2025) to Fri April 11, 2025.
NOTE2_START = pd.Timestamp("2025-04-04")
NOTE2_END = pd.Timestamp("2025-04-11")
#: The note's "watch alongside" list: (item, the framework's way in).
WATCH = (
    ("SOFR-OIS curve steepness", "not on FRED: your export via data=csv (e.g. SOFR_OIS, as in the README)"),
    ("Treasury repo rates", "FRED SOFR (bundled from 2018 as SOFR; data=live), or TGCR/BGCR via data=live"),
    ("USD cross-currency basis", "not on FRED: your export via data=csv"),
    ("Agency MBS spreads", "not on FRED as a spread: your export via data=csv"),
    ("Fed Funds futures curve", "not on FRED: your export via data=csv; UST2Y (bundled, FRED DGS2) as proxy"),
)
#: The SOFR version of the swap-spread signal on a user's own export (PX_LAST column, e.g. Bloomberg).
SOFR_COMMAND = (
    "python run.py strategy=swap_spread data=csv '~data.sleeves.gold' "
    "'data.loader.files=[{path: prices.csv, columns: {SPY: SPY, IEF: IEF, TBILL3M: TBILL3M, "
    "UST10Y: UST10Y}}, {path: usd_sofr_swap_10y.csv, columns: {PX_LAST: SWAP10Y}}]'"
)


def _change_bp(s: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """The change of a percent series from the `start` close to the `end` close, in basis points."""
    return float(100 * (s.loc[end] - s.loc[start]))


def share_of_selloff(part_bp: float, ten_year_bp: float) -> float | None:
    """`part_bp` as a share of the 10-year's rise, None without a sell-off to share.

    A 10-year rise under `rules.MOVE_BP` is no sell-off, and a share of no move is no number.
    """
    return part_bp / ten_year_bp if ten_year_bp >= rules.MOVE_BP else None


def rate_cuts(raw: pd.DataFrame) -> dict[str, Any]:
    """2-year against 10-year over the note's week, and the curve_divergence signal's state that week."""
    y2, y10 = series(raw, "UST2Y"), series(raw, "UST10Y")
    sig = api.signals("curve_divergence").loc[NOTE2_START:NOTE2_END]
    return {
        "UST2Y_change_bp": _change_bp(y2, NOTE2_START, NOTE2_END),
        "UST10Y_change_bp": _change_bp(y10, NOTE2_START, NOTE2_END),
        "UST2Y_min_change_bp": float(100 * (y2.loc[NOTE2_START:NOTE2_END].min() - y2.loc[NOTE2_START])),
        "curve_divergence_days_on": int(sig["risk_off"].sum()),
        "curve_divergence_days": int(len(sig)),
    }


def term_premium_week(raw: pd.DataFrame) -> dict[str, float]:
    """The ACM term premium's change over the note's week, against the 10-year's (today's vintage)."""
    tp = series(raw, "TERM_PREMIUM_10Y")
    y10 = series(raw, "UST10Y")
    d_tp, d_y = _change_bp(tp, NOTE2_START, NOTE2_END), _change_bp(y10, NOTE2_START, NOTE2_END)
    return {"TP_change_bp": d_tp, "TP_share_of_10y_change": share_of_selloff(d_tp, d_y)}


def swap_spread_history(raw: pd.DataFrame) -> dict[str, Any]:
    """The bundled swap spread (ISDAFIX SWAP10Y - UST10Y, bp): first negative, share negative, last."""
    both = raw[["SWAP10Y", "UST10Y"]].dropna()
    spread = 100 * (both["SWAP10Y"] - both["UST10Y"])
    neg = spread[spread < 0]
    return {
        "swap_last_date": str(spread.index[-1].date()),
        "swap_spread_last_bp": float(spread.iloc[-1]),
        "swap_spread_first_negative": str(neg.index[0].date()) if len(neg) else None,
        "swap_spread_share_negative_since_2015": float((spread.loc["2015":] < 0).mean()),
        "swap_spread_min_bp": float(spread.min()),
        "swap_spread_min_date": str(spread.idxmin().date()),
    }


#: Note 004's "this week", three readings: the week from each of these closes (five trading days).
WEEK_STARTS = (pd.Timestamp("2025-04-02"), NOTE2_START, pd.Timestamp("2025-04-11"))
WEEK_DAYS = 5


def week_windows(raw: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Note 004's week from each of `WEEK_STARTS`: the 2-year, 10-year and term premium changes (bp).

    Each window runs from the start's close to the close `WEEK_DAYS` trading days later (DGS2's dates),
    and is judged by the same rules as the April 4 reading (`rules.BY_KEY`: rate_cuts, tp_week).
    """
    y2, y10, tp = series(raw, "UST2Y"), series(raw, "UST10Y"), series(raw, "TERM_PREMIUM_10Y")
    out = {}
    for start in WEEK_STARTS:
        i = y2.index.get_loc(start)
        end = y2.index[i + WEEK_DAYS]
        d10 = _change_bp(y10, start, end)
        d_tp = _change_bp(tp, start, end)
        out[str(start.date())] = {
            "end": str(end.date()),
            "UST2Y_change_bp": _change_bp(y2, start, end),
            "UST10Y_change_bp": d10,
            "TP_change_bp": d_tp,
            "TP_share_of_10y_change": share_of_selloff(d_tp, d10),
            "SPX_ret": float(series(raw, "SPX").loc[end] / series(raw, "SPX").loc[start] - 1),
        }
    return out


#: "What happened next": from the note's date to the end of the bundled data.
AFTER_FROM = SNAPSHOT


def after(raw: pd.DataFrame) -> dict[str, Any]:
    """February to August 2026: the S&P's drawdown, VIX and MOVE peaks, the 10-year's path, both falling."""
    spx = series(raw, "SPX")
    path = spx.loc[AFTER_FROM:]
    peak_before = spx.loc[YEAR_START:AFTER_FROM]
    dd = path / path.cummax() - 1
    trough = dd.idxmin()
    out: dict[str, Any] = {
        "SPX_feb4": float(path.iloc[0]),
        "SPX_2026_high_before": float(peak_before.max()),
        "SPX_2026_high_before_date": str(peak_before.idxmax().date()),
        "SPX_trough": float(path.loc[trough]),
        "SPX_trough_date": str(trough.date()),
        "SPX_maxdd_from_feb4": float(dd.min()),
        "SPX_dd_from_2026_high": float(path.loc[trough] / peak_before.max() - 1),
        "SPX_last": float(path.iloc[-1]),
        "SPX_last_date": str(path.index[-1].date()),
        "SPX_ret_to_last": float(path.iloc[-1] / path.iloc[0] - 1),
    }
    for col in ("VIX", "MOVE"):
        lv = series(raw, col).loc[AFTER_FROM:]
        out |= {f"{col}_peak": float(lv.max()), f"{col}_peak_date": str(lv.idxmax().date())}
        out[f"{col}_last"] = float(lv.iloc[-1])
    y10 = series(raw, "UST10Y").loc[AFTER_FROM:]
    out |= {
        "UST10Y_feb4": float(y10.iloc[0]),
        "UST10Y_low": float(y10.min()),
        "UST10Y_low_date": str(y10.idxmin().date()),
        "UST10Y_high": float(y10.max()),
        "UST10Y_high_date": str(y10.idxmax().date()),
        "UST10Y_last": float(y10.iloc[-1]),
        "UST10Y_last_date": str(y10.index[-1].date()),
    }
    rets = raw[["SPY", "IEF"]].dropna().pct_change().dropna()
    both = (rets < 0).all(axis=1)
    since = both.loc[AFTER_FROM + pd.Timedelta(days=1) :]
    out |= {"both_fell_after": float(since.mean()), "both_fell_before": float(both.loc[:AFTER_FROM].mean())}
    px = raw[["SPY", "IEF"]].dropna()
    to_trough = px.loc[trough] / px.loc[AFTER_FROM] - 1
    out |= {"SPY_to_trough": float(to_trough["SPY"]), "IEF_to_trough": float(to_trough["IEF"])}
    return out


def watch_alongside() -> dict[str, str]:
    """The note's "watch alongside" list, each with the way the framework can take it."""
    return dict(WATCH)


# --- every signal family: the catalogue verdict (`python -m analysis verdicts`), through August 2026 --
#: The catalogue's overrides here: its default grids, untracked (the study's tree is its record).
CATALOGUE_ARGS = ["tracking=disabled", "charts=none"]
#: A family passes the PBO gate when its probability of backtest overfitting is below this.
PBO_GATE = 0.5
FAMILY_KEYS = ("configs", "best_params", "sharpe", "sharpe_gap.sixty_forty", "active_sharpe.sixty_forty")
FAMILY_KEYS += ("sharpe_diff_lo", "sharpe_diff_hi", "p_value.sixty_forty", "spa_p.sixty_forty")
FAMILY_KEYS += ("stepm_survivors.sixty_forty", "stepm_survivors.vol_target", "event_best_q", "pbo")


def _family_setup(folder: Path) -> dict[str, Any]:
    """A family grid's allocation, costs, window and its best's time in risk-off, from its grid's files."""
    cfg = OmegaConf.load(folder / "results" / "config.yaml")
    summary = json.loads((folder / "results" / "summary.json").read_text())
    alloc = OmegaConf.to_container(cfg.strategy.allocation, resolve=True)
    days = pd.read_parquet(folder / "grid_data" / "grid_returns.parquet", columns=["cash_return"]).index
    return {
        "risk_on_weights": alloc.get("risk_on_weights"),  # type: ignore[union-attr]
        "risk_off_weights": alloc.get("risk_off_weights"),  # type: ignore[union-attr]
        "fees_bp": float(cfg.backtest.fees_bp),
        "slippage_bp": float(cfg.backtest.slippage_bp),
        "lag": int(cfg.backtest.lag),
        "rebalance": str(cfg.strategy.rebalance.calendar),
        "first": str(days[0].date()),
        "last": str(days[-1].date()),
        "best_time_in_risk_off": float(summary["best.time_in_risk_off"]),
    }


def grids(folder: Path) -> dict[str, Any]:
    """The catalogue verdict (`pipeline.catalogue.run`, its default grids) and each family's setup."""
    catalogue.run(CATALOGUE_ARGS, folder, echo=False)
    doc = json.loads((folder / "results" / "catalogue.json").read_text())
    fams = {
        name: {k: row[k] for k in FAMILY_KEYS if k in row} | _family_setup(folder / "families" / name)
        for name, row in doc["families"].items()
    }
    qs = [e["q"] for e in doc["event_studies"] if e["q"] is not None]
    return {
        "verdicts": doc["verdicts"],
        "joint": doc["joint"],
        "families": fams,
        "not_run": doc["not_run"],
        "n_event_pvalues": len(doc["event_studies"]),
        "event_min_q": min(qs) if qs else None,
        "sharpe_diff_interval": doc["sharpe_diff_interval"],
    }


#: The detail rows' claims, in the notes' words, keyed as in claims.json (their rules: `rules.for_row`).
CLAIMS = {
    "snapshot": "(000) February 4, 2026 table: S&P 500 6,142.50, 10-year 4.48%, MOVE 132.0, VIX 12.7, "
    "30-day realized vol S&P 11.2%, 10-year 26.4%",
    "gold": "(000) the same table: Gold (spot) $2,785.20, 19.5%, 22.1 (GVZ); Bitcoin $108,400, 44.2%, "
    "58.5 (BVOL)",
    "move_vix": '(000) "While the VIX remains suppressed, the MOVE index ... has decoupled and is trending '
    'sharply upward"',
    "term_premium": '(000) "the term premium on the 10-year note has hit its highest level in eighteen '
    'months"',
    "swings": '(000) "intraday swings in the 10-year yield have exceeded 15 basis points three times in the '
    'last week"',
    "ytd": '(000) "the 10-year yield has climbed steadily since the start of the year, yet the Nasdaq 100 is '
    'up 8 percent"',
    "auction": '(000) "February 11, 2026, with the auction of $42 billion in 10-year notes ... If the '
    "'tail' on that auction is significant, expect the volatility in the bond market to finally spill over "
    'into the equity indices"',
    "level": '(000) "Watch the 4.55 percent level on the 10-year yield. A break above that mark with a '
    "rising "
    'MOVE index will likely trigger the systematic deleveraging"; "could easily touch 5 percent by mid-year"',
    "spx_after": '(000) "a technical wedge that historically precedes a sharp correction in risk assets": '
    "the S&P 500 after February 4, 2026, and the catalogue's signals that day",
    "wedge": '(000) "a technical wedge that historically precedes a sharp correction"',
    "fell_together": '(000) "in a regime of rising volatility and fiscal uncertainty, both assets can fall '
    'simultaneously. We saw a preview of this in late 2025, and the trend is accelerating"',
    "rate_cuts": '(004) "The UST sell-off went hand in hand with the increased rate cut expectations" '
    "(the week from the April 4, 2025 close)",
    "tp_week": '(004) "The UST sell-off is likely driven by rising term premiums ... rather than by '
    "changing views on the Fed's path\"",
    "dollar": '(004) "a weakening USD"; "persistent inflation worries" (the same week)',
    "swap": '(004) "A negative spread between the US SOFR swap rate and 10y UST yield is also an unusual but '
    'increasingly relevant signal"; "Traders might be paying fixed in swaps to front-run Fed easing"',
    "repo": '(004) watch alongside: "Treasury repo rates (tightness signals demand for collateral)"',
    "watch": '(004) "watch these alongside: SOFR-OIS curve steepness, USD cross-currency basis, Agency MBS '
    'spreads, Fed Funds futures curve"',
}


def _param(v: object) -> str:
    """A grid value as config writes it: ``252`` for a whole number the results table holds as 252.0."""
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _pct(x: float) -> str:
    return f"{100 * x:+.2f}%"


def _says_snapshot(c: dict[str, Any]) -> str:
    s = c["snapshot"]
    cells = ", ".join(f"{k} {s[k]:,.2f} (note {NOTE[k]:,.2f})" for k in NOTE)
    return f"{cells}; 10-year realized vol in bp: {s['UST10Y_rv30_bp']:.1f} bp/yr (SPX, UST10Y, MOVE, VIX)"


def _says_gold(c: dict[str, Any]) -> str:
    g = c["gold"]
    return (
        f"GVZ {g['GVZ_feb4']:.2f} on Feb 4 (note 22.1); GLD 30-day realized vol {g['GLD_rv30']:.2f}% "
        f"(note 19.5%); GLD {g['GLD_feb4']:.2f} (a trust share, not an ounce); Bitcoin: no bundled price, "
        "and BVOL has no free history (GVZ, GLD)"
    )


def _says_move_vix(c: dict[str, Any]) -> str:
    m = c["move_vix"]
    return (
        f"MOVE {m['MOVE_first']:.2f} (first 2026 close) → {m['MOVE_feb4']:.2f} (Feb 4) → "
        f"{m['MOVE_feb_end']:.2f} (end Feb), Feb 4 at the {100 * m['MOVE_pctile_feb4']:.0f}th "
        f"percentile of its history; VIX {m['VIX_first']:.2f} → {m['VIX_feb4']:.2f} → "
        f"{m['VIX_feb_end']:.2f}, {100 * m['VIX_pctile_feb4']:.0f}th percentile (MOVE, VIX)"
    )


def _says_term_premium(c: dict[str, Any]) -> str:
    tp = c["term_premium"]
    return (
        f"ACM term premium {tp['TP_feb4']:.3f}% on Feb 4; its 378-day high {tp['TP_18m_max']:.3f}% on "
        f"{tp['TP_18m_max_date']} ({tp['TP_gap_to_18m_max_bp']:+.1f} bp from it); Feb 4 ranks "
        f"{100 * tp['TP_feb4_rank_in_18m']:.0f}% in the window (TERM_PREMIUM_10Y, today's vintage: the ACM "
        "series is re-estimated monthly)"
    )


def _says_swings(c: dict[str, Any]) -> str:
    sw = c["swings"]
    return (
        f"intraday range (^TNX high - low): {sw['range_n_over_15bp']} of the 5 trading days from "
        f"{sw['range_first_day']} to Feb 4 exceed 15 bp; widest {sw['range_max_bp']:.1f} bp on "
        f"{sw['range_max_date']} (UST10Y_HIGH, UST10Y_LOW); close to close: {sw['swings_n_over_15bp']} of 5 "
        f"changes from {sw['swings_first_day']}, largest {sw['swings_max_abs_bp']:.1f} bp (UST10Y)"
    )


def _says_ytd(c: dict[str, Any]) -> str:
    y, s = c["ytd"], c["snapshot"]
    return (
        f"10-year {y['UST10Y_2025_close']:.2f}% (last 2025 close) → {s['UST10Y']:.2f}% on Feb 4 "
        f"({y['UST10Y_ytd_bp_feb4']:+.0f} bp; range {y['UST10Y_ytd_min']:.2f}-"
        f"{y['UST10Y_ytd_max']:.2f}%); S&P 500 {_pct(y['SPX_ytd_feb4'])} YTD; Nasdaq 100 (QQQ, adjusted) "
        f"{_pct(y['QQQ_ytd_feb4'])} YTD (UST10Y, SPX, QQQ)"
    )


def _says_auction(c: dict[str, Any]) -> str:
    a = c["auction"]
    return (
        f"Feb 11 10-year (${a['feb11_offering_amt'] / 1e9:.0f} billion offered): high yield "
        f"{a['feb11_high_yield']:.3f}%, bid-to-cover "
        f"{a['feb11_bid_to_cover_ratio']:.2f}"
        f" ({a['feb11_bid_to_cover_minus_trailing']:+.2f} against its last 12), indirect "
        f"{a['feb11_indirect_share_pct']:.1f}%, high minus average {a['feb11_high_minus_avg_bp']:.1f} bp, "
        f"high minus the previous DGS10 close {a['feb11_high_minus_prev_dgs10_bp']:+.1f} bp (no free source "
        "has the when-issued yield, so none of these is the quoted tail); auction_stress "
        f"{'on' if a['feb11_weak'] else 'off'} at its close; after it VIX "
        f"{a['feb11_VIX_change_5d']:+.2f} and "
        f"MOVE {a['feb11_MOVE_change_5d']:+.2f} points in 5 days, S&P 500 {_pct(a['feb11_SPX_ret_5d'])}. "
        "See the auction event study below"
    )


def _says_level(c: dict[str, Any]) -> str:
    lv = c["level"]
    says = (
        f"from Feb 11 the 10-year's high is {lv['UST10Y_max_after_auction']:.2f}% on "
        f"{lv['UST10Y_max_after_auction_date']}, {lv['UST10Y_days_above_455']} closes above 4.55%; "
        f"high to June 30: {lv['UST10Y_max_to_midyear']:.2f}% (UST10Y)"
    )
    if lv["UST10Y_days_above_455"]:
        says += (
            f"; first close above 4.55% on {lv['UST10Y_first_close_above_455']}, MOVE "
            f"{lv['MOVE_20d_change_at_break']:+.2f} over the 20 days to it; the S&P 500's worst drawdown in "
            f"the 60 days after: {_pct(lv['SPX_maxdd_60d_after_break'])} (MOVE, SPX)"
        )
    return says


def _says_spx_after(c: dict[str, Any]) -> str:
    f, states, p = c["spx_after"], c["catalogue_feb4"], c["premise"]
    on = [k for k, v in states.items() if v == "on"]
    uncovered = [k for k, v in states.items() if v == "not covered"]
    return (
        ", ".join(f"{h}d {_pct(f[f'SPX_fwd_{h}d'])}" for h in HORIZONS)
        + f"; worst drawdown within {CORRECTION_DAYS} trading days {_pct(f['SPX_maxdd_60d'])} (to the "
        f"{f['SPX_trough_date']} close); VIX high {f['VIX_max_60d']:.2f} ({f['VIX_max_60d_date']}), "
        f"MOVE high {f['MOVE_max_60d']:.2f} ({f['MOVE_max_60d_date']}) (SPX, VIX, MOVE); the wedge's score "
        f"on Feb 4 {p['wedge_score_feb4']:+.2f} against z_entry {p['wedge_z_entry']:g} (highest to April 30: "
        f"{p['wedge_score_max_to_april']:+.2f}); on Feb 4 the catalogue's signals on: "
        f"{', '.join(on) or 'none'}"
        f"; not covered (an input has ended, e.g. SWAP10Y in 2016): {', '.join(uncovered) or 'none'}"
    )


def _says_wedge(c: dict[str, Any]) -> str:
    w = c["wedge"]
    parts = [
        f"{h}d: {int(w[f'wedge_n_onsets_{h}d'])} onsets, fwd ret {_pct(w[f'wedge_fwd_ret_mean_{h}d'])} "
        f"vs all days {_pct(w[f'wedge_uncond_ret_mean_{h}d'])} (p={w[f'wedge_pval_ret_{h}d']:.3f}), "
        f"≥5% drawdown {100 * w[f'wedge_p_correction_{h}d']:.0f}% vs "
        f"{100 * w[f'wedge_uncond_p_correction_{h}d']:.0f}% (p={w[f'wedge_pval_correction_{h}d']:.3f})"
        for h in HORIZONS
    ]
    return "move_vix_wedge event study (SPY, the backtest window): " + "; ".join(parts)


def _says_fell_together(c: dict[str, Any]) -> str:
    b = c["fell_together"]
    return (
        f"SPY and IEF both fell on {100 * b['both_fell_all']:.1f}% of days ({b['both_fell_first']} to "
        f"{b['both_fell_last']}): {100 * b['both_fell_rising_move']:.1f}% when MOVE had risen over the prior "
        f"{MOVE_RISING_DAYS} days ({100 * b['rising_move_share']:.0f}% of days), "
        f"{100 * b['both_fell_other']:.1f}% otherwise; Sep-Dec 2025 {100 * b['both_fell_late2025']:.1f}%, "
        f"Jan 2 to Feb 4 2026 {100 * b['both_fell_2026_to_feb4']:.1f}% (SPY, IEF, MOVE)"
    )


def _says_rate_cuts(c: dict[str, Any]) -> str:
    rc = c["rate_cuts"]
    return (
        f"April 4 to April 11, 2025 closes: 2-year {rc['UST2Y_change_bp']:+.0f} bp (never below its "
        f"April 4 close: lowest change {rc['UST2Y_min_change_bp']:+.0f} bp), 10-year "
        f"{rc['UST10Y_change_bp']:+.0f} bp; curve_divergence (preset) on {rc['curve_divergence_days_on']} "
        f"of {rc['curve_divergence_days']} days (UST2Y, UST10Y). Fed funds futures would test the claim "
        "directly; the window matters (see the window table)"
    )


def _says_tp_week(c: dict[str, Any]) -> str:
    t = c["tp_week"]
    return (
        f"ACM 10-year term premium {t['TP_change_bp']:+.0f} bp over the same week, "
        f"{_share(t['TP_share_of_10y_change'])} of the 10-year's rise (TERM_PREMIUM_10Y, today's vintage: "
        "the ACM model is re-estimated monthly, so these are not the numbers of that week)"
    )


def _says_dollar(c: dict[str, Any]) -> str:
    d = c["dollar"]
    return (
        f"broad dollar {_pct(d['DTWEXBGS_change_pct'])} from Apr 4 to Apr 11, 2025 (DTWEXBGS); 10-year "
        f"breakeven {d['T10YIE_change_bp']:+.0f} bp (T10YIE), real yield {d['DFII10_change_bp']:+.0f} bp "
        "(DFII10): the 10-year's rise was real yields, not inflation compensation"
        if d["DFII10_change_bp"] > d["T10YIE_change_bp"]
        else f"broad dollar {_pct(d['DTWEXBGS_change_pct'])} (DTWEXBGS); breakeven "
        f"{d['T10YIE_change_bp']:+.0f}"
        f" bp (T10YIE), real yield {d['DFII10_change_bp']:+.0f} bp (DFII10)"
    )


def _says_swap(c: dict[str, Any]) -> str:
    sw = c["swap"]
    return (
        f"bundled SWAP10Y is the LIBOR-era ISDAFIX (FRED DSWP10), ending {sw['swap_last_date']}: the spread "
        f"first went negative on {sw['swap_spread_first_negative']}, was negative on "
        f"{100 * sw['swap_spread_share_negative_since_2015']:.0f}% of days since 2015, low "
        f"{sw['swap_spread_min_bp']:.0f} bp on {sw['swap_spread_min_date']}, "
        f"last {sw['swap_spread_last_bp']:.0f} bp (SWAP10Y, UST10Y). The note's mechanism is backwards: "
        "positioning for easing means receiving fixed, which pushes swap rates down. The SOFR spread itself "
        f"is not testable with this data; with your export: `{SOFR_COMMAND}`"
    )


def _says_repo(c: dict[str, Any]) -> str:
    r = c["repo"]
    return (
        f"over the week from Apr 4, 2025: SOFR minus IORB at most {r['SOFR_minus_IORB_max_bp']:+.0f} bp, "
        "TGCR "
        f"minus IORB at most {r['TGCR_minus_IORB_max_bp']:+.0f} bp; 2025's mean SOFR minus IORB "
        f"{r['SOFR_minus_IORB_mean_2025_bp']:+.1f} bp (SOFR, TGCR, IORB; signal: repo_stress)"
    )


def _says_watch(c: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in c["watch"].items() if k != "Treasury repo rates")


SAYS: dict[str, Callable[[dict[str, Any]], str]] = {
    "snapshot": _says_snapshot,
    "gold": _says_gold,
    "move_vix": _says_move_vix,
    "term_premium": _says_term_premium,
    "swings": _says_swings,
    "ytd": _says_ytd,
    "auction": _says_auction,
    "level": _says_level,
    "spx_after": _says_spx_after,
    "wedge": _says_wedge,
    "fell_together": _says_fell_together,
    "rate_cuts": _says_rate_cuts,
    "tp_week": _says_tp_week,
    "dollar": _says_dollar,
    "swap": _says_swap,
    "repo": _says_repo,
    "watch": _says_watch,
}


def rows(c: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The detail table: (the claim in the note's words, what the data says, its rules' verdicts)."""
    return [(CLAIMS[k], says(c), rules.row_verdict(k, c)) for k, says in SAYS.items()]


def window_table(c: dict[str, Any]) -> str:
    """Note 004's week from Apr 2, 4 and 11, 2025, each judged by the April 4 reading's rules."""
    lines = [
        "| week (closes) | 2-year | 10-year | term premium (share of the 10-year's move) | S&P 500 | "
        f"the 2-year falls: {rules.BY_KEY['rate_cuts'].condition()} | the term premium drove it: "
        f"{rules.BY_KEY['tp_week'].condition()} |",
        "|---|---|---|---|---|---|---|",
    ]
    for start, w in c["windows"].items():
        as_claims = {"rate_cuts": w, "tp_week": w}
        cut = rules.verdict(rules.BY_KEY["rate_cuts"], as_claims)
        tp = rules.verdict(rules.BY_KEY["tp_week"], as_claims)
        lines.append(
            f"| {start} → {w['end']} | {w['UST2Y_change_bp']:+.0f} bp | {w['UST10Y_change_bp']:+.0f} bp | "
            f"{w['TP_change_bp']:+.0f} bp ({_share(w['TP_share_of_10y_change'])}) | "
            f"{_pct(w['SPX_ret'])} | "
            f"{cut} | {tp} |"
        )
    return "\n".join(lines)


def auction_table(c: dict[str, Any]) -> str:
    """The spill-over after 10-year auctions: weak ones (auction_stress onsets) and all of them."""
    a = c["auction"]
    lines = [
        "| events | level | n | mean change, 1 day | all days | p (rise) | mean change, 5 days | all days | "
        "p (rise) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for tag, label in (("spill", "weak auctions (auction_stress onsets)"), ("all", "every 10-year auction")):
        for col in ("VIX", "MOVE"):
            k = f"{tag}_{col}"
            lines.append(
                f"| {label} | {col} | {int(a[f'{k}_5d_n_onsets'])} | {a[f'{k}_1d_change_mean']:+.2f} | "
                f"{a[f'{k}_1d_uncond_change_mean']:+.2f} | {a[f'{k}_1d_pval_rise']:.3f} | "
                f"{a[f'{k}_5d_change_mean']:+.2f} | {a[f'{k}_5d_uncond_change_mean']:+.2f} | "
                f"{a[f'{k}_5d_pval_rise']:.3f} |"
            )
    parts = []
    for h in (5, 60):
        e = {k.removeprefix(f"spill_SPX_{h}d_"): v for k, v in a.items() if k.startswith(f"spill_SPX_{h}d_")}
        parts.append(
            f"{h} days: {int(e['n_onsets'])} onsets, mean return {_pct(e['fwd_ret_mean'])} against "
            f"{_pct(e['uncond_ret_mean'])} on all days (p {e['pval_ret']:.3f}), followed by a correction "
            f"{100 * e['p_correction']:.0f}% against {100 * e['uncond_p_correction']:.0f}% "
            f"(p {e['pval_correction']:.3f})"
        )
    lines += ["", f"The S&P 500 after the weak auctions (`analysis.event_study.study`): {'; '.join(parts)}."]
    lines.append(
        "\nThis section holds 12 p-values, none adjusted for the others; the rule reads one declared in "
        "advance (VIX, 5 days, weak auctions)."
    )
    return "\n".join(lines)


def _share(x: float | None) -> str:
    return "no sell-off" if x is None else f"{100 * x:.0f}%"


def _weights(w: Any) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in (w or {}).items()) or "-"


def _interval(r: dict[str, Any]) -> str:
    """The best's Sharpe difference against 60/40 with its single-run 95% interval and p.

    A best that is rarely risk-off has resamples without an active day: `analysis.verdict.compare` then
    gives the percentile interval (its test text says so), finite either way.
    """
    gap = f"{r['sharpe_gap.sixty_forty']:+.2f}"
    if r.get("p_value.sixty_forty") is None:
        return f"{gap} (none: the best is 60/40 on every day)"
    lo, hi = r["sharpe_diff_lo"], r["sharpe_diff_hi"]
    return f"{gap} ({lo:+.2f} to {hi:+.2f}), p {r['p_value.sixty_forty']:.3f}"


def family_verdict(r: dict[str, Any]) -> str:
    """A family's reading: beats 60/40 only with a StepM survivor (the search counted) past the PBO gate."""
    if r["pbo"] >= PBO_GATE:
        return "not read: fails the PBO gate"
    if r["stepm_survivors.sixty_forty"] > 0:
        return "beats 60/40 (a StepM survivor)"
    p = r.get("p_value.sixty_forty")
    if p is not None and p < rules.ALPHA:
        spa = r["spa_p.sixty_forty"]
        return f"no evidence once the search is counted (single-run p {p:.3f}, family SPA p {spa:.2f})"
    return "no evidence it beats 60/40"


def grid_table(g: dict[str, Any]) -> str:
    """The catalogue table: each family's best against 60/40, the joint tests' survivors, PBO as a gate."""
    head = (
        "| family | configs | best (Sharpe over T-bills) | Sharpe minus 60/40 (95% interval), p | "
        "active Sharpe vs 60/40 | family SPA p | StepM survivors (60/40 / vol target) | PBO | "
        f"reading (PBO gate < {PBO_GATE:g}) |\n|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for name, r in g["families"].items():
        active = r.get("active_sharpe.sixty_forty")
        lines.append(
            f"| {name} | {r['configs']} | {r['best_params']} ({r['sharpe']:.2f}) | {_interval(r)} | "
            f"{'n/a' if active is None else f'{active:+.2f}'} | {r['spa_p.sixty_forty']:.3f} | "
            f"{r['stepm_survivors.sixty_forty']} / {r['stepm_survivors.vol_target']} | {r['pbo']:.2f} | "
            f"{family_verdict(r)} |"
        )
    return "\n".join(lines)


def grid_section(g: dict[str, Any]) -> str:
    """The section "does any reading of the thesis beat 60/40?": the catalogue verdict and its table."""
    fams = g["families"]
    setups = {
        (f"risk-on {_weights(r['risk_on_weights'])}; risk-off {_weights(r['risk_off_weights'])}",
         r["fees_bp"], r["slippage_bp"], r["lag"], r["rebalance"]) for r in fams.values()
    }  # fmt: skip
    first = max(r["first"] for r in fams.values())
    last = min(r["last"] for r in fams.values())
    joint = []
    for b, j in g["joint"].items():
        who = ", ".join(f"{f}#{i}" for f, i in j["survivors"]) or "none"
        joint.append(
            f"- against {b}: {g['verdicts'][b]}; SPA consistent p {j['p_consistent']:.3f} over "
            f"{j['trials']} configurations; StepM survivors (5% FWER): {who}"
        )
    setup = "; ".join(
        f"{alloc}, fees {fee:g} bp and slippage {slip:g} bp a trade, weights decided on close t trade at "
        f"t+{lag}, {cal} rebalancing and on each regime change"
        for alloc, fee, slip, lag, cal in sorted(setups)
    )
    passed = [n for n, r in fams.items() if r["pbo"] < PBO_GATE]
    return f"""## Does any reading of the thesis beat 60/40, with the search counted?

The catalogue verdict (`python -m analysis verdicts`, `pipeline/catalogue.py`, the grids of
`conf/catalogue/default.yaml`), run by the study on the bundled data through {last} (the families' common
days from {first}). Allocation and costs, as each family's grid ran them: {setup}. Every configuration of
every family is tested together:

{chr(10).join(joint)}

Per family: the best configuration's Sharpe minus 60/40's over the whole window, with the single run's
95% interval and p (`analysis.verdict.compare`: the search not counted); its active Sharpe (information
ratio against 60/40);
the family's own SPA p; how many of its configurations survive the joint StepM; and PBO as a gate (a
family whose PBO is {PBO_GATE:g} or more has a best that more likely than not ranks below the median out of
sample, so its best is not read at all). Families passing the gate: {", ".join(passed) or "none"}. Event
studies: the lowest Benjamini-Yekutieli q-value over all {g["n_event_pvalues"]} event-study p-values is
{g["event_min_q"]:.3f}.

{grid_table(g)}
"""


def after_section(c: dict[str, Any]) -> str:
    """The section "what happened next": February to August 2026 on the bundled data."""
    a = c["after"]
    return f"""## What happened next (February 4 to {a["SPX_last_date"]})

![February to August 2026: the S&P 500, VIX and MOVE, the 10-year, SPY and IEF](what_happened_next.png)

- **The S&P 500** closed at {a["SPX_feb4"]:,.2f} on Feb 4 and fell to {a["SPX_trough"]:,.2f} on
  {a["SPX_trough_date"]}: {_pct(a["SPX_maxdd_from_feb4"])} from the running peak after Feb 4,
  {_pct(a["SPX_dd_from_2026_high"])} from its 2026 high before the note ({a["SPX_2026_high_before"]:,.2f} on
  {a["SPX_2026_high_before_date"]}). By {a["SPX_last_date"]} it stood at {a["SPX_last"]:,.2f}
  ({_pct(a["SPX_ret_to_last"])} from Feb 4).
- **VIX** peaked at {a["VIX_peak"]:.2f} on {a["VIX_peak_date"]} and **MOVE** at {a["MOVE_peak"]:.2f} on
  {a["MOVE_peak_date"]} (last: VIX {a["VIX_last"]:.2f}, MOVE {a["MOVE_last"]:.2f}); the note's MOVE of 132 was
  never reached.
- **The 10-year** went from {a["UST10Y_feb4"]:.2f}% (Feb 4) to a low of {a["UST10Y_low"]:.2f}%
  ({a["UST10Y_low_date"]}) and a high of {a["UST10Y_high"]:.2f}% ({a["UST10Y_high_date"]}), ending at
  {a["UST10Y_last"]:.2f}% ({a["UST10Y_last_date"]}).
- **Stocks and bonds falling together**: SPY and IEF both fell on {100 * a["both_fell_after"]:.1f}% of days
  after Feb 4 ({100 * a["both_fell_before"]:.1f}% of days before); from Feb 4 to the S&P's trough SPY
  returned {_pct(a["SPY_to_trough"])} and IEF {_pct(a["IEF_to_trough"])}.
"""


CHART_TEXT = (
    ("move_vix_10y.png", "MOVE, VIX and the 10-year, December 2025 to August 2026, the note's Feb 4 values"),
    ("wedge_zscore.png", "The MOVE/VIX wedge's score (the preset's z-score) and its episodes"),
    ("term_premium_18m.png", "The ACM term premium over the eighteen months to Feb 4, 2026, and after"),
    ("swap_spread.png", "The 10-year swap spread (ISDAFIX minus DGS10) over its bundled history"),
    ("april_2025.png", "April 2025: the 2-year, the 10-year, the term premium and the S&P 500"),
)


def rounded(value: Any) -> Any:
    """`value` with every float cut to 13 significant digits, for ``claims.json``.

    A rerun's last-digit float noise (summation order) then leaves the file as it was, and every figure
    keeps 1e-12 of relative precision.
    """
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v) for v in value]
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.13g}")
    return value


def compute(grid_folder: Path, *, echo: bool = False) -> dict[str, Any]:
    """Every number the README quotes, keyed by claim (the catalogue's run folders under `grid_folder`).

    `echo`: say on stderr which claim is being checked, from the first second (the grids take minutes).
    """
    raw = load()
    steps: dict[str, Callable[[], Any]] = {
        "snapshot": lambda: snapshot(raw),
        "gold": lambda: gold(raw),
        "move_vix": lambda: move_vs_vix(raw),
        "term_premium": lambda: term_premium(raw),
        "swings": lambda: swings(raw),
        "ytd": lambda: ytd(raw),
        "auction": lambda: auction(raw),
        "level": lambda: level_break(raw),
        "spx_after": lambda: spx_after(raw),
        "premise": premise,
        "catalogue_feb4": lambda: catalogue_on(SNAPSHOT),
        "wedge": wedge_study,
        "fell_together": lambda: fell_together(raw),
        "rate_cuts": lambda: rate_cuts(raw),
        "tp_week": lambda: term_premium_week(raw),
        "windows": lambda: week_windows(raw),
        "dollar": lambda: dollar(raw),
        "swap": lambda: swap_spread_history(raw),
        "repo": lambda: repo(raw),
        "watch": watch_alongside,
        "after": lambda: after(raw),
        "grids": lambda: grids(grid_folder),
    }
    bar = progress.open_bar(len(steps), enabled=echo, label="study", unit="claim", first="loading data")
    out = {}
    try:
        for name, step in steps.items():
            progress.stage(bar, f"checking {name}" + (" (the catalogue's grids)" if name == "grids" else ""))
            out[name] = step()
            bar.update(1)
    finally:
        bar.close()
    return out


def readme(claims: dict[str, Any]) -> str:
    """The study's report: the scorecard, the rules, the detail table, what happened next, the grids."""
    cell = lambda t: t.replace("|", "/")  # noqa: E731 - a one-line escape
    table = "\n".join(f"| {cell(a)} | {cell(b)} | {cell(c)} |" for a, b, c in rows(claims))
    charts_md = "\n\n".join(f"![{text}]({name})" for name, text in CHART_TEXT)
    last = claims["after"]["SPX_last_date"]
    return f"""# The Treasury trap, checked on the bundled data

Claims from `seeds/000` ("The Treasury Trap Threatens the Equity Melt Up", February 4, 2026) and
`seeds/004` ("UST sell-off: From Safe-Haven to Lost-Haven?", April 2025), checked on the bundled data
(`market.bundled.load()`, to {last}). Regenerate from the project root:
`python -m experiments.treasury_trap.study` (or `--out <folder>` to write elsewhere). Every number below is
in `claims.json`; a test reruns the study and checks that it reproduces.

## Scorecard

Each claim, its verdict under the rule declared for it (next section), and the number the rule reads.
{rules.tally(claims)}

{rules.scorecard(claims)}

## The rules, declared before the numbers

In each claim's own units: yields in basis points, vol indices and realized vols in points, returns in
percent. A correction is one rule everywhere: a forward maximum drawdown of at least
{CORRECTION:.0%} within {CORRECTION_DAYS} trading days. Realized volatility: 21 daily log changes (about 30
calendar days), annualised with sqrt(252). The rules are data (`experiments/treasury_trap/rules.py`,
`RULES`); this table and every verdict are generated from them.

{rules.rules_table()}

## The claims in detail

| claim (the note's words) | what the bundled data says (source column) | verdicts (rules above) |
|---|---|---|
{table}

{after_section(claims)}
## Note 004's week: does the window matter?

The note says "this week". Starting the week on April 2 (the tariff announcement), April 4 (the close
before the sell-off) or April 11 (the week after) changes the answer:

{window_table(claims)}

## The auction: does a weak 10-year auction spill over into volatility?

Every 10-year nominal auction from {claims["auction"]["events_first"]} to
{claims["auction"]["events_last"]} ({claims["auction"]["n_ten_year_auctions"]} auctions,
`market/auctions.py`), with VIX's and MOVE's change in points 1 and 5 trading days after the auction's
close, against all days (`analysis.event_study.level_changes`: p is the share of random placements of the
same episodes with a mean change at least as large). Weak auctions are the `auction_stress` preset's
onsets (bid-to-cover or indirect share 1.5 standard deviations below the previous 12, or high minus
average yield 8 bp or more).

{auction_table(claims)}

{grid_section(claims["grids"])}
## Charts

{charts_md}
"""


#: Every file the study writes (a regenerated folder holds exactly these and its code).
OUTPUTS = ("README.md", "claims.json", "what_happened_next.png", *(name for name, _ in CHART_TEXT))


def clean(out: Path) -> None:
    """Remove the study's former outputs from `out`: PNGs it no longer writes, so the tree stays clean."""
    for old in out.glob("*.png"):
        if old.name not in OUTPUTS:
            old.unlink()


def main(argv: list[str] | None = None) -> None:
    """Compute the claims and write README.md, claims.json and the figures into ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: this folder)")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="treasury-trap-grids-") as grid_folder:
        claims = compute(Path(grid_folder), echo=True)
    clean(out)
    (out / "claims.json").write_text(json.dumps(rounded(claims), indent=2, sort_keys=True) + "\n")
    (out / "README.md").write_text(readme(claims))
    charts.write_all(load(), out)
    print(f"wrote {out / 'README.md'}")


if __name__ == "__main__":
    main()
