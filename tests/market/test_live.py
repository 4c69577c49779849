"""data=live on recorded responses (yfinance frames, fredgraph.csv bodies, the ACM sheet): no network."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import requests
import yfinance

from common.errors import ConfigError, DataError
from market import cache, fiscaldata, fred, live, nyfed, nyfed_rates, remote, sessions
from market.frame import prepare
from tracking.lineage import dataset_info

DAYS = pd.bdate_range("2021-01-04", "2023-12-29")
TODAY = pd.Timestamp("2024-01-02")
YAHOO = {"VIX": "^VIX", "SPY": "SPY", "IEF": "IEF", "GLD": "GLD"}
FRED = {"UST10Y": "DGS10", "TBILL3M": "DTB3"}
ACM_LAST_MODIFIED = "Tue, 05 Dec 2023 14:02:11 GMT"


RATES = ("DGS10", "DTB3", "ACMTP10", "sofr", "tgcr", "bgcr", "effr")


def recorded(name: str, days: pd.DatetimeIndex = DAYS) -> pd.Series:
    """A deterministic series per id on the business days (prices > 0, rates in percent)."""
    rng = np.random.default_rng(sum(map(ord, name)))
    walk = np.cumsum(rng.normal(0, 0.01, len(days)))
    base = {"DGS10": 3.0, "DTB3": 2.0, "ACMTP10": 0.2, "^VIX": 20.0}.get(name, 100.0)
    base = 5.0 if name in RATES[3:] else base
    values = base + walk * 10 if name in RATES else base * np.exp(walk)
    return pd.Series(values, index=days, name=name)


def nyfed_body(rate: str, days: pd.DatetimeIndex) -> str:
    """The Markets API's search.json for a rate: refRates newest first, percentiles around the rate."""
    s = recorded(rate, days)
    rows = [
        {
            "effectiveDate": str(d.date()),
            "type": rate.upper(),
            "percentRate": round(v, 2),
            "percentPercentile1": round(v - 0.05, 2),
            "percentPercentile25": round(v - 0.01, 2),
            "percentPercentile75": round(v + 0.01, 2),
            "percentPercentile99": round(v + 0.1, 2),
            "volumeInBillions": 2000,
            "revisionIndicator": "",
        }
        for d, v in s.items()
    ]
    return json.dumps({"refRates": rows[::-1]})


#: Auctions as FiscalData's auctions_query gives them (strings, "null" when empty); the last is announced.
AUCTIONS = [
    ("2023-11-08", "91282CJJ1", "Note", "10-Year", "No", "2.45", "4.499", "4.430", "26871000000",
     "40000000000"),
    ("2023-12-12", "91282CJJ1", "Note", "9-Year 11-Month", "Yes", "2.58", "4.296", "4.220", "26000000000",
     "37000000000"),
    ("2024-01-10", "91282CJZ5", "Note", "10-Year", "No", "null", "null", "null", "null", "null"),
]
AUCTION_FIELDS = ["auction_date", "cusip", "security_type", "security_term", "reopening",
                  "bid_to_cover_ratio", "high_yield", "avg_med_yield", "indirect_bidder_accepted",
                  "total_accepted"]


def fiscal_page(rows=AUCTIONS, fields=AUCTION_FIELDS, next_link=None) -> str:
    """One auctions_query page: data as strings, meta with dataTypes, links."""
    types = {f: "DATE" if f.endswith("_date") else "STRING" for f in fields}
    types.update({f: "NUMBER" for f in fields[5:]})
    types.update({f: "CURRENCY0" for f in ("indirect_bidder_accepted", "total_accepted") if f in fields})
    return json.dumps(
        {
            "data": [dict(zip(fields, row, strict=True)) for row in rows],
            "meta": {"count": len(rows), "labels": {f: f for f in fields}, "dataTypes": types,
                     "dataFormats": {f: "String" for f in fields}, "total-count": len(rows),
                     "total-pages": 1},
            "links": {"self": "&page%5Bnumber%5D=1&page%5Bsize%5D=10000",
                      "first": "&page%5Bnumber%5D=1&page%5Bsize%5D=10000", "prev": None, "next": next_link,
                      "last": "&page%5Bnumber%5D=1&page%5Bsize%5D=10000"},
        }
    )


