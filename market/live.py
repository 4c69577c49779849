"""`data=live`: one raw frame from several sources, each cached on disk and reused offline.

Sources compose: ``data.loader.sources`` is a list of names, and each source's settings live under
``data.loader.<name>``:

- ``yahoo``: Yahoo Finance through yfinance (`market.yfinance_source`), ``tickers: {column: ticker}``
  (``TICKER:High``/``Low``/``Open`` for another field of the bar: ``UST10Y_HIGH: ^TNX:High``);
- ``fred``: FRED (`market.fred`), ``series: {column: FRED id}``, any id (``T10Y2Y``, ``DTWEXBGS``, ...);
  ``revised: [ids]`` are refetched whole (their history is re-estimated: NFCI);
- ``nyfed``: the New York Fed's ACM workbook (`market.nyfed`), ``columns: {column: ACM column}``;
- ``nyfed_rates``: the New York Fed's reference rates (`market.nyfed_rates`), ``rates: {column: rate or
  rate:field}`` (``SOFR_P99: sofr:percentPercentile99``);
- ``fiscaldata``: Treasury auction results (`market.fiscaldata`), event data: ``tables: [auctions]``;
  a table beside the frame (`events`), and the daily AUCTION10Y_* columns derived from it as the bundled
  file's are (`market.auctions.daily_from_records`);
- ``bundled``: the packaged file (`market.bundled`), ``path`` and ``columns`` (a list; null = all);
- ``csv``: a user's files (`market.csv_source`), ``files`` and ``price_columns``.

So ``bundled`` plus a SOFR-OIS csv, or the live sources plus a Bloomberg export, is one config. When two
sources give the same column, the later one in the list wins, and the run's notes say so.

The remote sources go through `market.cache.cached_series` (`cached_table` for events): a warm cache is
extended by the days after its last date, ``refresh`` refetches all, and any failed refresh (see
`market.remote` for the causes) falls back on the cache, flagged stale, with a note naming the source,
the series, the cause and what to do. A source that fails with no cache stops the run with one message
naming the source, the needed columns it leaves missing, the cause and how to go on (the sources that
worked keep their fresh caches); a column the run does not read (``needed``) is left out with a note.

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
from market.auctions import DAILY as AUCTION_COLUMNS
from market.auctions import daily_from_records as auction_daily
from market.cache import Cached, FetchError, cache_path, cached_series, cached_table
from market.fiscaldata import KEY as AUCTION_KEY
from market.fiscaldata import TABLE as AUCTION_TABLE
from market.fiscaldata import fetch_auctions
from market.fred import check_as_of, fetch_alfred, fetch_fredgraph
from market.nyfed import fetch_acm
from market.nyfed_rates import fetch_rate
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
    failed: dict[str, FetchError] = field(default_factory=dict)  # column -> why
    events: dict[str, str] = field(default_factory=dict)  # table name -> its cache file


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
            part.failed[col] = exc
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
    revised = {str(x) for x in settings.get("revised") or ()}

    def one(col: str, sid: str) -> Cached:
        as_of = ctx.as_of
        fetch = fetch_fredgraph(sid, ctx.start) if as_of is None else fetch_alfred(sid, ctx.start, as_of)
        got = cached_series(
            source="fred",
            series_id=sid,
            path=cache_path(folder, sid if as_of is None else f"{sid}@{as_of}"),
            fetch=fetch,
            refresh=ctx.refresh,
            positive=False,
            incremental=sid not in revised,
            as_of=as_of,
        )
        used = got.vintage.get("file_date")
        if as_of is not None and used and used != as_of:  # before the first vintage: that one is used
            note = f"as_of {as_of} is before {sid}'s first ALFRED vintage; its first vintage, {used}, is used"
            return Cached(got.series, {**got.vintage, "as_of_used": used, "note": note})
        return got

    part = _remote("fred", _mapping(settings, "series", "fred"), one)
    kept = sorted(revised & {v["series"] for v in part.vintages})
    if kept:
        part.notes.append(
            f"revised series: {', '.join(kept)} refetched whole from FRED (its history is re-estimated; "
            "the download date in the vintage tells two runs apart)"
        )
    return part


def _rates(
    source: str, key: str, settings: Mapping[str, Any], ctx: Context, fetcher: Callable[[str], Any], **kw: Any
) -> Part:
    """A source of rates (not prices) fetched through the cache, one file per id under its own folder."""
    folder = ctx.cache_dir / source
    return _remote(
        source,
        _mapping(settings, key, source),
        lambda col, sid: cached_series(
            source=source,
            series_id=sid,
            path=cache_path(folder, sid),
            fetch=fetcher(sid),
            refresh=ctx.refresh,
            positive=False,
            **kw,
        ),
    )


def nyfed(settings: Mapping[str, Any], ctx: Context) -> Part:
    """Columns of the NY Fed's ACM workbook, fetched whole (a revised series: see `market.nyfed`)."""
    part = _rates("nyfed", "columns", settings, ctx, fetch_acm, incremental=False)
    if not part.frame.empty:
        part.notes.append(
            f"revised series: {', '.join(part.frame.columns)} from the ACM model as re-estimated on its "
            "file's date (see the vintage), not as known at the time"
        )
    return part


