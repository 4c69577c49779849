"""The New York Fed's ACM term premium workbook (``ACMTP10`` -> ``TERM_PREMIUM_10Y``), cached.

The Adrian-Crump-Moench model is re-estimated every month on the whole history, so the file is one
vintage of a *revised* series: it is fetched whole (never extended day by day) and its own date (the
server's ``Last-Modified``) is recorded with the download date in the run's lineage. A backtest on today's
file uses term premia nobody had at the time.

The workbook (``.xls``, sheets "ACM Daily" and "ACM Monthly") is read by pandas with the calamine engine
(`python-calamine`): pandas deprecates its xlrd engine. The header row is found by its content (the row
holding ``DATE`` and the column asked for), so a title or a note above it does not matter. A truncated
or damaged file, a renamed sheet or a dropped column is a `FetchError` (the cache is then used).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd

from market import remote
from market.cache import Fetched, FetchError, http_date

ACM_URL = "https://www.newyorkfed.org/medialibrary/media/research/data_indicators/ACMTermPremium.xls"
SHEET = "ACM Daily"
TIMEOUT_S = 60


HINT_COLUMN = "map our column to one of the workbook's: data.loader.nyfed.columns={TERM_PREMIUM_10Y: ACMTP10}"


def read_workbook(content: bytes) -> pd.DataFrame:
    """The daily sheet of the workbook as a grid of cells, no header taken (pandas, calamine engine).

    Raises:
        FetchError: The file cannot be read (truncated or damaged), or has no sheet "ACM Daily".
    """
    try:
        sheets = pd.read_excel(io.BytesIO(content), sheet_name=None, header=None, engine="calamine")
    except Exception as exc:  # noqa: BLE001 - calamine's errors have no public base class
        raise FetchError(
            f"the ACM workbook cannot be read, a truncated or damaged file ({type(exc).__name__}: {exc})",
            hint=remote.HINT_LATER,
        ) from None
    if SHEET not in sheets:
        raise FetchError(
            f"the ACM workbook has no sheet {SHEET!r} (it has: {', '.join(map(str, sheets))})",
            hint="the New York Fed changed the file's layout; use the cache or data=bundled meanwhile",
        )
    return sheets[SHEET]


def header_row(grid: pd.DataFrame, column: str) -> int:
    """The index of the first row holding both ``DATE`` and `column` (cells compared stripped, any case).

    Raises:
        FetchError: No row holds both (the columns of the likeliest header row are listed).
    """
    rows = [{str(c).strip().upper() for c in row} for row in grid.itertuples(index=False)]
    for i, cells in enumerate(rows):
        if {"DATE", column.upper()} <= cells:
            return i
    near = [i for i, cells in enumerate(rows) if "DATE" in cells]
    found = ", ".join(str(c) for c in grid.iloc[near[0]].dropna()) if near else "no DATE column"
    raise FetchError(f"the ACM sheet has no column `{column}` (its header: {found})", hint=HINT_COLUMN)


def acm_column(grid: pd.DataFrame, column: str) -> pd.Series:
    """One model column of the daily sheet (``DATE`` as ``02-Jan-1962`` text or as Excel dates), dated.

    Args:
        grid: The sheet's cells (`read_workbook`); the header row is found by content.
        column: The workbook's column, e.g. ``ACMTP10``.

    Raises:
        FetchError: No header row with that column, no rows under it, or rows whose date cannot be read.
    """
    at = header_row(grid, column)
    names = [str(c).strip().upper() for c in grid.iloc[at]]
    body = grid.iloc[at + 1 :]
    raw = body.iloc[:, names.index("DATE")].dropna()
    if raw.empty:
        raise FetchError("the ACM sheet has a header and no rows (a truncated file)", hint=remote.HINT_LATER)
    if pd.api.types.is_datetime64_any_dtype(raw):
        dates = pd.to_datetime(raw)
    else:
        text = raw.astype(str).str.strip()
        dates = pd.to_datetime(text, format="%d-%b-%Y", errors="coerce")
        dates = dates.fillna(pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S", errors="coerce"))
    if dates.isna().any():
        bad = raw[dates.isna()].iloc[0]
        raise FetchError(
            f"the ACM sheet has a date {bad!r} that cannot be read (a changed layout)", hint=remote.HINT_LATER
        )
    values = pd.to_numeric(body.loc[raw.index].iloc[:, names.index(column.upper())], errors="coerce")
    s = pd.Series(values.to_numpy(dtype="float64"), index=pd.DatetimeIndex(dates), name=column)
    return s.dropna()


def fetch_acm(column: str) -> Callable[[pd.Timestamp | None], Fetched]:
    """A `market.cache` fetcher for one column of the workbook (always the whole file)."""

    def fetch(since: pd.Timestamp | None) -> Fetched:
        resp = remote.get(ACM_URL, what="the New York Fed", timeout=TIMEOUT_S)
        grid = read_workbook(resp.content)
        return Fetched(acm_column(grid, column), http_date(resp.headers.get("Last-Modified")))

    return fetch