class Network:
    """Replaces yfinance.download and requests.get; records every request, can be cut per source."""

    def __init__(self, days: pd.DatetimeIndex = DAYS):
        self.days = days
        self.calls: list[tuple[str, str, str | None]] = []
        self.down: set[str] = set()
        self.adjust: dict[str, float] = {}
        self.fred_ids: set[str] | None = {"DGS10", "DTB3", "T10Y2Y"}  # None: every id exists

    def download(self, ticker, start=None, end=None, **kw):
        self.calls.append(("yahoo", ticker, start))
        if "yahoo" in self.down:
            raise ConnectionError("no network")
        s = recorded(ticker, self.days) * self.adjust.get(ticker, 1.0)
        s = s[s.index >= pd.Timestamp(start)]
        if end is not None:
            s = s[s.index < pd.Timestamp(end)]
        df = pd.DataFrame(
            {("Adj Close", ticker): s, ("Close", ticker): s, ("High", ticker): s + 0.1,
             ("Low", ticker): s - 0.1}
        )
        df.columns = pd.MultiIndex.from_tuples(df.columns, names=["Price", "Ticker"])
        return df

    def get(self, url, params=None, timeout=None):
        assert timeout, "every request has a timeout"
        if url == nyfed.ACM_URL:
            self.calls.append(("nyfed", "ACMTP10", None))
            if "nyfed" in self.down:
                raise requests.ConnectionError("no network")
            return Response(200, content=b"recorded-xls", headers={"Last-Modified": ACM_LAST_MODIFIED})
        if url.startswith(nyfed_rates.API_URL):
            rate = url.split("/")[-2]
            self.calls.append(("nyfed_rates", rate, params["startDate"]))
            if "nyfed_rates" in self.down:
                raise requests.ConnectionError("no network")
            days = self.days[self.days >= pd.Timestamp(params["startDate"])]
            return Response(200, text=nyfed_body(rate, days))
        if url == fiscaldata.API_URL:
            self.calls.append(("fiscaldata", "auctions_query", params["filter"]))
            if "fiscaldata" in self.down:
                raise requests.ConnectionError("no network")
            first = params["filter"].rsplit(":", 1)[1]
            return Response(200, text=fiscal_page([r for r in AUCTIONS if r[0] >= first]))
        if url.startswith(fred.API_URL):
            return self.alfred(url, params)
        sid, cosd = params["id"], params["cosd"]
        self.calls.append(("fred", sid, cosd))
        if "fred" in self.down:
            raise requests.ConnectionError("no network")
        if self.fred_ids is not None and sid not in self.fred_ids:
            return Response(404, text="<html>Series not found</html>")
        s = recorded(sid, self.days)
        s = s[s.index >= pd.Timestamp(cosd)]
        cells = {d: ("" if d == self.days[3] else f"{v:.4f}") for d, v in s.items()}  # a blank = no print
        body = "observation_date," + sid + "\n" + "".join(f"{d.date()},{c}\n" for d, c in cells.items())
        return Response(200, text=body)

    def fred_calls(self):
        return [c for c in self.calls if c[0] == "fred"]


    def alfred(self, url, params):
        """FRED's API: series/observations as of realtime_start (DGS10's first vintage is 2005-01-03)."""
        sid, vintage = params["series_id"], params.get("realtime_start")
        self.calls.append(("alfred", sid, vintage))
        if "fred" in self.down:
            raise requests.ConnectionError("no network")
        if url.endswith("vintagedates"):
            return Response(200, text=json.dumps({"vintage_dates": ["2005-01-03", "2005-01-04"]}))
        if vintage < "2005-01-03":
            msg = "Bad Request.  The series does not exist in ALFRED but may exist in FRED."
            return Response(400, text=json.dumps({"error_code": 400, "error_message": msg}))
        obs = [
            {"realtime_start": vintage, "realtime_end": vintage, "date": d, "value": v}
            for d, v in (("2003-06-27", "4.25"), ("2003-06-30", "."), ("2005-01-03", "4.23"))
        ]
        return Response(200, text=json.dumps({"realtime_start": vintage, "count": 3, "observations": obs}))


