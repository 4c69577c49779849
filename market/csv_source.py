"""A user's own CSV files, vendor exports included, mapped to the project's column names.

Handles what Bloomberg, Refinitiv, FRED and spreadsheet exports look like in practice: a byte-order mark,
metadata lines above the header (the header is the first line whose first field is the date column),
``m/d/yy``, ``m/d/yyyy``, ``d/m/yyyy`` or ISO dates (inferred, or fixed with ``date_format``), newest-first
rows, and ``#N/A N/A``, ``.`` or blank cells as missing values. Comma, semicolon and tab separators work.

Example config entry (``conf/data/csv.yaml``)::

    files:
      - path: exports/move.csv
        columns: {PX_LAST: MOVE}          # file column -> our column
        date_column: Date                 # default "Date" (matched case-insensitively)
        date_format: null                 # e.g. "%m/%d/%y"; null = infer
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

from common.errors import ConfigError, DataError

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
HINT_FORMAT = 'fix the file or set its `date_format` (e.g. "%m/%d/%y") in data.loader.files'


@dataclass(frozen=True)
class _Table:
    """The part of a file below the header: column names and rows with their 1-based line numbers."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]


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
                return _Table(header=fields, rows=rows, lines=numbers)
    preview = " | ".join(line.strip() for line in lines[:3])
    raise DataError(
        f"no header line whose first field is `{date_column}` (first lines: {preview!r})",
        key=str(path),
        hint="set `date_column` for this file to the name of its date column",
    )


def _parse_dates(values: list[str], date_format: str | None) -> tuple[pd.DatetimeIndex, int | None]:
    """Parse with `date_format`, or the first format that reads every value.

    Returns the dates and the position of the first unreadable value (None when all were read).
    When both a month-first and a day-first format read every value, the one that gives dates in file
    order (ascending or descending) wins; month-first on a tie.
    """
    formats = (date_format,) if date_format else DATE_FORMATS
    best: tuple[pd.DatetimeIndex, int] | None = None
    complete: list[pd.DatetimeIndex] = []
    for fmt in formats:
        parsed = pd.DatetimeIndex(
            pd.to_datetime(pd.Series(values, dtype=object), format=fmt, errors="coerce")
        )
        bad = np.flatnonzero(parsed.isna())
        if bad.size == 0:
            complete.append(parsed)
            continue
        if best is None or bad[0] > best[1]:
            best = (parsed, int(bad[0]))
    if complete:
        for parsed in complete:
            if parsed.is_monotonic_increasing or parsed.is_monotonic_decreasing:
                return parsed, None
        return complete[0], None
    assert best is not None
    return best


def _to_number(cell: str) -> float | None:
    """A cell as a float, NaN for the missing-value tokens, None when it is not a number."""
    text = cell.strip()
    if text.lower() in NA_TOKENS or text.upper().startswith("#N/A"):
        return float("nan")
    try:
        return float(re.sub(r"(?<=\d),(?=\d{3}\b)", "", text))
    except ValueError:
        return None


def _get(spec: Any, key: str, default: Any = None) -> Any:
    getter = getattr(spec, "get", None)
    return getter(key, default) if callable(getter) else default


