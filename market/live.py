"""`data=live`: one raw frame from several sources, each cached on disk and reused offline.

Sources compose: ``data.loader.sources`` is a list of names, and each source's settings live under
``data.loader.<name>``:

- ``yahoo``: Yahoo Finance through yfinance (`market.yfinance_source`), ``tickers: {column: ticker}``;
- ``fred``: FRED (`market.fred`), ``series: {column: FRED id}``, any id (``T10Y2Y``, ``DTWEXBGS``, ...);
- ``nyfed``: the New York Fed's ACM workbook (`market.nyfed`), ``columns: {column: ACM column}``;
- ``bundled``: the packaged file (`market.bundled`), ``path`` and ``columns`` (a list; null = all);
- ``csv``: a user's files (`market.csv_source`), ``files`` and ``price_columns``.

So ``bundled`` plus a SOFR-OIS csv, or the live sources plus a Bloomberg export, is one config. When two
sources give the same column, the later one in the list wins, and the run's notes say so.

The remote sources (yahoo, fred, nyfed) go through `market.cache.cached_series`: a warm cache is extended
by the days after its last date, ``refresh`` refetches all, a failed refresh falls back on the cache and
is flagged stale. A source that fails with no cache stops the run with one message naming the source,
the columns it leaves missing and how to go on (the sources that worked keep their fresh caches).

The frame's ``attrs`` carry ``vintages`` (one per series: source, id, columns, download date, the file's
own date, ``as_of``, range, stale) and ``notes``; `market.frame.prepare` moves them into `MarketData`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from common.errors import ConfigError, DataError, did_you_mean
from market import bundled as bundled_source
from market import csv_source
from market.cache import Cached, FetchError, cache_path, cached_series
from market.fred import check_as_of, fetch_alfred, fetch_fredgraph
from market.nyfed import fetch_acm
from market.yfinance_source import ticker_series


@dataclass(frozen=True)
class Context:
    """What every source is loaded with: the shared cache folder, the first date, refresh and as_of."""

    cache_dir: Path
    start: str
    refresh: bool
    as_of: str | None


@dataclass
class Part:
    """One source's contribution: its columns, their vintages, notes, and the columns it failed to give."""

    frame: pd.DataFrame
    vintages: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # column -> why


def _mapping(settings: Mapping[str, Any], key: str, source: str) -> dict[str, str]:
    value = settings.get(key) or {}
    if not isinstance(value, Mapping) or not value:
        raise ConfigError(
            f"source `{source}` has no `{key}` mapping (column -> id), got {value!r}",
            key=f"data.loader.{source}.{key}",
            hint=f"map our column names to the source's ids, e.g. data.loader.{source}.{key}="
            + ("{UST10Y: DGS10}" if source == "fred" else "{SPY: SPY}"),
        )
    return {str(k): str(v) for k, v in value.items()}


def _remote(source: str, mapping: Mapping[str, str], fetch_one: Callable[[str, str], Cached]) -> Part:
    """Fetch each (column, id) through the cache; a fetch that fails with no cache marks its column."""
    cols: dict[str, pd.Series] = {}
    part = Part(pd.DataFrame())
    for col, sid in mapping.items():
        try:
            got = fetch_one(col, sid)
        except FetchError as exc:
            part.failed[col] = f"{sid}: {exc}"
            continue
        cols[col] = got.series.rename(col)
        part.vintages.append({**got.vintage, "columns": [col]})
        if got.vintage.get("stale"):
            part.notes.append(f"stale: {source} {sid} ({col}) {got.vintage['note']}")
        elif got.vintage.get("note"):
            part.notes.append(f"{source} {sid} ({col}): {got.vintage['note']}")
    part.frame = pd.concat(cols, axis=1, sort=True) if cols else pd.DataFrame()
    return part


def yahoo(settings: Mapping[str, Any], ctx: Context) -> Part:
    """Yahoo Finance tickers through yfinance (Adj Close; Close for indices)."""
    folder = str(ctx.cache_dir / "yahoo")
    return _remote(
        "yahoo",
        _mapping(settings, "tickers", "yahoo"),
        lambda col, t: ticker_series(t, folder, ctx.start, None, ctx.refresh),
    )


