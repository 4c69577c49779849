"""From a raw source frame to the one aligned frame the pipeline uses (`MarketData`).

Every loader (`market.bundled`, `market.yfinance_source`, `market.csv_source`) returns a *raw* frame: each
series on its own observation dates, the index the union of all of them, NaN where a series has no print.
`prepare` turns it into the equity-calendar frame with a bounded forward-fill, and reports what it did.

No look-ahead: the value `prepare` puts on date t is computed from raw data dated t or earlier. It only
forward-fills (never back-fills or interpolates), and the calendar, trimming and staleness only look at
rows, never at later values.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from common.errors import ConfigError, DataError
from market.types import MarketData


def content_digest(frame: pd.DataFrame) -> str:
    """A short, deterministic digest of a frame's content.

    SHA-256 over the column names, the index as int64 nanoseconds and the float64 values (every NaN
    hashed as the same canonical NaN), first 16 hex characters. It does not depend on the file format,
    the pandas version or the datetime unit the index happens to be stored in.

    Args:
        frame: A frame with a DatetimeIndex and numeric columns.

    Returns:
        16 lowercase hex characters.
    """
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, frame.columns)).encode("utf-8"))
    h.update(np.ascontiguousarray(pd.DatetimeIndex(frame.index).as_unit("ns").asi8, dtype="<i8").tobytes())
    values = frame.to_numpy(dtype="float64", na_value=np.nan)
    values = np.where(np.isnan(values), np.nan, values)
    h.update(np.ascontiguousarray(values, dtype="<f8").tobytes())
    return h.hexdigest()[:16]


def _longest_carry(observed: pd.DataFrame, kept: pd.Index, bound: int) -> dict[str, int]:
    """Each column's most calendar rows that carried one and the same print (0 when nothing was carried).

    Args:
        observed: Whether each column has its own print, on the union index.
        kept: The calendar rows that survive (after trimming).
        bound: The forward-fill bound used.
    """
    if bound <= 0:
        return dict.fromkeys(observed.columns, 0)
    own = observed.to_numpy()
    rows = np.arange(len(own))[:, None]
    source = np.maximum.accumulate(np.where(own, rows, -1), axis=0)  # the last print at or before each row
    carried = ~own & (source >= 0) & (rows - source <= bound)  # filled by the bounded forward-fill
    carried &= observed.index.isin(kept)[:, None]
    counts = {}
    for j, col in enumerate(observed.columns):  # rows carrying each print, the most of any one print
        by_print = np.bincount(source[carried[:, j], j], minlength=1)
        counts[col] = int(by_print.max())
    return counts


def _normalise_index(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Tz-naive, midnight, nanosecond DatetimeIndex, sorted and unique; float64 columns."""
    notes: list[str] = []
    frame = raw.copy()
    try:
        index = pd.DatetimeIndex(pd.to_datetime(frame.index))
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"the data's index cannot be read as dates ({exc})",
            key="data",
            hint="a loader must return a frame indexed by date",
        ) from exc
    if index.tz is not None:
        index = index.tz_localize(None)
    index = index.normalize().as_unit("ns")
    frame.index = index
    frame.index.name = "date"
    for col in frame.columns:
        try:
            frame[col] = pd.to_numeric(frame[col]).astype("float64")
        except (ValueError, TypeError) as exc:
            raise DataError(
                f"column `{col}` is not numeric ({exc})",
                key="data",
                hint="every market column must hold numbers (NaN for a missing print)",
            ) from exc
    frame.columns = [str(c) for c in frame.columns]
    frame = frame.sort_index(kind="stable")
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated(keep=False)]
        clash = frame[frame.index.isin(dup)].groupby(level=0).nunique(dropna=False).gt(1).any(axis=1)
        if clash.any():
            first = clash[clash].index[0]
            raise DataError(
                f"two different rows for {first.date()} in the data",
                key="data",
                hint="each date must appear once; remove the duplicate rows from the source",
            )
        n = int(frame.index.duplicated().sum())
        frame = frame[~frame.index.duplicated()]
        notes.append(f"dropped {n} repeated identical rows")
    return frame, notes


