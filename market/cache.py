"""The on-disk cache of the live sources: one parquet file per series, with its vintage, reused offline.

A cached series is held to the csv loader's checks (`market.csv_source`): dates unique, values finite,
prices strictly positive; a file that breaks one is refused naming the file. Each file carries its
*vintage* in the parquet metadata (``DataFrame.attrs``): when it was downloaded, the file's own date where
the source gives one (the NY Fed workbook's ``Last-Modified``), the ALFRED ``as_of`` date, and its range.

`cached_series` is the one fetch-or-reuse rule every remote source goes through:

- no cache (or ``refresh``): fetch the whole history;
- a cache checked today: reuse it as it is (no request);
- an older cache: fetch only the days from its last date on (incremental), append the new days; for
  dividend-adjusted prices the cached history is rescaled when the overlapping day was re-adjusted;
- a failed fetch with a cache: the cache is used and flagged stale (the run says so); without a cache the
  source is reported as failed by the caller (`market.live`), naming its columns and how to go on.

A source that prints during a session (Yahoo) passes ``settled``, the last session that is over
(`market.sessions.last_settled`): rows after it never enter the cache, a cache is reused as it is until
another session settles, and a cache written before this rule (whose rows dated on its download day
may be intraday prints) is first cut before that day, so the re-adjustment check always compares two
final closes.

A fetch that fails for any reason (no network, a timeout, HTTP 429 or 5xx after retries, an HTML page or
an empty body, a header without rows, a truncated or re-laid file, a series that breaks the checks) is
one `FetchError` naming the source, the series, the cause and what to do.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from common.errors import DataError

HINT_CACHE = "delete the file and run once with network (or set data.loader.refresh=true)"


class FetchError(Exception):
    """A remote source could not deliver a series: which source and series, the real cause, what to do.

    Args:
        cause: What happened, in words (``rate limited (HTTP 429), the service asks to wait 60 s``).
        source: The source's name (``fred``, ``yahoo``, ...), when known.
        series: The source's id of the series.
        hint: What to do about it.
    """

    def __init__(
        self, cause: str, *, source: str | None = None, series: str | None = None, hint: str | None = None
    ) -> None:
        self.cause = cause
        self.source = source
        self.series = series
        self.hint = hint
        super().__init__(cause)

    def __str__(self) -> str:
        where = " ".join(x for x in (self.source, self.series) if x)
        return f"{where}: {self.cause}" if where else self.cause


@dataclass(frozen=True)
class Fetched:
    """What a fetcher returns: the series on its own observation dates and the file's own date."""

    series: pd.Series
    file_date: str | None = None


@dataclass(frozen=True)
class Cached:
    """A series and its vintage, as read from (or written to) the cache.

    Attributes:
        series: Float64 values on a sorted, unique, tz-naive DatetimeIndex named ``date``.
        vintage: ``source``, ``series`` (the source's id), ``downloaded`` (ISO date of the last successful
            fetch), ``file_date``, ``as_of``, ``first``, ``last``, ``stale`` and ``note``.
    """

    series: pd.Series
    vintage: dict[str, Any] = field(default_factory=dict)


def today() -> pd.Timestamp:
    """Today's date (midnight, local clock): the download date a fetch records."""
    return pd.Timestamp.now().normalize()


def http_date(value: str | None) -> str | None:
    """An HTTP ``Last-Modified`` header as ``YYYY-MM-DD`` (None when absent or unreadable).

    >>> http_date("Tue, 04 Nov 2025 14:02:11 GMT")
    '2025-11-04'
    """
    if not value:
        return None
    try:
        return str(parsedate_to_datetime(value).date())
    except (TypeError, ValueError):
        return None


def cache_path(cache_dir: str | os.PathLike[str], name: str) -> Path:
    """Where the cached series `name` lives: ``<cache_dir>/<safe name>.parquet``.

    >>> cache_path("c", "^TNX").name
    '_TNX.parquet'
    """
    safe = re.sub(r"[^A-Za-z0-9._@-]", "_", name)
    return Path(cache_dir) / f"{safe}.parquet"


def check_series(series: pd.Series, *, where: str, positive: bool, hint: str = HINT_CACHE) -> pd.Series:
    """Hold a cached or downloaded series to the csv loader's checks; return it sorted.

    Args:
        series: Values on a DatetimeIndex (NaN prints are dropped first).
        where: The file (or source) named in an error.
        positive: Whether the series is a price (must be > 0).
        hint: How to fix a bad series.

    Raises:
        DataError: Duplicated dates, a non-finite value, or a non-positive price; naming `where`.
    """
    s = pd.to_numeric(series, errors="coerce").astype("float64").dropna().sort_index(kind="stable")
    if s.index.has_duplicates:
        dup = s.index[s.index.duplicated()][0]
        raise DataError(f"date {pd.Timestamp(dup).date()} appears twice", key=where, hint=hint)
    bad = s[~np.isfinite(s.to_numpy())]
    if not bad.empty:
        raise DataError(
            f"the value {bad.iloc[0]} on {bad.index[0].date()} is not finite",
            key=where,
            hint=hint,
        )
    if positive:
        neg = s[s <= 0]
        if not neg.empty:
            raise DataError(
                f"price {series.name or ''} has the non-positive value {neg.iloc[0]} "
                f"on {neg.index[0].date()}",
                key=where,
                hint=hint,
            )
    return s


