"""Compile the bundled offline dataset, `market/data/bundled.parquet`, and its `NOTICE.md`.

    python -m market.build                 # from ../shared/data/bundle-sources (the default)
    python -m market.build --sources DIR   # from another copy of the source files
    python -m market.build --live          # the same file from the live loaders (network)

Each series is stored on its own observation dates: the index is the sorted union of all series' dates
from 1990-01-02 on, NaN where a series has no print. Nothing is forward-filled here; the bounded
forward-fill happens at load time (`market.frame.prepare`). The only cleaning is the MOVE stale-print
rule (`move_stale_mask`).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from common.errors import UserError
from market import auctions, live
from market.frame import content_digest
from market.nyfed import ACM_URL

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = REPO_ROOT / ".." / "shared" / "data" / "bundle-sources"
DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "bundled.parquet"
START = "1990-01-02"

COLUMNS = (
    "MOVE",
    "VIX",
    "UST10Y",
    "UST2Y",
    "TBILL3M",
    "TERM_PREMIUM_10Y",
    "SWAP10Y",
    "SOFR",
    "SPX",
    "SPY",
    "IEF",
    "TLT",
    "AGG",
    "GLD",
    "QQQ",
    "DTWEXBGS",
    "T10YIE",
    "DFII10",
    "GVZ",
    "VIX9D",
    "VIX3M",
    "VIX6M",
    "SOFR_P1",
    "SOFR_P99",
    "TGCR",
    "BGCR",
    "IORB",
    "UST3M",
    "UST1Y",
    "UST30Y",
    "HY_OAS",
    "NFCI",
    "UST10Y_HIGH",
    "UST10Y_LOW",
    *auctions.DAILY,
)
ETFS = ("SPY", "IEF", "TLT", "AGG", "GLD", "QQQ")
TBILL_SPLICE = "2000-01-01"

# The 2026 extension (files added 2026-12-07, listed in the shared SOURCES.md).
POOL = "heliar-k-market-base__etf_pool_prices.csv"
YF_ASSETS = "heliar-k-market-base__yfinance_asset_prices.csv"
AGG_NEW = "AGG_adj_ajbennet-pulse.csv"
RATES = "heliar-k-market-base__fred_rates_rates.csv"
TIPS = "heliar-k-market-base__fred_tips_tips.csv"
AUCTIONS = "heliar-k-market-base__treasury_auction_results.csv"
TNX_FILES = ("TNX_ohlc_InitialJawa-Trading-XAUUSD.csv", "TNX_ohlc_alitalbi-storage_data_fy.csv")
#: Where each ETF's extension comes from: (file, column).
ETF_EXTENSIONS = {
    "SPY": (POOL, "SPY"),
    "QQQ": (POOL, "QQQ"),
    "TLT": (POOL, "TLT"),
    "GLD": (POOL, "GLD"),
    "IEF": (YF_ASSETS, "IEF"),
    "AGG": (AGG_NEW, "close"),
}
#: New columns read from one column of a wide file: column -> (file, file column, series id, title).
WIDE = {
    "DTWEXBGS": (
        "heliar-k-market-base__fred_fx_fx.csv",
        "DXY",
        "DTWEXBGS",
        "Nominal Broad U.S. Dollar Index; the file names the column `DXY`",
    ),
    "T10YIE": ("heliar-k-market-base__fred_inflation_inflation.csv", "T10YIE", "T10YIE", "10-year breakeven"),
    "DFII10": (TIPS, "DFII10", "DFII10", "10-year TIPS constant maturity, real yield"),
    "GVZ": ("heliar-k-market-base__cboe_volatility.csv", "GVZ", "GVZ", "CBOE Gold ETF Volatility Index"),
    "VIX9D": ("heliar-k-market-base__cboe_volatility.csv", "VIX9D", "VIX9D", "CBOE 9-day VIX"),
    "VIX3M": ("heliar-k-market-base__cboe_volatility.csv", "VIX3M", "VIX3M", "CBOE 3-month VIX"),
    "VIX6M": ("heliar-k-market-base__cboe_volatility.csv", "VIX6M", "VIX6M", "CBOE 6-month VIX"),
    "SOFR_P1": (RATES, "SOFR1", "SOFR1", "SOFR, 1st percentile of the day's transactions"),
    "SOFR_P99": (RATES, "SOFR99", "SOFR99", "SOFR, 99th percentile of the day's transactions"),
    "TGCR": (RATES, "TGCR", "TGCR", "Tri-Party General Collateral Rate, NY Fed"),
    "BGCR": (RATES, "BGCR", "BGCR", "Broad General Collateral Rate, NY Fed"),
    "IORB": (RATES, "IORB", "IORB", "Interest Rate on Reserve Balances, from 2021-07-29"),
    "UST3M": (RATES, "DGS3MO", "DGS3MO", "3-month Treasury constant maturity, H.15"),
    "UST1Y": (RATES, "DGS1", "DGS1", "1-year Treasury constant maturity, H.15"),
    "UST30Y": (RATES, "DGS30", "DGS30", "30-year Treasury constant maturity, H.15"),
    "NFCI": (
        "heliar-k-market-base__fred_liquidity_liquidity.csv",
        "NFCI",
        "NFCI",
        "Chicago Fed National Financial Conditions Index, weekly",
    ),
}
HY_OAS_FILE = "BAMLH0A0HYM2_full_jonsflow-risk-divergence.csv"
#: How many common dates before the junction the splice check compares (a year of trading days).
OVERLAP_DAYS = 252
#: Largest difference of daily returns on the overlap a splice accepts.
SPLICE_TOL = 1e-6

LIVE_CACHE = REPO_ROOT / ".cache" / "live"  # the caches of `data=live`, shared with `--live`

PROJECT_DECISION = (
    "The project's decision: the bundled dataset is a compact sample of what its own live loaders return, "
    "for demonstration, tests and CI, each series' source and terms named in its notice, and the README "
    "pointing researchers to `data=yfinance` (or their own vendor files via `data=csv`) for live data."
)

# How the MOVE rule was checked. Prose and counts only: the vendor reference itself stays off the repo.
MOVE_RULE_CHECK = (
    "Checked once, locally, against a licensed vendor reference history of MOVE that is not distributed "
    "with the project. On the 5,606 dates both histories share they agree to the archive's quoting "
    "precision except on 18 dates. The rule flags 85 prints in the archive: 8 of them are among those 18 "
    "dates (every one of the 18 where the archive repeats its previous print, including the largest "
    "difference, a stale print during the March 2023 bank stress); 76 are dates where the reference also "
    "repeats its previous print at the archive's quoting precision, and 1 is a bond-market holiday "
    "missing from the reference. No flagged run is longer than 2 prints, so within the default forward-"
    "fill bound removing a repeat changes no loaded value: it only stops a stale print from counting as a"
    " fresh observation. The other 10 differing dates are not repeats; a one-day-reversal rule was tried "
    "and rejected, because the largest one-day reversals in the archive are genuine MOVE moves that the "
    "reference confirms."
)


# --------------------------------------------------------------------------------------------- readers


def _to_series(dates: pd.Series, values: pd.Series, name: str, date_format: str | None = None) -> pd.Series:
    """Dated float series with FRED's "." and blanks as NaN, missing prints dropped, sorted."""
    idx = pd.DatetimeIndex(pd.to_datetime(dates.astype(str).str.strip(), format=date_format)).as_unit("ns")
    vals = pd.to_numeric(values.astype(str).str.strip().replace({".": "", "nan": ""}), errors="coerce")
    s = pd.Series(vals.to_numpy(dtype="float64"), index=idx, name=name).dropna().sort_index()
    if s.index.has_duplicates:
        raise ValueError(f"{name}: duplicate dates, e.g. {s.index[s.index.duplicated()][0].date()}")
    s.index.name = "date"
    return s


