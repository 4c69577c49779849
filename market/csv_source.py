"""A user's own CSV files, vendor exports included, mapped to the project's column names.

Handles what Bloomberg, Refinitiv, FRED and spreadsheet exports look like in practice: a byte-order mark,
metadata lines above the header (the header is the first line whose first field is the date column),
``m/d/yy``, ``m/d/yyyy``, ``d/m/yyyy`` or ISO dates, newest-first rows, decimal points or decimal commas,
and ``#N/A N/A``, ``.`` or blank cells as missing values. Comma, semicolon and tab separators work.

A file is never read one way when it could be read another without a word:

- **Dates.** Every format that reads all the dates, gives no date after today and keeps the dates in the
  file's own order (oldest or newest first) is a candidate. One distinct reading is used; two (a
  day-first file whose days are all <= 12, a monthly file dated on the 1st) are refused, showing lines
  read both ways, until the file's ``date_format`` says which. A two-digit year is the latest year that
  puts the date on or before today (``62`` is 1962, ``25`` is 2025), so a file reaching back past 1969
  keeps its order.
- **Decimal mark.** Each value is read with a decimal point and with a decimal comma (the other mark is
  then a thousands separator in groups of three). A value one reading rejects decides the file (``613,79``:
  comma; ``4,769.83``: point); a file that decides both ways is refused. When no value decides, ``613,795``
  is refused until the file's ``decimal`` says which; so is ``613.795`` in a ``;`` or tab separated file,
  while a comma-separated file reads it with a decimal point.

How each file was read (its date format and decimal mark, given or inferred) is returned in the frame's
``attrs["lineage"]`` and recorded with the run.

Example config entry (``conf/data/csv.yaml``)::

    files:
      - path: exports/move.csv
        columns: {PX_LAST: MOVE}          # file column -> our column
        date_column: Date                 # default "Date" (matched case-insensitively)
        date_format: null                 # e.g. "%m/%d/%y" or "%d/%m/%Y"; null = infer
        decimal: null                     # "." or ","; null = infer
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from common.errors import ConfigError, DataError, did_you_mean

DELIMITERS = (",", ";", "\t")
NA_TOKENS = frozenset({"", ".", "n/a", "na", "nan", "null", "none", "-", "--"})
DATE_FORMATS = (
    "ISO8601",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d.%m.%Y",
    "%Y%m%d",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d, %Y",
)
DECIMALS = (".", ",")
ENTRY_KEYS = ("path", "columns", "date_column", "date", "date_format", "decimal")
_UTC_OFFSET = re.compile(r"(?<=\d)(?:Z|[+-]\d\d:?\d\d)$")  # after an ISO time: 'Z', '-05:00', '+0100'
HINT_FORMAT = 'fix the file or set its `date_format` (e.g. "%m/%d/%y") in data.loader.files'
HINT_DECIMAL = 'set this file\'s `decimal` in data.loader.files: "." (decimal point) or "," (decimal comma)'


@dataclass(frozen=True)
class _Table:
    """The part of a file below the header: column names, rows with their 1-based line numbers, separator."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    delimiter: str


@dataclass(frozen=True)
class ReadAs:
    """How one file was read, for the run's lineage.

    Attributes:
        date_format: The format the dates were read with.
        decimal: The decimal mark of the values (``"."`` or ``","``).
        date_format_given: Whether `date_format` came from the config (else inferred).
        decimal_given: Whether `decimal` came from the config (else inferred).
    """

    date_format: str
    decimal: str
    date_format_given: bool
    decimal_given: bool

    def describe(self) -> str:
        """One line, e.g. ``date_format=%m/%d/%y (inferred), decimal=. (given)``."""
        how = {True: "given", False: "inferred"}
        return (
            f"date_format={self.date_format} ({how[self.date_format_given]}), "
            f"decimal={self.decimal} ({how[self.decimal_given]})"
        )


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _fields(line: str, delimiter: str) -> list[str]:
    return [f.strip().strip("\ufeff").strip() for f in next(csv.reader([line], delimiter=delimiter), [])]


