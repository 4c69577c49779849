"""Compile the bundled offline dataset, `market/data/bundled.parquet`, and its `NOTICE.md`.

    python -m market.build                 # from ../shared/data/bundle-sources (the default)
    python -m market.build --sources DIR   # from another copy of the source files
    python -m market.build --live          # the same file from the live loaders (network)

Each series is stored on its own observation dates: the index is the sorted union of all series' dates
from 1990-01-02 on, NaN where a series has no print. Nothing is forward-filled here; the bounded
forward-fill happens at load time (`market.frame.prepare`). The only cleaning is the MOVE stale-print
rule (`move_stale_mask`).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from common.errors import UserError
from market import live
from market.frame import content_digest
from market.nyfed import ACM_URL

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = REPO_ROOT / ".." / "shared" / "data" / "bundle-sources"
DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "bundled.parquet"
START = "1990-01-02"

COLUMNS = (
    "MOVE",
    "VIX",
    "UST10Y",
    "UST2Y",
    "TBILL3M",
    "TERM_PREMIUM_10Y",
    "SWAP10Y",
    "SOFR",
    "SPX",
    "SPY",
    "IEF",
    "TLT",
    "AGG",
    "GLD",
    "QQQ",
)
ETFS = ("SPY", "IEF", "TLT", "AGG", "GLD", "QQQ")
TBILL_SPLICE = "2000-01-01"

LIVE_CACHE = REPO_ROOT / ".cache" / "live"  # the caches of `data=live`, shared with `--live`

PROJECT_DECISION = (
    "The project's decision: the bundled dataset is a compact sample of what its own live loaders return, "
    "for demonstration, tests and CI, each series' source and terms named in its notice, and the README "
    "pointing researchers to `data=yfinance` (or their own vendor files via `data=csv`) for live data."
)

# How the MOVE rule was checked. Prose and counts only: the vendor reference itself stays off the repo.
MOVE_RULE_CHECK = (
    "Checked once, locally, against a licensed vendor reference history of MOVE that is not distributed "
    "with the project. On the 5,606 dates both histories share they agree to the archive's quoting "
    "precision except on 18 dates. The rule flags 85 prints in the archive: 8 of them are among those 18 "
    "dates (every one of the 18 where the archive repeats its previous print, including the largest "
    "difference, a stale print during the March 2023 bank stress); 76 are dates where the reference also "
    "repeats its previous print at the archive's quoting precision, and 1 is a bond-market holiday "
    "missing from the reference. No flagged run is longer than 2 prints, so within the default forward-"
    "fill bound removing a repeat changes no loaded value: it only stops a stale print from counting as a"
    " fresh observation. The other 10 differing dates are not repeats; a one-day-reversal rule was tried "
    "and rejected, because the largest one-day reversals in the archive are genuine MOVE moves that the "
    "reference confirms."
)


# --------------------------------------------------------------------------------------------- readers


def _to_series(dates: pd.Series, values: pd.Series, name: str, date_format: str | None = None) -> pd.Series:
    """Dated float series with FRED's "." and blanks as NaN, missing prints dropped, sorted."""
    idx = pd.DatetimeIndex(pd.to_datetime(dates.astype(str).str.strip(), format=date_format)).as_unit("ns")
    vals = pd.to_numeric(values.astype(str).str.strip().replace({".": "", "nan": ""}), errors="coerce")
    s = pd.Series(vals.to_numpy(dtype="float64"), index=idx, name=name).dropna().sort_index()
    if s.index.has_duplicates:
        raise ValueError(f"{name}: duplicate dates, e.g. {s.index[s.index.duplicated()][0].date()}")
    s.index.name = "date"
    return s