def nyfed_rates(settings: Mapping[str, Any], ctx: Context) -> Part:
    """The New York Fed's reference rates (SOFR with percentiles, TGCR, BGCR, EFFR): `market.nyfed_rates`."""
    answers: dict = {}  # one request per rate and start, however many of its fields are columns
    return _rates("nyfed_rates", "rates", settings, ctx, lambda spec: fetch_rate(spec, ctx.start, answers))


def fiscaldata(settings: Mapping[str, Any], ctx: Context) -> Part:
    """Treasury auction results (`market.fiscaldata`): an event table beside the frame, not columns."""
    tables = [str(t) for t in settings.get("tables") or ["auctions"]]
    for name in tables:
        if name != "auctions":
            raise ConfigError(
                f"fiscaldata has no table `{name}`; it has: auctions." + did_you_mean(name, ["auctions"]),
                key="data.loader.fiscaldata.tables",
                hint="data.loader.fiscaldata.tables=[auctions]",
            )
    path = ctx.cache_dir / "fiscaldata" / f"{AUCTION_TABLE}.parquet"
    part = Part(pd.DataFrame())
    try:
        got = cached_table(
            source="fiscaldata",
            table_id=AUCTION_TABLE,
            path=path,
            fetch=fetch_auctions(ctx.start),
            refresh=ctx.refresh,
            date_column="auction_date",
            key=AUCTION_KEY,
        )
    except FetchError as exc:
        part.failed.update(dict.fromkeys(AUCTION_COLUMNS, exc))  # the columns derived from the table
        return part
    part.events["auctions"] = str(path)
    part.vintages.append({**got.vintage, "columns": [], "events": "auctions"})
    if got.vintage.get("stale"):
        part.notes.append(f"stale: fiscaldata {AUCTION_TABLE} (auctions) {got.vintage['note']}")
    return part


