"""The recorded bad days: every source, every way a real service fails; no network, no sleeps.

Each case warms a source's cache on a good day (the recorded network of `test_live`), then on the next
day the service answers badly. With a cache: the cache file is unchanged byte for byte, the series is
flagged stale and the run's note names the source, the series and the cause. Without a cache: one
`DataError` (exit 2 through the entry points: `tests/test_live_e2e.py`)
naming the same. A `UserError` is printed without a traceback by every entry point.
"""

from __future__ import annotations

import json
import logging
import pathlib

import pandas as pd
import pytest
import requests
import yfinance

from common.errors import DataError
from market import live, nyfed, remote
from tests.market.test_live import (
    AUCTION_FIELDS,
    AUCTIONS,
    DAYS,
    Response,
    acm_sheet,
    fiscal_page,
    net,  # noqa: F401 - the recorded network, a fixture
    nyfed_body,
    set_today,
)

READ_WORKBOOK = nyfed.read_workbook  # the real reader (the recorded network replaces it)

NEXT_DAY = "2024-01-08"

#: source -> (load settings, the series id in messages, its cache file under the cache folder)
SOURCES = {
    "fred": ({"fred": {"series": {"UST10Y": "DGS10"}}}, "DGS10", "fred/DGS10.parquet"),
    "nyfed": ({"nyfed": {"columns": {"TERM_PREMIUM_10Y": "ACMTP10"}}}, "ACMTP10", "nyfed/ACMTP10.parquet"),
    "nyfed_rates": (
        {"nyfed_rates": {"rates": {"SOFR_P99": "sofr:percentPercentile99"}}},
        "sofr:percentPercentile99",
        "nyfed_rates/sofr_percentPercentile99.parquet",
    ),
    "fiscaldata": (
        {"fiscaldata": {"tables": ["auctions"]}}, "auctions_query", "fiscaldata/auctions_query.parquet"
    ),
    "yahoo": ({"yahoo": {"tickers": {"SPY": "SPY"}}}, "SPY", "yahoo/SPY.parquet"),
}

#: HTTP failures every HTTP source meets alike: mode -> (the answer, what the message must say)
HTTP = {
    "http_503": (lambda: Response(503, text="Unavailable"), "HTTP 503 (a server error, after 3 tries)"),
    "http_403": (lambda: Response(403, text="Forbidden"), "answered HTTP 403"),
    "429_retry_after": (
        lambda: Response(429, text="slow down", headers={"Retry-After": "600"}),
        "rate limited the requests (HTTP 429, asking to wait 600 s, after 1 tries)",
    ),
    "429": (lambda: Response(429, text="slow down"), "rate limited the requests (HTTP 429, after 3 tries)"),
    "timeout": (requests.ReadTimeout("read timed out"), "no answer within"),
    "no_network": (requests.ConnectionError("Name or service not known"), "cannot reach"),
    "html_200": (
        lambda: Response(200, text="<!DOCTYPE html>\n<html><body>Down for maintenance</body></html>"),
        "a web page instead of data (maintenance or a bot check)",
    ),
    "empty_200": (lambda: Response(200, text=""), "HTTP 200 with an empty body"),
}

FRED_HEADER = "observation_date,DGS10\n"
SOFR = nyfed_body("sofr", DAYS[-5:])
NO_P99 = json.dumps({"refRates": [{k: v for k, v in r.items() if k != "percentPercentile99"}
                                  for r in json.loads(SOFR)["refRates"]]})
