"""How a run describes its data's vintages and last prints (header, lineage): pure formatting, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd


def vintage_lines(vintages: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line per source: when its series were downloaded, the file's own date, as_of, stale ones.

    >>> vintage_lines([{"source": "nyfed", "series": "ACMTP10", "downloaded": "2026-12-02",
    ...                 "file_date": "2026-11-04", "last": "2026-10-31"}])
    ['nyfed: downloaded 2026-12-02, file dated 2026-11-04, 1 series to 2026-10-31']
    """
    by_source: dict[str, list[Mapping[str, Any]]] = {}
    for v in vintages:
        by_source.setdefault(str(v.get("source")), []).append(v)
    lines = []
    for source, vs in by_source.items():
        if source in ("bundled", "csv"):
            dated = [
                f"file dated {v['file_date']}" if v.get("file_date") else f"to {v.get('last')}" for v in vs
            ]
            files = ", ".join(f"{v['series']} ({d})" for v, d in zip(vs, dated, strict=True))
            lines.append(f"{source}: {files}")
            continue
        parts = [f"downloaded {', '.join(sorted({str(v.get('downloaded')) for v in vs}))}"]
        file_dates = sorted({str(v["file_date"]) for v in vs if v.get("file_date")})
        if file_dates:
            parts.append(f"file dated {', '.join(file_dates)}")
        as_of = sorted({str(v["as_of"]) for v in vs if v.get("as_of")})
        if as_of:
            parts.append(f"as of {', '.join(as_of)} (ALFRED)")
        parts.append(f"{len(vs)} series to {max(str(v.get('last')) for v in vs)}")
        stale = [str(v.get("series")) for v in vs if v.get("stale")]
        if stale:
            parts.append(f"STALE (refresh failed, cache used): {', '.join(stale)}")
        lines.append(f"{source}: {', '.join(parts)}")
    return lines


def last_dates_line(last_observed: Mapping[str, pd.Timestamp]) -> str:
    """Every column's last own print, grouped by date, latest first.

    >>> last_dates_line({"SPY": pd.Timestamp("2026-12-01"), "UST10Y": pd.Timestamp("2026-11-28"),
    ...                  "IEF": pd.Timestamp("2026-12-01")})
    'last prints: 2026-12-01 SPY IEF; 2026-11-28 UST10Y'
    """
    groups: dict[pd.Timestamp, list[str]] = {}
    for col, t in last_observed.items():
        groups.setdefault(pd.Timestamp(t), []).append(str(col))
    return "last prints: " + "; ".join(
        f"{t.date()} {' '.join(cols)}" for t, cols in sorted(groups.items(), reverse=True)
    )
