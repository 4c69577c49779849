"""The Treasury-trap study: the note's claims (``../shared/seeds/000``) checked on the bundled data.

Run from the project root with ``python -m experiments.treasury_trap.study`` (or
``python experiments/treasury_trap/study.py``); ``--out <folder>`` writes elsewhere (CI does, and checks
that the fresh ``claims.json`` equals the committed one). It uses only the public API (`pipeline.api`) and
the bundled data (`market.bundled.load`), and writes ``README.md`` (one row per claim), ``claims.json``
(every number the README quotes) and two figures.

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
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

from backtest import metrics  # noqa: E402
from common import progress  # noqa: E402
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
#: A correction, one rule everywhere: a drawdown of 5% or more within 60 trading days (the event study's).
CORRECTION, CORRECTION_DAYS = 0.05, 60
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
    return {f"wedge_{c}_{h}d": float(table.loc[h, c]) for h in HORIZONS for c in cols}


def fell_together(raw: pd.DataFrame) -> dict[str, float]:
    """Share of days both SPY and IEF fell, by the stock-bond correlation signal's state."""
    sig = api.signals("stock_bond_correlation")
    rets = raw[["SPY", "IEF"]].dropna().pct_change().dropna()
    both = (rets < 0).all(axis=1)
    state = sig["risk_off"].where(sig["covered"]).reindex(rets.index).dropna().astype(bool)
    both = both.loc[state.index]
    return {
        "both_fell_all": float(both.mean()),
        "both_fell_corr_high": float(both[state].mean()),
        "both_fell_corr_low": float(both[~state].mean()),
        "corr_high_share": float(state.mean()),
        "both_fell_first": str(state.index[0].date()),
        "both_fell_last": str(state.index[-1].date()),
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
    return {"TP_change_bp": d_tp, "TP_share_of_10y_change": d_tp / d_y}


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


def watch_alongside() -> dict[str, str]:
    """The note's "watch alongside" list, each with the way the framework can take it."""
    return dict(WATCH)


# --- every signal family: a small grid, its luck statistics and walk-forward against 60/40 -----------
#: preset -> its grid of strategy.signal values, and the families grid mode cannot run here (and why):
#: the catalogue's config (conf/catalogue/default.yaml), which `python -m analysis verdicts` runs too.
_CATALOGUE = api.compose(None, catalogue.split([])).catalogue
GRIDS: dict[str, dict[str, list]] = OmegaConf.to_container(_CATALOGUE.families, resolve=True)  # type: ignore[assignment]
NO_GRID: dict[str, str] = dict(_CATALOGUE.not_run)
GRID_KEYS = ("n_configs", "n_distinct_portfolios", "deflated_sharpe", "pbo", "best.sharpe_excess_tbill")
GRID_KEYS += ("walk_forward.sharpe_excess_tbill", "walk_forward.cagr", "walk_forward.max_drawdown")


def oos_benchmark(preset: str, days: pd.DatetimeIndex, name: str = "sixty_forty") -> dict[str, float]:
    """A benchmark of `preset`'s backtest on the walk-forward's out-of-sample `days`, same metrics."""
    run = api.backtest(preset).run
    value = run.portfolios[name].value
    r = value.pct_change().loc[days].to_numpy()
    cash = run.prices["cash"].pct_change().loc[days].to_numpy()
    out = metrics.performance(np.cumprod(1.0 + r), cash, 1.0)
    return {f"{name}_oos.{k}": float(out[k]) for k in ("sharpe_excess_tbill", "cagr", "max_drawdown")}


def family_grid(preset: str, folder: Path) -> dict[str, Any]:
    """`preset`'s grid (`GRIDS`) through `pipeline.api.grid`: luck statistics and walk-forward vs 60/40."""
    g = api.grid("wedge_grid", catalogue.grid_overrides(preset, GRIDS[preset]), folder=folder / preset)
    out: dict[str, Any] = {k: float(g.summary[k]) for k in GRID_KEYS if k in g.summary}
    params = {k.removeprefix("strategy.signal."): v for k, v in g.best.items() if k.startswith("strategy.")}
    out["best_params"] = {k: v.item() if hasattr(v, "item") else v for k, v in params.items()}
    if g.walk_forward is not None:
        oos = pd.read_parquet(g.folder / "results" / "walk_forward_returns.parquet").index
        out |= oos_benchmark(preset, oos) | {"oos_first": str(oos[0].date()), "oos_last": str(oos[-1].date())}
    return out


def grids(folder: Path) -> dict[str, Any]:
    """Every family's grid result (`family_grid`), and the families grid mode cannot run here."""
    out: dict[str, Any] = {p: family_grid(p, folder) for p in GRIDS}
    return out | {p: {"not_run": why} for p, why in NO_GRID.items()}


def figure(raw: pd.DataFrame, path: Path) -> None:
    """MOVE, VIX and the 10-year, December 2025 to April 2026, with the note's Feb 4 values marked."""
    win = raw.loc["2025-12-01":"2026-04-30"]
    fig, (a, b) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for col, colour in (("MOVE", "C0"), ("VIX", "C1")):
        s = win[col].dropna()
        a.plot(s.index, s, color=colour, label=f"{col} (bundled)")
        a.scatter([SNAPSHOT], [NOTE[col]], color=colour, marker="x", label=f"{col} in the note")
    a.legend(fontsize=8)
    a.set_title("MOVE and VIX around February 4, 2026: the bundled data against the note")
    y = win["UST10Y"].dropna()
    b.plot(y.index, y, color="C2", label="UST10Y (%)")
    b.axhline(LEVEL, color="grey", ls="--", label="4.55%")
    b.scatter([SNAPSHOT], [NOTE["UST10Y"]], color="C2", marker="x", label="the note's 4.48%")
    b.axvline(AUCTION, color="grey", ls=":", label="Feb 11 auction")
    b.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


#: The claims, in the note's words (seeds/000), keyed as in claims.json.
CLAIMS = {
    "snapshot": "February 4, 2026 table: S&P 500 6,142.50, 10-year 4.48%, MOVE 132.0, VIX 12.7, "
    "30-day realized vol S&P 11.2%, 10-year 26.4%",
    "move_vix": '"While the VIX remains suppressed, the MOVE index ... has decoupled and is trending '
    'sharply upward"',
    "term_premium": '"the term premium on the 10-year note has hit its highest level in eighteen months"',
    "swings": '"intraday swings in the 10-year yield have exceeded 15 basis points three times in the '
    'last week"',
    "ytd": '"the 10-year yield has climbed steadily since the start of the year, yet the Nasdaq 100 is '
    'up 8 percent"',
    "level": '"Watch the 4.55 percent level on the 10-year yield. A break above that mark with a rising '
    'MOVE index will likely trigger the systematic deleveraging" (after the February 11 auction); '
    '"could easily touch 5 percent by mid-year"',
    "spx_after": 'S&P 500 after February 4, 2026 ("a sharp correction in risk assets"), and the '
    "catalogue's signals that day",
    "wedge": '"a technical wedge that historically precedes a sharp correction"',
    "fell_together": '"in a regime of rising volatility and fiscal uncertainty, both assets can fall '
    'simultaneously"',
    "rate_cuts": '(seeds/004) "The UST sell-off went hand in hand with the increased rate cut expectations" '
    "(the week of April 7-11, 2025)",
    "tp_week": '"The UST sell-off is likely driven by rising term premiums ... rather than by '
    "changing views on the Fed's path\"",
    "swap": '"A negative spread between the US SOFR swap rate and 10y UST yield is also an unusual but '
    'increasingly relevant signal"',
    "watch": '"watch these alongside: SOFR-OIS curve steepness, Treasury repo rates, USD cross-currency '
    'basis, Agency MBS spreads, Fed Funds futures curve"',
}


def _param(v: object) -> str:
    """A grid value as config writes it: ``252`` for a whole number the results table holds as 252.0."""
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _pct(x: float) -> str:
    return f"{100 * x:+.2f}%"


def _row_snapshot(s: dict[str, float]) -> tuple[str, str]:
    cells = ", ".join(f"{k} {s[k]:,.2f} (note {NOTE[k]:,.2f})" for k in NOTE)
    close = [k for k in NOTE if abs(s[k] - NOTE[k]) <= 0.05 * abs(NOTE[k])]
    near = ", ".join(close) or "none"
    verdict = "supported" if len(close) == len(NOTE) else f"contradicted: within 5% of the data: {near}"
    says = f"{cells}; 10-year realized vol in bp: {s['UST10Y_rv30_bp']:.1f} bp/yr (SPX, UST10Y, MOVE, VIX)"
    return says, verdict


def _row_move_vix(m: dict[str, float]) -> tuple[str, str]:
    says = (
        f"MOVE {m['MOVE_first']:.2f} (first 2026 close) → {m['MOVE_feb4']:.2f} (Feb 4) → "
        f"{m['MOVE_feb_end']:.2f} (end Feb), Feb 4 at the {100 * m['MOVE_pctile_feb4']:.0f}th "
        f"percentile of its history; VIX {m['VIX_first']:.2f} → {m['VIX_feb4']:.2f} → "
        f"{m['VIX_feb_end']:.2f}, {100 * m['VIX_pctile_feb4']:.0f}th percentile (MOVE, VIX)"
    )
    up = m["MOVE_change_to_feb4"] > 0 and m["MOVE_pctile_feb4"] > 0.5
    return says, "supported" if up else "contradicted"


def _row_term_premium(tp: dict[str, Any]) -> tuple[str, str]:
    says = (
        f"ACM term premium {tp['TP_feb4']:.3f}% on Feb 4; its 378-day high {tp['TP_18m_max']:.3f}% on "
        f"{tp['TP_18m_max_date']}; Feb 4 ranks {100 * tp['TP_feb4_rank_in_18m']:.0f}% in the window "
        "(TERM_PREMIUM_10Y, today's vintage: the ACM series is re-estimated monthly)"
    )
    return says, "supported" if tp["TP_feb4_rank_in_18m"] == 1.0 else "contradicted"


def _row_swings(sw: dict[str, Any]) -> tuple[str, str]:
    says = (
        f"intraday range (^TNX high - low): {sw['range_n_over_15bp']} of the 5 trading days from "
        f"{sw['range_first_day']} to Feb 4 exceed 15 bp; widest {sw['range_max_bp']:.1f} bp on "
        f"{sw['range_max_date']} (UST10Y_HIGH, UST10Y_LOW); close to close: {sw['swings_n_over_15bp']} of 5 "
        f"changes from {sw['swings_first_day']}, largest {sw['swings_max_abs_bp']:.1f} bp (UST10Y)"
    )
    return says, "supported" if sw["range_n_over_15bp"] >= 3 else "contradicted: no intraday swing of 15 bp"


def _row_ytd(y: dict[str, Any], s: dict[str, float]) -> tuple[str, str]:
    says = (
        f"10-year {y['UST10Y_2025_close']:.2f}% (last 2025 close) → {s['UST10Y']:.2f}% on Feb 4 "
        f"({y['UST10Y_ytd_bp_feb4']:+.0f} bp; range {y['UST10Y_ytd_min']:.2f}-"
        f"{y['UST10Y_ytd_max']:.2f}%); S&P 500 {_pct(y['SPX_ytd_feb4'])} YTD; Nasdaq 100 (QQQ, adjusted) "
        f"{_pct(y['QQQ_ytd_feb4'])} YTD (UST10Y, SPX, QQQ)"
    )
    rise = "supported" if y["UST10Y_ytd_bp_feb4"] > 0 else "contradicted"
    up8 = "supported" if abs(y["QQQ_ytd_feb4"] - 0.08) <= 0.02 else "contradicted"
    return says, f"{rise} for the 10-year; Nasdaq up 8% (within 2 points): {up8}"


def _row_level(lv: dict[str, Any]) -> tuple[str, str]:
    says = (
        f"from Feb 11 the 10-year's high is {lv['UST10Y_max_after_auction']:.2f}% on "
        f"{lv['UST10Y_max_after_auction_date']}, {lv['UST10Y_days_above_455']} closes above 4.55%; "
        f"high to June 30: {lv['UST10Y_max_to_midyear']:.2f}% (UST10Y)"
    )
    five = "5% by mid-year: " + ("supported" if lv["UST10Y_max_to_midyear"] >= 5 else "contradicted")
    if not lv["UST10Y_days_above_455"]:
        return says, f"no break, so no deleveraging to test; {five}"
    says += (
        f"; first close above 4.55% on {lv['UST10Y_first_close_above_455']}, MOVE "
        f"{lv['MOVE_20d_change_at_break']:+.2f} over the 20 days to it; the S&P 500's worst drawdown in "
        f"the 60 days after: {_pct(lv['SPX_maxdd_60d_after_break'])} (MOVE, SPX)"
    )
    rising = "with a rising MOVE" if lv["MOVE_20d_change_at_break"] > 0 else "MOVE not rising"
    fell = "supported" if lv["SPX_maxdd_60d_after_break"] <= -CORRECTION else "contradicted"
    return says, f"4.55% broken, {rising}; deleveraging (a ≥5% S&P fall within 60 days): {fell}; {five}"


def _row_spx_after(f: dict[str, Any], states: dict[str, str]) -> tuple[str, str]:
    on = [k for k, v in states.items() if v == "on"]
    uncovered = [k for k, v in states.items() if v == "not covered"]
    says = (
        ", ".join(f"{h}d {_pct(f[f'SPX_fwd_{h}d'])}" for h in HORIZONS)
        + f"; worst drawdown within {CORRECTION_DAYS} trading days {_pct(f['SPX_maxdd_60d'])} (to the "
        f"{f['SPX_trough_date']} close); VIX high {f['VIX_max_60d']:.2f} ({f['VIX_max_60d_date']}), "
        f"MOVE high {f['MOVE_max_60d']:.2f} ({f['MOVE_max_60d_date']}) (SPX, VIX, MOVE); on Feb 4 the "
        f"catalogue's signals on: {', '.join(on) or 'none'}; not covered (an input has ended, e.g. "
        f"SWAP10Y in 2016): {', '.join(uncovered) or 'none'}"
    )
    if f["SPX_maxdd_60d"] > -CORRECTION:
        return says, f"contradicted: no {CORRECTION:.0%} drawdown within {CORRECTION_DAYS} days"
    premise = " (yet the wedge was off on Feb 4: the premise failed)" if "move_vix_wedge" not in on else ""
    return says, f"supported: a ≥{CORRECTION:.0%} drawdown within {CORRECTION_DAYS} days{premise}"


def _row_wedge(w: dict[str, float]) -> tuple[str, str]:
    parts = [
        f"{h}d: {int(w[f'wedge_n_onsets_{h}d'])} onsets, fwd ret {_pct(w[f'wedge_fwd_ret_mean_{h}d'])} "
        f"vs all days {_pct(w[f'wedge_uncond_ret_mean_{h}d'])} (p={w[f'wedge_pval_ret_{h}d']:.3f}), "
        f"≥5% drawdown {100 * w[f'wedge_p_correction_{h}d']:.0f}% vs "
        f"{100 * w[f'wedge_uncond_p_correction_{h}d']:.0f}% (p={w[f'wedge_pval_correction_{h}d']:.3f})"
        for h in HORIZONS
    ]
    says = "move_vix_wedge event study (SPY, the backtest window): " + "; ".join(parts)
    best = min(w[f"wedge_pval_correction_{h}d"] for h in HORIZONS)
    return says, "supported" if best < 0.05 else "not supported: no horizon beats random placements at 5%"


def _row_fell_together(b: dict[str, Any]) -> tuple[str, str]:
    says = (
        f"SPY and IEF both fell on {100 * b['both_fell_all']:.1f}% of days ({b['both_fell_first']} to "
        f"{b['both_fell_last']}): {100 * b['both_fell_corr_high']:.1f}% while the 63-day stock-bond "
        f"correlation signal was on ({100 * b['corr_high_share']:.0f}% of days), "
        f"{100 * b['both_fell_corr_low']:.1f}% while off (SPY, IEF)"
    )
    more = b["both_fell_corr_high"] > b["both_fell_corr_low"]
    return says, "supported: more often when the correlation is high" if more else "contradicted"


def _row_rate_cuts(rc: dict[str, Any]) -> tuple[str, str]:
    says = (
        f"April 4 to April 11, 2025 closes: 2-year {rc['UST2Y_change_bp']:+.0f} bp (never below its "
        f"April 4 close: lowest change {rc['UST2Y_min_change_bp']:+.0f} bp), 10-year "
        f"{rc['UST10Y_change_bp']:+.0f} bp; curve_divergence (preset) on {rc['curve_divergence_days_on']} "
        f"of {rc['curve_divergence_days']} days (UST2Y, UST10Y)"
    )
    if rc["UST2Y_change_bp"] < 0 < rc["UST10Y_change_bp"]:
        return says, "supported"
    return says, "contradicted on the 2-year: it rose too (Fed funds futures would test the claim directly)"


def _row_tp_week(t: dict[str, float]) -> tuple[str, str]:
    says = (
        f"ACM 10-year term premium {t['TP_change_bp']:+.0f} bp over the same week, "
        f"{100 * t['TP_share_of_10y_change']:.0f}% of the 10-year's rise (TERM_PREMIUM_10Y, today's vintage: "
        "the ACM model is re-estimated monthly, so these are not the numbers of that week)"
    )
    return says, "supported (today's vintage)" if t["TP_share_of_10y_change"] > 0.5 else "contradicted"


def _row_swap(sw: dict[str, Any]) -> tuple[str, str]:
    says = (
        f"bundled SWAP10Y is the LIBOR-era ISDAFIX (FRED DSWP10), ending {sw['swap_last_date']}: the spread "
        f"first went negative on {sw['swap_spread_first_negative']}, was negative on "
        f"{100 * sw['swap_spread_share_negative_since_2015']:.0f}% of days since 2015, low "
        f"{sw['swap_spread_min_bp']:.0f} bp on {sw['swap_spread_min_date']}, "
        f"last {sw['swap_spread_last_bp']:.0f} bp (SWAP10Y, UST10Y). "
        f"SOFR version with your export: `{SOFR_COMMAND}`"
    )
    share = sw["swap_spread_share_negative_since_2015"]
    normal = "contradicted" if share > 0.5 else "supported"
    return says, (
        f"'unusual' (the spread normally positive): {normal}, negative on {100 * share:.0f}% of days since "
        "2015; the note's mechanism (paying fixed pushes swaps below Treasuries) is backwards: positioning "
        "for easing means receiving fixed. The SOFR spread itself is not testable with this data"
    )


def _row_watch(w: dict[str, str]) -> tuple[str, str]:
    says = "; ".join(f"{k}: {v}" for k, v in w.items())
    return says, "not testable with the bundled data; each can be brought as a column (threshold signal)"


def grid_table(g: dict[str, Any]) -> str:
    """The table "does any reading of the thesis beat doing nothing, out of sample?"."""
    head = (
        "| family (preset) | configs (distinct) | best in sample (Sharpe) | deflated Sharpe | PBO | "
        "walk-forward OOS Sharpe / CAGR / max DD | 60/40 same days | beats 60/40 OOS? |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for name, r in g.items():
        if "not_run" in r:
            lines.append(f"| {name} | not run: {r['not_run']} | | | | | | |")
            continue
        best = ", ".join(f"{k}={_param(v)}" for k, v in r["best_params"].items())
        wf, bm = r["walk_forward.sharpe_excess_tbill"], r["sixty_forty_oos.sharpe_excess_tbill"]
        lines.append(
            f"| {name} | {int(r['n_configs'])} ({int(r['n_distinct_portfolios'])}) | {best} "
            f"({r['best.sharpe_excess_tbill']:.2f}) | {r['deflated_sharpe']:.3f} | {r['pbo']:.2f} | "
            f"{wf:.2f} / {_pct(r['walk_forward.cagr'])} / {_pct(r['walk_forward.max_drawdown'])} | "
            f"{bm:.2f} / {_pct(r['sixty_forty_oos.cagr'])} / {_pct(r['sixty_forty_oos.max_drawdown'])} | "
            f"{'yes' if wf > bm else 'no'} (Sharpe) |"
        )
    return "\n".join(lines)


def rows(c: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The README's table: (the claim in the note's words, what the data says, the verdict)."""
    cells = {
        "snapshot": _row_snapshot(c["snapshot"]),
        "move_vix": _row_move_vix(c["move_vix"]),
        "term_premium": _row_term_premium(c["term_premium"]),
        "swings": _row_swings(c["swings"]),
        "ytd": _row_ytd(c["ytd"], c["snapshot"]),
        "level": _row_level(c["level"]),
        "spx_after": _row_spx_after(c["spx_after"], c["catalogue_feb4"]),
        "wedge": _row_wedge(c["wedge"]),
        "fell_together": _row_fell_together(c["fell_together"]),
        "rate_cuts": _row_rate_cuts(c["rate_cuts"]),
        "tp_week": _row_tp_week(c["tp_week"]),
        "swap": _row_swap(c["swap"]),
        "watch": _row_watch(c["watch"]),
    }
    return [(CLAIMS[k], *v) for k, v in cells.items()]


def compute(grid_folder: Path, *, echo: bool = False) -> dict[str, Any]:
    """Every number the README quotes, keyed by claim (the grids' run folders under `grid_folder`).

    `echo`: say on stderr which claim is being checked, from the first second (the grids take minutes).
    """
    raw = load()
    steps: dict[str, Callable[[], Any]] = {
        "snapshot": lambda: snapshot(raw),
        "move_vix": lambda: move_vs_vix(raw),
        "term_premium": lambda: term_premium(raw),
        "swings": lambda: swings(raw),
        "ytd": lambda: ytd(raw),
        "level": lambda: level_break(raw),
        "spx_after": lambda: spx_after(raw),
        "catalogue_feb4": lambda: catalogue_on(SNAPSHOT),
        "wedge": wedge_study,
        "fell_together": lambda: fell_together(raw),
        "rate_cuts": lambda: rate_cuts(raw),
        "tp_week": lambda: term_premium_week(raw),
        "swap": lambda: swap_spread_history(raw),
        "watch": watch_alongside,
        "grids": lambda: grids(grid_folder),
    }
    bar = progress.open_bar(len(steps), enabled=echo, label="study", unit="claim", first="loading data")
    out = {}
    try:
        for name, step in steps.items():
            progress.stage(bar, f"checking {name}" + (f" ({len(GRIDS)} grids)" if name == "grids" else ""))
            out[name] = step()
            bar.update(1)
    finally:
        bar.close()
    return out


def readme(claims: dict[str, Any]) -> str:
    """The study's report: the command, the conventions, and the table."""
    cell = lambda t: t.replace("|", "/")  # noqa: E731 - a one-line escape
    table = "\n".join(f"| {cell(a)} | {cell(b)} | {cell(c)} |" for a, b, c in rows(claims))
    return f"""# The Treasury trap, checked on the bundled data

Regenerate (from the project root): `python -m experiments.treasury_trap.study`. Every number below is in
`claims.json`, computed by `study.py` from `market.bundled.load()` and `pipeline.api`; CI checks that a
fresh run reproduces it. Claims are from `seeds/000` ("The Treasury Trap Threatens the Equity Melt Up").
Realized volatility: 21 daily log changes (about 30 calendar days), annualised with sqrt(252).

| claim (the note's words) | what the bundled data says (source column) | verdict |
|---|---|---|
{table}

![MOVE, VIX and the 10-year around February 4, 2026](move_vix_10y.png)

## Does any reading of the thesis beat doing nothing, out of sample?

One small grid per signal family (`conf/catalogue/default.yaml`: 2-3 values a parameter) through
`pipeline.api.grid` (the `wedge_grid` experiment's statistics: best by Sharpe over T-bills, deflated Sharpe
as a probability, PBO from CSCV with 16 blocks, rolling walk-forward 5 years train / 1 year test). The
60/40 column is the benchmark's Sharpe / CAGR / max drawdown on the walk-forward's own out-of-sample days
(`oos_first` in claims.json). `swap_spread`'s input ends in 2016: after that it is uncovered and holds
the default weights.

{grid_table(claims["grids"])}
"""


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


def main(argv: list[str] | None = None) -> None:
    """Compute the claims and write README.md, claims.json and the figure into ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: this folder)")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="treasury-trap-grids-") as grid_folder:
        claims = compute(Path(grid_folder), echo=True)
    (out / "claims.json").write_text(json.dumps(rounded(claims), indent=2, sort_keys=True) + "\n")
    (out / "README.md").write_text(readme(claims))
    figure(load(), out / "move_vix_10y.png")
    print(f"wrote {out / 'README.md'}")


if __name__ == "__main__":
    main()