def read_date_value_csv(path: Path, name: str) -> pd.Series:
    """A two-column CSV with a header: ``date,value`` or FRED's ``observation_date,SERIES``."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if df.shape[1] != 2:
        raise ValueError(f"{path.name}: expected 2 columns, found {list(df.columns)}")
    return _to_series(df.iloc[:, 0], df.iloc[:, 1], name, date_format="%Y-%m-%d")


def read_fred_txt(path: Path, name: str) -> pd.Series:
    """FRED's text format: a metadata block, then ``DATE  VALUE`` whitespace columns ("." = missing)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["DATE", "VALUE"])
    rows = [line.split() for line in lines[start + 1 :] if line.strip()]
    df = pd.DataFrame(rows, columns=["date", "value"])
    return _to_series(df["date"], df["value"], name, date_format="%Y-%m-%d")


def read_yahoo_adjclose(path: Path, name: str) -> pd.Series:
    """A yfinance CSV dump (4 header lines); the second column, labelled "Price", is Adj Close."""
    df = pd.read_csv(
        path,
        skiprows=4,
        header=None,
        names=["Date", "AdjClose", "Close", "High", "Low", "Open", "Volume"],
        dtype=str,
        keep_default_na=False,
    )
    return _to_series(df["Date"], df["AdjClose"], name, date_format="%Y-%m-%d %H:%M:%S")


def read_wide_csv(path: Path, column: str, name: str) -> pd.Series:
    """One column of a wide CSV whose first column is the date (``date`` or ``Date``, ISO format)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if column not in df.columns:
        raise ValueError(f"{path.name}: no column {column!r} (columns: {list(df.columns)})")
    return _to_series(df.iloc[:, 0], df[column], name, date_format="%Y-%m-%d")


def read_ohlc(path: Path) -> pd.DataFrame:
    """A Yahoo OHLC download (``Date`` first, then Open/High/Low/Close in any order), as float columns."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    cols = {c: _to_series(df["Date"], df[c], c, date_format="%Y-%m-%d") for c in ("High", "Low", "Close")}
    return pd.DataFrame(cols)


# ----------------------------------------------------------------------------------------- MOVE rule


def move_stale_mask(move: pd.Series) -> pd.Series:
    """Flag MOVE prints that are stale: identical to the previous print.

    MOVE is recomputed from Treasury option prices every day the bond market trades; a print equal to
    the previous one is a carried quote (a data-vendor glitch, or a bond-market holiday on which the
    feed repeated the last close), not a new observation. The rule looks only at t and t-1 of the
    series itself, so the cleaned series has no look-ahead. Within a run of identical prints the first
    is kept and the repeats are flagged.

    Args:
        move: MOVE prints on their own observation dates (no NaN).

    Returns:
        Boolean mask, True where the print should be treated as missing.
    """
    prints = move.dropna()
    stale = prints.eq(prints.shift(1))
    return stale.reindex(move.index, fill_value=False)


def clean_move(move: pd.Series) -> tuple[pd.Series, int]:
    """Set the stale MOVE prints to NaN (the rows stay); return the series and how many were removed."""
    mask = move_stale_mask(move)
    return move.mask(mask), int(mask.sum())


# ------------------------------------------------------------------------------------------ assembly


def splice(before: pd.Series, after: pd.Series, at: str, name: str) -> pd.Series:
    """`before` strictly before `at`, `after` from `at` on."""
    t = pd.Timestamp(at)
    out = pd.concat([before[before.index < t], after[after.index >= t]]).rename(name)
    out.index.name = "date"
    return out