def fred(settings: Mapping[str, Any], ctx: Context) -> Part:
    """FRED series from fredgraph.csv, or as of a date from ALFRED (`market.fred`)."""
    folder = ctx.cache_dir / "fred"

    def one(col: str, sid: str) -> Cached:
        as_of = ctx.as_of
        fetch = fetch_fredgraph(sid, ctx.start) if as_of is None else fetch_alfred(sid, ctx.start, as_of)
        return cached_series(
            source="fred",
            series_id=sid,
            path=cache_path(folder, sid if as_of is None else f"{sid}@{as_of}"),
            fetch=fetch,
            refresh=ctx.refresh,
            positive=False,
            as_of=as_of,
        )

    return _remote("fred", _mapping(settings, "series", "fred"), one)


def nyfed(settings: Mapping[str, Any], ctx: Context) -> Part:
    """Columns of the NY Fed's ACM workbook, fetched whole (a revised series: see `market.nyfed`)."""
    folder = ctx.cache_dir / "nyfed"
    part = _remote(
        "nyfed",
        _mapping(settings, "columns", "nyfed"),
        lambda col, name: cached_series(
            source="nyfed",
            series_id=name,
            path=cache_path(folder, name),
            fetch=fetch_acm(name),
            refresh=ctx.refresh,
            positive=False,
            incremental=False,
        ),
    )
    if not part.frame.empty:
        part.notes.append(
            f"revised series: {', '.join(part.frame.columns)} from the ACM model as re-estimated on its "
            "file's date (see the vintage), not as known at the time"
        )
    return part


def _file_date(path: Path) -> str:
    return str(pd.Timestamp(path.stat().st_mtime, unit="s").date())


def bundled(settings: Mapping[str, Any], ctx: Context) -> Part:
    """The packaged offline file (or another built by ``python -m market.build``), all or some columns."""
    path = settings.get("path")
    frame = bundled_source.load(path)
    wanted = settings.get("columns")
    if wanted:
        missing = [str(c) for c in wanted if str(c) not in frame.columns]
        if missing:
            raise ConfigError(
                f"the bundled file has no column `{missing[0]}`; it has: {', '.join(frame.columns)}."
                + did_you_mean(missing[0], frame.columns),
                key="data.loader.bundled.columns",
                hint="list columns of the bundled file, or null for all",
            )
        frame = frame[[str(c) for c in wanted]]
    file = Path(path) if path else bundled_source.PACKAGED
    vintage = {  # the packaged file's vintage is its build (market/data/NOTICE.md): its range says it
        "source": "bundled",
        "series": file.name,
        "columns": list(frame.columns),
        "downloaded": None,
        "file_date": None,
        "as_of": None,
        "first": str(frame.index[0].date()),
        "last": str(frame.index[-1].date()),
    }
    return Part(frame, [vintage])


def csv(settings: Mapping[str, Any], ctx: Context) -> Part:
    """A user's files (`market.csv_source.load`), each with its file date as the vintage."""
    files = list(settings.get("files") or [])
    frame = csv_source.load(files, settings.get("price_columns"))
    vintages = [
        {
            "source": "csv",
            "series": str(spec["path"]),
            "columns": list(map(str, dict(spec["columns"]).values())),
            "downloaded": None,
            "file_date": _file_date(Path(str(spec["path"]))),
            "as_of": None,
        }
        for spec in files
    ]
    return Part(frame, vintages)


SOURCES: dict[str, Callable[[Mapping[str, Any], Context], Part]] = {
    "yahoo": yahoo,
    "fred": fred,
    "nyfed": nyfed,
    "bundled": bundled,
    "csv": csv,
}
FALLBACK = "data=bundled"


def check_sources(sources: object) -> list[str]:
    """`data.loader.sources` as a list of known names.

    Raises:
        ConfigError: Empty, or naming an unknown source (the known ones listed, with a near miss).
    """
    names = [sources] if isinstance(sources, str) else list(sources or [])
    if not names:
        raise ConfigError(
            "no sources",
            key="data.loader.sources",
            hint=f"list some of: {', '.join(SOURCES)}, e.g. [yahoo, fred, nyfed]",
        )
    for name in names:
        if str(name) not in SOURCES:
            raise ConfigError(
                f"unknown source `{name}`; known sources: {', '.join(SOURCES)}."
                + did_you_mean(str(name), SOURCES),
                key="data.loader.sources",
                hint="name sources from the list, e.g. data.loader.sources=[bundled,csv]",
            )
    if len(set(map(str, names))) < len(names):
        raise ConfigError(
            f"a source is listed twice in {names}",
            key="data.loader.sources",
            hint="list each source once (a source takes several series or files)",
        )
    return [str(n) for n in names]