def _read_table(path: Path, date_column: str) -> _Table:
    """Find the header line and split the rows below it."""
    lines = _decode(path).splitlines()
    want = date_column.strip().lower()
    for i, line in enumerate(lines):
        for delim in DELIMITERS:
            fields = _fields(line, delim)
            if fields and fields[0].lower() == want:
                rows, numbers = [], []
                for j in range(i + 1, len(lines)):
                    cells = _fields(lines[j], delim) if lines[j].strip() else []
                    if not any(cells):
                        continue
                    cells += [""] * (len(fields) - len(cells))
                    rows.append(cells)
                    numbers.append(j + 1)
                return _Table(header=fields, rows=rows, lines=numbers, delimiter=delim)
    preview = " | ".join(line.strip() for line in lines[:3])
    raise DataError(
        f"no header line whose first field is `{date_column}` (first lines: {preview!r})",
        key=str(path),
        hint="set `date_column` for this file to the name of its date column",
    )


# ------------------------------------------------------------------------------------------ dates


def _read_dates(values: list[str], fmt: str, today: pd.Timestamp) -> pd.DatetimeIndex:
    """`values` read with `fmt` (NaT where unreadable); a two-digit year is the latest not after today.

    An ISO timestamp's UTC offset (``2024-01-02T00:00:00-05:00``) is dropped: a daily file's date is the
    local date it names, whatever the offsets (which may change with daylight saving).
    """
    if fmt == "ISO8601":
        values = [_UTC_OFFSET.sub("", v) for v in values]
    parsed = pd.DatetimeIndex(pd.to_datetime(pd.Series(values, dtype=object), format=fmt, errors="coerce"))
    parsed = parsed.as_unit("ns")
    if "%y" in fmt:
        ahead = parsed > today
        if ahead.any():
            parsed = parsed.where(~ahead, parsed - pd.DateOffset(years=100))
    return parsed


def _date_problem(dates: pd.DatetimeIndex, lines: list[int], today: pd.Timestamp) -> str | None:
    """Why a complete reading cannot be the file's: a date repeated, after today, or out of order."""
    if dates.has_duplicates:
        dup = dates[dates.duplicated()][0]
        where = [lines[k] for k in np.flatnonzero(dates == dup)[:2]]
        return f"date {dup.date()} appears twice (lines {where[0]} and {where[1]})"
    if (dates > today).any():
        k = int(np.argmax(dates > today))
        return f"the date {dates[k].date()} on line {lines[k]} is after today ({today.date()})"
    if len(dates) > 1 and not (dates.is_monotonic_increasing or dates.is_monotonic_decreasing):
        step = np.diff(dates.asi8)
        rising = dates[-1] > dates[0]
        k = int(np.argmax(step < 0 if rising else step > 0)) + 1
        return (
            f"the dates are out of order: line {lines[k]} ({dates[k].date()}) follows line {lines[k - 1]} "
            f"({dates[k - 1].date()}) in a file that runs {'oldest' if rising else 'newest'} first"
        )
    return None


def _ambiguous_dates(
    values: list[str],
    lines: list[int],
    readings: list[tuple[str, pd.DatetimeIndex]],
    key: str,
    where: str = "set this file's `date_format` in data.loader.files",
) -> DataError:
    """The error for a file whose dates two formats read differently, both plausibly."""
    (fmt_a, a), (fmt_b, b) = readings[:2]
    differ = np.flatnonzero(a != b)[:2]
    shown = "; ".join(
        f"line {lines[k]} {values[k]!r} is {a[k].date()} as {fmt_a} or {b[k].date()} as {fmt_b}"
        for k in differ
    )
    return DataError(
        f"the dates read two ways, both valid and in order: {shown}",
        key=key,
        hint=f'{where}: "{fmt_a}" ({_order_of(fmt_a)}) or "{fmt_b}" ({_order_of(fmt_b)})',
    )


