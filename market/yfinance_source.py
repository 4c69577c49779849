"""Live data through the yfinance package, cached on disk as parquet and reused offline.

Units: Yahoo quotes the Treasury yield indices (^IRX, ^FVX, ^TNX, ^TYX) in percent (4.25 means 4.25%),
the same unit as FRED's DGS10/DTB3, so no rescaling is applied. (CBOE's own TNX quote is ten times the
yield; Yahoo divides it.) ^IRX, like DTB3, is a discount-basis rate.

yfinance is imported inside the functions that need it, so importing `market` stays cheap.
"""

from __future__ import annotations

import io
import logging
import os
import re
import tempfile
import warnings
from pathlib import Path

import pandas as pd

from common.errors import DataError

HINT_OFFLINE = "use data=bundled (offline) or run once with network"


def cache_path(cache_dir: str | os.PathLike[str], ticker: str) -> Path:
    """Where the cached series of `ticker` lives: ``<cache_dir>/<safe ticker>.parquet``.

    >>> cache_path("c", "^TNX").name
    '_TNX.parquet'
    """
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", ticker)
    return Path(cache_dir) / f"{safe}.parquet"


def _price_from_download(df: pd.DataFrame | None, ticker: str) -> pd.Series:
    """Adj Close (Close when there is none, as for indices) from a yfinance download frame.

    Handles yfinance's MultiIndex columns (``("Adj Close", "SPY")``, level names Price/Ticker) and the
    flat layout.
    """
    if df is None or df.empty:
        return pd.Series(dtype="float64", name=ticker)
    cols = df.columns
    if isinstance(cols, pd.MultiIndex):
        level = 0
        for i in range(cols.nlevels):
            if {"Adj Close", "Close"} & set(cols.get_level_values(i)):
                level = i
                break
        fields = cols.get_level_values(level)

        def pick(name: str) -> pd.Series | None:
            sub = df.loc[:, fields == name]
            if sub.shape[1] == 0:
                return None
            if sub.shape[1] > 1:
                others = [j for j in range(cols.nlevels) if j != level]
                match = [k for k, c in enumerate(sub.columns) if any(c[j] == ticker for j in others)]
                sub = sub.iloc[:, match[:1] or [0]]
            return sub.iloc[:, 0]
    else:

        def pick(name: str) -> pd.Series | None:
            return df[name] if name in df.columns else None

    price = pick("Adj Close")
    if price is None or price.isna().all():
        price = pick("Close")
    if price is None:
        return pd.Series(dtype="float64", name=ticker)
    out = pd.to_numeric(price, errors="coerce").astype("float64").dropna()
    idx = pd.DatetimeIndex(out.index)
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    out.index = idx.normalize().as_unit("ns")
    out.index.name = "date"
    out = out[~out.index.duplicated(keep="last")].sort_index()
    return out.rename(ticker)


def download_price(ticker: str, start: str, end: str | None = None) -> pd.Series:
    """Download one ticker with yfinance and return its Adj Close (Close for indices).

    Args:
        ticker: Yahoo symbol, e.g. ``SPY`` or ``^VIX``.
        start: First date, ``YYYY-MM-DD``.
        end: Last date (exclusive, as yfinance has it), or None for today.

    Returns:
        The price series; empty when the download failed or returned nothing.
    """
    # lazy: yfinance costs ~0.2 s at import; only data=yfinance/live runs download
    import yfinance

    # yfinance logs every failed request and trips pandas deprecation warnings; a failure here is
    # reported once, by the caller, as a DataError that says what to do.
    log = logging.getLogger("yfinance")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = yfinance.download(ticker, start=start, end=end, auto_adjust=False, progress=False)
    except Exception:  # noqa: BLE001 - any failure (no network, bad ticker) means "no data"
        return pd.Series(dtype="float64", name=ticker)
    finally:
        log.setLevel(level)
    return _price_from_download(df, ticker)


def _write_cache(series: pd.Series, path: Path) -> None:
    """Write the series as a one-column parquet file, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    series.to_frame("price").to_parquet(buf, compression="zstd")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(buf.getvalue())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_cache(path: Path) -> pd.Series:
    try:
        s = pd.read_parquet(path)["price"].astype("float64")
    except Exception as exc:  # noqa: BLE001 - a damaged cache file is a user-fixable problem
        raise DataError(
            f"cannot read the cache file {path} ({exc})",
            key="data.loader.cache_dir",
            hint="delete the file and run once with network (or data.loader.refresh=true)",
        ) from exc
    s.index = pd.DatetimeIndex(s.index).as_unit("ns")
    return s


def _one(ticker: str, cache_dir: str, start: str, end: str | None, refresh: bool) -> pd.Series:
    path = cache_path(cache_dir, ticker)
    if path.exists() and not refresh:
        return _read_cache(path)
    # yfinance's `end` is exclusive; ours is inclusive
    end_excl = None if end is None else (pd.Timestamp(end) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    series = download_price(ticker, start=start, end=end_excl)
    if not series.empty:
        _write_cache(series, path)
        return series
    if path.exists():  # refresh failed: keep what we had
        return _read_cache(path)
    raise DataError(
        f"no network and no cache for {ticker} at {path} (the yfinance download failed or returned no rows)",
        key="data",
        hint=HINT_OFFLINE,
    )


def load(
    tickers: dict[str, str],
    cache_dir: str,
    start: str,
    refresh: bool = False,
    end: str | None = None,
) -> pd.DataFrame:
    """Load Yahoo series through yfinance, one cached parquet file per ticker.

    A cached file is used when present (unless `refresh`); otherwise the ticker is downloaded with
    ``auto_adjust=False`` and its Adj Close kept (Close for indices, which have no Adj Close). A cache
    file is keyed by ticker only and holds what was downloaded: after changing `start` or `end`, or to
    get newer prints, set ``refresh`` (a failed refresh keeps the cache).

    Args:
        tickers: Output column -> Yahoo ticker, e.g. ``{"SPY": "SPY", "UST10Y": "^TNX"}``.
        cache_dir: Folder for the cache files.
        start: First date, ``YYYY-MM-DD``.
        refresh: Download even when a cache file exists.
        end: Last date, or None for all available.

    Returns:
        The raw frame: union of the tickers' dates, one float64 column per entry, NaN where a series has
        no print.

    Raises:
        DataError: A ticker cannot be downloaded and has no cache.
    """
    if not tickers:
        raise DataError("no tickers configured", key="data.loader.tickers", hint="map columns to tickers")
    cols: dict[str, pd.Series] = {}
    for col, ticker in tickers.items():
        s = _one(str(ticker), cache_dir, str(start), None if end is None else str(end), refresh)
        s = s[s.index >= pd.Timestamp(start)]
        if end is not None:
            s = s[s.index <= pd.Timestamp(end)]
        cols[str(col)] = s
    frame = pd.concat(cols, axis=1, sort=True).astype("float64")
    frame.index = pd.DatetimeIndex(pd.DatetimeIndex(frame.index).as_unit("ns").to_numpy(), name="date")
    return frame