class Response:
    def __init__(self, status_code, text="", content=b"", headers=None):
        self.status_code, self.text, self.headers = status_code, text, headers or {}
        self.content = content or text.encode()


def acm_sheet(days: pd.DatetimeIndex = DAYS, title: bool = True) -> pd.DataFrame:
    """The "ACM Daily" sheet's cells as pandas reads them (no header taken): a title row, then the header
    row, then DATE as 02-Jan-2021 text."""
    s = recorded("ACMTP10", days)
    rows = [[d.strftime("%d-%b-%Y"), 1.0, v] for d, v in zip(days, s.to_numpy(), strict=True)]
    top = [["Adrian, Crump and Moench term structure estimates", None, None]] if title else []
    return pd.DataFrame([*top, ["DATE", "ACMY10", "ACMTP10"], *rows])


def set_today(monkeypatch, day) -> None:
    """The download date and the clock: `day` at 23:00 UTC, after NYSE's close, so `day` is settled."""
    day = pd.Timestamp(day)
    monkeypatch.setattr(cache, "today", lambda: day)
    monkeypatch.setattr(sessions, "now", lambda: day.tz_localize("UTC") + pd.Timedelta(hours=23))


@pytest.fixture
def net(monkeypatch):
    n = Network()
    monkeypatch.setattr(yfinance, "download", n.download)
    monkeypatch.setattr(requests, "get", n.get)
    monkeypatch.setattr(nyfed, "read_workbook", lambda content: acm_sheet(n.days))
    monkeypatch.setattr(remote, "sleep", lambda s: None)
    set_today(monkeypatch, TODAY)
    return n


def load(tmp_path, **kw):
    args = dict(
        sources=["yahoo", "fred", "nyfed"],
        cache_dir=str(tmp_path / "cache"),
        start="2021-01-01",
        yahoo={"tickers": YAHOO},
        fred={"series": FRED},
        nyfed={"columns": {"TERM_PREMIUM_10Y": "ACMTP10"}},
    )
    return live.load(**{**args, **kw})


def test_one_frame_from_three_sources_with_the_recorded_values(tmp_path, net):
    frame = load(tmp_path)
    assert sorted(frame.columns) == sorted([*YAHOO, *FRED, "TERM_PREMIUM_10Y"])
    for col, sid in {**YAHOO, **FRED, "TERM_PREMIUM_10Y": "ACMTP10"}.items():
        want = recorded(sid)
        got = frame[col].dropna()
        if sid in FRED.values():  # the CSV has 4 decimals, and the blank cell on day 4 is a missing print
            want = want.round(4).drop(DAYS[3])
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12)
        assert got.index.equals(pd.DatetimeIndex(want.index).as_unit("ns"))
    assert ("fred", "DGS10", "2021-01-01") in net.calls