def _order_of(fmt: str) -> str:
    """``month first`` or ``day first`` (or the format itself when it has no day and month).

    >>> _order_of("%d/%m/%Y")
    'day first'
    """
    day, month = fmt.find("%d"), max(fmt.find("%m"), fmt.find("%b"))
    if day < 0 or month < 0:
        return fmt
    return "day first" if day < month else "month first"


def _parse_dates(
    values: list[str],
    lines: list[int],
    date_format: str | None,
    key: str,
    where: str = "set this file's `date_format` in data.loader.files",
) -> tuple[pd.DatetimeIndex, str]:
    """Read the date column with `date_format`, or the one format that reads it plausibly.

    A reading is plausible when it reads every value, repeats no date, has no date after today and keeps
    the file's order (non-decreasing or non-increasing). Formats that give the same dates count once.

    Args:
        values: The date cells, in file order.
        lines: Their 1-based line numbers.
        date_format: The configured format, or None to infer.
        key: The file, for errors.
        where: Where the user sets the format (the ambiguous-dates hint).

    Returns:
        The dates (nanosecond unit, file order) and the format that read them.

    Raises:
        DataError: A value no format reads; no plausible reading (the first format's problem is shown);
            two different plausible readings.
    """
    today = pd.Timestamp.today().normalize()
    formats = (date_format,) if date_format else DATE_FORMATS
    complete: list[tuple[str, pd.DatetimeIndex]] = []
    best: tuple[int, str] | None = None  # the unreadable value found last: the nearest miss
    for fmt in formats:
        parsed = _read_dates(values, fmt, today)
        bad = np.flatnonzero(parsed.isna())
        if bad.size == 0:
            complete.append((fmt, parsed))
        elif best is None or bad[0] > best[0]:
            best = (int(bad[0]), fmt)
    if not complete:
        assert best is not None
        k = best[0]
        raise DataError(
            f"cannot read the date {values[k]!r} on line {lines[k]}"
            + (f" with date_format {date_format!r}" if date_format else ""),
            key=key,
            hint=HINT_FORMAT,
        )
    plausible: list[tuple[str, pd.DatetimeIndex]] = []
    for fmt, parsed in complete:
        if _date_problem(parsed, lines, today) is None and not any(parsed.equals(p) for _, p in plausible):
            plausible.append((fmt, parsed))
    if len(plausible) > 1 and not date_format:
        raise _ambiguous_dates(values, lines, plausible, key, where)
    if not plausible:
        fmt, parsed = complete[0]
        raise DataError(
            f"{_date_problem(parsed, lines, today)} (dates read as {fmt})",
            key=key,
            hint="sort the file by date (oldest or newest first) and fix the dates; if they are misread, "
            "set this file's `date_format` in data.loader.files (a two-digit year is read as the latest "
            "year not after today: use four-digit years for older dates)",
        )
    fmt, parsed = plausible[0]
    return parsed, fmt


# ------------------------------------------------------------------------------------------ values