def failure(failed: Mapping[str, Mapping[str, str]], cache_dir: Path) -> DataError:
    """The one message for sources that failed with no cache: which, the columns left missing, what to do."""
    lines = [
        f"source `{name}` failed with no cache: columns {', '.join(cols)} left missing "
        f"({next(iter(cols.values()))}{f'; {len(cols) - 1} more alike' if len(cols) > 1 else ''})"
        for name, cols in failed.items()
    ]
    drop = ", ".join(f"`{n}`" for n in failed)
    return DataError(
        "no network and no cache: " + "; ".join(lines),
        key="data.loader.sources",
        hint=f"run once with network (the caches in {cache_dir} are then reused offline), drop {drop} from "
        f"data.loader.sources (and the columns it gives from data.sleeves and the signal), or use {FALLBACK} "
        "(offline)",
    )


def _settings(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def load(
    sources: Sequence[str],
    cache_dir: str = ".cache/live",
    start: str = "1990-01-01",
    refresh: bool = False,
    as_of: str | None = None,
    **settings: Any,
) -> pd.DataFrame:
    """Load and combine the listed sources into one raw frame (union of dates, NaN where no print).

    Args:
        sources: Source names, in order (a later source wins a column two of them give).
        cache_dir: Folder of the caches (one sub-folder per source).
        start: First date fetched from the remote sources.
        refresh: Refetch every remote series' whole history.
        as_of: ``YYYY-MM-DD``: FRED series as ALFRED had them on that date, and every series cut there.
        **settings: Each source's settings (``yahoo``, ``fred``, ``nyfed``, ``bundled``, ``csv``);
            those of sources not listed are ignored.

    Returns:
        The raw frame; ``attrs["vintages"]`` and ``attrs["notes"]`` say what each series is,
        ``attrs["lineage"]`` how the csv source read its files.

    Raises:
        ConfigError: An unknown source, a bad setting, a bad or future `as_of`.
        DataError: A source failed with no cache (after all the others were fetched and cached).
    """
    names = check_sources(sources)
    for key in settings:
        if key not in SOURCES:
            raise ConfigError(
                f"unknown setting `{key}`; data.loader takes sources, cache_dir, start, refresh, as_of and "
                f"one block per source ({', '.join(SOURCES)})." + did_you_mean(key, SOURCES),
                key=f"data.loader.{key}",
                hint="check the key's spelling",
            )
    ctx = Context(Path(cache_dir), str(start), bool(refresh), check_as_of(as_of))
    owner: dict[str, str] = {}
    frames: dict[str, pd.Series] = {}
    vintages: list[dict[str, Any]] = []
    notes: list[str] = []
    failed: dict[str, dict[str, str]] = {}
    lineage: dict[str, str] = {}  # how a source read its files (`csv.read_as`)
    for name in names:
        part = SOURCES[name](_settings(settings.get(name)), ctx)
        lineage.update(part.frame.attrs.get("lineage", {}))
        if part.failed:
            failed[name] = part.failed
        for col in part.frame.columns:
            if col in owner:
                notes.append(f"`{col}` from {name} (it overrides {owner[col]}: the later source wins)")
            owner[col] = name
            frames[col] = part.frame[col]
        vintages += part.vintages
        notes += part.notes
    if failed:
        raise failure(failed, ctx.cache_dir)
    frame = pd.concat(frames, axis=1, sort=True).astype("float64")
    frame.index = pd.DatetimeIndex(pd.DatetimeIndex(frame.index).as_unit("ns"), name="date")
    if ctx.as_of is not None:
        frame = frame.loc[: pd.Timestamp(ctx.as_of)]
        notes.append(
            f"as_of {ctx.as_of}: FRED series as ALFRED had them that day; every series cut there "
            "(Yahoo and the ACM file are today's vintages)"
        )
    vintages = [v for v in vintages if any(owner.get(c) == v["source"] for c in v["columns"])]
    frame.attrs["vintages"] = vintages
    frame.attrs["notes"] = notes
    frame.attrs["lineage"] = lineage
    return frame
