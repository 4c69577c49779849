"""Live data through the yfinance package, cached on disk as parquet and reused offline.

Units: Yahoo quotes the Treasury yield indices (^IRX, ^FVX, ^TNX, ^TYX) in percent (4.25 means 4.25%),
the same unit as FRED's DGS10/DTB3, so no rescaling is applied. (CBOE's own TNX quote is ten times the
yield; Yahoo divides it.) ^IRX, like DTB3, is a discount-basis rate.

A column may take another field of a ticker's bar than its close: ``^TNX:High`` and ``^TNX:Low`` are the
10-year yield's intraday high and low (``UST10Y_HIGH``, ``UST10Y_LOW``).

Today's bar is never cached before NYSE's close plus a settling delay (`market.sessions`): Yahoo's daily
history carries the running session's changing bar. A failed download says why: yfinance logs the cause
(a rate limit, an unknown or delisted ticker, no prints in the range) instead of raising, and that
message is read back into the `FetchError`.

yfinance is imported inside the functions that need it, so importing `market` stays cheap.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable

import pandas as pd

from common.errors import DataError
from market import sessions
from market.cache import Cached, Fetched, FetchError, cache_path, cached_series

HINT_OFFLINE = "use data=bundled (offline) or run once with network"
#: The fields of a bar a column may name after a colon (``^TNX:High``).
FIELDS = ("Adj Close", "Close", "High", "Low", "Open")


def split_spec(spec: str) -> tuple[str, str | None]:
    """A ticker spec as (ticker, field): ``^TNX:High`` -> (``^TNX``, ``High``); ``SPY`` -> (``SPY``, None).

    Raises:
        DataError: A field that a bar does not have (the fields listed).

    >>> split_spec("^TNX:high")
    ('^TNX', 'High')
    """
    ticker, sep, field_name = spec.partition(":")
    if not sep:
        return spec, None
    match = [f for f in FIELDS if f.lower() == field_name.strip().lower()]
    if not match:
        raise DataError(
            f"`{spec}` names the field `{field_name}`, which a Yahoo bar does not have",
            key="data.loader.yahoo.tickers",
            hint=f"write TICKER:FIELD with FIELD one of {', '.join(FIELDS)}, e.g. ^TNX:High",
        )
    return ticker, match[0]


def _price_from_download(df: pd.DataFrame | None, ticker: str, field_name: str | None = None) -> pd.Series:
    """Adj Close (Close when there is none, as for indices), or `field_name`, from a yfinance download frame.

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

    price = pick(field_name or "Adj Close")
    if field_name is None and (price is None or price.isna().all()):
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


class _Errors(logging.Handler):
    """Collects what yfinance logs at ERROR: the only place it tells why a download failed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage().strip()
        if text and not text.endswith("Failed download:"):
            self.messages.append(text)


def download(ticker: str, start: str, end: str | None = None) -> tuple[pd.DataFrame | None, str | None]:
    """Download one ticker's daily bars with yfinance (``auto_adjust=False``).

    Returns:
        The frame (None or empty on failure) and yfinance's own account of a failure (None when silent).
    """
    # lazy: yfinance costs ~0.2 s at import; only data=yfinance/live runs download
    import yfinance

    # yfinance logs every failed request (and trips pandas deprecation warnings): the log is captured,
    # not printed, and its message becomes the cause the caller reports once
    log = logging.getLogger("yfinance")
    errors = _Errors()
    level, propagate = log.level, log.propagate
    log.addHandler(errors)
    log.setLevel(logging.ERROR)
    log.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = yfinance.download(ticker, start=start, end=end, auto_adjust=False, progress=False)
    except Exception as exc:  # noqa: BLE001 - any failure is reported with its cause by the caller
        return None, f"{type(exc).__name__}: {exc}"
    finally:
        log.removeHandler(errors)
        log.setLevel(level)
        log.propagate = propagate
    return df, "; ".join(errors.messages) or None


def download_price(ticker: str, start: str, end: str | None = None) -> pd.Series:
    """Download one ticker with yfinance and return its Adj Close (Close for indices); empty on failure."""
    df, _ = download(ticker, start, end)
    return _price_from_download(df, ticker)


#: What curl and requests say when the network, not Yahoo, failed (checked before "not found").
NETWORK_WORDS = ("could not resolve", "failed to perform", "curl: (", "connection", "proxy", "timed out")


def failure(first: str, said: str | None) -> FetchError:
    """Why a download gave no rows, from what yfinance said: a rate limit, an unknown ticker, or silence."""
    text = (said or "").replace("\n", " ")
    low = text.lower()
    if "rate limit" in low or "too many requests" in low or "429" in low:
        return FetchError(
            f"Yahoo rate limited the download ({text})",
            hint="wait a while and run again (fewer tickers per run helps); the cache is used meanwhile",
        )
    if any(w in low for w in NETWORK_WORDS):  # curl: "Could not resolve host ... Domain name not found"
        return FetchError(f"Yahoo could not be reached ({text})", hint="check the network, or try again")
    if "delisted" in low or "no timezone" in low or "not found" in low or "no data found" in low:
        return FetchError(
            f"Yahoo has no prices for it from {first} ({text})",
            hint="check the ticker on finance.yahoo.com (indices start with ^, e.g. ^VIX)",
        )
    if text:
        return FetchError(f"the download failed ({text})", hint="check the network, or try again later")
    return FetchError(
        f"Yahoo answered with no rows from {first} and no reason",
        hint="check the ticker on finance.yahoo.com, or try again later",
    )


def yahoo_fetcher(spec: str, start: str, end: str | None = None) -> Callable[[pd.Timestamp | None], Fetched]:
    """A `market.cache` fetcher for one ticker (or ``TICKER:Field``): from `start` (or its cache's end) on.

    Args:
        spec: Yahoo symbol, optionally with a field (``^TNX:High``).
        start: First date of a full download, ``YYYY-MM-DD``.
        end: Last date (inclusive), or None for today.
    """
    ticker, field_name = split_spec(spec)
    # yfinance's `end` is exclusive; ours is inclusive
    end_excl = None if end is None else (pd.Timestamp(end) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")

    def fetch(since: pd.Timestamp | None) -> Fetched:
        first = start if since is None else since.strftime("%Y-%m-%d")
        df, said = download(ticker, start=first, end=end_excl)
        series = _price_from_download(df, ticker, field_name)
        if series.empty:
            raise failure(first, said)
        return Fetched(series)

    return fetch


def ticker_series(ticker: str, cache_dir: str, start: str, end: str | None, refresh: bool) -> Cached:
    """One ticker through the shared cache (`market.cache.cached_series`); prices held to > 0.

    Raises:
        FetchError: No network (or no such ticker) and no cache.
        DataError: A cache file that breaks the csv loader's checks (naming the file).
    """
    symbol, field_name = split_spec(ticker)
    return cached_series(
        source="yahoo",
        series_id=ticker,
        path=cache_path(cache_dir, ticker),
        fetch=yahoo_fetcher(ticker, start, end),
        refresh=refresh,
        positive=not symbol.startswith("^"),  # yield indices (^TNX, ^IRX) may print 0; prices may not
        adjusted=not symbol.startswith("^") and field_name is None,  # Adj Close: re-adjusted per dividend
        settled=sessions.last_settled(sessions.now()),  # today's bar only after the close
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
                f"{ticker} could not be downloaded and has no cache at "
                f"{cache_path(cache_dir, str(ticker))}: {exc.cause}",
                key="data",
                hint=f"{exc.hint}; or {HINT_OFFLINE}" if exc.hint else HINT_OFFLINE,
            ) from None
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
