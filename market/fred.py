"""FRED series (``DGS10``, ``DTB3``, ``DTWEXBGS``, ``NFCI`` or any id a user maps to a column), cached.

Clients: FRED's public ``fredgraph.csv`` endpoint (no key; the header is ``observation_date,<ID>`` since
late 2024, ``DATE,<ID>`` before) and, for a point-in-time vintage (`as_of`), FRED's documented API
``fred/series/observations`` with ``realtime_start = realtime_end = as_of`` (ALFRED), which needs a free
key in the ``FRED_API_KEY`` environment variable (never in config). Both go through `market.remote`
(timeouts, retries with backoff for 429 and 5xx, pacing under FRED's 120 requests a minute). fredapi is
no longer used: it called ``urlopen`` without a timeout, let a non-XML error body escape as a
``ParseError`` and could not pace or retry. pandas-datareader's FRED reader is not used either: it is
unmaintained and breaks on current pandas.

An `as_of` before a series' first ALFRED vintage (SOFR before 2018; DGS10's vintages start in the
2000s) takes that first vintage and says so in the lineage (``as_of_used`` and the note).

Units as published: yields and rates in percent. FRED marks a missing print with ``.`` or a blank cell.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable

import pandas as pd

from common.errors import ConfigError
from market import remote
from market.cache import Fetched, FetchError, http_date

FREDGRAPH_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
API_URL = "https://api.stlouisfed.org/fred"
TIMEOUT_S = 30
HINT_ID = (
    "check the id on fred.stlouisfed.org (ids are like DGS10, T10Y2Y, DTWEXBGS) in data.loader.fred.series"
)
HINT_LAYOUT = "FRED changed its CSV: try again later, or report it with the first line quoted here"


def unknown(series_id: str, detail: str) -> FetchError:
    """The one-line failure for an id FRED does not know."""
    return FetchError(
        f"FRED has no series `{series_id}` ({detail})", source="fred", series=series_id, hint=HINT_ID
    )


def parse_fredgraph(text: str, series_id: str) -> pd.Series:
    """A fredgraph.csv body (``observation_date,<ID>`` or ``DATE,<ID>``) as a float series.

    Raises:
        FetchError: The body is not that CSV (its first line quoted), has a header and no rows, or has rows
            whose date cannot be read (a truncated or changed file).
    """
    first = text.lstrip().split("\n", 1)[0][:80]
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise FetchError(
            f"FRED's answer is not a CSV ({exc}); it starts {first!r}", hint=HINT_LAYOUT
        ) from None
    if df.shape[1] != 2 or df.columns[0].strip().lower() not in ("observation_date", "date"):
        raise FetchError(
            f"FRED's CSV has a new layout: its header is {first!r}, not 'observation_date,{series_id}'",
            hint=HINT_LAYOUT,
        )
    if df.empty:
        raise FetchError("FRED's CSV has a header and no rows", hint="check the start date; try again later")
    dates = pd.to_datetime(df.iloc[:, 0].str.strip(), format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        bad = df.iloc[:, 0][dates.isna()].iloc[0]
        raise FetchError(
            f"FRED's CSV has a row whose date {bad!r} cannot be read (a truncated or changed file)",
            hint=remote.HINT_LATER,
        )
    values = pd.to_numeric(df.iloc[:, 1].str.strip().replace({".": ""}), errors="coerce")
    index = pd.DatetimeIndex(dates, name="date")
    s = pd.Series(values.to_numpy(dtype="float64"), index=index, name=series_id)
    return s.dropna()


def fetch_fredgraph(series_id: str, start: str) -> Callable[[pd.Timestamp | None], Fetched]:
    """A `market.cache` fetcher for one series from fredgraph.csv (observations from a date on)."""

    def fetch(since: pd.Timestamp | None) -> Fetched:
        first = start if since is None else since.strftime("%Y-%m-%d")
        resp = remote.get(
            FREDGRAPH_URL,
            what="FRED",
            params={"id": series_id, "cosd": first},
            timeout=TIMEOUT_S,
            passthrough=(400, 404),
        )
        if resp.status_code in (400, 404):
            raise unknown(series_id, f"HTTP {resp.status_code}")
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


def api_key() -> str:
    """FRED's API key from the environment.

    Raises:
        ConfigError: ``FRED_API_KEY`` is not set.
    """
    key = os.environ.get("FRED_API_KEY")
    if not key:
        raise ConfigError(
            "as_of needs FRED's API (ALFRED vintages), which needs a key",
            key="data.loader.as_of",
            hint="export FRED_API_KEY=<your free key from fred.stlouisfed.org> (never in config), "
            "or set data.loader.as_of=null for the latest data",
        )
    return key


def _api(path: str, params: dict[str, str]) -> dict:
    """One call to FRED's API (JSON); its error message (``error_message``) becomes the cause."""
    resp = remote.get(
        f"{API_URL}/{path}",
        what="FRED's API",
        params={**params, "api_key": api_key(), "file_type": "json"},
        timeout=TIMEOUT_S,
        passthrough=(400, 404),
    )
    try:
        body = json.loads(resp.text)
    except ValueError:
        raise FetchError(
            f"FRED's API answered HTTP {resp.status_code} with a body that is not JSON: {resp.text[:60]!r}",
            hint=remote.HINT_LATER,
        ) from None
    if resp.status_code != 200 or "error_message" in body:
        raise FetchError(
            f"FRED's API refused it: {' '.join(str(body.get('error_message', '')).split())}",
            hint="check the id and FRED_API_KEY",
        )
    return body