def test_vintage_recorded_in_market_data_and_lineage(tmp_path, net):
    raw = load(tmp_path)
    market = prepare(raw, source="live", calendar_column="SPY", max_ffill_days=5)
    by_series = {v["series"]: v for v in market.vintages}
    assert by_series["ACMTP10"]["file_date"] == "2023-12-05"  # the workbook's own date
    assert by_series["ACMTP10"]["downloaded"] == "2024-01-02" and by_series["ACMTP10"]["columns"] == [
        "TERM_PREMIUM_10Y"
    ]
    assert by_series["SPY"]["last"] == "2023-12-29" and by_series["DGS10"]["source"] == "fred"
    assert any("revised series: TERM_PREMIUM_10Y" in n for n in market.notes)
    info = dataset_info(market, {"source": "live", "loader": {"sources": ["yahoo"]}})
    assert info["vintages"] == list(market.vintages)
    assert info["last_observed"]["TERM_PREMIUM_10Y"] == "2023-12-29"
    assert "2023-12-05" in info["source"]["vintage"]  # what MLflow's dataset source carries
    # and the vintage lives in the cache file itself
    assert pd.read_parquet(tmp_path / "cache" / "nyfed" / "ACMTP10.parquet").attrs["vintage"][
        "file_date"
    ] == ("2023-12-05")


def test_incremental_refresh_fetches_only_the_new_days(tmp_path, net, monkeypatch):
    load(tmp_path)
    assert load(tmp_path).equals(load(tmp_path))
    n_calls = len(net.calls)
    load(tmp_path)  # checked today: no request at all
    assert len(net.calls) == n_calls
    net.days = pd.bdate_range("2021-01-04", "2024-01-05")
    set_today(monkeypatch, "2024-01-08")
    net.calls.clear()
    frame = load(tmp_path)
    last = str(DAYS[-1].date())
    assert ("fred", "DGS10", last) in net.calls and ("fred", "DTB3", last) in net.calls
    assert ("yahoo", "SPY", last) in net.calls  # from the cache's last date (one day of overlap)
    assert ("nyfed", "ACMTP10", None) in net.calls  # a revised file is fetched whole
    assert frame.index[-1] == pd.Timestamp("2024-01-05")
    np.testing.assert_allclose(frame["SPY"].dropna().to_numpy(), recorded("SPY", net.days).to_numpy())


def test_refresh_true_refetches_everything(tmp_path, net):
    load(tmp_path)
    net.calls.clear()
    load(tmp_path, refresh=True)
    assert ("fred", "DGS10", "2021-01-01") in net.calls and ("yahoo", "SPY", "2021-01-01") in net.calls


def test_a_dividend_after_the_cache_rescales_the_cached_adjusted_history(tmp_path, net, monkeypatch):
    load(tmp_path)
    net.days = pd.bdate_range("2021-01-04", "2024-01-05")
    net.adjust["SPY"] = 0.99  # Yahoo re-adjusted every earlier print by 0.99 (a 1% dividend)
    set_today(monkeypatch, "2024-01-08")
    frame = load(tmp_path)
    want = recorded("SPY", net.days) * 0.99  # the whole history on today's adjustment basis
    np.testing.assert_allclose(frame["SPY"].dropna().to_numpy(), want.to_numpy(), rtol=1e-12)
    assert any("rescaled by 0.990000" in n for n in frame.attrs["notes"])


def test_a_failing_source_names_itself_its_columns_and_the_way_on(tmp_path, net):
    net.down.add("fred")
    with pytest.raises(DataError) as err:
        load(tmp_path)
    msg = str(err.value)
    assert "source `fred` failed with no cache: columns UST10Y, TBILL3M left missing" in msg
    assert "data=bundled" in msg and "drop `fred` from data.loader.sources" in msg
    assert "yahoo" not in err.value.message and "nyfed" not in err.value.message
    # the sources that worked are cached: the next run needs only FRED
    assert (tmp_path / "cache" / "yahoo" / "SPY.parquet").exists()
    assert (tmp_path / "cache" / "nyfed" / "ACMTP10.parquet").exists()
    assert not (tmp_path / "cache" / "fred").exists()


