"""The 2026 extension of the bundled data, re-derived from the raw files in plain pandas.

The raw files are ../shared/data/bundle-sources beside the repository (`market.build.DEFAULT_SOURCES`);
the tests that read them skip when they are absent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from market import auctions, build, bundled

SRC = build.DEFAULT_SOURCES
needs_sources = pytest.mark.skipif(not SRC.is_dir(), reason=f"bundle sources not found at {SRC}")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return bundled.load()


def yahoo_adj(ticker: str) -> pd.Series:
    df = pd.read_csv(SRC / f"{ticker}_yahoo_adjclose.csv", skiprows=4, header=None)
    return pd.Series(df[1].to_numpy(float), index=pd.to_datetime(df[0]).dt.normalize())


def wide(file: str, column: str) -> pd.Series:
    df = pd.read_csv(SRC / file)
    s = pd.Series(pd.to_numeric(df[column], errors="coerce").to_numpy(), index=pd.to_datetime(df.iloc[:, 0]))
    return s.dropna()


@needs_sources
@pytest.mark.parametrize(
    ("ticker", "file", "column", "dates"),
    [
        ("SPY", build.POOL, "SPY", ["2025-09-29", "2026-02-04", "2026-03-30", "2026-08-21"]),
        ("QQQ", build.POOL, "QQQ", ["2026-01-02", "2026-08-21"]),
        ("GLD", build.POOL, "GLD", ["2026-02-04", "2026-08-21"]),
        ("IEF", build.YF_ASSETS, "IEF", ["2025-10-01", "2026-08-21"]),
        ("AGG", build.AGG_NEW, "close", ["2026-01-02", "2026-07-16"]),
    ],
)
def test_spliced_prices_are_the_old_close_chained_with_the_new_returns(raw, ticker, file, column, dates):
    old, new = yahoo_adj(ticker), wide(file, column)
    junction = pd.Timestamp("2025-09-26")
    assert old.index[-1] == junction
    for d in dates:
        expected = old[junction] * new[pd.Timestamp(d)] / new[junction]
        assert raw.loc[d, ticker] == pytest.approx(expected, rel=1e-12), d
    # before the junction the old file is kept as it is
    assert raw.loc["2020-03-16", ticker if ticker != "AGG" else "AGG"] == pytest.approx(old["2020-03-16"])


def test_a_splice_whose_returns_disagree_is_refused():
    idx = pd.bdate_range("2025-01-01", periods=30)
    old = pd.Series(np.linspace(100, 110, 20), index=idx[:20])
    new = pd.Series(np.linspace(50, 60, 30), index=idx) * 1.0
    new.iloc[:20] = old.to_numpy() / 2  # the same returns at another scale
    out, check = build.splice_returns(old, new, "X")
    assert out.iloc[-1] == pytest.approx(old.iloc[-1] * new.iloc[-1] / new.iloc[19])
    assert check.max_diff < 1e-12 and check.overlap == 20
    bad = new.copy()
    bad.iloc[10] *= 1 + 2e-6  # one day's return off by 2e-6
    with pytest.raises(build.SpliceError, match="disagree by .* on 2025-01-1"):
        build.splice_returns(old, bad, "X")
    with pytest.raises(build.SpliceError, match="last date"):
        build.splice_returns(old, new.drop(idx[19]), "X")


@needs_sources
@pytest.mark.parametrize("column", list(build.WIDE))
def test_each_new_column_equals_its_source_on_sampled_dates(raw, column):
    file, src, _, _ = build.WIDE[column]
    s = wide(file, src)
    s = s[(s.index >= "1990-01-02") & (s.index.day_of_week < 5)]
    picks = [s.index[0], s.index[len(s) // 2], s.index[-1], s.index[len(s) // 3]]
    for d in picks:
        assert raw.loc[d, column] == s[d], (column, d)
    assert raw[column].notna().sum() == len(s)  # every weekday print, no more


@needs_sources
def test_hy_oas_tnx_range_and_the_tbill_bridge_equal_their_sources(raw):
    oas = pd.read_csv(SRC / build.HY_OAS_FILE, parse_dates=["Date"]).set_index("Date")["Value"]
    for d in ["1997-01-02", "2020-03-23", "2026-03-26"]:
        assert raw.loc[d, "HY_OAS"] == oas[d]
    tnx = pd.read_csv(SRC / build.TNX_FILES[0], parse_dates=["Date"]).set_index("Date")
    for d in ["2026-02-03", "2026-02-04", "2026-06-05", "2008-10-10"]:
        assert (
            raw.loc[d, "UST10Y_HIGH"] == tnx.loc[d, "High"] and raw.loc[d, "UST10Y_LOW"] == tnx.loc[d, "Low"]
        )
    assert np.isnan(raw.loc["1993-01-04", "UST10Y_HIGH"])  # high == low: no intraday prints
    assert "2026-06-08" not in raw["UST10Y_HIGH"].dropna().index  # the session's row dropped
    rates = pd.read_csv(SRC / build.RATES, parse_dates=["date"]).set_index("date")
    y = rates.loc["2026-06-01", "DGS3MO"] / 100
    assert raw.loc["2026-06-01", "TBILL3M"] == pytest.approx(100 * 360 * y / (365 + 91 * y), abs=1e-12)
    assert raw.loc["2026-01-29", "TBILL3M"] == 3.59  # DTB3's own last print
    sofr = rates["SOFR"].dropna()
    assert raw.loc["2026-08-20", "SOFR"] == sofr["2026-08-20"]


def test_tnx_downloads_that_disagree_stop_the_build():
    idx = pd.bdate_range("2026-01-01", periods=4)
    a = pd.DataFrame(
        {"High": [4.1, 4.2, 4.3, 4.4], "Low": [4.0, 4.1, 4.2, 4.3], "Close": [4.05] * 4}, index=idx
    )
    high, low, check = build.ten_year_range(a, a.iloc[:2], pd.Series(4.05, index=idx))
    assert list(high.index) == list(idx[:3]) and check.common == 2 and check.differ == 0
    b = a.copy()
    b.iloc[1, 0] = 4.25
    with pytest.raises(build.SpliceError, match="differ on 1 of"):
        build.ten_year_range(a, b, pd.Series(4.05, index=idx))


def test_tenor_years():
    terms = pd.Series(["10-Year", "9-Year 10-Month", "9-Year 8-Month", "29-Year 11-Month", "1-Year 11-Month"])
    assert auctions.tenor_years(terms).tolist() == [10, 10, 10, 30, 2]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return auctions.load()


def test_the_loader_counts_2025s_ten_year_nominal_auctions(table):
    ten = table[auctions.is_ten_year_nominal(table)]
    y2025 = ten[ten["auction_date"].dt.year == 2025]
    assert len(y2025) == 12  # a new issue in Feb, May, Aug and Nov, reopened in the 8 other months
    assert sorted(y2025["auction_date"].dt.month) == list(range(1, 13))
    tips = table[(table["tenor_years"] == 10) & (table["inflation_index_security"] == "Yes")]
    assert (tips["auction_date"].dt.year == 2025).sum() == 6  # Jan and Jul new, four reopenings
    # the notes' own test since 2024: TIPS are the $17-21bn offerings, the nominal note the $39-42bn ones
    recent = table[(table["tenor_years"] == 10) & (table["auction_date"] >= "2024-01-01")]
    is_tips = recent["inflation_index_security"] == "Yes"
    assert (recent.loc[is_tips, "offering_amt"] <= 21e9).all()
    assert (recent.loc[~is_tips, "offering_amt"] >= 37e9).all() and is_tips.sum() == 6 * 2 + 4


def test_the_feb_11_2026_auction_and_its_derived_measures(table):
    row = table[(table["auction_date"] == "2026-02-11") & auctions.is_ten_year_nominal(table)].iloc[0]
    assert row["high_yield"] == 4.177 and row["bid_to_cover_ratio"] == 2.39
    assert row["indirect_share_pct"] == pytest.approx(
        100 * row["indirect_bidder_accepted"] / row["total_accepted"]
    )
    assert round(row["indirect_share_pct"], 1) == 50.1
    assert row["high_minus_avg_bp"] == pytest.approx((4.177 - 4.110) * 100)
    prev = bundled.load()["UST10Y"].dropna()
    assert row["high_minus_prev_dgs10_bp"] == pytest.approx(
        (4.177 - prev[prev.index < "2026-02-11"].iloc[-1]) * 100
    )
    ten = table[auctions.is_ten_year_nominal(table)].reset_index(drop=True)
    i = ten.index[ten["auction_date"] == "2026-02-11"][0]
    trailing = ten.loc[i - 12 : i - 1, "bid_to_cover_ratio"].mean()
    assert row["bid_to_cover_minus_trailing"] == pytest.approx(2.39 - trailing)


def test_daily_auction_columns_step_on_the_auction_close(raw, table):
    ten = table[auctions.is_ten_year_nominal(table)]
    jan = ten[ten["auction_date"] == "2026-01-12"].iloc[0]
    assert raw.loc["2026-02-10", "AUCTION10Y_BID_TO_COVER"] == jan["bid_to_cover_ratio"]
    assert raw.loc["2026-02-11", "AUCTION10Y_BID_TO_COVER"] == 2.39
    assert raw.loc["2026-02-11", "AUCTION10Y_COUNT"] == raw.loc["2026-02-10", "AUCTION10Y_COUNT"] + 1
    assert raw.loc["2026-02-11", "AUCTION10Y_COUNT"] == (ten["auction_date"] <= "2026-02-11").sum()
    steps = raw["AUCTION10Y_COUNT"].diff() > 0
    assert (
        steps.sum() == ((ten["auction_date"] > raw.index[0]) & (ten["auction_date"] <= raw.index[-1])).sum()
    )