def _trim(frame: pd.DataFrame, start: object, end: object) -> pd.DataFrame:
    """Keep [start, end]; ConfigError when the range is inverted or misses the data."""
    first, last = frame.index[0], frame.index[-1]
    t0 = pd.Timestamp(start) if start is not None else None
    t1 = pd.Timestamp(end) if end is not None else None
    if t0 is not None and t1 is not None and t0 > t1:
        raise ConfigError(
            f"start {t0.date()} is after end {t1.date()}",
            key="data.start",
            hint="set data.start before data.end (or null for the whole history)",
        )
    if t0 is not None and t0 > last:
        raise ConfigError(
            f"start {t0.date()} is after the data's last date {last.date()}",
            key="data.start",
            hint=f"use a start on or before {last.date()} (data runs {first.date()} to {last.date()})",
        )
    if t1 is not None and t1 < first:
        raise ConfigError(
            f"end {t1.date()} is before the data's first date {first.date()}",
            key="data.end",
            hint=f"use an end on or after {first.date()} (data runs {first.date()} to {last.date()})",
        )
    out = frame.loc[t0:t1]
    if out.empty:
        raise ConfigError(
            f"no trading day between {t0.date() if t0 else first.date()} and "
            f"{t1.date() if t1 else last.date()}",
            key="data.start",
            hint=f"widen the range (data runs {first.date()} to {last.date()})",
        )
    return out


def last_observed(observed: pd.DataFrame) -> dict[str, pd.Timestamp]:
    """Last date on which each column has its own print (columns with none are left out)."""
    return {str(c): observed.index[observed[c].to_numpy()][-1] for c in observed.columns if observed[c].any()}


def prepare(
    raw: pd.DataFrame,
    *,
    source: str,
    calendar_column: str,
    max_ffill_days: int,
    start: object = None,
    end: object = None,
) -> MarketData:
    """Align a raw frame on the equity calendar with a bounded forward-fill.

    Steps: normalise the index (tz-naive, midnight, sorted, unique) and the columns (float64);
    forward-fill each column by at most `max_ffill_days` rows of the *union* index (so a print on a
    bond-only day carries to the next equity day; in a longer gap the first `max_ffill_days` rows are
    filled and the rest stay NaN); keep the rows where `calendar_column` has its own print (not a
    filled one); trim to [start, end].

    Args:
        raw: Union-calendar frame from a loader (NaN where a series has no print).
        source: Name of the source, recorded in the result.
        calendar_column: Column whose observation dates define the trading calendar.
        max_ffill_days: Largest number of rows a print may be carried forward (0 = never).
        start: First date to keep (inclusive), or None.
        end: Last date to keep (inclusive), or None.

    Returns:
        The aligned `MarketData`, with per-column staleness (the most calendar rows that carried one
        and the same print forward), a content digest and notes.

    Raises:
        ConfigError: Unknown calendar column, negative bound, or a date range that misses the data.
        DataError: An empty frame, an unreadable index, non-numeric columns, conflicting duplicate dates.
    """
    if calendar_column not in raw.columns:
        alone = (
            "; a csv source alone must bring the calendar column and every sleeve's series "
            "(data.sleeves: equity SPY, bonds IEF, cash TBILL3M by default), or be composed with the bundled "
            "data: python run.py data=live 'data.loader.sources=[bundled,csv]' "
            "'data.loader.csv.files=[{path: my.csv, columns: {PX_LAST: MOVE}}]'"
        )
        raise ConfigError(
            f"calendar column `{calendar_column}` is not in the data; "
            f"columns: {', '.join(map(str, raw.columns))}",
            key="data.calendar_column",
            hint="set data.calendar_column to the equity series whose trading days define the calendar"
            + (alone if source == "csv" else ""),
        )
    if isinstance(max_ffill_days, bool) or not isinstance(max_ffill_days, (int, np.integer)):
        raise ConfigError(
            f"max_ffill_days must be a whole number of rows, got {max_ffill_days!r}",
            key="data.max_ffill_days",
            hint="use an integer >= 0, e.g. 5",
        )
    if max_ffill_days < 0:
        raise ConfigError(
            f"max_ffill_days must be >= 0, got {max_ffill_days}",
            key="data.max_ffill_days",
            hint="use 0 (no carry) or a small number of rows, e.g. 5",
        )
    if raw.empty:
        raise DataError("the data source returned no rows", key="data", hint="check the loader settings")

    frame, notes = _normalise_index(raw)
    observed = frame.notna()
    on_calendar = observed[calendar_column]
    if not on_calendar.any():
        raise DataError(
            f"calendar column `{calendar_column}` has no values",
            key="data.calendar_column",
            hint="choose a column with prints, e.g. the equity sleeve's series",
        )
    filled = frame.ffill(limit=int(max_ffill_days)) if max_ffill_days > 0 else frame
    aligned = filled[on_calendar]
    aligned = _trim(aligned, start, end)

    staleness = _longest_carry(observed[list(aligned.columns)], aligned.index, max_ffill_days)
    dropped = int((~on_calendar).sum())
    if dropped:
        notes.append(f"{dropped} rows off the `{calendar_column}` calendar folded in by forward-fill")
    carried = {c: n for c, n in staleness.items() if n > 0}
    if carried:
        worst = max(carried, key=lambda c: carried[c])
        notes.append(
            f"forward-fill bound {max_ffill_days} rows; longest carry {carried[worst]} rows (`{worst}`)"
        )
    aligned = aligned.copy()
    aligned.index.name = "date"
    aligned.attrs = {}
    notes = [*raw.attrs.get("notes", ()), *notes]  # a live loader's notes (`market.live`)
    return MarketData(
        frame=aligned,
        source=source,
        digest=content_digest(aligned),
        staleness=staleness,
        notes=tuple(notes),
        last_observed=last_observed(observed.loc[aligned.index]),
        vintages=tuple(raw.attrs.get("vintages", ())),
        lineage={str(k): str(v) for k, v in raw.attrs.get("lineage", {}).items()},  # how a loader read it
    )


