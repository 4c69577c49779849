"""data=live carries the daily AUCTION10Y_* columns, derived from FiscalData's auctions as the bundled
file's are (`market.auctions.daily_from_records`): on a recorded auctions_query page, no network."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import requests

from market import auctions, fiscaldata, live
from tests.market.test_live import Response, fiscal_page, net  # noqa: F401 (the fixture)

FIELDS = ["auction_date", "cusip", "security_type", "security_term", "reopening", "inflation_index_security",
          "bid_to_cover_ratio", "high_yield", "avg_med_yield", "indirect_bidder_accepted", "total_accepted"]
#: auctions_query rows as strings: two 10-year notes (a new issue, a reopening), a 10-year TIPS reopening
#: (FiscalData's own flag says so), a 30-year bond, a bill, and an announced 10-year without results.
ROWS = [
    ("2023-11-08", "91282CJJ1", "Note", "10-Year", "No", "No", "2.45", "4.499", "4.430", "26871000000",
     "40000000000"),
    ("2023-11-09", "912810TV0", "Bond", "30-Year", "No", "No", "2.24", "4.769", "4.680", "14100000000",
     "24000000000"),
    ("2023-11-16", "91282CJY8", "Note", "9-Year 8-Month", "Yes", "Yes", "2.40", "2.393", "2.320",
     "11000000000", "15000000000"),
    ("2023-11-21", "912797HP5", "Bill", "17-Week", "No", "No", "2.90", "5.270", "5.250", "30000000000",
     "60000000000"),
    ("2023-12-12", "91282CJJ1", "Note", "9-Year 11-Month", "Yes", "No", "2.58", "4.296", "4.220",
     "26000000000", "37000000000"),
    ("2024-01-10", "91282CJZ5", "Note", "10-Year", "No", "No", "null", "null", "null", "null", "null"),
]


def page(rows=ROWS, fields=FIELDS) -> str:
    """The page of `fiscal_page`, with FiscalData's STRING type for inflation_index_security."""
    body = json.loads(fiscal_page(rows, fields))
    if "inflation_index_security" in fields:
        body["meta"]["dataTypes"]["inflation_index_security"] = "STRING"
    return json.dumps(body)


def expected(rows, index: pd.DatetimeIndex) -> pd.DataFrame:
    """The columns re-derived in pandas: the last 10-year nominal note auctioned on or before each day."""
    t = pd.DataFrame(rows, columns=FIELDS).replace("null", np.nan)
    ten = t[(t.security_type == "Note") & t.security_term.isin(["10-Year", "9-Year 11-Month"])
            & (t.inflation_index_security == "No") & t.high_yield.notna()].copy()
    ten["date"] = pd.to_datetime(ten.auction_date).astype("datetime64[ns]")
    num = ten[FIELDS[6:]].astype(float)
    ten = pd.DataFrame({
        "date": ten["date"],
        "AUCTION10Y_COUNT": np.arange(1.0, len(ten) + 1),
        "AUCTION10Y_BID_TO_COVER": num.bid_to_cover_ratio,
        "AUCTION10Y_INDIRECT_SHARE": 100 * num.indirect_bidder_accepted / num.total_accepted,
        "AUCTION10Y_HIGH_MINUS_AVG_BP": 100 * (num.high_yield - num.avg_med_yield),
    })
    days = pd.DataFrame({"date": index.astype("datetime64[ns]")})
    return pd.merge_asof(days, ten, on="date").set_index("date")


@pytest.fixture
def fiscal(net, monkeypatch):  # noqa: F811
    """The recorded network, with FiscalData answering `ROWS` (from the filter's date on)."""
    rows = {"rows": ROWS}

    def get(url, params=None, timeout=None):
        if url == fiscaldata.API_URL:
            first = params["filter"].rsplit(":", 1)[1]
            return Response(200, text=page([r for r in rows["rows"] if r[0] >= first]))
        return net.get(url, params, timeout)

    monkeypatch.setattr(requests, "get", get)
    return rows


def load(tmp_path, sources=("fred", "fiscaldata"), **kw) -> pd.DataFrame:
    return live.load(sources=list(sources), cache_dir=str(tmp_path), start="2021-01-01",
                     fred={"series": {"UST10Y": "DGS10"}}, fiscaldata={"tables": ["auctions"]}, **kw)


def test_the_live_frame_carries_the_auction_columns_of_the_bundled_file(tmp_path, fiscal):
    raw = load(tmp_path)
    want = expected(ROWS, raw.index)
    pd.testing.assert_frame_equal(raw[list(auctions.DAILY)], want, check_names=False, check_freq=False)
    on = raw.loc["2023-12-12":"2023-12-29"]  # the reopening, not the TIPS nor the 30-year, is the latest
    assert (on["AUCTION10Y_COUNT"] == 2).all() and np.allclose(on["AUCTION10Y_HIGH_MINUS_AVG_BP"], 7.6)
    assert raw.loc[:"2023-11-07", "AUCTION10Y_COUNT"].isna().all()  # nothing before the first auction
    assert (raw.loc["2023-11-08":"2023-12-11", "AUCTION10Y_BID_TO_COVER"] == 2.45).all()
    vintage = next(v for v in raw.attrs["vintages"] if v["source"] == "fiscaldata")
    assert vintage["columns"] == list(auctions.DAILY)


def test_a_later_auction_cannot_change_the_days_before_it(tmp_path, fiscal):
    index = pd.bdate_range("2023-10-02", "2024-02-29")
    records = fiscaldata.parse_page(page())[0]
    before = auctions.daily_from_records(records[records["auction_date"] < "2023-12-12"], index)
    after = auctions.daily_from_records(records, index)
    pd.testing.assert_frame_equal(before.loc[:"2023-12-11"], after.loc[:"2023-12-11"])
    assert before.loc["2023-12-12", "AUCTION10Y_COUNT"] == 1
    assert after.loc["2023-12-12", "AUCTION10Y_COUNT"] == 2


def test_without_fiscaldatas_tips_flag_the_tips_are_inferred_from_the_yields(tmp_path):
    rows = [r[:5] + r[6:] for r in ROWS]
    records = fiscaldata.parse_page(page(rows, FIELDS[:5] + FIELDS[6:]))[0]
    index = pd.bdate_range("2023-10-02", "2023-12-29")
    dgs10 = pd.Series(4.5, index=index)
    dfii10 = pd.Series(2.4, index=index)
    got = auctions.daily_from_records(records, index, dgs10, dfii10)
    pd.testing.assert_frame_equal(got, auctions.daily_from_records(fiscaldata.parse_page(page())[0], index))


def test_a_source_listed_after_fiscaldata_wins_the_columns_and_the_notes_say_so(tmp_path, fiscal):
    csv = tmp_path / "mine.csv"
    pd.DataFrame({"date": ["2023-12-28", "2023-12-29"], "N": [9.0, 9.0]}).to_csv(csv, index=False)
    raw = load(tmp_path, ("fred", "fiscaldata", "csv"),
               csv={"files": [{"path": str(csv), "columns": {"N": "AUCTION10Y_COUNT"}}], "price_columns": []})
    assert raw.loc["2023-12-29", "AUCTION10Y_COUNT"] == 9.0
    note = "`AUCTION10Y_COUNT` from csv (it overrides fiscaldata: the later source wins)"
    assert note in raw.attrs["notes"]
    assert raw.loc["2023-12-29", "AUCTION10Y_BID_TO_COVER"] == 2.58