def test_a_stale_cache_is_used_and_flagged(tmp_path, net, monkeypatch):
    load(tmp_path)
    set_today(monkeypatch, "2024-01-08")
    net.down.add("fred")
    raw = load(tmp_path)
    market = prepare(raw, source="live", calendar_column="SPY", max_ffill_days=5)
    stale = [v for v in market.vintages if v.get("stale")]
    assert {v["series"] for v in stale} == {"DGS10", "DTB3"}
    assert any(
        n.startswith("stale: fred DGS10 (UST10Y) refresh failed") and "2023-12-29" in n for n in market.notes
    )


def test_composed_bundled_plus_csv_later_source_wins(tmp_path, bundled):
    path = tmp_path / "sofr_ois.csv"
    days = pd.bdate_range("2024-01-02", periods=5)
    path.write_text(
        "Date,PX_LAST,SOFR\n" + "".join(f"{d:%m/%d/%Y},{i + 0.5},{5 + i / 10}\n" for i, d in enumerate(days))
    )
    raw = live.load(
        sources=["bundled", "csv"],
        cache_dir=str(tmp_path / "cache"),
        csv={
            "files": [
                {
                    "path": str(path),
                    "columns": {"PX_LAST": "SOFR_OIS", "SOFR": "SOFR"},
                    "date_format": "%m/%d/%Y",  # all days <= 12: the loader asks (market.csv_source)
                }
            ]
        },
    )
    assert raw.attrs["lineage"]["csv.read_as"].endswith("date_format=%m/%d/%Y (given), decimal=. (inferred)")
    from market.bundled import load as load_bundled

    b = load_bundled()
    for col in b.columns.drop("SOFR"):
        pd.testing.assert_series_equal(
            raw[col].dropna(), b[col].dropna(), check_names=False, check_freq=False
        )
    assert raw["SOFR"].dropna().tolist() == [5.0, 5.1, 5.2, 5.3, 5.4]  # csv's, not bundled's
    assert raw["SOFR_OIS"].dropna().tolist() == [0.5, 1.5, 2.5, 3.5, 4.5]
    assert any("`SOFR` from csv (it overrides bundled" in n for n in raw.attrs["notes"])
    assert {v["source"] for v in raw.attrs["vintages"]} == {"bundled", "csv"}
    assert not (tmp_path / "cache").exists()  # local sources need no cache


def test_unknown_source_lists_the_known_ones(tmp_path):
    with pytest.raises(ConfigError) as err:
        live.load(sources=["yahoo", "fredd"], cache_dir=str(tmp_path))
    assert "unknown source `fredd`" in err.value.message and "Did you mean `fred`" in err.value.message
    assert all(s in err.value.message for s in live.SOURCES)


def test_unknown_fred_id_is_one_line_naming_it(tmp_path, net):
    with pytest.raises(DataError) as err:
        load(tmp_path, sources=["fred"], fred={"series": {"X": "NOTANID"}})
    assert "FRED has no series `NOTANID`" in err.value.message and "\n" not in err.value.message


def test_as_of_in_the_future_or_not_a_date(tmp_path):
    future = str((pd.Timestamp.now() + pd.Timedelta(days=3)).date())
    for bad, words in ((future, "in the future"), ("notadate", "is not a date")):
        with pytest.raises(ConfigError) as err:
            live.load(sources=["fred"], cache_dir=str(tmp_path), as_of=bad, fred={"series": FRED})
        assert err.value.key == "data.loader.as_of" and words in err.value.message


def test_as_of_fetches_the_alfred_vintage_through_freds_api(tmp_path, net, monkeypatch):
    monkeypatch.setenv("FRED_API_KEY", "k" * 32)
    raw = load(tmp_path, sources=["fred"], fred={"series": {"UST10Y": "DGS10"}}, as_of="2022-06-30")
    assert raw["UST10Y"].dropna().tolist() == [4.25, 4.23]  # "." is a missing print
    assert ("alfred", "DGS10", "2022-06-30") in net.calls
    assert raw.attrs["vintages"][0]["as_of"] == "2022-06-30"
    assert (tmp_path / "cache" / "fred" / "DGS10@2022-06-30.parquet").exists()
    monkeypatch.delenv("FRED_API_KEY")
    with pytest.raises(ConfigError) as err:
        load(tmp_path, sources=["fred"], fred={"series": {"UST2Y": "DGS2"}}, as_of="2022-06-30")
    assert "FRED_API_KEY" in err.value.hint


