"""FRED series (``DGS10``, ``DGS2``, ``DTB3``, ``SOFR`` or any id a user maps to a column), cached.

Client: FRED's public ``fredgraph.csv`` endpoint through `requests`, which needs no API key (the same
download `python -m market.build --live` always used). A point-in-time vintage (`as_of`) comes from ALFRED
through `fredapi`, which needs a free key in the ``FRED_API_KEY`` environment variable (never in config):
``fredapi.Fred.get_series(id, realtime_start=as_of, realtime_end=as_of)`` returns each observation as it
was known on that date. pandas-datareader's FRED reader is not used: it is unmaintained and breaks on
current pandas.

Units as published: yields and rates in percent. FRED marks a missing print with ``.`` or a blank cell.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable

import pandas as pd
import requests

from common.errors import ConfigError, DataError
from market.cache import Fetched, FetchError, http_date

FREDGRAPH_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
TIMEOUT_S = 30
HINT_ID = (
    "check the id on fred.stlouisfed.org (ids are like DGS10, T10Y2Y, DTWEXBGS) in data.loader.fred.series"
)


class UnknownSeries(DataError):
    """FRED has no series by that id."""


def unknown(series_id: str, detail: str) -> UnknownSeries:
    """The one-line error for an id FRED does not know."""
    return UnknownSeries(
        f"FRED has no series `{series_id}` ({detail})", key="data.loader.fred.series", hint=HINT_ID
    )


def parse_fredgraph(text: str, series_id: str) -> pd.Series:
    """A fredgraph.csv body (``observation_date,<ID>`` or ``DATE,<ID>``) as a float series.

    Raises:
        UnknownSeries: The body is not that CSV (FRED answers an unknown id with an error page).
    """
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise unknown(series_id, f"the answer is not a CSV: {exc}") from exc
    if df.shape[1] != 2 or df.columns[0].lower() not in ("observation_date", "date"):
        raise unknown(series_id, f"the answer is not its CSV: {text[:60]!r}")
    dates = pd.to_datetime(df.iloc[:, 0].str.strip(), format="%Y-%m-%d", errors="coerce")
    values = pd.to_numeric(df.iloc[:, 1].str.strip().replace({".": ""}), errors="coerce")
    s = pd.Series(values.to_numpy(dtype="float64"), index=pd.DatetimeIndex(dates), name=series_id)
    return s[s.index.notna()].dropna()


def fetch_fredgraph(series_id: str, start: str) -> Callable[[pd.Timestamp | None], Fetched]:
    """A `market.cache` fetcher for one series from fredgraph.csv (observations from a date on)."""

    def fetch(since: pd.Timestamp | None) -> Fetched:
        first = start if since is None else since.strftime("%Y-%m-%d")
        try:
            resp = requests.get(FREDGRAPH_URL, params={"id": series_id, "cosd": first}, timeout=TIMEOUT_S)
        except requests.RequestException as exc:
            raise FetchError(f"cannot reach FRED: {type(exc).__name__}") from exc
        if resp.status_code in (400, 404):
            raise unknown(series_id, f"HTTP {resp.status_code}")
        if resp.status_code != 200:
            raise FetchError(f"FRED answered HTTP {resp.status_code} for {series_id}")
        return Fetched(parse_fredgraph(resp.text, series_id), http_date(resp.headers.get("Last-Modified")))

    return fetch


def check_as_of(as_of: object) -> str | None:
    """`data.loader.as_of` as ``YYYY-MM-DD`` (None when unset).

    Raises:
        ConfigError: Not a date, or a date after today.
    """
    if as_of is None or as_of == "":
        return None
    try:
        t = pd.Timestamp(str(as_of))
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"as_of {as_of!r} is not a date",
            key="data.loader.as_of",
            hint="use YYYY-MM-DD, e.g. 2024-06-28, or null for the latest data",
        ) from exc
    if t.normalize() > pd.Timestamp.now().normalize():
        raise ConfigError(
            f"as_of {t.date()} is in the future",
            key="data.loader.as_of",
            hint="use a date up to today, or null for the latest data",
        )
    return str(t.date())


def fetch_alfred(series_id: str, start: str, as_of: str) -> Callable[[pd.Timestamp | None], Fetched]:
    """A `market.cache` fetcher for one series as it was known on `as_of` (ALFRED, through fredapi).

    Raises (when called):
        ConfigError: ``FRED_API_KEY`` is not set.
        UnknownSeries / DataError: FRED refuses the id, or the date (before the series' first vintage).
    """

    def fetch(since: pd.Timestamp | None) -> Fetched:
        # lazy: fredapi is needed only for as_of runs
        from urllib.error import URLError

        from fredapi import Fred

        key = os.environ.get("FRED_API_KEY")
        if not key:
            raise ConfigError(
                "as_of needs FRED's API (ALFRED vintages), which needs a key",
                key="data.loader.as_of",
                hint="export FRED_API_KEY=<your free key from fred.stlouisfed.org> (never in config), "
                "or set data.loader.as_of=null for the latest data",
            )
        try:
            s = Fred(api_key=key).get_series(
                series_id, observation_start=start, realtime_start=as_of, realtime_end=as_of
            )
        except ValueError as exc:
            text = str(exc)
            if "not exist" in text.lower():
                raise unknown(series_id, text) from None
            raise DataError(
                f"FRED refused `{series_id}` as of {as_of}: {text}",
                key="data.loader.as_of",
                hint="use a later as_of (on or after the series' first vintage)",
            ) from None
        except (URLError, OSError) as exc:
            raise FetchError(f"cannot reach FRED's API: {type(exc).__name__}") from None
        return Fetched(pd.Series(s, dtype="float64", name=series_id).dropna(), as_of)

    return fetch
