"""US Treasury coupon auctions as event data: one row per auction, beside the daily frame.

The raw columns are named after FiscalData's ``auctions_query`` fields (``auction_date``,
``security_type``, ``security_term``, ``offering_amt``, ``bid_to_cover_ratio``, ``high_yield``,
``avg_med_yield``, ``indirect_bidder_accepted``, ``total_accepted``, ``reopening``, ``cusip``,
``issue_date``, ``maturity_date``, ``inflation_index_security``), so a FiscalData download and the
bundled file (`PACKAGED`, written by ``python -m market.build``) load the same way. `derive` adds the
measures a reader of auction results looks at, each named for what it is:

- ``tenor_years``: the original maturity, rounded (a reopening's "9-Year 10-Month" is a 10-year);
- ``indirect_share_pct``: indirect bidders' accepted amount over the total accepted, percent;
- ``high_minus_avg_bp``: the high (stop-out) yield minus the average/median yield, basis points: the
  spread of the accepted bids inside the auction;
- ``bid_to_cover_minus_trailing``: the bid-to-cover minus its mean over the previous `TRAILING`
  auctions of the same tenor and kind (nominal or TIPS);
- ``high_minus_prev_dgs10_bp``: the high yield minus the previous day's DGS10 close, basis points
  (10-year nominal notes only).

None of them is the auction "tail" as the market quotes it (the high yield against the when-issued yield
at the 1 pm bidding deadline): no free source publishes the when-issued yield.

The results are released at the bidding deadline (1 pm ET), before the close, so a daily column taken
from an auction on its own date's close is causal (`ten_year_daily`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from market import bundled

PACKAGED = Path(__file__).resolve().parent / "data" / "auctions.parquet"
TRAILING = 12
#: A CUSIP first auctioned this far below the nominal yield, before a real-yield series exists, is a TIPS.
TIPS_GAP = 0.5

DATES = ("auction_date", "issue_date", "maturity_date")
NUMBERS = (
    "offering_amt",
    "bid_to_cover_ratio",
    "high_yield",
    "avg_med_yield",
    "indirect_bidder_accepted",
    "total_accepted",
)
TEXT = ("security_type", "security_term", "reopening", "cusip")
RAW_COLUMNS = (*DATES, *TEXT, *NUMBERS)
#: The daily columns `ten_year_daily` derives (the latest 10-year nominal auction known at each close).
DAILY = {
    "AUCTION10Y_COUNT": "auction_number",
    "AUCTION10Y_BID_TO_COVER": "bid_to_cover_ratio",
    "AUCTION10Y_INDIRECT_SHARE": "indirect_share_pct",
    "AUCTION10Y_HIGH_MINUS_AVG_BP": "high_minus_avg_bp",
}


def read_results(path: Path) -> pd.DataFrame:
    """Coupon auctions (notes and bonds) with results from a FiscalData ``auctions_query`` CSV export.

    Bills and announced auctions without results yet are left out; extra columns are dropped.
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in RAW_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"{Path(path).name}: missing FiscalData columns {missing}")
    df = raw[list(RAW_COLUMNS)].replace({"": None, "null": None})
    for c in DATES:
        df[c] = pd.to_datetime(df[c], format="%Y-%m-%d").astype("datetime64[ns]")
    for c in NUMBERS:
        df[c] = pd.to_numeric(df[c]).astype("float64")
    return coupon_results(df)


def coupon_results(df: pd.DataFrame) -> pd.DataFrame:
    """The coupon auctions (notes and bonds) with results, sorted by date and term.

    Bills and announced auctions (no high yield yet) are left out.
    """
    coupon = df["security_type"].isin(["Note", "Bond"]) & df["high_yield"].notna()
    return df[coupon].sort_values(["auction_date", "security_term"], kind="stable").reset_index(drop=True)