def first_vintage(series_id: str) -> str | None:
    """The series' first ALFRED vintage date (``YYYY-MM-DD``), None when it has none."""
    body = _api("series/vintagedates", {"series_id": series_id, "limit": "1", "sort_order": "asc"})
    dates = body.get("vintage_dates") or []
    return str(dates[0]) if dates else None


def parse_observations(body: dict, series_id: str) -> pd.Series:
    """The ``observations`` of an API answer as a float series (``.`` is a missing print).

    Raises:
        FetchError: The answer has no ``observations`` list (a changed schema), or a date cannot be read.
    """
    obs = body.get("observations")
    if not isinstance(obs, list):
        raise FetchError(
            f"FRED's API answer has no observations (keys: {', '.join(map(str, body))})", hint=HINT_LAYOUT
        )
    frame = pd.DataFrame(obs, columns=["date", "value"]) if obs else pd.DataFrame(columns=["date", "value"])
    dates = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        raise FetchError("FRED's API answer has an unreadable date (a changed schema)", hint=HINT_LAYOUT)
    values = pd.to_numeric(frame["value"].replace({".": None}), errors="coerce")
    return pd.Series(values.to_numpy(dtype="float64"), index=pd.DatetimeIndex(dates), name=series_id).dropna()


def fetch_alfred(series_id: str, start: str, as_of: str) -> Callable[[pd.Timestamp | None], Fetched]:
    """A `market.cache` fetcher for one series as it was known on `as_of` (ALFRED, FRED's API).

    When `as_of` is before the series' first vintage, the first vintage is taken: the returned
    ``Fetched.file_date`` is the vintage used, and `market.live` notes it.

    Raises (when called):
        ConfigError: ``FRED_API_KEY`` is not set.
        FetchError: FRED refuses the id or the date, or does not answer.
    """

    def observations(vintage: str) -> pd.Series:
        body = _api(
            "series/observations",
            {
                "series_id": series_id,
                "observation_start": start,
                "realtime_start": vintage,
                "realtime_end": vintage,
            },
        )
        return parse_observations(body, series_id)

    def fetch(since: pd.Timestamp | None) -> Fetched:
        try:
            return Fetched(observations(as_of), as_of)
        except FetchError as exc:
            if "does not exist in alfred" not in exc.cause.lower():
                raise
        first = first_vintage(series_id)
        if first is None or first <= as_of:
            raise unknown(series_id, "ALFRED holds no vintage of it")
        return Fetched(observations(first), first)

    return fetch