def events(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The event tables a `load` gave beside its frame, read from their caches.

    ``auctions``: one row per Treasury auction, with FiscalData's field names (`market.fiscaldata`).
    """
    return {name: pd.read_parquet(path) for name, path in raw.attrs.get("events", {}).items()}


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
    "nyfed_rates": nyfed_rates,
    "fiscaldata": fiscaldata,
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


def split_failed(
    failed: Mapping[str, Mapping[str, FetchError]], needed: Sequence[str] | None
) -> tuple[dict[str, dict[str, FetchError]], dict[str, dict[str, FetchError]]]:
    """The failed columns the run needs (all of them when `needed` is None), and the others."""
    fatal: dict[str, dict[str, FetchError]] = {}
    spared: dict[str, dict[str, FetchError]] = {}
    want = None if needed is None else set(map(str, needed))
    for name, cols in failed.items():
        for col, exc in cols.items():
            (fatal if want is None or col in want else spared).setdefault(name, {})[col] = exc
    return fatal, spared


def missing_notes(spared: Mapping[str, Mapping[str, FetchError]]) -> list[str]:
    """One note per source whose failed columns no part of the run needs: named, with their causes."""
    notes = []
    for name, cols in spared.items():
        causes: dict[str, list[str]] = {}
        for exc in cols.values():
            causes.setdefault(exc.cause, [])
            if str(exc.series) not in causes[exc.cause]:
                causes[exc.cause].append(str(exc.series))
        said = "; ".join(f"{', '.join(ids)}: {cause}" for cause, ids in causes.items())
        notes.append(
            f"missing: {name} failed with no cache, columns {', '.join(cols)} left out ({said}); "
            "nothing this run computes reads them"
        )
    return notes


def failure(failed: Mapping[str, Mapping[str, FetchError]], cache_dir: Path) -> DataError:
    """The one message for sources that failed with no cache.

    It names each source, the columns it leaves missing, each distinct cause with its series, and what
    to do (the causes' own hints first).
    """
    lines = []
    hints: list[str] = []
    for name, cols in failed.items():
        causes: dict[str, list[str]] = {}
        for exc in cols.values():
            ids = causes.setdefault(exc.cause, [])
            if str(exc.series) not in ids:  # one table gives several columns
                ids.append(str(exc.series))
            if exc.hint and exc.hint not in hints:
                hints.append(exc.hint)
        said = "; ".join(f"{', '.join(ids)}: {cause}" for cause, ids in causes.items())
        lines.append(f"source `{name}` failed with no cache: columns {', '.join(cols)} left missing ({said})")
    drop = ", ".join(f"`{n}`" for n in failed)
    return DataError(
        "; ".join(lines),
        key="data.loader.sources",
        hint=f"{'; '.join(hints) + '; ' if hints else ''}once a fetch works its cache in {cache_dir} is "
        f"reused offline; or drop {drop} from data.loader.sources (and the columns it gives from "
        f"data.sleeves and the signal), or use {FALLBACK} (offline)",
    )


def _settings(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _auction_columns(
    frame: pd.DataFrame,
    table: str,
    names: list[str],
    owner: dict[str, str],
    vintages: list[dict[str, Any]],
    notes: list[str],
) -> pd.DataFrame:
    """The frame with the daily AUCTION10Y_* columns from FiscalData's auctions (as the bundled file's).

    The derivation is `market.auctions.daily_from_records`, the bundled build's own.

    The columns are fiscaldata's: a source listed after it that gives one of them wins it (the later
    source wins), one listed before loses it, and the notes say so. The fiscaldata vintage names them.
    """
    daily = auction_daily(pd.read_parquet(table), frame.index, frame.get("UST10Y"), frame.get("DFII10"))
    after = set(names[names.index("fiscaldata") + 1 :])
    taken = []
    for col in daily.columns:
        if owner.get(col) in after:
            notes.append(f"`{col}` from {owner[col]} (it overrides fiscaldata: the later source wins)")
            continue
        if col in owner:
            notes.append(f"`{col}` from fiscaldata (it overrides {owner[col]}: the later source wins)")
        owner[col] = "fiscaldata"
        taken.append(col)
    for v in vintages:
        if v.get("events") == "auctions":
            v["columns"] = taken
    return frame.assign(**{c: daily[c] for c in taken})


def load(
    sources: Sequence[str],
    cache_dir: str = ".cache/live",
    start: str = "1990-01-01",
    refresh: bool = False,
    as_of: str | None = None,
    needed: Sequence[str] | None = None,
    **settings: Any,
) -> pd.DataFrame:
    """Load and combine the listed sources into one raw frame (union of dates, NaN where no print).

    Args:
        sources: Source names, in order (a later source wins a column two of them give).
        cache_dir: Folder of the caches (one sub-folder per source).
        start: First date fetched from the remote sources.
        refresh: Refetch every remote series' whole history.
        as_of: ``YYYY-MM-DD``: FRED series as ALFRED had them on that date, and every series cut there.
        needed: The columns the run reads (its signal's, sleeves', calendar's: `core.data`); a source
            failing with no cache stops the run only for these, the others are left out with a note.
            None: every column is needed.
        **settings: Each source's settings (``yahoo``, ``fred``, ``nyfed``, ``nyfed_rates``, ``fiscaldata``,
            ``bundled``, ``csv``); those of sources not listed are ignored.

    Returns:
        The raw frame; ``attrs["vintages"]`` and ``attrs["notes"]`` say what each series is,
        ``attrs["lineage"]`` how the csv source read its files, ``attrs["events"]`` where the event
        tables are (read them with `events`).

    Raises:
        ConfigError: An unknown source, a bad setting, a bad or future `as_of`.
        DataError: A source failed with no cache for a needed column (after all the others were fetched
            and cached).
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
    tables: dict[str, str] = {}
    for name in names:
        part = SOURCES[name](_settings(settings.get(name)), ctx)
        lineage.update(part.frame.attrs.get("lineage", {}))
        tables.update(part.events)
        if part.failed:
            failed[name] = part.failed
        for col in part.frame.columns:
            if col in owner:
                notes.append(f"`{col}` from {name} (it overrides {owner[col]}: the later source wins)")
            owner[col] = name
            frames[col] = part.frame[col]
        vintages += part.vintages
        notes += part.notes
    fatal, spared = split_failed(failed, needed)
    if fatal:
        raise failure(fatal, ctx.cache_dir)
    notes += missing_notes(spared)
    frame = pd.concat(frames, axis=1, sort=True).astype("float64") if frames else pd.DataFrame()
    frame.index = pd.DatetimeIndex(pd.DatetimeIndex(frame.index).as_unit("ns"), name="date")
    if "auctions" in tables and len(frame.index):
        frame = _auction_columns(frame, tables["auctions"], names, owner, vintages, notes)
    if ctx.as_of is not None:
        frame = frame.loc[: pd.Timestamp(ctx.as_of)]
        notes.append(
            f"as_of {ctx.as_of}: FRED series as ALFRED had them that day; every series cut there "
            "(Yahoo and the ACM file are today's vintages)"
        )
    vintages = [
        v for v in vintages if v.get("events") or any(owner.get(c) == v["source"] for c in v["columns"])
    ]
    frame.attrs["vintages"] = vintages
    frame.attrs["notes"] = notes
    frame.attrs["lineage"] = lineage
    frame.attrs["events"] = tables
    return frame