def read_date_value_csv(path: Path, name: str) -> pd.Series:
    """A two-column CSV with a header: ``date,value`` or FRED's ``observation_date,SERIES``."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if df.shape[1] != 2:
        raise ValueError(f"{path.name}: expected 2 columns, found {list(df.columns)}")
    return _to_series(df.iloc[:, 0], df.iloc[:, 1], name, date_format="%Y-%m-%d")


def read_fred_txt(path: Path, name: str) -> pd.Series:
    """FRED's text format: a metadata block, then ``DATE  VALUE`` whitespace columns ("." = missing)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["DATE", "VALUE"])
    rows = [line.split() for line in lines[start + 1 :] if line.strip()]
    df = pd.DataFrame(rows, columns=["date", "value"])
    return _to_series(df["date"], df["value"], name, date_format="%Y-%m-%d")


def read_yahoo_adjclose(path: Path, name: str) -> pd.Series:
    """A yfinance CSV dump (4 header lines); the second column, labelled "Price", is Adj Close."""
    df = pd.read_csv(
        path,
        skiprows=4,
        header=None,
        names=["Date", "AdjClose", "Close", "High", "Low", "Open", "Volume"],
        dtype=str,
        keep_default_na=False,
    )
    return _to_series(df["Date"], df["AdjClose"], name, date_format="%Y-%m-%d %H:%M:%S")


# ----------------------------------------------------------------------------------------- MOVE rule


def move_stale_mask(move: pd.Series) -> pd.Series:
    """Flag MOVE prints that are stale: identical to the previous print.

    MOVE is recomputed from Treasury option prices every day the bond market trades; a print equal to
    the previous one is a carried quote (a data-vendor glitch, or a bond-market holiday on which the
    feed repeated the last close), not a new observation. The rule looks only at t and t-1 of the
    series itself, so the cleaned series has no look-ahead. Within a run of identical prints the first
    is kept and the repeats are flagged.

    Args:
        move: MOVE prints on their own observation dates (no NaN).

    Returns:
        Boolean mask, True where the print should be treated as missing.
    """
    prints = move.dropna()
    stale = prints.eq(prints.shift(1))
    return stale.reindex(move.index, fill_value=False)


def clean_move(move: pd.Series) -> tuple[pd.Series, int]:
    """Set the stale MOVE prints to NaN (the rows stay); return the series and how many were removed."""
    mask = move_stale_mask(move)
    return move.mask(mask), int(mask.sum())


# ------------------------------------------------------------------------------------------ assembly


def splice(before: pd.Series, after: pd.Series, at: str, name: str) -> pd.Series:
    """`before` strictly before `at`, `after` from `at` on."""
    t = pd.Timestamp(at)
    out = pd.concat([before[before.index < t], after[after.index >= t]]).rename(name)
    out.index.name = "date"
    return out


def assemble(series: dict[str, pd.Series], start: str = START) -> pd.DataFrame:
    """Union of the observation dates from `start` on, one float64 column per series, in `COLUMNS` order."""
    t0 = pd.Timestamp(start)
    missing = [c for c in COLUMNS if c not in series]
    if missing:
        raise ValueError(f"missing series: {missing}")
    trimmed = {c: series[c][series[c].index >= t0] for c in COLUMNS}
    index = pd.DatetimeIndex(sorted(set().union(*(s.index for s in trimmed.values())))).as_unit("ns")
    frame = pd.DataFrame({c: trimmed[c].reindex(index) for c in COLUMNS}, index=index).astype("float64")
    frame.index.name = "date"
    return frame


@dataclass(frozen=True)
class ColumnMeta:
    """Provenance of one bundled column, for the notice."""

    source: str
    transform: str
    terms: str


FED_TERMS = (
    "U.S. Federal Reserve data (public information); free to reuse with attribution to the source and "
    "to FRED, Federal Reserve Bank of St. Louis."
)
NYFED_TERMS = "Federal Reserve Bank of New York data; free to reuse with attribution to the NY Fed."
YAHOO_TERMS = (
    "Yahoo Finance data; Yahoo's terms of use forbid redistribution. Shipped only as the compact sample "
    "described above; researchers fetch their own copy with `data=yfinance`."
)