def _to_number(cell: str, decimal: str = ".") -> float | None:
    """A cell as a float with the given decimal mark, NaN for the missing-value tokens, None if no number.

    The other mark (``,`` for a decimal point, ``.`` for a decimal comma) is a thousands separator, only
    in groups of three after a first group of 1-3 digits that does not start with 0.

    >>> _to_number("4,769.83"), _to_number("613,79", ","), _to_number("1.234,5", ","), _to_number("61,3")
    (4769.83, 613.79, 1234.5, None)
    """
    text = cell.strip()
    if text.lower() in NA_TOKENS or text.upper().startswith("#N/A"):
        return float("nan")
    thousands = "," if decimal == "." else "."
    if thousands in text:
        t, d = re.escape(thousands), re.escape(decimal)
        if not re.fullmatch(rf"[+-]?[1-9]\d{{0,2}}(?:{t}\d{{3}})+(?:{d}\d*)?", text):
            return None
        text = text.replace(thousands, "")
    text = text.replace(decimal, ".")
    if "_" in text:  # float() would accept 1_000
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _decimal_votes(cells: Iterable[str]) -> dict[str, int]:
    """Where each mark is decided: the position of the first cell only it reads.

    Under ``"?,"`` and ``"?."``: the first cell both marks read differently, holding a comma or a point.

    >>> _decimal_votes(["1", "613,795", "613.795", "613,79"])
    {'?,': 1, '?.': 2, ',': 3}
    """
    votes: dict[str, int] = {}
    for n, cell in enumerate(cells):
        point, comma = _to_number(cell, "."), _to_number(cell, ",")
        if point is not None and comma is not None:
            if point != comma and not (np.isnan(point) and np.isnan(comma)):
                votes.setdefault("?," if "," in cell else "?.", n)
        elif point is not None:
            votes.setdefault(".", n)
        elif comma is not None:
            votes.setdefault(",", n)
    return votes


def _decimal_mark(table: _Table, columns: Iterable[str], key: str) -> str:
    """The file's decimal mark, from every value of the mapped columns and the separator.

    A value only one mark reads decides. Without one: a value like ``613,795`` is refused in any file;
    ``613.795`` is read with a decimal point in a comma-separated file (a file that writes decimal commas
    does not separate its fields with commas) and refused in a ``;`` or tab separated one.

    Raises:
        DataError: Values that only a decimal point reads and values that only a decimal comma reads; or
            an undecided value that reads two ways (as above).
    """
    votes: dict[str, tuple[str, int]] = {}  # vote -> (column, row) of its first value
    for col in columns:
        k = table.header.index(col)
        for vote, n in _decimal_votes(r[k] for r in table.rows).items():
            votes.setdefault(vote, (col, n))

    def shown(col: str, n: int) -> str:
        return f"{table.rows[n][table.header.index(col)]!r} (`{col}`, line {table.lines[n]})"

    decided = [m for m in DECIMALS if m in votes]
    if len(decided) == 2:
        raise DataError(
            f"the values mix decimal marks: {shown(*votes['.'])} needs a decimal point, "
            f"{shown(*votes[','])} a decimal comma",
            key=key,
            hint="export the file with one decimal mark, or " + HINT_DECIMAL,
        )
    if decided:
        return decided[0]
    unsure = votes.get("?,") or (votes.get("?.") if table.delimiter != "," else None)
    if unsure is not None:
        value = table.rows[unsure[1]][table.header.index(unsure[0])]
        raise DataError(
            f"cannot tell the decimal mark: {shown(*unsure)} is {_to_number(value, ',')!r} with a decimal "
            f"comma or {_to_number(value, '.')!r} with a decimal point, and no value decides",
            key=key,
            hint=HINT_DECIMAL,
        )
    return "."


def _column(table: _Table, file_col: str, decimal: str, key: str) -> np.ndarray:
    """One mapped column as finite floats (NaN for missing values), in file order."""
    k = table.header.index(file_col)
    values = np.empty(len(table.rows))
    for n, row in enumerate(table.rows):
        v = _to_number(row[k], decimal)
        if v is None:
            raise DataError(
                f"column `{file_col}` has the non-numeric value {row[k]!r} on line {table.lines[n]} "
                f"(read with decimal mark {decimal!r})",
                key=key,
                hint="numbers only; missing values may be blank, `.` or `#N/A`; " + HINT_DECIMAL,
            )
        if np.isinf(v):
            raise DataError(
                f"column `{file_col}` has the infinite value {row[k]!r} on line {table.lines[n]}",
                key=key,
                hint="a value must be a finite number; leave the cell blank (or #N/A) if it is missing",
            )
        values[n] = v
    return values