def _as_series(series: pd.Series, name: str) -> pd.Series:
    idx = pd.DatetimeIndex(series.index)
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    out = pd.Series(series.to_numpy(dtype="float64"), index=idx.normalize().as_unit("ns"), name=name)
    out.index.name = "date"
    return out


def read(path: Path, *, positive: bool) -> Cached:
    """Read one cache file and its vintage; held to `check_series`.

    Raises:
        DataError: The file cannot be read or breaks a check (naming the file).
    """
    try:
        frame = pd.read_parquet(path)
        values = frame[frame.columns[0]]
    except Exception as exc:  # noqa: BLE001 - a damaged cache file is a user-fixable problem
        raise DataError(f"cannot read the cache file ({exc})", key=str(path), hint=HINT_CACHE) from exc
    numbers = pd.to_numeric(values, errors="coerce")
    text = values[numbers.isna() & values.notna()]  # '7.94x' is refused, never read as a gap
    if not text.empty:
        raise DataError(
            f"the value {text.iloc[0]!r} on {text.index[0]} is not a number", key=str(path), hint=HINT_CACHE
        )
    series = check_series(_as_series(numbers, path.stem), where=str(path), positive=positive)
    return Cached(series, dict(frame.attrs.get("vintage") or {}))


def write(path: Path, cached: Cached) -> None:
    """Write a series and its vintage as a one-column parquet file, atomically."""
    write_frame(path, cached.series.to_frame("value"), cached.vintage)