def tenor_years(term: pd.Series) -> pd.Series:
    """Original maturity in whole years from FiscalData's ``security_term`` ("9-Year 10-Month" -> 10)."""
    parts = term.str.extract(r"^(?:(\d+)-Year)?\s*(?:(\d+)-Month)?$").astype("float64").fillna(0.0)
    return (parts[0] + parts[1] / 12).round().astype("int64")


def _prev_close(series: pd.Series, dates: pd.Series) -> np.ndarray:
    """The last print of `series` strictly before each date (NaN before its first)."""
    s = series.dropna().sort_index()
    pos = s.index.searchsorted(pd.DatetimeIndex(dates), side="left") - 1
    vals = s.to_numpy()[np.clip(pos, 0, None)] if len(s) else np.full(len(dates), np.nan)
    return np.where(pos >= 0, vals, np.nan)


def infer_tips(
    auctions: pd.DataFrame, nominal: dict[int, pd.Series], real: dict[int, pd.Series]
) -> pd.Series:
    """FiscalData's ``inflation_index_security`` ("Yes"/"No") for a file that lacks it.

    A CUSIP keeps what its first auction was. That auction is a TIPS when its high yield is closer to the
    previous close of the real yield of its tenor (FRED DFII<n>) than to the nominal one (DGS<n>); before
    the real-yield series starts, when it is more than `TIPS_GAP` points below the nominal yield. Tenors
    without a nominal series here are nominal.

    Args:
        auctions: Rows of `read_results`.
        nominal: Nominal constant-maturity yields by tenor in years (percent).
        real: Real (TIPS) constant-maturity yields by tenor in years (percent).

    Returns:
        "Yes" or "No" per row.
    """
    tenor = tenor_years(auctions["security_term"])
    first = auctions.sort_values("auction_date", kind="stable").groupby("cusip").head(1)
    is_tips: dict[str, bool] = {}
    for years, rows in first.groupby(tenor.loc[first.index]):
        hy = rows["high_yield"].to_numpy()
        if years not in nominal:
            is_tips.update(dict.fromkeys(rows["cusip"], False))
            continue
        nom = _prev_close(nominal[years], rows["auction_date"])
        rl = _prev_close(real[years], rows["auction_date"]) if years in real else np.full(len(rows), np.nan)
        by_real = np.abs(hy - rl) < np.abs(hy - nom)
        by_gap = hy < nom - TIPS_GAP
        is_tips.update(zip(rows["cusip"], np.where(np.isnan(rl), by_gap, by_real), strict=True))
    return (
        auctions["cusip"]
        .map(lambda c: "Yes" if is_tips.get(c, False) else "No")
        .rename("inflation_index_security")
    )


def derive(
    auctions: pd.DataFrame, dgs10: pd.Series | None = None, *, trailing: int = TRAILING
) -> pd.DataFrame:
    """The raw rows plus the derived measures named in the module docstring.

    Args:
        auctions: Raw rows with ``inflation_index_security``.
        dgs10: The 10-year nominal yield (FRED DGS10, percent) for ``high_minus_prev_dgs10_bp``; None
            leaves that column NaN.
        trailing: Auctions in the trailing mean of the bid-to-cover.

    Returns:
        One row per auction, sorted by date.
    """
    df = auctions.sort_values("auction_date", kind="stable").reset_index(drop=True)
    df["tenor_years"] = tenor_years(df["security_term"])
    df["indirect_share_pct"] = df["indirect_bidder_accepted"] / df["total_accepted"] * 100
    df["high_minus_avg_bp"] = (df["high_yield"] - df["avg_med_yield"]) * 100
    prior = df.groupby(["tenor_years", "inflation_index_security"])["bid_to_cover_ratio"].transform(
        lambda x: x.shift(1).rolling(trailing, min_periods=trailing).mean()
    )
    df["bid_to_cover_minus_trailing"] = df["bid_to_cover_ratio"] - prior
    ten = is_ten_year_nominal(df)
    prev = _prev_close(dgs10, df["auction_date"]) if dgs10 is not None else np.full(len(df), np.nan)
    df["high_minus_prev_dgs10_bp"] = np.where(ten, (df["high_yield"] - prev) * 100, np.nan)
    return df