# ------------------------------------------------------------------------------------------ files


@dataclass(frozen=True)
class _Read:
    """One file read: its frame (oldest first), the line of each row, and how it was read."""

    frame: pd.DataFrame
    lines: np.ndarray
    read_as: ReadAs


def _get(spec: Any, key: str, default: Any = None) -> Any:
    getter = getattr(spec, "get", None)
    return getter(key, default) if callable(getter) else default


def _check_unique_header(table: _Table, columns: Iterable[str], key: str) -> None:
    """Refuse a mapped column whose name the header holds twice (which one is meant is not known)."""
    for col in columns:
        where = [n + 1 for n, h in enumerate(table.header) if h == col]
        if len(where) > 1:
            raise DataError(
                f"the header has two columns named `{col}` (columns {where[0]} and {where[1]}); "
                "which one is meant is not known",
                key=key,
                hint="rename one of them in the file (and map the one you mean in `columns`)",
            )


def _read(
    path: str | Path,
    columns: Mapping[str, str],
    *,
    date_column: str,
    date_format: str | None,
    decimal: str | None,
) -> _Read:
    file = Path(path)
    key = str(path)
    if not file.is_file():
        raise DataError(
            f"file not found: {file}"
            + (f" (resolved to {file.resolve()})" if not file.is_absolute() else ""),
            key=key,
            hint="check the `path` of this entry in data.loader.files (relative paths start at the "
            "directory you run from)",
        )
    table = _read_table(file, date_column)
    _check_unique_header(table, columns, key)
    missing = [c for c in columns if c not in table.header]
    if missing:
        raise DataError(
            f"column `{missing[0]}` not found; the file has: {', '.join(h for h in table.header if h)}",
            key=key,
            hint="map existing columns in `columns` (file column -> our column)",
        )
    if not table.rows:
        raise DataError("no data rows below the header", key=key, hint="check the export")
    dates, fmt = _parse_dates([r[0] for r in table.rows], table.lines, date_format, key)
    mark = decimal or _decimal_mark(table, columns, key)
    data = {str(out): _column(table, file_col, mark, key) for file_col, out in columns.items()}
    order = np.argsort(dates.asi8, kind="stable")
    frame = pd.DataFrame(data, index=pd.DatetimeIndex(dates, name="date")).iloc[order].astype("float64")
    read_as = ReadAs(fmt, mark, date_format_given=bool(date_format), decimal_given=bool(decimal))
    return _Read(frame=frame, lines=np.asarray(table.lines)[order], read_as=read_as)


def read_file(
    path: str | Path,
    columns: Mapping[str, str],
    *,
    date_column: str = "Date",
    date_format: str | None = None,
    decimal: str | None = None,
) -> pd.DataFrame:
    """Read one export and return its mapped columns on a sorted DatetimeIndex.

    Args:
        path: The file.
        columns: File column -> output column.
        date_column: Name of the date column (case-insensitive); the header is the first line whose first
            field is this name.
        date_format: A ``strftime`` format for the dates; None infers it (and refuses an ambiguous file).
        decimal: The decimal mark, ``"."`` or ``","``; None infers it (and refuses an ambiguous file).

    Returns:
        Float64 columns named by `columns` values, index named ``date``, oldest first; how the file was
        read in ``attrs["lineage"]`` (see `ReadAs`).

    Raises:
        DataError: Missing file or column; unparseable, repeated, future or out-of-order dates; dates or
            decimal marks that read two ways; non-numeric or infinite values.
    """
    read = _read(path, columns, date_column=date_column, date_format=date_format, decimal=decimal)
    read.frame.attrs["lineage"] = {"csv.read_as": f"{path}: {read.read_as.describe()}"}
    return read.frame


API_DATE_HINT = "parse the index yourself, e.g. frame.index = pd.to_datetime(frame.index, format=...), with"