class SpliceError(ValueError):
    """Two downloads of one series disagree where they overlap: they cannot be joined by returns."""


@dataclass(frozen=True)
class SpliceCheck:
    """How a splice by returns was checked, for the notice."""

    name: str
    source: str
    junction: pd.Timestamp
    overlap: int
    first: pd.Timestamp
    max_diff: float


def splice_returns(
    old: pd.Series, new: pd.Series, name: str, *, source: str = "", tol: float = SPLICE_TOL
) -> tuple[pd.Series, SpliceCheck]:
    """`old` up to its last print, then `new`'s daily returns chained onto it.

    The check: on the last `OVERLAP_DAYS` dates the two share (their daily returns taken on those
    common dates), the returns may differ by at most `tol`; otherwise `SpliceError`. Two downloads of
    one adjusted close differ by a constant factor (each is scaled to its own last close), so their
    returns agree and the spliced prices continue `old`'s scale.

    Args:
        old: The bundled file's prices.
        new: The newer download, which must hold `old`'s last date.
        name: Column name, for messages.
        source: The newer file, for the notice.
        tol: Largest accepted difference of daily returns.

    Returns:
        The spliced series and the check's figures.
    """
    junction = old.index[-1]
    if junction not in new.index:
        raise SpliceError(f"{name}: the new file has no print on the old file's last date {junction.date()}")
    common = old.index.intersection(new.index)[-OVERLAP_DAYS:]
    if len(common) < 2:
        raise SpliceError(f"{name}: the files overlap on {len(common)} date(s); need 2 or more")
    diff = (old[common].pct_change() - new[common].pct_change()).abs().iloc[1:]
    worst = float(diff.max())
    if not worst <= tol:
        raise SpliceError(
            f"{name}: daily returns disagree by {worst:.2e} on {diff.idxmax().date()} (tolerance {tol:g}); "
            "the files are not the same adjusted series, refusing the splice"
        )
    tail = new[new.index > junction] / new[junction] * old[junction]
    out = pd.concat([old, tail]).rename(name)
    out.index.name = "date"
    return out, SpliceCheck(name, source, junction, len(common), common[0], worst)


def extend_levels(old: pd.Series, new: pd.Series, name: str) -> pd.Series:
    """`old`, then `new`'s prints after `old`'s last date; the two must be equal where they overlap."""
    common = old.index.intersection(new.index)
    bad = (old[common] - new[common]).abs() > 1e-9
    if bad.any():
        d = common[bad.to_numpy()][0]
        raise SpliceError(f"{name}: the files differ on {d.date()} ({old[d]} against {new[d]})")
    out = pd.concat([old, new[new.index > old.index[-1]]]).rename(name)
    out.index.name = "date"
    return out


def discount_basis(cmt_pct: pd.Series, days: int = 91) -> pd.Series:
    """A 3-month constant-maturity yield (bond-equivalent, percent) on DTB3's discount basis (percent).

    ``d = 360 y / (365 + days y)`` with y the yield as a fraction: the bond-equivalent yield
    ``y = 365 d / (360 - days d)`` solved for the discount rate d of a `days`-day bill.
    """
    y = cmt_pct / 100
    return 360 * y / (365 + days * y) * 100


def extend_tbill(dtb3: pd.Series, dgs3mo: pd.Series) -> tuple[pd.Series, str]:
    """DTB3, then DGS3MO on DTB3's discount basis after DTB3's last print, and the note saying so."""
    bridge = discount_basis(dgs3mo)
    common = dtb3.index.intersection(bridge.index)
    gap = (bridge[common] - dtb3[common]) * 100
    recent = gap[gap.index >= common[-1] - pd.DateOffset(years=3)]
    out = pd.concat([dtb3, bridge[bridge.index > dtb3.index[-1]]]).rename(dtb3.name)
    out.index.name = "date"
    note = (
        f"TBILL3M: DTB3 ends {dtb3.index[-1].date()}; after it, FRED DGS3MO (3-month constant maturity, "
        "bond-equivalent) converted to DTB3's discount basis, d = 360y/(365 + 91y). On the "
        f"{len(common):,} dates both have, the converted DGS3MO minus DTB3 has median "
        f"{gap.median():+.1f} bp; over the last three years mean {recent.mean():+.1f} bp, largest "
        f"{recent.abs().max():.1f} bp, so the cash sleeve earns a few bp a year more after the bridge "
        "than DTB3 would pay"
    )
    return out, note


@dataclass(frozen=True)
class RangeCheck:
    """How the 10-year's intraday range was checked, for the notice."""

    common: int
    differ: int
    zero_range: int
    dropped_last: pd.Timestamp
    outside: int
    checked: int
    first: pd.Timestamp


def ten_year_range(
    primary: pd.DataFrame, other: pd.DataFrame, dgs10: pd.Series
) -> tuple[pd.Series, pd.Series, RangeCheck]:
    """UST10Y_HIGH/UST10Y_LOW from ^TNX, cross-checked against a second download and DGS10.

    The primary download's last row is dropped (taken during the session, so not a day's range), and so
    is every day whose high equals its low (no intraday prints: all of ^TNX before 1993-10, a few holidays
    since). The second download must agree on every common date's high, low and close to 1e-9, or the
    build stops. DGS10 closes outside ^TNX's range by more than 2 bp are counted (a different close time
    and source), not changed.
    """
    ohlc = primary.iloc[:-1]
    common = ohlc.index.intersection(other.index)
    cols = ["High", "Low", "Close"]
    differ = int(((ohlc.loc[common, cols] - other.loc[common, cols]).abs() > 1e-9).any(axis=1).sum())
    if differ:
        raise SpliceError(
            f"UST10Y_HIGH/LOW: the two ^TNX downloads differ on {differ} of {len(common)} dates"
        )
    real = ohlc["High"] > ohlc["Low"]
    high, low = ohlc["High"][real], ohlc["Low"][real]
    both = high.index.intersection(dgs10.index)
    outside = (dgs10[both] > high[both] + 0.02) | (dgs10[both] < low[both] - 0.02)
    check = RangeCheck(
        len(common),
        differ,
        int((~real).sum()),
        primary.index[-1],
        int(outside.sum()),
        len(both),
        high.index[0],
    )
    return high.rename("UST10Y_HIGH"), low.rename("UST10Y_LOW"), check