def write_frame(path: Path, frame: pd.DataFrame, vintage: dict[str, Any]) -> None:
    """Write a frame (a series' column, or an event table) and its vintage as parquet, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = frame.copy()
    frame.attrs = {"vintage": {k: v for k, v in vintage.items() if k not in ("stale", "note")}}
    buf = io.BytesIO()
    frame.to_parquet(buf, compression="zstd")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(buf.getvalue())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def append_new(old: pd.Series, new: pd.Series, *, adjusted: bool) -> tuple[pd.Series, str | None]:
    """The cached history followed by the fetched days after its last date.

    For dividend-adjusted prices (`adjusted`), a fetch that starts on the cache's last date re-quotes that
    day on the current adjustment basis: Yahoo's adjustment is one multiplicative factor over all earlier
    prints, so the cached history is rescaled by new/old on that day before the new days are appended.

    Returns:
        The merged series and a note when the history was rescaled.
    """
    last = old.index[-1]
    note = None
    if adjusted and last in new.index and old.iloc[-1] != 0:
        ratio = float(new.loc[last]) / float(old.iloc[-1])
        if abs(ratio - 1.0) > 1e-9:
            old = old * ratio
            note = f"cached history rescaled by {ratio:.6f} (a dividend or split re-adjusted it)"
    fresh = new[new.index > last]
    return pd.concat([old, fresh]).rename(old.name), note


def _settled_cache(cached: Cached, settled: pd.Timestamp) -> Cached:
    """A cache cut to its final rows.

    Rows after its recorded ``settled`` day go, or (a cache written before sessions were tracked) the
    rows from its download day on, where a row may be an intraday print.
    """
    mark = cached.vintage.get("settled")
    if mark is not None:
        keep = cached.series.index <= pd.Timestamp(mark)
    elif cached.vintage.get("downloaded"):
        keep = cached.series.index < pd.Timestamp(cached.vintage["downloaded"])
    else:
        return cached
    if keep.all() or not keep.any():
        return cached
    return replace(cached, series=cached.series[keep])


def _stale(cached: Cached, exc: FetchError) -> Cached:
    last = cached.series.index[-1].date()
    hint = f"; {exc.hint}" if exc.hint else ""
    return replace(
        cached,
        vintage={
            **cached.vintage,
            "stale": True,
            "note": f"refresh failed ({exc.cause}); using the cache to {last}, downloaded "
            f"{cached.vintage.get('downloaded', 'on an unknown date')}{hint}",
        },
    )


def cached_series(
    *,
    source: str,
    series_id: str,
    path: Path,
    fetch: Callable[[pd.Timestamp | None], Fetched],
    refresh: bool,
    positive: bool,
    incremental: bool = True,
    adjusted: bool = False,
    as_of: str | None = None,
    settled: pd.Timestamp | None = None,
) -> Cached:
    """Reuse, extend or fetch one cached series (the rule in the module docstring).

    Args:
        source: The source's name (``yahoo``, ``fred``, ``nyfed``), recorded in the vintage.
        series_id: The source's id of the series, recorded in the vintage.
        path: Its cache file.
        fetch: ``fetch(start)`` returns the prints from `start` on (None: the whole history); raises
            `FetchError` when it cannot.
        refresh: Refetch the whole history even when a cache exists (kept if the fetch fails).
        positive: The series is a price (held to > 0).
        incremental: Whether a warm cache may be extended by the new days only (False: a whole-file
            source such as the NY Fed workbook, or a fixed ALFRED vintage, which is never refetched).
        adjusted: Dividend-adjusted prices (see `append_new`).
        as_of: The ALFRED vintage date, when the series is fetched as of a date.
        settled: For a source that prints during a session, the last session that is over: later rows
            are not cached (see the module docstring). None: every row the source gives is final.

    Returns:
        The series and its vintage (``stale`` and ``note`` set when a failed fetch fell back on the cache).

    Raises:
        FetchError: The fetch failed and there is no cache.
        DataError: The cache file breaks a check (naming the file).
    """
    cached = read(path, positive=positive) if path.exists() else None
    now = str(today().date())
    if cached is not None and settled is not None:
        fresh = cached.vintage.get("settled") == str(settled.date())
        cached = _settled_cache(cached, settled)
    else:
        fresh = cached is not None and (cached.vintage.get("downloaded") == now or as_of is not None)
    if cached is not None and not refresh and fresh:
        return cached
    start = cached.series.index[-1] if cached is not None and incremental and not refresh else None
    try:
        got = fetch(start)
        try:
            new = check_series(_as_series(got.series, series_id), where="", positive=positive)
        except DataError as exc:
            raise FetchError(
                f"the answer breaks a check ({exc.message}): a changed or damaged series",
                hint="try again later; if it persists, drop the series or report the source's change",
            ) from None
        if settled is not None:
            new = new[new.index <= settled]
        if cached is None and new.empty:
            upto = f" up to the last finished session ({settled.date()})" if settled is not None else ""
            raise FetchError(f"no rows{upto}", hint="check the id; a new series has no closed session yet")
    except FetchError as exc:
        exc.source = exc.source or source
        exc.series = exc.series or series_id
        if cached is None:
            raise
        return _stale(cached, exc)
    note = None
    if cached is not None and start is not None:
        series, note = append_new(cached.series, new, adjusted=adjusted)
    else:
        series = new
    vintage = {
        "source": source,
        "series": series_id,
        "downloaded": now,
        "file_date": got.file_date,
        "as_of": as_of,
        "first": str(series.index[0].date()),
        "last": str(series.index[-1].date()),
        **({"settled": str(settled.date())} if settled is not None else {}),
    }
    out = Cached(series.rename(series_id), vintage)
    write(path, out)
    return replace(out, vintage={**vintage, **({"note": note} if note else {})})


@dataclass(frozen=True)
class CachedTable:
    """An event table (one row per event, e.g. a Treasury auction) and its vintage."""

    frame: pd.DataFrame
    vintage: dict[str, Any] = field(default_factory=dict)


def cached_table(
    *,
    source: str,
    table_id: str,
    path: Path,
    fetch: Callable[[pd.Timestamp | None], pd.DataFrame],
    refresh: bool,
    date_column: str,
    key: list[str],
) -> CachedTable:
    """Reuse, extend or fetch one cached event table: the rule of `cached_series`, for rows of events.

    An older cache fetches the events from its last `date_column` on; fetched rows replace cached rows
    with the same `key`. A failed fetch keeps the cache, flagged stale.

    Raises:
        FetchError: The fetch failed and there is no cache.
        DataError: The cache file cannot be read (naming it).
    """
    cached = None
    if path.exists():
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - a damaged cache file is a user-fixable problem
            raise DataError(f"cannot read the cache file ({exc})", key=str(path), hint=HINT_CACHE) from exc
        cached = CachedTable(frame, dict(frame.attrs.get("vintage") or {}))
    now = str(today().date())
    if cached is not None and not refresh and cached.vintage.get("downloaded") == now:
        return cached
    start = None if cached is None or refresh or cached.frame.empty else cached.frame[date_column].max()
    try:
        new = fetch(start)
    except FetchError as exc:
        exc.source, exc.series = exc.source or source, exc.series or table_id
        if cached is None:
            raise
        last = cached.frame[date_column].max()
        hint = f"; {exc.hint}" if exc.hint else ""
        note = f"refresh failed ({exc.cause}); using the cache to {pd.Timestamp(last).date()}, downloaded "
        note += f"{cached.vintage.get('downloaded', 'on an unknown date')}{hint}"
        return replace(cached, vintage={**cached.vintage, "stale": True, "note": note})
    frame = new if start is None else pd.concat([cached.frame, new], ignore_index=True)
    frame = frame.drop_duplicates(key, keep="last").sort_values([date_column, *key], kind="stable")
    frame = frame.reset_index(drop=True)
    vintage = {
        "source": source,
        "series": table_id,
        "downloaded": now,
        "file_date": None,
        "as_of": None,
        "first": str(pd.Timestamp(frame[date_column].min()).date()),
        "last": str(pd.Timestamp(frame[date_column].max()).date()),
    }
    write_frame(path, frame, vintage)
    return CachedTable(frame, vintage)
