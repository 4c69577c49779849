"""Live data through the yfinance package, cached on disk as parquet and reused offline.

Units: Yahoo quotes the Treasury yield indices (^IRX, ^FVX, ^TNX, ^TYX) in percent (4.25 means 4.25%),
the same unit as FRED's DGS10/DTB3, so no rescaling is applied. (CBOE's own TNX quote is ten times the
yield; Yahoo divides it.) ^IRX, like DTB3, is a discount-basis rate.

yfinance is imported inside the functions that need it, so importing `market` stays cheap.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable

import pandas as pd

from common.errors import DataError
from market.cache import Cached, Fetched, FetchError, cache_path, cached_series

HINT_OFFLINE = "use data=bundled (offline) or run once with network"


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


def yahoo_fetcher(
    ticker: str, start: str, end: str | None = None
) -> Callable[[pd.Timestamp | None], Fetched]:
    """A `market.cache` fetcher for one ticker: from `start` (or the cache's last date) to `end`.

    Args:
        ticker: Yahoo symbol.
        start: First date of a full download, ``YYYY-MM-DD``.
        end: Last date (inclusive), or None for today.
    """
    # yfinance's `end` is exclusive; ours is inclusive
    end_excl = None if end is None else (pd.Timestamp(end) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")

    def fetch(since: pd.Timestamp | None) -> Fetched:
        first = start if since is None else since.strftime("%Y-%m-%d")
        series = download_price(ticker, start=first, end=end_excl)
        if series.empty:
            raise FetchError(f"the yfinance download of {ticker} failed or returned no rows")
        return Fetched(series)

    return fetch


def ticker_series(ticker: str, cache_dir: str, start: str, end: str | None, refresh: bool) -> Cached:
    """One ticker through the shared cache (`market.cache.cached_series`); prices held to > 0.

    Raises:
        FetchError: No network (or no such ticker) and no cache.
        DataError: A cache file that breaks the csv loader's checks (naming the file).
    """
    return cached_series(
        source="yahoo",
        series_id=ticker,
        path=cache_path(cache_dir, ticker),
        fetch=yahoo_fetcher(ticker, start, end),
        refresh=refresh,
        positive=not ticker.startswith("^"),  # yield indices (^TNX, ^IRX) may print 0; prices may not
        adjusted=not ticker.startswith("^"),  # Adj Close: re-adjusted for each new dividend
    )


def load(
    tickers: dict[str, str],
    cache_dir: str,
    start: str,
    refresh: bool = False,
    end: str | None = None,
) -> pd.DataFrame:
    """Load Yahoo series through yfinance, one cached parquet file per ticker.

    Each ticker is downloaded with ``auto_adjust=False`` and its Adj Close kept (Close for indices,
    which have no Adj Close), through the shared cache (`market.cache.cached_series`): a cache checked
    today is reused, an older one is extended by the days after its last date, a failed refresh keeps
    the cache (flagged stale in the vintage), ``refresh`` downloads the whole history again (after
    changing `start`, say). The vintages are in ``frame.attrs["vintages"]``.

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
    vintages = []
    for col, ticker in tickers.items():
        try:
            got = ticker_series(
                str(ticker), cache_dir, str(start), None if end is None else str(end), refresh
            )
        except FetchError as exc:
            raise DataError(
                f"no network and no cache for {ticker} at {cache_path(cache_dir, str(ticker))} ({exc})",
                key="data",
                hint=HINT_OFFLINE,
            ) from exc
        vintages.append({**got.vintage, "columns": [str(col)]})
        s = got.series
        s = s[s.index >= pd.Timestamp(start)]
        if end is not None:
            s = s[s.index <= pd.Timestamp(end)]
        cols[str(col)] = s
    frame = pd.concat(cols, axis=1, sort=True).astype("float64")
    frame.index = pd.DatetimeIndex(pd.DatetimeIndex(frame.index).as_unit("ns").to_numpy(), name="date")
    frame.attrs["vintages"] = vintages
    return frame