#: Bodies that are each source's own kind of bad: source -> mode -> (body, what the message must say)
BODIES = {
    "fred": {
        "header_only": (FRED_HEADER, "a header and no rows"),
        "truncated": (FRED_HEADER + "2024-01-03,3.91\n2024-01-0", "'2024-01-0' cannot be read (a truncated"),
        "layout_drift": ("observation_date,DGS10,DGS2\n2024-01-03,3.9,4.3\n", "FRED's CSV has a new layout"),
        "schema_change": ("DATE,VALUE\n01/03/2024,3.9\n", "'01/03/2024' cannot be read"),
    },
    "nyfed_rates": {
        "header_only": ('{"refRates": []}', "sent no SOFR rows"),
        "truncated": (SOFR[:150], "is not its JSON"),
        "layout_drift": (NO_P99, "have no field `percentPercentile99`"),
        "schema_change": ('{"rates": []}', "has no `refRates` list"),
    },
    "fiscaldata": {
        "header_only": (fiscal_page([]), "no auction with results"),
        "truncated": (fiscal_page()[:150], "is not an auctions_query page"),
        "layout_drift": (
            fiscal_page([r[:5] + r[6:] for r in AUCTIONS], AUCTION_FIELDS[:5] + AUCTION_FIELDS[6:]),
            "no field bid_to_cover_ratio (a changed schema)",
        ),
        "schema_change": ('{"records": [], "meta": {}}', "is not an auctions_query page"),
    },
}
#: The ACM workbook's bad days, as the sheet's cells (its bytes are read for real in the xls cases).
GRID = acm_sheet(DAYS[-5:])
SLASHED = GRID.copy()
SLASHED.iloc[2, 0] = "2023/12/22"  # a date format the sheet never used
ACM_GRIDS = {
    "header_only": (GRID.iloc[:2], "a header and no rows (a truncated file)"),
    "layout_drift": (GRID.replace({"ACMTP10": "ACM_TP10"}), "no column `ACMTP10` (its header: DATE, ACMY10"),
    "schema_change": (SLASHED, "'2023/12/22' that cannot be read"),
}


def real_xls() -> bytes:
    """A real BIFF .xls workbook (statsmodels ships one: a declared dependency), not the ACM's."""
    import statsmodels

    path = pathlib.Path(statsmodels.__file__).parent / "tsa/statespace/tests/results/frbny_nowcast/Nowcasting"
    return (path / "data" / "US" / "2016-07-29.xls").read_bytes()


class BadDay:
    """requests.get for a bad day: the same answer (or exception) every time; records the sleeps asked."""

    def __init__(self, answer):
        self.answer, self.calls, self.sleeps = answer, 0, []

    def get(self, url, params=None, timeout=None):
        assert timeout
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer()


class YahooBadDay:
    """yfinance.download on a bad day, logging as yfinance does (its only account of the cause)."""

    def __init__(self, mode):
        self.mode = mode

    def __call__(self, ticker, **kw):
        log = logging.getLogger("yfinance")
        if self.mode == "no_network":
            raise ConnectionError("Failed to perform, curl: (6) Could not resolve host: query2")
        if self.mode in ("rate_limit", "unknown_ticker"):
            log.error("\n1 Failed download:")
            limited = "YFRateLimitError('Too Many Requests. Rate limited. Try after a while.')"
            cause = limited if self.mode == "rate_limit" else "possibly delisted; no timezone found"
            log.error(f"['{ticker}']: {cause}")
            return pd.DataFrame()
        cols = pd.MultiIndex.from_tuples([("Adj Close", ticker), ("Close", ticker)],
                                         names=["Price", "Ticker"])
        if self.mode == "header_only":
            return pd.DataFrame(columns=cols, index=pd.DatetimeIndex([], name="Date"))
        if self.mode == "empty":
            return pd.DataFrame()
        days = pd.DatetimeIndex(["2024-01-03", "2024-01-04"], name="Date")
        if self.mode == "layout_drift":  # no price fields at all
            return pd.DataFrame({("Volume", ticker): [1.0, 2.0]}, index=days)
        return pd.DataFrame([[-1.0, -1.0], [2.0, 2.0]], index=days, columns=cols)  # schema_change