def read_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A user's DataFrame read as a file is: the same date and value reading, the same refusals.

    Dates come from the index: a DatetimeIndex is used as it is (its time zone is dropped by
    `market.frame.prepare`); text dates are read like a file's (``dd/mm/yyyy`` with days <= 12 is refused
    with both readings shown, never read month first). Each column must be named once, by one level;
    text values are read like a file's cells (``n/a``, ``#N/A`` and blanks are missing values).

    Args:
        frame: One column per series, indexed by date.

    Returns:
        Float64 columns on a DatetimeIndex named ``date``, in the frame's order (`prepare` sorts).

    Raises:
        DataError: MultiIndex or repeated column names, an index that is not dates, dates that are
            unreadable or read two ways, non-numeric or infinite values (naming the column and row).
    """
    key = "data"
    if isinstance(frame.columns, pd.MultiIndex):
        raise DataError(
            f"the frame's columns have {frame.columns.nlevels} levels (e.g. {frame.columns[0]!r})",
            key=key,
            hint="give one column per series, named as the config expects (e.g. SPY, IEF, TBILL3M, MOVE, "
            "VIX): frame.columns = frame.columns.get_level_values(0) if the first level holds the names",
        )
    names = [str(c) for c in frame.columns]
    for name in dict.fromkeys(names):
        where = [n + 1 for n, c in enumerate(names) if c == name]
        if len(where) > 1:
            raise DataError(
                f"the frame has two columns named `{name}` (columns {where[0]} and {where[1]}); "
                "which one is meant is not known",
                key=key,
                hint="rename or drop one of them",
            )
    rows = list(range(1, len(frame) + 1))
    index = frame.index
    if isinstance(index, pd.DatetimeIndex):
        dates = index
    elif index.dtype == object or pd.api.types.is_string_dtype(index.dtype):
        dates, _ = _parse_dates([str(v) for v in index], rows, None, "data.index", API_DATE_HINT)
    else:
        raise DataError(
            f"the frame's index is not dates but {type(index).__name__} {index[:3].tolist()!r}...",
            key="data.index",
            hint="index the frame by date, e.g. frame.set_index('Date') or "
            "frame.index = pd.to_datetime(frame.index, format='%Y-%m-%d')",
        )
    out = {}
    for name, (_, column) in zip(names, frame.items(), strict=True):
        if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
            values = column.to_numpy(dtype="float64", na_value=np.nan)
        else:
            values = np.array([np.nan if pd.isna(v) else _to_number(str(v)) for v in column], dtype=object)
            bad = [k for k, v in enumerate(values) if v is None]
            if bad:
                k = bad[0]
                raise DataError(
                    f"column `{name}` has the non-numeric value {column.iloc[k]!r} "
                    f"on row {k + 1} ({index[k]})",
                    key=key,
                    hint="numbers only (with a decimal point); NaN, None, 'n/a' or '' for a missing print",
                )
            values = values.astype("float64")
        if np.isinf(values).any():
            k = int(np.flatnonzero(np.isinf(values))[0])
            raise DataError(
                f"column `{name}` has the infinite value {values[k]} on row {k + 1} ({index[k]})",
                key=key,
                hint="a value must be a finite number; NaN for a missing print",
            )
        out[name] = values
    return pd.DataFrame(out, index=pd.DatetimeIndex(dates, name="date"))


def _check_positive(read: _Read, price_columns: Iterable[str], path: object) -> None:
    for col in price_columns:
        if col not in read.frame.columns:
            continue
        values = read.frame[col].to_numpy()
        bad = np.flatnonzero(values <= 0)
        if bad.size:
            k = int(bad[0])
            raise DataError(
                f"price column `{col}` has the non-positive value {values[k]} on "
                f"{read.frame.index[k].date()} (line {read.lines[k]})",
                key=str(path),
                hint="prices must be > 0; fix the file, or remove the column from data.loader.price_columns "
                "if it is not a price",
            )


def _entry(spec: Any, i: int) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Check one ``data.loader.files`` entry: its path, its column mapping and its reading settings."""
    key = f"data.loader.files[{i}]"
    path = _get(spec, "path")
    cols = _get(spec, "columns")
    if not path:
        raise ConfigError("entry has no `path`", key=key, hint="give each file entry a path")
    if not cols or not hasattr(cols, "items"):
        raise ConfigError(
            f"entry for {path} has no `columns` mapping",
            key=f"{key}.columns",
            hint="map file columns to our names, e.g. {PX_LAST: MOVE}",
        )
    for name in getattr(spec, "keys", lambda: [])():
        if str(name) not in ENTRY_KEYS:
            raise ConfigError(
                f"unknown setting `{name}` for {path}",
                key=f"{key}.{name}",
                hint=f"use one of {', '.join(ENTRY_KEYS)}.{did_you_mean(str(name), ENTRY_KEYS)}",
            )
    decimal = _get(spec, "decimal")
    if decimal is not None and decimal not in DECIMALS:
        raise ConfigError(
            f'decimal must be "." or ",", got {decimal!r}',
            key=f"{key}.decimal",
            hint='use "." (decimal point), "," (decimal comma) or null to infer',
        )
    date_format = _get(spec, "date_format")
    if date_format is not None and (not isinstance(date_format, str) or "%" not in date_format):
        raise ConfigError(
            f"date_format must be a strftime format, got {date_format!r}",
            key=f"{key}.date_format",
            hint='e.g. "%m/%d/%y" (month first) or "%d/%m/%Y" (day first); null to infer',
        )
    settings = {
        "date_column": str(_get(spec, "date_column") or _get(spec, "date") or "Date"),
        "date_format": date_format,
        "decimal": decimal,
    }
    return str(path), {str(k): str(v) for k, v in cols.items()}, settings