def tbill_price(rate_pct: pd.Series) -> pd.Series:
    """The synthetic cash asset: a T-bill index level accruing the previous day's rate.

    Convention: act/360 simple daily accrual on the rate known at the previous close,
    ``level_t = level_{t-1} * (1 + rate_{t-1} / 100 * days(t-1, t) / 360)``, starting at 1.0 on the first
    date with a rate. A Friday rate therefore earns three days over the weekend.

    Missing rates are not filled here: the rate obeys ``data.max_ffill_days`` like every series, and
    `prepare` has already carried it that far. A date whose own rate or previous rate is missing has a
    NaN level, so a gap longer than the bound leaves the cash sleeve without a price there and the
    backtest window refuses it as it refuses a gap in any sleeve. After a gap the index resumes from its
    last level (the gap itself earns nothing; no window can span it). Dates before the first rate have
    a NaN level; nothing is back-filled.

    DTB3 (and Yahoo ^IRX) is quoted on a discount basis; it is used here as if it were a money-market
    (add-on) yield. The money-market yield of a 91-day bill is ``d / (1 - d * 91 / 360)``: about 6 bp a
    year above the quote when rates are 5%, under 1 bp at 1%. The difference is accepted as an
    approximation.

    Args:
        rate_pct: Annual rate in percent on a sorted DatetimeIndex.

    Returns:
        The index level on the same dates.
    """
    if rate_pct.empty:
        return rate_pct.astype("float64")
    r = pd.to_numeric(rate_pct).astype("float64").to_numpy()
    index = pd.DatetimeIndex(rate_pct.index).as_unit("ns")
    days = np.diff(index.asi8) / pd.Timedelta(days=1).value
    known = ~np.isnan(r)
    # growth into row i needs the rate of row i-1; a row without its own rate has no level, and the
    # first row of each run of known rates starts from the level before the gap (growth 1)
    growth = np.ones(len(r))
    accrues = known[1:] & known[:-1]
    growth[1:][accrues] = 1.0 + r[:-1][accrues] / 100.0 * days[accrues] / 360.0
    level = np.where(known, np.cumprod(np.where(known, growth, 1.0)), np.nan)
    return pd.Series(level, index=rate_pct.index, name=rate_pct.name)