def _meta(live: bool) -> dict[str, ColumnMeta]:
    """Per-column provenance for the offline build (`live=False`) or the live one."""
    pct = "percent, as published; no transformation"
    fred = "FRED series `{}` ({}), " + ("fredgraph.csv download" if live else "file `{}`")

    def f(series: str, title: str, file: str) -> str:
        return fred.format(series, title, file) if not live else fred.format(series, title)

    yahoo_src = "Yahoo Finance ticker `{}` via the yfinance package" + (
        " (`yf.download(..., auto_adjust=False)`)" if live else ", file `{}_yahoo_adjclose.csv`"
    )
    meta = {
        "MOVE": ColumnMeta(
            "ICE BofA MOVE Index. "
            + (
                "Yahoo Finance `^MOVE` via yfinance."
                if live
                else "File `MOVE_dashboard_2002_2026.csv`: the Yahoo Finance `^MOVE` archive for the older "
                "history, then daily prints from Google Finance `MOVE:INDEXNYSEGIS` (from 2025-07)."
            ),
            "index level; stale prints removed (see the MOVE cleaning rule below)",
            "The index belongs to ICE Data Indices; the prints come from Yahoo Finance and Google Finance, "
            "whose terms forbid redistribution. Shipped only as the compact sample described above.",
        ),
        "VIX": ColumnMeta(
            f("VIXCLS", "CBOE Volatility Index, close", "VIXCLS_fred_1990_2026.csv"),
            "index level; no transformation",
            "Copyright Chicago Board Options Exchange (CBOE); FRED lists the series as copyrighted. "
            "Attribution: CBOE via FRED.",
        ),
        "UST10Y": ColumnMeta(
            f("DGS10", "10-year Treasury constant maturity, H.15", "DGS10_fred_1962_2026.csv"),
            pct,
            FED_TERMS,
        ),
        "UST2Y": ColumnMeta(
            f("DGS2", "2-year Treasury constant maturity, H.15", "DGS2_fred_1976_2026.csv"), pct, FED_TERMS
        ),
        "TBILL3M": ColumnMeta(
            f("DTB3", "3-month Treasury bill, secondary market, discount basis, H.15", "")
            if live
            else "FRED series `DTB3` (3-month Treasury bill, secondary market, discount basis, H.15): "
            "FRED's 2017 bulk text file `DTB3_fred_1954_2017.txt` before 2000-01-01, the current "
            "`DTB3_fred_2000_2026.csv` from 2000-01-01 on",
            pct
            + (
                ""
                if live
                else "; spliced at 2000-01-01 (the two files differ by at most 0.03 on 34 "
                "overlapping dates, FRED revisions)"
            ),
            FED_TERMS,
        ),
        "TERM_PREMIUM_10Y": ColumnMeta(
            'Federal Reserve Bank of New York, Adrian-Crump-Moench term structure model, sheet "ACM Daily", '
            "column `ACMTP10` (10-year term premium)"
            + (f", from `{ACM_URL}`" if live else ", file `ACMTP10_nyfed_term_premium_1961_2026.csv`"),
            pct,
            NYFED_TERMS,
        ),
        "SWAP10Y": ColumnMeta(
            f(
                "DSWP10",
                "10-year USD swap rate, ISDAFIX, H.15; discontinued after 2016-10-31",
                "DSWP10_fred_2000_2016.txt",
            ),
            pct + "; the series ends in 2016 and is not extended",
            "The rate is ICE Benchmark Administration's (ISDAFIX), published in H.15 and FRED. "
            "Attribution: ICE/ISDA via the Federal Reserve and FRED.",
        ),
        "SOFR": ColumnMeta(
            f(
                "SOFR",
                "Secured Overnight Financing Rate, Federal Reserve Bank of New York",
                "SOFR_fred_2018_2025.csv",
            ),
            pct,
            NYFED_TERMS + " Attribution: Federal Reserve Bank of New York via FRED.",
        ),
        "SPX": ColumnMeta(
            "S&P 500 price index, Yahoo Finance `^GSPC` close via yfinance (FRED's SP500 only covers ten "
            "years)"
            if live
            else "S&P 500 price index (FRED series `SP500`, with an archive before FRED's ten-year window), "
            "file `SP500_index_1950_2026.csv`",
            "index level (price, not total return); no transformation",
            "Copyright S&P Dow Jones Indices LLC; FRED lists SP500 as copyrighted. "
            "Attribution: S&P Dow Jones Indices via FRED."
            if not live
            else YAHOO_TERMS,
        ),
    }
    for t in ETFS:
        meta[t] = ColumnMeta(
            yahoo_src.format(t, t) if not live else yahoo_src.format(t),
            "Adj Close (dividends and splits adjusted; scaled so that it equals Close on the last row of the "
            "download), the second column of the yfinance dump",
            YAHOO_TERMS,
        )
    return meta