def test_as_of_before_the_first_vintage_takes_the_first_and_says_so(tmp_path, net, monkeypatch):
    monkeypatch.setenv("FRED_API_KEY", "k" * 32)
    raw = load(tmp_path, sources=["fred"], fred={"series": {"UST10Y": "DGS10"}}, as_of="2003-06-30")
    assert ("alfred", "DGS10", "2003-06-30") in net.calls and ("alfred", "DGS10", "2005-01-03") in net.calls
    vintage = raw.attrs["vintages"][0]
    assert vintage["as_of"] == "2003-06-30" and vintage["as_of_used"] == "2005-01-03"
    assert any(
        "as_of 2003-06-30 is before DGS10's first ALFRED vintage; its first vintage, 2005-01-03, is used" in n
        for n in raw.attrs["notes"]
    )
    assert raw["UST10Y"].dropna().tolist() == [4.25]  # cut at as_of: the vintage's later days are not seen


@pytest.mark.parametrize(
    ("values", "words"),
    [([100.0, -1.0, 101.0], "non-positive value -1.0"), ([100.0, np.inf, 101.0], "is not finite")],
)
def test_a_bad_cache_file_is_refused_naming_it(tmp_path, values, words):
    path = cache.cache_path(tmp_path, "SPY")
    s = pd.Series(values, index=pd.DatetimeIndex(DAYS[:3], name="date"), name="SPY")
    cache.write(path, cache.Cached(s, {"downloaded": "2024-01-02"}))
    with pytest.raises(DataError) as err:
        cache.read(path, positive=True)
    assert err.value.key == str(path) and words in err.value.message


def test_a_cache_file_with_a_text_price_is_refused_naming_it_not_read_as_a_gap(tmp_path):
    path = cache.cache_path(tmp_path, "SPY")
    idx = pd.DatetimeIndex(DAYS[:3], name="date")
    pd.DataFrame({"price": ["7.90", "7.94x", "7.99"]}, index=idx).to_parquet(path)
    with pytest.raises(DataError) as err:
        cache.read(path, positive=True)
    assert err.value.key == str(path) and "the value '7.94x'" in err.value.message
    assert str(DAYS[1].date()) in err.value.message


def test_a_cache_file_with_duplicated_dates_is_refused_naming_it(tmp_path):
    path = cache.cache_path(tmp_path, "SPY")
    idx = pd.DatetimeIndex([DAYS[0], DAYS[1], DAYS[1]], name="date")
    pd.DataFrame({"price": [1.0, 2.0, 2.5]}, index=idx).to_parquet(path)
    with pytest.raises(DataError) as err:
        cache.read(path, positive=True)
    assert err.value.key == str(path) and f"date {DAYS[1].date()} appears twice" in err.value.message


def test_market_build_live_goes_through_the_live_sources(tmp_path, net, monkeypatch):
    from market import build

    net.fred_ids = None
    monkeypatch.setattr(build, "LIVE_CACHE", tmp_path / "cache")
    series, removed, notes = build.load_live(None)
    np.testing.assert_allclose(series["TERM_PREMIUM_10Y"].to_numpy(), recorded("ACMTP10").to_numpy())
    assert series["UST10Y"].index[0] == DAYS[0] and ("fred", "DSWP10", build.START) in net.calls
    assert ("yahoo", "^GSPC", build.START) in net.calls
    assert (tmp_path / "cache" / "nyfed" / "ACMTP10.parquet").exists()  # the same caches as data=live