def weekdays_only(series: dict[str, pd.Series]) -> tuple[dict[str, pd.Series], dict[str, int]]:
    """Each series without its Saturday and Sunday prints, and how many each lost.

    IORB is published for every calendar day; a Yahoo download can carry a weekend row.
    """
    out, dropped = {}, {}
    for c, s in series.items():
        weekday = s.index.day_of_week < 5
        out[c] = s[weekday]
        if not weekday.all():
            dropped[c] = int((~weekday).sum())
    return out, dropped


def assemble(series: dict[str, pd.Series], start: str = START) -> pd.DataFrame:
    """Union of the observation dates from `start` on, one float64 column per series, in `COLUMNS` order."""
    t0 = pd.Timestamp(start)
    missing = [c for c in COLUMNS if c not in series]
    if missing:
        raise ValueError(f"missing series: {missing}")
    trimmed = {c: series[c][series[c].index >= t0] for c in COLUMNS}
    index = _union_index(trimmed, start)
    frame = pd.DataFrame({c: trimmed[c].reindex(index) for c in COLUMNS}, index=index).astype("float64")
    frame.index.name = "date"
    return frame


@dataclass(frozen=True)
class ColumnMeta:
    """Provenance of one bundled column, for the notice."""

    source: str
    transform: str
    terms: str


FED_TERMS = (
    "U.S. Federal Reserve data (public information); free to reuse with attribution to the source and "
    "to FRED, Federal Reserve Bank of St. Louis."
)
NYFED_TERMS = "Federal Reserve Bank of New York data; free to reuse with attribution to the NY Fed."
CBOE_TERMS = (
    "Copyright Chicago Board Options Exchange (CBOE); the index values are CBOE's. Attribution: CBOE."
)
CHICAGO_FED_TERMS = (
    "Federal Reserve Bank of Chicago data; free to reuse with attribution to the Chicago Fed and FRED."
)
TREASURY_TERMS = "U.S. Department of the Treasury, Bureau of the Fiscal Service (FiscalData): public domain."
YAHOO_TERMS = (
    "Yahoo Finance data; Yahoo's terms of use forbid redistribution. Shipped only as the compact sample "
    "described above; researchers fetch their own copy with `data=yfinance`."
)


