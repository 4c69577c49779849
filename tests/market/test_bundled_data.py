"""The shipped dataset, checked against public spot values (see the data notes)."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from common.errors import DataError
from market import build, bundled
from market.frame import content_digest, prepare, tbill_price

COLUMNS = [
    "MOVE", "VIX", "UST10Y", "UST2Y", "TBILL3M", "TERM_PREMIUM_10Y", "SWAP10Y", "SOFR", "SPX",
    "SPY", "IEF", "TLT", "AGG", "GLD", "QQQ",
    "DTWEXBGS", "T10YIE", "DFII10", "GVZ", "VIX9D", "VIX3M", "VIX6M", "SOFR_P1", "SOFR_P99", "TGCR", "BGCR",
    "IORB", "UST3M", "UST1Y", "UST30Y", "HY_OAS", "NFCI", "UST10Y_HIGH", "UST10Y_LOW",
    "AUCTION10Y_COUNT", "AUCTION10Y_BID_TO_COVER", "AUCTION10Y_INDIRECT_SHARE",
    "AUCTION10Y_HIGH_MINUS_AVG_BP",
]  # fmt: skip


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return bundled.load()


def test_layout(raw):
    assert list(raw.columns) == COLUMNS
    assert all(str(t) == "float64" for t in raw.dtypes)
    assert isinstance(raw.index, pd.DatetimeIndex) and raw.index.tz is None
    assert raw.index.is_monotonic_increasing and raw.index.is_unique
    assert raw.index[0] == pd.Timestamp("1990-01-02")
    assert raw.index[-1] == pd.Timestamp("2026-08-24")  # IORB's last print (a Monday); SPX ends 2026-08-21
    assert (raw.index == raw.index.normalize()).all()
    assert raw.notna().any(axis=1).all()  # every row is some series' observation
    assert (raw.index.day_of_week < 5).all()


def test_file_is_compact():
    assert bundled.PACKAGED.stat().st_size < 3_000_000


@pytest.mark.parametrize(
    ("col", "date", "value"),
    [
        ("VIX", "2020-03-16", 82.69),
        ("VIX", "2008-11-20", 80.86),
        ("UST10Y", "2020-03-09", 0.54),
        ("UST10Y", "2023-10-19", 4.98),
        ("UST2Y", "2023-03-07", 5.00),
        ("SPX", "2020-02-19", 3386.15),
        ("SPX", "2009-03-09", 676.53),
        ("SPX", "2026-08-21", 7674.37),
        ("TBILL3M", "2023-10-19", 5.33),
        ("TBILL3M", "2020-03-16", 0.24),
        ("SWAP10Y", "2015-09-30", 2.01),
        ("SOFR", "2019-09-17", 5.25),
        ("SOFR", "2020-03-16", 0.26),
        ("MOVE", "2026-08-21", 73.40),
        ("MOVE", "2023-03-14", 169.65),
        ("MOVE", "2023-03-13", 173.59),
    ],
)
def test_spot_values(raw, col, date, value):
    assert raw.loc[date, col] == pytest.approx(value, abs=1e-9)


def test_term_premium_spot(raw):
    assert raw.loc["2020-03-09", "TERM_PREMIUM_10Y"] == pytest.approx(-1.6446, abs=1e-4)
    assert raw.loc["2023-10-19", "TERM_PREMIUM_10Y"] == pytest.approx(0.4541, abs=1e-4)


def test_swap_rate_ends_2016(raw):
    swap = raw["SWAP10Y"].dropna()
    assert swap.index[0] == pd.Timestamp("2000-07-03")
    assert swap.index[-1] == pd.Timestamp("2016-10-28")
    assert raw.loc["2016-11-01":, "SWAP10Y"].isna().all()


def test_series_ranges(raw):
    last = {c: raw[c].last_valid_index() for c in COLUMNS}
    for etf in ["SPY", "IEF", "TLT", "GLD", "QQQ"]:
        assert last[etf] == pd.Timestamp("2026-08-21")
    assert last["AGG"] == pd.Timestamp("2026-07-16")
    assert raw["SPY"].first_valid_index() == pd.Timestamp("1993-01-29")
    assert raw["MOVE"].first_valid_index() == pd.Timestamp("2002-11-12")
    assert raw["TBILL3M"].first_valid_index() == pd.Timestamp("1990-01-02")
    assert last["TBILL3M"] == pd.Timestamp("2026-08-20")  # DTB3 to 2026-01-29, then DGS3MO converted
    assert raw["SOFR"].first_valid_index() == pd.Timestamp("2018-04-03")
    assert last["SOFR"] == pd.Timestamp("2026-08-20")


def test_etf_prices_are_adjusted_closes(raw):
    spy = raw["SPY"].dropna().pct_change()
    assert spy.idxmin() == pd.Timestamp("2020-03-16")
    assert spy.min() == pytest.approx(-0.109, abs=0.001)
    tlt = raw["TLT"].dropna().pct_change()
    assert tlt.loc["2020-03-20"] == pytest.approx(0.075, abs=0.001)
    assert tlt.loc["2020-03-17"] == pytest.approx(-0.067, abs=0.001)
    # Adj Close, not Close: SPY closed at 338.34 on 2020-02-19; its adjusted close is lower.
    assert raw.loc["2020-02-19", "SPY"] < 338.34
    # adjusted so that it equals Close on the last row of the dump
    assert raw.loc["2025-09-26", "SPY"] == pytest.approx(661.82, abs=0.01)


def test_move_stale_print_removed(raw):
    assert np.isnan(raw.loc["2023-03-15", "MOVE"])
    prints = raw["MOVE"].dropna()
    assert not (prints.diff() == 0).any()  # the cleaning rule holds on the file


def test_no_forward_fill_in_file(raw):
    # Veterans Day: stocks traded, the bond market was closed; the file keeps the gap
    assert not np.isnan(raw.loc["2019-11-11", "SPX"])
    for col in ["UST10Y", "UST2Y", "TBILL3M", "SOFR", "MOVE"]:
        assert np.isnan(raw.loc["2019-11-11", col]), col


def test_prepare_on_bundled_defaults(raw):
    md = prepare(raw, source="bundled", calendar_column="SPX", max_ffill_days=5)
    spx_dates = raw.index[raw["SPX"].notna()]
    assert md.frame.index.equals(spx_dates)
    assert all(0 <= n <= 5 for n in md.staleness.values())
    # the stale MOVE print is carried from the day before
    assert md.frame.loc["2023-03-15", "MOVE"] == 169.65
    # a print on a bond-only day reaches the next equity day; nothing crosses the bound
    assert md.frame.loc["2016-11-07":, "SWAP10Y"].isna().all()
    assert md.frame.loc["2016-10-31", "SWAP10Y"] == 1.71


def test_tbill_on_bundled(raw):
    md = prepare(raw, source="bundled", calendar_column="SPY", max_ffill_days=5, start="2003-01-02")
    level = tbill_price(md.frame["TBILL3M"])
    assert level.iloc[0] == 1.0
    assert level.notna().all()
    growth = level.iloc[-1] ** (252 / len(level)) - 1
    assert 0.005 < growth < 0.03  # about the average T-bill yield since 2003


def test_notice_names_every_column_and_the_digest(raw):
    notice = (bundled.PACKAGED.parent / "NOTICE.md").read_text(encoding="utf-8")
    for col in COLUMNS:
        assert f"### {col}" in notice
    m = re.search(r"content digest: `([0-9a-f]{16})`", notice)
    assert m and m.group(1) == content_digest(raw)
    assert "Yahoo" in notice and "redistribution" in notice
    assert "data=yfinance" in notice
    assert "MOVE cleaning rule" in notice


def test_shipped_file_is_what_the_build_script_makes(tmp_path):
    sources = build.DEFAULT_SOURCES
    if not sources.is_dir():
        pytest.skip("bundle sources not available on this machine")
    out = tmp_path / "bundled.parquet"
    assert build.main(["--sources", str(sources), "--out", str(out)]) == 0
    rebuilt = bundled.load(str(out))
    pd.testing.assert_frame_equal(rebuilt, bundled.load())
    shipped = bundled.PACKAGED.with_name("auctions.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "auctions.parquet"), pd.read_parquet(shipped))
    assert (tmp_path / "NOTICE.md").read_text() == (bundled.PACKAGED.parent / "NOTICE.md").read_text()


def test_load_missing_file(tmp_path):
    with pytest.raises(DataError) as err:
        bundled.load(str(tmp_path / "nope.parquet"))
    assert "market.build" in err.value.hint


def test_load_unreadable_file(tmp_path):
    bad = Path(tmp_path / "bad.parquet")
    bad.write_text("not parquet")
    with pytest.raises(DataError):
        bundled.load(str(bad))