def _fmt_range(s: pd.Series) -> str:
    obs = s.dropna()
    if obs.empty:
        return "no observations"
    return f"{obs.index[0].date()} to {obs.index[-1].date()} ({len(obs):,} prints)"


def render_notice(
    frame: pd.DataFrame,
    *,
    digest: str,
    size_bytes: int,
    move_removed: int,
    live: bool,
    notes: tuple[str, ...] = (),
) -> str:
    """The text of `NOTICE.md` for a built frame."""
    meta = _meta(live)
    lines = [
        "# Bundled market data: sources, terms and provenance",
        "",
        "`bundled.parquet` is generated by `python -m market.build`"
        + (" --live" if live else "")
        + "; do not edit it by hand. "
        + (
            "It was built from the live loaders."
            if live
            else "It is compiled from unmodified copies of public data files (Federal Reserve/FRED, "
            "New York Fed, CBOE and S&P Dow Jones Indices via FRED, Yahoo Finance, Google Finance)."
        ),
        "",
        PROJECT_DECISION,
        "",
        "Layout: one row per date that any series printed, from "
        f"{frame.index[0].date()} to {frame.index[-1].date()} ({len(frame):,} rows); one float64 column per "
        "series; NaN where a series has no print. Nothing is forward-filled in the file: the bounded "
        "forward-fill is applied at load time (`data.max_ffill_days`). Yields and rates are in percent. "
        "The file ends where its sources end (ETFs 2025-09-26; rates, MOVE, VIX and the S&P 500 in 2026-08).",
        "",
        f"- content digest: `{digest}` (`market.frame.content_digest`: SHA-256 over column names, "
        "the index as int64 nanoseconds and the float64 values, first 16 hex characters)",
        f"- file size: {size_bytes:,} bytes (parquet, zstd)",
        "",
        "## Columns",
        "",
    ]
    for col in frame.columns:
        m = meta[col]
        lines += [
            f"### {col}",
            f"- source: {m.source}",
            f"- dates: {_fmt_range(frame[col])}",
            f"- transformation: {m.transform}",
            f"- terms: {m.terms}",
            "",
        ]
    lines += [
        "## MOVE cleaning rule",
        "",
        "A MOVE print identical to the previous print is treated as stale and stored as NaN (the row stays; "
        "the load-time forward-fill then carries the previous print, and the carry counts in the reported "
        "staleness). MOVE is recomputed from Treasury option prices every day the bond market trades, so an "
        "identical print is a carried quote: a feed glitch, or a bond-market holiday on which the feed "
        "repeated the last close. The rule uses only the print and the one before it (no look-ahead) and "
        "stands on the archive alone.",
        "",
        f"Prints removed by the rule in this build: {move_removed}.",
        "",
    ]
    if not live:
        lines += [MOVE_RULE_CHECK, ""]
    if notes:
        lines += ["## Build notes", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ offline / live


def load_offline(sources: Path) -> tuple[dict[str, pd.Series], int]:
    """Read every source file; return the series by column and the number of MOVE prints removed."""
    p = Path(sources)
    move, removed = clean_move(read_date_value_csv(p / "MOVE_dashboard_2002_2026.csv", "MOVE"))
    series = {
        "MOVE": move,
        "VIX": read_date_value_csv(p / "VIXCLS_fred_1990_2026.csv", "VIX"),
        "UST10Y": read_date_value_csv(p / "DGS10_fred_1962_2026.csv", "UST10Y"),
        "UST2Y": read_date_value_csv(p / "DGS2_fred_1976_2026.csv", "UST2Y"),
        "TBILL3M": splice(
            read_fred_txt(p / "DTB3_fred_1954_2017.txt", "TBILL3M"),
            read_date_value_csv(p / "DTB3_fred_2000_2026.csv", "TBILL3M"),
            TBILL_SPLICE,
            "TBILL3M",
        ),
        "TERM_PREMIUM_10Y": read_date_value_csv(
            p / "ACMTP10_nyfed_term_premium_1961_2026.csv", "TERM_PREMIUM_10Y"
        ),
        "SWAP10Y": read_fred_txt(p / "DSWP10_fred_2000_2016.txt", "SWAP10Y"),
        "SOFR": read_date_value_csv(p / "SOFR_fred_2018_2025.csv", "SOFR"),
        "SPX": read_date_value_csv(p / "SP500_index_1950_2026.csv", "SPX"),
    }
    for t in ETFS:
        series[t] = read_yahoo_adjclose(p / f"{t}_yahoo_adjclose.csv", t)
    return series, removed


def _live_column(source: str, settings: dict, column: str, start: str = START) -> pd.Series:
    """One column through `data=live`'s own source (`market.live`), cached in `LIVE_CACHE`."""
    frame = live.load(sources=[source], cache_dir=str(LIVE_CACHE), start=start, **{source: settings})
    return frame[column].dropna()


def fetch_fred(series_id: str) -> pd.Series:  # pragma: no cover - network
    """One FRED series through data=live's FRED source (fredgraph.csv, cached)."""
    return _live_column("fred", {"series": {series_id: series_id}}, series_id).rename(series_id)


def fetch_acm() -> pd.Series:  # pragma: no cover - network
    """The ACM 10-year term premium through data=live's NY Fed source (needs `xlrd` for the .xls)."""
    return _live_column("nyfed", {"columns": {"TERM_PREMIUM_10Y": "ACMTP10"}}, "TERM_PREMIUM_10Y")


def fetch_yahoo(ticker: str, start: str) -> pd.Series:  # pragma: no cover - network
    """Adjusted close of one Yahoo ticker (Close for indices) through data=live's Yahoo source."""
    return _live_column("yahoo", {"tickers": {ticker: ticker}}, ticker, start=start).rename(ticker)


FRED_LIVE = {
    "VIX": "VIXCLS",
    "UST10Y": "DGS10",
    "UST2Y": "DGS2",
    "TBILL3M": "DTB3",
    "SWAP10Y": "DSWP10",
    "SOFR": "SOFR",
}
YAHOO_LIVE = {"MOVE": "^MOVE", "SPX": "^GSPC", **{t: t for t in ETFS}}


def load_live(
    existing: Path | None,
    *,
    fred: Callable[[str], pd.Series] | None = None,
    yahoo: Callable[[str, str], pd.Series] | None = None,
    acm: Callable[[], pd.Series] | None = None,
) -> tuple[dict[str, pd.Series], int, tuple[str, ...]]:
    """Fetch every series from the live loaders; return series, MOVE prints removed and build notes.

    The fetchers default to `fetch_fred`, `fetch_yahoo` and `fetch_acm` (looked up at call time, so
    tests can replace them). When the ACM download fails, TERM_PREMIUM_10Y is kept from `existing`.
    """
    fred = fred or fetch_fred
    yahoo = yahoo or fetch_yahoo
    acm = acm or fetch_acm
    notes: list[str] = []
    series: dict[str, pd.Series] = {}
    for col, sid in FRED_LIVE.items():
        series[col] = fred(sid).rename(col)
    for col, ticker in YAHOO_LIVE.items():
        series[col] = yahoo(ticker, START).rename(col)
    series["MOVE"], removed = clean_move(series["MOVE"])
    try:
        series["TERM_PREMIUM_10Y"] = acm().rename("TERM_PREMIUM_10Y")
    except Exception as exc:  # noqa: BLE001 - any failure falls back to the existing file
        if existing is None or not Path(existing).exists():
            raise RuntimeError(
                f"cannot download the ACM term premium ({exc}) and there is no existing file to keep it from"
            ) from exc
        old = pd.read_parquet(existing)["TERM_PREMIUM_10Y"].dropna()
        old.index = pd.DatetimeIndex(old.index).as_unit("ns")
        series["TERM_PREMIUM_10Y"] = old
        notes.append(f"TERM_PREMIUM_10Y kept from the previous file ({type(exc).__name__}: {exc})")
    return series, removed, tuple(notes)


def write_atomic(data: bytes, path: Path) -> None:
    """Write bytes to `path` through a temporary file in the same folder (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build(
    series: dict[str, pd.Series],
    out: Path,
    notice: Path,
    *,
    move_removed: int,
    live: bool,
    notes: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, str]:
    """Assemble, write the parquet and the notice; return the frame and its content digest."""
    frame = assemble(series)
    buf = io.BytesIO()
    frame.to_parquet(buf, engine="pyarrow", compression="zstd", index=True)
    data = buf.getvalue()
    check = pd.read_parquet(io.BytesIO(data))
    if not check.equals(frame) and not np.allclose(check.to_numpy(), frame.to_numpy(), equal_nan=True):
        raise RuntimeError("parquet round trip changed the data")
    digest = content_digest(check)
    text = render_notice(
        frame, digest=digest, size_bytes=len(data), move_removed=move_removed, live=live, notes=notes
    )
    write_atomic(data, out)
    write_atomic(text.encode("utf-8"), notice)
    return frame, digest


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m market.build",
        description="Compile market/data/bundled.parquet and NOTICE.md from the bundle source files "
        "(offline), or from the live loaders with --live.",
        epilog="--live goes through data=live's own sources and caches (market/live.py, .cache/live): FRED "
        "series (VIXCLS, DGS10, DGS2, DTB3, DSWP10, SOFR) from FRED's public fredgraph.csv endpoint, MOVE "
        "(^MOVE), the S&P 500 (^GSPC: FRED's SP500 only covers ten years) and the ETFs through yfinance, and "
        "the ACM term premium from the NY Fed workbook (read with `xlrd`). If the ACM download fails, "
        "TERM_PREMIUM_10Y is kept from the existing file and the notice says so.",
    )
    p.add_argument(
        "--sources",
        type=Path,
        default=DEFAULT_SOURCES,
        help="folder with the bundle source files (default: ../shared/data/bundle-sources, "
        "relative to the repository root)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="parquet file to write (default: market/data/bundled.parquet)",
    )
    p.add_argument(
        "--notice", type=Path, default=None, help="notice file to write (default: NOTICE.md next to --out)"
    )
    p.add_argument("--live", action="store_true", help="rebuild from the live loaders (needs network)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    out = Path(args.out)
    notice = Path(args.notice) if args.notice else out.with_name("NOTICE.md")
    notes: tuple[str, ...] = ()
    if args.live:
        try:
            series, removed, notes = load_live(out if out.exists() else None)
        except UserError as exc:  # a source failed with no cache: one message, nothing written
            print(f"error: {exc}", file=sys.stderr)
            return 2
    else:
        sources = Path(args.sources)
        if not sources.is_dir():
            print(
                f"error: source folder not found: {sources.resolve()}\n  hint: pass --sources DIR "
                "(the bundle-sources folder of the shared data) or use --live",
                file=sys.stderr,
            )
            return 2
        series, removed = load_offline(sources)
    frame, digest = build(series, out, notice, move_removed=removed, live=args.live, notes=notes)
    print(
        f"wrote {out} ({out.stat().st_size:,} bytes, {len(frame):,} rows, digest {digest}) and {notice}; "
        f"MOVE stale prints removed: {removed}"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