def _meta(live: bool) -> dict[str, ColumnMeta]:
    """Per-column provenance for the offline build (`live=False`) or the live one."""
    pct = "percent, as published; no transformation"
    fred = "FRED series `{}` ({}), " + ("fredgraph.csv download" if live else "file `{}`")

    def f(series: str, title: str, file: str) -> str:
        return fred.format(series, title, file) if not live else fred.format(series, title)

    yahoo_src = "Yahoo Finance ticker `{}` via the yfinance package" + (
        " (`yf.download(..., auto_adjust=False)`)" if live else ", file `{}_yahoo_adjclose.csv`"
    )
    meta = {
        "MOVE": ColumnMeta(
            "ICE BofA MOVE Index. "
            + (
                "Yahoo Finance `^MOVE` via yfinance."
                if live
                else "File `MOVE_dashboard_2002_2026.csv`: the Yahoo Finance `^MOVE` archive for the older "
                "history, then daily prints from Google Finance `MOVE:INDEXNYSEGIS` (from 2025-07)."
            ),
            "index level; stale prints removed (see the MOVE cleaning rule below)",
            "The index belongs to ICE Data Indices; the prints come from Yahoo Finance and Google Finance, "
            "whose terms forbid redistribution. Shipped only as the compact sample described above.",
        ),
        "VIX": ColumnMeta(
            f("VIXCLS", "CBOE Volatility Index, close", "VIXCLS_fred_1990_2026.csv"),
            "index level; no transformation",
            "Copyright Chicago Board Options Exchange (CBOE); FRED lists the series as copyrighted. "
            "Attribution: CBOE via FRED.",
        ),
        "UST10Y": ColumnMeta(
            f("DGS10", "10-year Treasury constant maturity, H.15", "DGS10_fred_1962_2026.csv"),
            pct,
            FED_TERMS,
        ),
        "UST2Y": ColumnMeta(
            f("DGS2", "2-year Treasury constant maturity, H.15", "DGS2_fred_1976_2026.csv"), pct, FED_TERMS
        ),
        "TBILL3M": ColumnMeta(
            f("DTB3", "3-month Treasury bill, secondary market, discount basis, H.15", "")
            if live
            else "FRED series `DTB3` (3-month Treasury bill, secondary market, discount basis, H.15): "
            "FRED's 2017 bulk text file `DTB3_fred_1954_2017.txt` before 2000-01-01, the current "
            "`DTB3_fred_2000_2026.csv` from 2000-01-01 to its end (2026-01-29), then FRED `DGS3MO` "
            f"(column `DGS3MO` of `{RATES}`) on DTB3's discount basis",
            pct
            + (
                ""
                if live
                else "; spliced at 2000-01-01 (the two files differ by at most 0.03 on 34 "
                "overlapping dates, FRED revisions); after DTB3's end, DGS3MO converted (see Build notes)"
            ),
            FED_TERMS,
        ),
        "TERM_PREMIUM_10Y": ColumnMeta(
            'Federal Reserve Bank of New York, Adrian-Crump-Moench term structure model, sheet "ACM Daily", '
            "column `ACMTP10` (10-year term premium)"
            + (f", from `{ACM_URL}`" if live else ", file `ACMTP10_nyfed_term_premium_1961_2026.csv`"),
            pct,
            NYFED_TERMS,
        ),
        "SWAP10Y": ColumnMeta(
            f(
                "DSWP10",
                "10-year USD swap rate, ISDAFIX, H.15; discontinued after 2016-10-31",
                "DSWP10_fred_2000_2016.txt",
            ),
            pct + "; the series ends in 2016 and is not extended",
            "The rate is ICE Benchmark Administration's (ISDAFIX), published in H.15 and FRED. "
            "Attribution: ICE/ISDA via the Federal Reserve and FRED.",
        ),
        "SOFR": ColumnMeta(
            f(
                "SOFR",
                "Secured Overnight Financing Rate, Federal Reserve Bank of New York",
                "SOFR_fred_2018_2025.csv",
            ),
            pct,
            NYFED_TERMS + " Attribution: Federal Reserve Bank of New York via FRED.",
        ),
        "SPX": ColumnMeta(
            "S&P 500 price index, Yahoo Finance `^GSPC` close via yfinance (FRED's SP500 only covers ten "
            "years)"
            if live
            else "S&P 500 price index (FRED series `SP500`, with an archive before FRED's ten-year window), "
            "file `SP500_index_1950_2026.csv`",
            "index level (price, not total return); no transformation",
            "Copyright S&P Dow Jones Indices LLC; FRED lists SP500 as copyrighted. "
            "Attribution: S&P Dow Jones Indices via FRED."
            if not live
            else YAHOO_TERMS,
        ),
    }
    for t in ETFS:
        meta[t] = ColumnMeta(
            yahoo_src.format(t, t) if not live else yahoo_src.format(t),
            "Adj Close (dividends and splits adjusted; scaled so that it equals Close on the last row of the "
            "download), the second column of the yfinance dump"
            + (
                "" if live else f"; extended by daily returns from `{ETF_EXTENSIONS[t][0]}` (see Build notes)"
            ),
            YAHOO_TERMS,
        )
    for col, (file, src, sid, title) in WIDE.items():
        cboe = file.endswith("cboe_volatility.csv")
        where = f", column `{src}` of file `{file}`" if not live else ""
        meta[col] = ColumnMeta(
            (f"CBOE index `{sid}` ({title}){where}" if cboe else f"FRED series `{sid}` ({title}){where}"),
            "index level; no transformation" if cboe or col in ("DTWEXBGS", "NFCI") else pct,
            CBOE_TERMS if cboe else CHICAGO_FED_TERMS if col == "NFCI" else FED_TERMS,
        )
    meta["HY_OAS"] = ColumnMeta(
        f("BAMLH0A0HYM2", "ICE BofA US High Yield Index option-adjusted spread", HY_OAS_FILE),
        pct + " (percentage points of spread)",
        "Copyright ICE Data Indices; FRED lists the series as copyrighted and serves only its last three "
        "years. Attribution: ICE Data Indices via FRED.",
    )
    for col, side in (("UST10Y_HIGH", "High"), ("UST10Y_LOW", "Low")):
        meta[col] = ColumnMeta(
            f"Yahoo Finance `^TNX` (CBOE 10-year Treasury yield index), daily {side}"
            + (f", file `{TNX_FILES[0]}` checked against `{TNX_FILES[1]}`" if not live else ""),
            "percent; days whose high equals the low (no intraday prints) left out (see Build notes)",
            YAHOO_TERMS,
        )
    for col, field in auctions.DAILY.items():
        meta[col] = ColumnMeta(
            f"US Treasury auction results (FiscalData `auctions_query`), file `{AUCTIONS}`",
            f"the latest 10-year nominal note auction's `{field}` known at each close (from the "
            "auction's own date on; `market.auctions.ten_year_daily`)"
            + (
                "; AUCTION10Y_COUNT numbers the auctions, so each new one is where it steps up"
                if col.endswith("COUNT")
                else ""
            ),
            TREASURY_TERMS,
        )
    return meta


def _fmt_range(s: pd.Series) -> str:
    obs = s.dropna()
    if obs.empty:
        return "no observations"
    return f"{obs.index[0].date()} to {obs.index[-1].date()} ({len(obs):,} prints)"