def is_ten_year_nominal(auctions: pd.DataFrame) -> pd.Series:
    """True for 10-year nominal notes, new issues and reopenings (not TIPS)."""
    return (
        (auctions["security_type"] == "Note")
        & (tenor_years(auctions["security_term"]) == 10)
        & (auctions["inflation_index_security"] == "No")
    )


def ten_year_daily(auctions: pd.DataFrame, index: pd.DatetimeIndex) -> pd.DataFrame:
    """The latest 10-year nominal auction known at each close of `index`, as daily columns (`DAILY`).

    An auction counts from its own date's close (results are out at 1 pm ET). ``AUCTION10Y_COUNT`` is
    the running number of 10-year nominal auctions, so a signal finds each new auction where it steps
    up, whatever forward-fill the columns go through. NaN before the first auction.
    """
    ten = auctions[is_ten_year_nominal(auctions)].sort_values("auction_date", kind="stable")
    ten = ten.assign(auction_number=np.arange(1.0, len(ten) + 1))
    pos = pd.DatetimeIndex(ten["auction_date"]).searchsorted(index, side="right") - 1
    out = {}
    for col, src in DAILY.items():
        vals = ten[src].to_numpy(dtype="float64")[np.clip(pos, 0, None)] if len(ten) else np.nan
        out[col] = np.where(pos >= 0, vals, np.nan)
    return pd.DataFrame(out, index=index)


def daily_from_records(
    records: pd.DataFrame,
    index: pd.DatetimeIndex,
    dgs10: pd.Series | None = None,
    dfii10: pd.Series | None = None,
) -> pd.DataFrame:
    """The `DAILY` columns on `index` from FiscalData ``auctions_query`` records (`market.fiscaldata`).

    The same derivation as the bundled file's (`coupon_results`, `derive`, `ten_year_daily`). FiscalData's
    own ``inflation_index_security`` marks the TIPS; where a record lacks it, `infer_tips` decides from the
    10-year nominal and real yields (a 10-year with neither series is taken as nominal).

    Args:
        records: ``auctions_query`` rows, typed (dates as datetimes, the measures as floats).
        index: The daily dates of the frame.
        dgs10: The 10-year nominal yield (percent), for the TIPS inference and ``derive``.
        dfii10: The 10-year real yield (percent), for the TIPS inference.

    Returns:
        The `DAILY` columns, NaN before the first 10-year nominal auction.
    """
    table = coupon_results(records)
    given = table.get("inflation_index_security")
    flag = given.astype("object").where(given.notna(), None) if given is not None else None
    if flag is None or flag.isna().any():
        nominal = {10: dgs10} if dgs10 is not None else {}
        real = {10: dfii10} if dfii10 is not None else {}
        inferred = infer_tips(table, nominal, real)
        flag = inferred if flag is None else flag.fillna(inferred)
    table = table.assign(inflation_index_security=flag.astype(str))
    return ten_year_daily(derive(table, dgs10), index)


def load(path: str | Path | None = None, dgs10: pd.Series | None = None) -> pd.DataFrame:
    """Coupon auctions, one row per auction, raw FiscalData columns and the derived measures.

    Args:
        path: A parquet file written by ``python -m market.build``; None for the packaged one.
        dgs10: The 10-year yield for ``high_minus_prev_dgs10_bp``; None reads UST10Y of the bundled data.

    Returns:
        The frame of `derive`.

    Raises:
        DataError: The file is missing or unreadable.
    """
    raw = bundled.read_built(PACKAGED if path is None else Path(path), key="path", what="auction data")
    if dgs10 is None:
        dgs10 = bundled.load()["UST10Y"]
    return derive(raw, dgs10)
