"""Treasury auction results from FiscalData's ``auctions_query`` (JSON, no key): one row per auction.

``https://api.fiscaldata.treasury.gov/services/api/fiscal_service/v1/accounting/od/auctions_query`` with
``filter=auction_date:gte:YYYY-MM-DD``, ``sort=auction_date`` and ``page[size]``/``page[number]`` answers a
page ``{"data": [...], "meta": {"count", "labels", "dataTypes", "dataFormats", "total-count",
"total-pages"}, "links": {"self", "first", "prev", "next", "last"}}``. Every value in ``data`` is a string
(``"null"`` when empty): they are typed here by the page's own ``meta.dataTypes`` (``DATE``, ``STRING``,
and the numeric ``NUMBER``, ``CURRENCY0``, ``PERCENTAGE``...), keeping FiscalData's field names
(``auction_date``, ``security_type``, ``security_term``, ``bid_to_cover_ratio``, ``high_yield``,
``avg_med_yield``, ``indirect_bidder_accepted``, ``total_accepted``, ``reopening``, ``cusip``, ...).
`market.auctions` derives the signal's measures from these columns.

An auction enters the cache only with its results (``total_accepted`` published): the announced
auctions at the end of the table have empty results, which would otherwise be cached as events without
outcomes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from market import remote
from market.cache import FetchError

API_URL = "https://api.fiscaldata.treasury.gov/services/api/fiscal_service/v1/accounting/od/auctions_query"
TABLE = "auctions_query"
PAGE_SIZE = 10000  # the API's largest page
TIMEOUT_S = 60
#: The fields the signal reads: a page without one of them is a changed schema.
REQUIRED = (
    "auction_date",
    "security_type",
    "security_term",
    "cusip",
    "reopening",
    "bid_to_cover_ratio",
    "high_yield",
    "avg_med_yield",
    "indirect_bidder_accepted",
    "total_accepted",
)
#: One auction: a CUSIP is auctioned once a day (its reopenings are other days).
KEY = ["auction_date", "cusip"]
HINT_LAYOUT = "FiscalData changed auctions_query's answer; use the cache (or data=bundled) and report it"
TEXT_TYPES = {"STRING", "DATE"}


def parse_page(text: str) -> tuple[pd.DataFrame, str | None]:
    """One page of ``auctions_query`` as typed columns, and its ``links.next`` (None on the last page).

    Raises:
        FetchError: Not JSON, no ``data`` list, or a required field missing (a changed schema).
    """
    try:
        body = json.loads(text)
        rows, meta, links = body["data"], body.get("meta") or {}, body.get("links") or {}
    except (ValueError, KeyError, TypeError):
        cause = f"FiscalData's answer is not an auctions_query page: {text[:60]!r}"
        raise FetchError(cause, hint=HINT_LAYOUT) from None
    if not isinstance(rows, list):
        raise FetchError("FiscalData's answer has no `data` list", hint=HINT_LAYOUT)
    frame = pd.DataFrame.from_records(rows)
    if rows:
        missing = [f for f in REQUIRED if f not in frame.columns]
        if missing:
            cause = f"FiscalData's auctions_query has no field {', '.join(missing)} (a changed schema)"
            raise FetchError(cause, hint=HINT_LAYOUT)
    return typed(frame, meta.get("dataTypes") or {}), links.get("next")


def typed(frame: pd.DataFrame, types: dict[str, Any]) -> pd.DataFrame:
    """FiscalData's strings as typed columns.

    ``*_date`` fields become dates, the numeric types of ``meta.dataTypes`` float64 (the measures of
    `REQUIRED` too when a page has no types), the rest strings; ``"null"`` and empty strings are missing.
    """
    out = {}
    for col in frame.columns:
        raw = frame[col].astype("string").str.strip().replace({"null": pd.NA, "": pd.NA})
        kind = str(types.get(col, "")).upper()
        if kind == "DATE" or col.endswith("_date"):
            out[col] = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")
        elif (kind not in TEXT_TYPES) if kind else (col in REQUIRED[5:]):  # no dataTypes: the measures
            out[col] = pd.to_numeric(raw, errors="coerce").astype("float64")
        else:
            out[col] = raw
    return pd.DataFrame(out, index=frame.index)


def with_results(frame: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    """The auctions held up to `today` whose results are published (``total_accepted`` present)."""
    if frame.empty:
        return frame
    done = frame["total_accepted"].notna() & (frame["auction_date"] <= today)
    return frame[done].reset_index(drop=True)


def fetch_auctions(start: str) -> Callable[[pd.Timestamp | None], pd.DataFrame]:
    """A `market.cache.cached_table` fetcher: every auction from a date on, all pages.

    Raises (when called):
        FetchError: The service fails (see `market.remote`), a page is not the API's JSON, or no auction
            with results is in the answer.
    """

    def fetch(since: pd.Timestamp | None) -> pd.DataFrame:
        first = start if since is None else since.strftime("%Y-%m-%d")
        pages = []
        number = 1
        while True:
            resp = remote.get(
                API_URL,
                what="FiscalData",
                params={
                    "filter": f"auction_date:gte:{first}",
                    "sort": "auction_date",
                    "page[size]": str(PAGE_SIZE),
                    "page[number]": str(number),
                },
                timeout=TIMEOUT_S,
            )
            page, following = parse_page(resp.text)
            pages.append(page)
            if not following or page.empty:
                break
            number += 1
        frame = pd.concat(pages, ignore_index=True) if pages else pd.DataFrame()
        done = with_results(frame, pd.Timestamp.now().normalize())
        if done.empty:
            raise FetchError(f"FiscalData has no auction with results from {first}", hint=remote.HINT_LATER)
        return done

    return fetch