def render_notice(
    frame: pd.DataFrame,
    *,
    digest: str,
    size_bytes: int,
    move_removed: int,
    live: bool,
    notes: tuple[str, ...] = (),
) -> str:
    """The text of `NOTICE.md` for a built frame."""
    meta = _meta(live)
    lines = [
        "# Bundled market data: sources, terms and provenance",
        "",
        "`bundled.parquet` is generated by `python -m market.build`"
        + (" --live" if live else "")
        + "; do not edit it by hand. "
        + (
            "It was built from the live loaders."
            if live
            else "It is compiled from unmodified copies of public data files (Federal Reserve/FRED, "
            "New York Fed, CBOE and S&P Dow Jones Indices via FRED, Yahoo Finance, Google Finance)."
        ),
        "",
        PROJECT_DECISION,
        "",
        "Layout: one row per date that any series printed, from "
        f"{frame.index[0].date()} to {frame.index[-1].date()} ({len(frame):,} rows); one float64 column per "
        "series; NaN where a series has no print. Nothing is forward-filled in the file: the bounded "
        "forward-fill is applied at load time (`data.max_ffill_days`). Yields and rates are in percent. "
        "The file ends where its sources end: see each column's dates below.",
        "",
        f"- content digest: `{digest}` (`market.frame.content_digest`: SHA-256 over column names, "
        "the index as int64 nanoseconds and the float64 values, first 16 hex characters)",
        f"- file size: {size_bytes:,} bytes (parquet, zstd)",
        "",
        "## Columns",
        "",
    ]
    for col in frame.columns:
        m = meta[col]
        lines += [
            f"### {col}",
            f"- source: {m.source}",
            f"- dates: {_fmt_range(frame[col])}",
            f"- transformation: {m.transform}",
            f"- terms: {m.terms}",
            "",
        ]
    lines += [
        "## MOVE cleaning rule",
        "",
        "A MOVE print identical to the previous print is treated as stale and stored as NaN (the row stays; "
        "the load-time forward-fill then carries the previous print, and the carry counts in the reported "
        "staleness). MOVE is recomputed from Treasury option prices every day the bond market trades, so an "
        "identical print is a carried quote: a feed glitch, or a bond-market holiday on which the feed "
        "repeated the last close. The rule uses only the print and the one before it (no look-ahead) and "
        "stands on the archive alone.",
        "",
        f"Prints removed by the rule in this build: {move_removed}.",
        "",
    ]
    if not live:
        lines += [MOVE_RULE_CHECK, ""]
    if notes:
        lines += ["## Build notes", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ offline / live


def read_auctions(p: Path, series: dict[str, pd.Series]) -> pd.DataFrame:
    """The coupon auctions of the FiscalData file, with ``inflation_index_security`` inferred.

    The file has no TIPS flag; `market.auctions.infer_tips` infers it from each CUSIP's first auction
    against the nominal (DGS<n>) and real (DFII<n>) yields of its tenor.
    """
    table = auctions.read_results(p / AUCTIONS)
    nominal = {n: read_wide_csv(p / RATES, f"DGS{n}", f"DGS{n}") for n in (5, 7, 20, 30)}
    nominal[10] = series["UST10Y"]
    real = {n: read_wide_csv(p / TIPS, f"DFII{n}", f"DFII{n}") for n in (5, 7, 10, 20, 30)}
    return table.assign(inflation_index_security=auctions.infer_tips(table, nominal, real))


def load_offline(sources: Path) -> tuple[dict[str, pd.Series], int, tuple[str, ...], pd.DataFrame]:
    """Read every source file.

    Returns:
        The series by column, the number of MOVE prints removed, the build notes (how each splice and
        cross-check went) and the coupon auction table (`market.auctions` raw columns).
    """
    p = Path(sources)
    move, removed = clean_move(read_date_value_csv(p / "MOVE_dashboard_2002_2026.csv", "MOVE"))
    series = {
        "MOVE": move,
        "VIX": read_date_value_csv(p / "VIXCLS_fred_1990_2026.csv", "VIX"),
        "UST10Y": read_date_value_csv(p / "DGS10_fred_1962_2026.csv", "UST10Y"),
        "UST2Y": read_date_value_csv(p / "DGS2_fred_1976_2026.csv", "UST2Y"),
        "TERM_PREMIUM_10Y": read_date_value_csv(
            p / "ACMTP10_nyfed_term_premium_1961_2026.csv", "TERM_PREMIUM_10Y"
        ),
        "SWAP10Y": read_fred_txt(p / "DSWP10_fred_2000_2016.txt", "SWAP10Y"),
        "SOFR": extend_levels(
            read_date_value_csv(p / "SOFR_fred_2018_2025.csv", "SOFR"),
            read_wide_csv(p / RATES, "SOFR", "SOFR"),
            "SOFR",
        ),
        "SPX": read_date_value_csv(p / "SP500_index_1950_2026.csv", "SPX"),
    }
    dtb3 = splice(
        read_fred_txt(p / "DTB3_fred_1954_2017.txt", "TBILL3M"),
        read_date_value_csv(p / "DTB3_fred_2000_2026.csv", "TBILL3M"),
        TBILL_SPLICE,
        "TBILL3M",
    )
    series["TBILL3M"], tbill_note = extend_tbill(dtb3, read_wide_csv(p / RATES, "DGS3MO", "DGS3MO"))
    notes = [tbill_note]
    for t in ETFS:
        file, col = ETF_EXTENSIONS[t]
        old = read_yahoo_adjclose(p / f"{t}_yahoo_adjclose.csv", t)
        series[t], chk = splice_returns(old, read_wide_csv(p / file, col, t), t, source=file)
        notes.append(
            f"{t}: `{t}_yahoo_adjclose.csv` to {chk.junction.date()}, then the daily returns of `{file}` "
            f"(column `{col}`); on the {chk.overlap} dates both hold from {chk.first.date()} to "
            f"{chk.junction.date()} their daily returns differ by at most {chk.max_diff:.1e} "
            f"(a splice is refused beyond {SPLICE_TOL:g})"
        )
    for col, (file, src, _, _) in WIDE.items():
        series[col] = read_wide_csv(p / file, src, col)
    series["HY_OAS"] = read_date_value_csv(p / HY_OAS_FILE, "HY_OAS")
    high, low, rc = ten_year_range(*(read_ohlc(p / f) for f in TNX_FILES), series["UST10Y"])
    series["UST10Y_HIGH"], series["UST10Y_LOW"] = high, low
    notes.append(
        f"UST10Y_HIGH/UST10Y_LOW: `{TNX_FILES[0]}`, checked against `{TNX_FILES[1]}`: the high, low and "
        f"close are identical on all {rc.common:,} dates the two share; its last row "
        f"({rc.dropped_last.date()}) is dropped as taken during the session, and {rc.zero_range:,} days "
        f"whose high equals the low (no intraday prints: every day before {rc.first.date()}, a few since) "
        "are left out. DGS10's close "
        f"lies outside the ^TNX day's range by more than 2 bp on {rc.outside} of {rc.checked:,} days (a "
        "different close time and source); these are kept as they are"
    )
    table = read_auctions(p, series)
    daily = auctions.ten_year_daily(auctions.derive(table), _union_index(weekdays_only(series)[0]))
    series.update({c: daily[c].dropna() for c in daily.columns})
    return series, removed, tuple(notes), table


def _union_index(series: dict[str, pd.Series], start: str = START) -> pd.DatetimeIndex:
    """The sorted union of the series' dates from `start` on (the index `assemble` builds)."""
    t0 = pd.Timestamp(start)
    idx = sorted(set().union(*(s.index[s.index >= t0] for s in series.values())))
    return pd.DatetimeIndex(idx).as_unit("ns")


def _live_column(source: str, settings: dict, column: str, start: str = START) -> pd.Series:
    """One column through `data=live`'s own source (`market.live`), cached in `LIVE_CACHE`."""
    frame = live.load(sources=[source], cache_dir=str(LIVE_CACHE), start=start, **{source: settings})
    return frame[column].dropna()


def fetch_fred(series_id: str) -> pd.Series:  # pragma: no cover - network
    """One FRED series through data=live's FRED source (fredgraph.csv, cached)."""
    return _live_column("fred", {"series": {series_id: series_id}}, series_id).rename(series_id)


def fetch_acm() -> pd.Series:  # pragma: no cover - network
    """The ACM 10-year term premium through data=live's NY Fed source (needs `xlrd` for the .xls)."""
    return _live_column("nyfed", {"columns": {"TERM_PREMIUM_10Y": "ACMTP10"}}, "TERM_PREMIUM_10Y")


def fetch_yahoo(ticker: str, start: str) -> pd.Series:  # pragma: no cover - network
    """Adjusted close of one Yahoo ticker (Close for indices) through data=live's Yahoo source."""
    return _live_column("yahoo", {"tickers": {ticker: ticker}}, ticker, start=start).rename(ticker)


FRED_LIVE = {
    "VIX": "VIXCLS",
    "UST10Y": "DGS10",
    "UST2Y": "DGS2",
    "TBILL3M": "DTB3",
    "SWAP10Y": "DSWP10",
    "SOFR": "SOFR",
    "DTWEXBGS": "DTWEXBGS",
    "T10YIE": "T10YIE",
    "DFII10": "DFII10",
    "GVZ": "GVZCLS",
    "VIX3M": "VXVCLS",
    "SOFR_P1": "SOFR1",
    "SOFR_P99": "SOFR99",
    "TGCR": "TGCR",
    "BGCR": "BGCR",
    "IORB": "IORB",
    "UST3M": "DGS3MO",
    "UST1Y": "DGS1",
    "UST30Y": "DGS30",
    "HY_OAS": "BAMLH0A0HYM2",
    "NFCI": "NFCI",
}
YAHOO_LIVE = {"MOVE": "^MOVE", "SPX": "^GSPC", "VIX9D": "^VIX9D", "VIX6M": "^VIX6M", **{t: t for t in ETFS}}
#: Columns the live loaders do not fetch (^TNX's high/low, the auction columns): kept from the existing file.
LIVE_KEPT = ("UST10Y_HIGH", "UST10Y_LOW", *auctions.DAILY)


def load_live(
    existing: Path | None,
    *,
    fred: Callable[[str], pd.Series] | None = None,
    yahoo: Callable[[str, str], pd.Series] | None = None,
    acm: Callable[[], pd.Series] | None = None,
) -> tuple[dict[str, pd.Series], int, tuple[str, ...]]:
    """Fetch every series from the live loaders; return series, MOVE prints removed and build notes.

    The fetchers default to `fetch_fred`, `fetch_yahoo` and `fetch_acm` (looked up at call time, so
    tests can replace them). When the ACM download fails, TERM_PREMIUM_10Y is kept from `existing`;
    the `LIVE_KEPT` columns always are (empty without an existing file), and the notes say so.
    """
    fred = fred or fetch_fred
    yahoo = yahoo or fetch_yahoo
    acm = acm or fetch_acm
    notes: list[str] = []
    series: dict[str, pd.Series] = {}
    for col, sid in FRED_LIVE.items():
        series[col] = fred(sid).rename(col)
    for col, ticker in YAHOO_LIVE.items():
        series[col] = yahoo(ticker, START).rename(col)
    series["MOVE"], removed = clean_move(series["MOVE"])
    try:
        series["TERM_PREMIUM_10Y"] = acm().rename("TERM_PREMIUM_10Y")
    except Exception as exc:  # noqa: BLE001 - any failure falls back to the existing file
        if existing is None or not Path(existing).exists():
            raise RuntimeError(
                f"cannot download the ACM term premium ({exc}) and there is no existing file to keep it from"
            ) from exc
        old = pd.read_parquet(existing)["TERM_PREMIUM_10Y"].dropna()
        old.index = pd.DatetimeIndex(old.index).as_unit("ns")
        series["TERM_PREMIUM_10Y"] = old
        notes.append(f"TERM_PREMIUM_10Y kept from the previous file ({type(exc).__name__}: {exc})")
    old = pd.read_parquet(existing) if existing is not None and Path(existing).exists() else pd.DataFrame()
    for col in LIVE_KEPT:
        kept = old[col].dropna() if col in old.columns else pd.Series(dtype="float64")
        kept.index = pd.DatetimeIndex(kept.index).as_unit("ns")
        series[col] = kept.rename(col)
    notes.append(
        f"{', '.join(LIVE_KEPT)}: not fetched by the live loaders; "
        + ("kept from the previous file" if len(old) else "empty (no previous file)")
    )
    return series, removed, tuple(notes)


def write_atomic(data: bytes, path: Path) -> None:
    """Write bytes to `path` through a temporary file in the same folder (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build(
    series: dict[str, pd.Series],
    out: Path,
    notice: Path,
    *,
    move_removed: int,
    live: bool,
    notes: tuple[str, ...] = (),
    auction_table: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, str]:
    """Assemble, write the parquet and the notice; return the frame and its content digest.

    With `auction_table`, its rows are written beside `out` as ``auctions.parquet`` (`market.auctions`).
    """
    series, dropped = weekdays_only(series)
    if dropped:
        notes = (
            *notes,
            "prints dated on a Saturday or Sunday left out (not a trading day's observation): "
            + ", ".join(f"{c} {n}" for c, n in dropped.items()),
        )
    frame = assemble(series)
    buf = io.BytesIO()
    frame.to_parquet(buf, engine="pyarrow", compression="zstd", index=True)
    data = buf.getvalue()
    check = pd.read_parquet(io.BytesIO(data))
    if not check.equals(frame) and not np.allclose(check.to_numpy(), frame.to_numpy(), equal_nan=True):
        raise RuntimeError("parquet round trip changed the data")
    digest = content_digest(check)
    if auction_table is not None:
        abuf = io.BytesIO()
        auction_table.to_parquet(abuf, engine="pyarrow", compression="zstd", index=False)
        notes = (*notes, auction_note(auction_table, len(abuf.getvalue())))
    text = render_notice(
        frame, digest=digest, size_bytes=len(data), move_removed=move_removed, live=live, notes=notes
    )
    if auction_table is not None:
        write_atomic(abuf.getvalue(), out.with_name("auctions.parquet"))
    write_atomic(data, out)
    write_atomic(text.encode("utf-8"), notice)
    return frame, digest


def auction_note(table: pd.DataFrame, size_bytes: int) -> str:
    """The notice's paragraph on `auctions.parquet`."""
    tips = table["inflation_index_security"] == "Yes"
    return (
        f"`auctions.parquet` ({size_bytes:,} bytes): the {len(table):,} coupon auctions (notes and bonds) "
        f"with results in `{AUCTIONS}`, {table['auction_date'].min().date()} to "
        f"{table['auction_date'].max().date()}, "
        "columns as FiscalData's `auctions_query` names them (U.S. Treasury, Bureau of the Fiscal Service: "
        "public domain). The file has no TIPS flag: `inflation_index_security` is inferred "
        "(`market.auctions.infer_tips`: a CUSIP keeps what its first auction was, a TIPS when its high yield "
        "is nearer the real yield DFII<n> than the nominal DGS<n>, or before DFII<n> more than "
        f"{auctions.TIPS_GAP:g} points below the nominal), {int(tips.sum())} rows. Loaded with derived "
        "measures by `market.auctions.load`; none of them is the tail against the when-issued yield"
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m market.build",
        description="Compile market/data/bundled.parquet and NOTICE.md from the bundle source files "
        "(offline), or from the live loaders with --live.",
        epilog="--live goes through data=live's own sources and caches (market/live.py, .cache/live): FRED "
        "series (VIXCLS, DGS10, DGS2, DTB3, DSWP10, SOFR) from FRED's public fredgraph.csv endpoint, MOVE "
        "(^MOVE), the S&P 500 (^GSPC: FRED's SP500 only covers ten years) and the ETFs through yfinance, and "
        "the ACM term premium from the NY Fed workbook (read with `xlrd`). If the ACM download fails, "
        "TERM_PREMIUM_10Y is kept from the existing file and the notice says so; ^TNX's high/low and the "
        "auction columns are always kept from it (auctions.parquet is not rewritten).",
    )
    p.add_argument(
        "--sources",
        type=Path,
        default=DEFAULT_SOURCES,
        help="folder with the bundle source files (default: ../shared/data/bundle-sources, "
        "relative to the repository root)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="parquet file to write (default: market/data/bundled.parquet)",
    )
    p.add_argument(
        "--notice", type=Path, default=None, help="notice file to write (default: NOTICE.md next to --out)"
    )
    p.add_argument("--live", action="store_true", help="rebuild from the live loaders (needs network)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    out = Path(args.out)
    notice = Path(args.notice) if args.notice else out.with_name("NOTICE.md")
    notes: tuple[str, ...] = ()
    if args.live:
        try:
            series, removed, notes = load_live(out if out.exists() else None)
        except UserError as exc:  # a source failed with no cache: one message, nothing written
            print(f"error: {exc}", file=sys.stderr)
            return 2
    else:
        sources = Path(args.sources)
        if not sources.is_dir():
            print(
                f"error: source folder not found: {sources.resolve()}\n  hint: pass --sources DIR "
                "(the bundle-sources folder of the shared data) or use --live",
                file=sys.stderr,
            )
            return 2
        try:
            series, removed, notes, table = load_offline(sources)
        except (SpliceError, FileNotFoundError) as exc:  # nothing written
            print(f"error: {exc}\n  hint: check the files in {sources.resolve()}", file=sys.stderr)
            return 2
    frame, digest = build(
        series,
        out,
        notice,
        move_removed=removed,
        live=args.live,
        notes=notes,
        auction_table=None if args.live else table,
    )
    print(
        f"wrote {out} ({out.stat().st_size:,} bytes, {len(frame):,} rows, digest {digest}) and {notice}; "
        f"MOVE stale prints removed: {removed}"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