def load(files: list[dict], price_columns: list[str] | None = None) -> pd.DataFrame:
    """Read and merge several files on the union of their dates.

    Args:
        files: One mapping per file: ``path``, ``columns`` (file column -> our column), optional
            ``date_column`` (default ``"Date"``; ``date`` is accepted as an alias key), ``date_format``
            and ``decimal`` (see `read_file`).
        price_columns: Output columns that must be strictly positive where present.

    Returns:
        The raw frame: union of all dates, NaN where a file has no row. ``attrs["lineage"]`` holds
        ``csv.read_as``: how each file was read (date format and decimal mark, given or inferred).

    Raises:
        ConfigError: A malformed entry, or two entries mapping the same output column.
        DataError: Any problem with a file's content (see `read_file`), or a price that is not > 0.
    """
    if not files:
        raise ConfigError(
            "no files configured",
            key="data.loader.files",
            hint="add entries like {path: my.csv, columns: {PX_LAST: MOVE}}",
        )
    frames: list[pd.DataFrame] = []
    owner: dict[str, str] = {}
    read_as: list[str] = []
    for i, spec in enumerate(files):
        path, mapping, settings = _entry(spec, i)
        for out_col in mapping.values():
            if out_col in owner or list(mapping.values()).count(out_col) > 1:
                raise ConfigError(
                    f"column `{out_col}` is mapped by {owner.get(out_col, path)} and again by {path}",
                    key=f"data.loader.files[{i}].columns",
                    hint="each output column must come from exactly one file column",
                )
        for out_col in mapping.values():
            owner[out_col] = path
        read = _read(path, mapping, **settings)
        _check_positive(read, price_columns or [], path)
        frames.append(read.frame)
        read_as.append(f"{path}: {read.read_as.describe()}")
    merged = pd.concat(frames, axis=1, join="outer", sort=True).astype("float64")
    merged.index = pd.DatetimeIndex(merged.index, name="date")
    merged.attrs["lineage"] = {"csv.read_as": "; ".join(read_as)}
    return merged
