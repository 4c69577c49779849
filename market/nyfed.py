"""The New York Fed's ACM term premium workbook (``ACMTP10`` -> ``TERM_PREMIUM_10Y``), cached.

The Adrian-Crump-Moench model is re-estimated every month on the whole history, so the file is one
vintage of a *revised* series: it is fetched whole (never extended day by day) and its own date (the
server's ``Last-Modified``) is recorded with the download date in the run's lineage. A backtest on today's
file uses term premia nobody had at the time.

Reading the workbook (``.xls``) needs the `xlrd` package.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
import requests

from common.errors import DataError
from market.cache import Fetched, FetchError, http_date

ACM_URL = "https://www.newyorkfed.org/medialibrary/media/research/data_indicators/ACMTermPremium.xls"
SHEET = "ACM Daily"
TIMEOUT_S = 60


def read_workbook(content: bytes) -> pd.DataFrame:
    """The daily sheet of the workbook as a frame (pandas' Excel reader; xlrd for ``.xls``)."""
    return pd.read_excel(io.BytesIO(content), sheet_name=SHEET)


def acm_column(sheet: pd.DataFrame, column: str) -> pd.Series:
    """One model column of the daily sheet (``DATE`` as ``02-Jan-1962`` or as Excel dates), dated.

    Raises:
        DataError: The sheet has no such column (the column names are listed).
    """
    if column not in sheet.columns or "DATE" not in sheet.columns:
        raise DataError(
            f"the ACM sheet has no column `{column}`; it has: {', '.join(map(str, sheet.columns))}",
            key="data.loader.nyfed.columns",
            hint="map our column to one of the workbook's, e.g. {TERM_PREMIUM_10Y: ACMTP10}",
        )
    raw = sheet["DATE"]
    dates = (
        pd.to_datetime(raw)
        if pd.api.types.is_datetime64_any_dtype(raw)
        else pd.to_datetime(raw.astype(str).str.strip(), format="%d-%b-%Y", errors="coerce")
    )
    values = pd.to_numeric(sheet[column], errors="coerce").to_numpy(dtype="float64")
    s = pd.Series(values, index=pd.DatetimeIndex(dates), name=column)
    return s[s.index.notna()].dropna()


def fetch_acm(column: str) -> Callable[[pd.Timestamp | None], Fetched]:
    """A `market.cache` fetcher for one column of the workbook (always the whole file)."""

    def fetch(since: pd.Timestamp | None) -> Fetched:
        try:
            resp = requests.get(ACM_URL, timeout=TIMEOUT_S)
        except requests.RequestException as exc:
            raise FetchError(f"cannot reach the New York Fed: {type(exc).__name__}") from exc
        if resp.status_code != 200:
            raise FetchError(f"the New York Fed answered HTTP {resp.status_code} for the ACM workbook")
        try:
            sheet = read_workbook(resp.content)
        except ImportError as exc:
            raise DataError(
                f"reading the ACM workbook needs a package that is missing ({exc})",
                key="data.loader.sources",
                hint="pip install xlrd, or drop nyfed from data.loader.sources",
            ) from exc
        except ValueError as exc:
            raise FetchError(f"the ACM workbook cannot be read ({exc})") from exc
        return Fetched(acm_column(sheet, column), http_date(resp.headers.get("Last-Modified")))

    return fetch