def read_file(
    path: str | Path,
    columns: Mapping[str, str],
    *,
    date_column: str = "Date",
    date_format: str | None = None,
) -> pd.DataFrame:
    """Read one export and return its mapped columns on a sorted DatetimeIndex.

    Args:
        path: The file.
        columns: File column -> output column.
        date_column: Name of the date column (case-insensitive); the header is the first line whose first
            field is this name.
        date_format: A ``strftime`` format for the dates; None infers it.

    Returns:
        Float64 columns named by `columns` values, index named ``date``, oldest first.

    Raises:
        DataError: Missing file or column, unparseable dates or values, duplicate dates.
    """
    file = Path(path)
    if not file.is_file():
        raise DataError(
            f"file not found: {file}"
            + (f" (resolved to {file.resolve()})" if not file.is_absolute() else ""),
            key=str(path),
            hint="check the `path` of this entry in data.loader.files (relative paths start at the "
            "directory you run from)",
        )
    table = _read_table(file, date_column)
    missing = [c for c in columns if c not in table.header]
    if missing:
        raise DataError(
            f"column `{missing[0]}` not found; the file has: {', '.join(h for h in table.header if h)}",
            key=str(path),
            hint="map existing columns in `columns` (file column -> our column)",
        )
    if not table.rows:
        raise DataError("no data rows below the header", key=str(path), hint="check the export")
    raw_dates = [r[0] for r in table.rows]
    dates, bad = _parse_dates(raw_dates, date_format)
    if bad is not None:
        raise DataError(
            f"cannot read the date {raw_dates[bad]!r} on line {table.lines[bad]}"
            + (f" with date_format {date_format!r}" if date_format else ""),
            key=str(path),
            hint=HINT_FORMAT,
        )
    dates = dates.as_unit("ns")
    if dates.has_duplicates:
        dup = dates[dates.duplicated()][0]
        where = [table.lines[k] for k in np.flatnonzero(dates == dup)[:2]]
        raise DataError(
            f"date {dup.date()} appears twice (lines {where[0]} and {where[1]})",
            key=str(path),
            hint="remove the duplicate rows from the file",
        )
    data: dict[str, np.ndarray] = {}
    for file_col, out_col in columns.items():
        k = table.header.index(file_col)
        values = np.empty(len(table.rows))
        for n, row in enumerate(table.rows):
            v = _to_number(row[k])
            if v is None:
                raise DataError(
                    f"column `{file_col}` has the non-numeric value {row[k]!r} on line {table.lines[n]}",
                    key=str(path),
                    hint="numbers only; missing values may be blank, `.` or `#N/A`",
                )
            values[n] = v
        data[str(out_col)] = values
    frame = pd.DataFrame(data, index=pd.DatetimeIndex(dates, name="date")).sort_index()
    return frame.astype("float64")


def _check_positive(frame: pd.DataFrame, price_columns: Iterable[str], path: object) -> None:
    for col in price_columns:
        if col not in frame.columns:
            continue
        bad = frame[col][frame[col] <= 0]
        if not bad.empty:
            raise DataError(
                f"price column `{col}` has the non-positive value {bad.iloc[0]} on {bad.index[0].date()}",
                key=str(path),
                hint="prices must be > 0; fix the file, or remove the column from data.loader.price_columns "
                "if it is not a price",
            )


def load(files: list[dict], price_columns: list[str] | None = None) -> pd.DataFrame:
    """Read and merge several files on the union of their dates.

    Args:
        files: One mapping per file: ``path``, ``columns`` (file column -> our column), optional
            ``date_column`` (default ``"Date"``; ``date`` is accepted as an alias key) and ``date_format``.
        price_columns: Output columns that must be strictly positive where present.

    Returns:
        The raw frame: union of all dates, NaN where a file has no row.

    Raises:
        ConfigError: A malformed entry, or two entries mapping the same output column.
        DataError: Any problem with a file's content (see `read_file`).
    """
    if not files:
        raise ConfigError(
            "no files configured",
            key="data.loader.files",
            hint="add entries like {path: my.csv, columns: {PX_LAST: MOVE}}",
        )
    frames: list[pd.DataFrame] = []
    owner: dict[str, str] = {}
    for i, spec in enumerate(files):
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
        mapping = {str(k): str(v) for k, v in cols.items()}
        for out_col in mapping.values():
            if out_col in owner or list(mapping.values()).count(out_col) > 1:
                raise ConfigError(
                    f"column `{out_col}` is mapped by {owner.get(out_col, path)} and again by {path}",
                    key=f"{key}.columns",
                    hint="each output column must come from exactly one file column",
                )
        for out_col in mapping.values():
            owner[out_col] = str(path)
        date_column = _get(spec, "date_column") or _get(spec, "date") or "Date"
        frame = read_file(path, mapping, date_column=str(date_column), date_format=_get(spec, "date_format"))
        _check_positive(frame, price_columns or [], path)
        frames.append(frame)
    merged = pd.concat(frames, axis=1, join="outer", sort=True).astype("float64")
    merged.index = pd.DatetimeIndex(merged.index, name="date")
    return merged