YAHOO = {
    "no_network": "Yahoo could not be reached (ConnectionError: Failed to perform",
    "rate_limit": "Yahoo rate limited the download",
    "unknown_ticker": "Yahoo has no prices for it from",
    "header_only": "Yahoo answered with no rows from",
    "empty": "Yahoo answered with no rows from",
    "layout_drift": "Yahoo answered with no rows from",
    "schema_change": "the answer breaks a check (price SPY has the non-positive value -1.0",
}

CASES = (
    [(s, m) for s in ("fred", "nyfed", "nyfed_rates", "fiscaldata") for m in HTTP]
    + [(s, m) for s, bodies in BODIES.items() for m in bodies]
    + [("nyfed", m) for m in ACM_GRIDS]
    + [("nyfed", "truncated"), ("nyfed", "sheet_renamed")]
    + [("yahoo", m) for m in YAHOO]
)


def install(monkeypatch, source, mode) -> tuple[str, BadDay | None]:
    """Make the next day bad for `source` in `mode`; return what the message must say."""
    set_today(monkeypatch, NEXT_DAY)
    if source == "yahoo":
        monkeypatch.setattr(yfinance, "download", YahooBadDay(mode))
        return YAHOO[mode], None
    if mode in HTTP:
        answer, words = HTTP[mode]
        day = BadDay(answer)
    elif source == "nyfed" and mode in ACM_GRIDS:
        grid, words = ACM_GRIDS[mode]
        day = BadDay(lambda: Response(200, content=b"xls"))
        monkeypatch.setattr(nyfed, "read_workbook", lambda content: grid)
    elif source == "nyfed":  # the real reader on real .xls bytes
        monkeypatch.setattr(nyfed, "read_workbook", READ_WORKBOOK)
        xls = real_xls()
        if mode == "truncated":
            day = BadDay(lambda: Response(200, content=xls[: len(xls) // 2]))
            words = "a truncated or damaged file"
        else:
            day, words = BadDay(lambda: Response(200, content=xls)), "has no sheet 'ACM Daily' (it has: data)"
    else:
        body, words = BODIES[source][mode]
        day = BadDay(lambda: Response(200, text=body))
    monkeypatch.setattr(requests, "get", day.get)
    monkeypatch.setattr(remote, "sleep", day.sleeps.append)
    monkeypatch.setattr(remote, "PACE_S", {})  # pacing has its own test: here the sleeps are the backoff
    return words, day


def run(tmp_path, source):
    settings, _, _ = SOURCES[source]
    return live.load(sources=[source], cache_dir=str(tmp_path / "cache"), start="2021-01-01", **settings)


@pytest.mark.parametrize(("source", "mode"), CASES, ids=[f"{s}-{m}" for s, m in CASES])
def test_a_bad_day_keeps_the_cache_flags_it_stale_and_says_why(tmp_path, net, monkeypatch, source, mode):  # noqa: F811
    _, series, file = SOURCES[source]
    good = run(tmp_path, source)
    cached = (tmp_path / "cache" / file).read_bytes()
    words, day = install(monkeypatch, source, mode)
    raw = run(tmp_path, source)
    assert (tmp_path / "cache" / file).read_bytes() == cached  # the cache is unchanged
    stale = [v for v in raw.attrs["vintages"] if v.get("stale")]
    assert [v["series"] for v in stale] == [series]
    note = next(n for n in raw.attrs["notes"] if n.startswith("stale:"))
    assert note.startswith(f"stale: {source} {series} ") and words in note, note
    assert "using the cache to" in note
    pd.testing.assert_frame_equal(raw, good)  # the run goes on, on the cache
    if mode == "429_retry_after":
        assert day.calls == 1 and day.sleeps == []  # a 10-minute wait is not waited: the cache is used
    elif mode in ("429", "http_503"):
        assert day.calls == 3 and day.sleeps == list(remote.BACKOFF_S)  # retried with backoff
    elif day is not None:
        assert day.calls == 1 and day.sleeps == []


@pytest.mark.parametrize(("source", "mode"), CASES, ids=[f"{s}-{m}" for s, m in CASES])
def test_a_bad_day_without_cache_is_one_message_naming_source_series_and_cause(
    tmp_path, net, monkeypatch, source, mode  # noqa: F811
):
    _, series, file = SOURCES[source]
    words, _ = install(monkeypatch, source, mode)
    with pytest.raises(DataError) as err:
        run(tmp_path, source)
    msg = err.value.message
    assert f"source `{source}` failed with no cache" in msg and f"{series}: " in msg and words in msg, msg
    assert "\n" not in msg and err.value.hint
    assert not (tmp_path / "cache" / file).exists()  # nothing half-written


def test_the_retry_after_within_the_limit_is_waited_then_the_answer_used(tmp_path, net, monkeypatch):  # noqa: F811
    answers = iter([Response(429, headers={"Retry-After": "7"}, text="slow"), None])
    good = requests.get
    sleeps = []

    def get(url, params=None, timeout=None):
        answer = next(answers)
        return answer if answer is not None else good(url, params=params, timeout=timeout)

    monkeypatch.setattr(requests, "get", get)
    monkeypatch.setattr(remote, "sleep", sleeps.append)
    monkeypatch.setattr(remote, "PACE_S", {})
    raw = run(tmp_path, "fred")
    assert sleeps == [7.0] and raw["UST10Y"].notna().sum() > 700


def test_fred_requests_are_paced_under_its_limit(tmp_path, net, monkeypatch):  # noqa: F811
    clock = iter([0.0, 0.1, 0.6])  # the first request's stamp, the second's check and stamp
    sleeps = []
    monkeypatch.setattr(remote, "clock", lambda: next(clock))
    monkeypatch.setattr(remote, "sleep", sleeps.append)
    monkeypatch.setattr(remote, "_last_request", {})
    two = {"series": {"A": "DGS10", "B": "DTB3"}}
    live.load(sources=["fred"], cache_dir=str(tmp_path), start="2021-01-01", fred=two)
    assert sleeps == [pytest.approx(0.5)]  # the second request waited until 0.6 s after the first


ALFRED = {
    **{mode: words for mode, (_, words) in HTTP.items()},
    "xml_400": "with a body that is not JSON: '<?xml",
    "refused": "FRED's API refused it: Bad Request. The value for variable api_key is not registered.",
    "no_observations": "FRED's API answer has no observations (keys: realtime_start, count)",
}
REFUSED = "Bad Request.  The value for variable api_key is not registered."
ALFRED_BODIES = {
    "xml_400": lambda: Response(400, text='<?xml version="1.0"?><error code="400" message="Bad Request."/>'),
    "refused": lambda: Response(400, text=json.dumps(
        {"error_code": 400, "error_message": REFUSED}
    )),
    "no_observations": lambda: Response(200, text='{"realtime_start": "2022-06-30", "count": 0}'),
}


@pytest.mark.parametrize("mode", list(ALFRED))
def test_an_alfred_bad_day_is_one_message_naming_fred_the_series_and_the_cause(tmp_path, monkeypatch, mode):
    monkeypatch.setenv("FRED_API_KEY", "k" * 32)
    answer = ALFRED_BODIES.get(mode) or HTTP[mode][0]
    day = BadDay(answer)
    monkeypatch.setattr(requests, "get", day.get)
    monkeypatch.setattr(remote, "sleep", day.sleeps.append)
    monkeypatch.setattr(remote, "PACE_S", {})
    with pytest.raises(DataError) as err:
        one = {"series": {"UST10Y": "DGS10"}}
        live.load(sources=["fred"], cache_dir=str(tmp_path), as_of="2022-06-30", fred=one)
    msg = err.value.message
    assert "source `fred` failed with no cache" in msg and "DGS10: " in msg and ALFRED[mode] in msg, msg
    assert not (tmp_path / "fred").exists()
