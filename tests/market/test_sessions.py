"""An unfinished session never enters the cache: NYSE's calendar (exchange-calendars) decides, no network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yfinance

from market import cache, live, sessions

UTC = "UTC"


@pytest.mark.parametrize(
    ("at", "want"),
    [
        ("2024-01-02 20:30", "2023-12-29"),  # 15:30 New York: the session runs; Jan 1 a holiday
        ("2024-01-02 21:30", "2023-12-29"),  # closed at 16:00, not yet settled (an hour)
        ("2024-01-02 22:00", "2024-01-02"),  # 17:00 New York: settled
        ("2024-01-06 12:00", "2024-01-05"),  # a Saturday: Friday's session
        ("2024-01-15 23:00", "2024-01-12"),  # Martin Luther King Jr. Day: closed
        ("2024-07-03 17:59", "2024-07-02"),  # early close at 13:00 New York (17:00 UTC), settled at 18:00 UTC
        ("2024-07-03 18:00", "2024-07-03"),
        ("2024-11-29 19:00", "2024-11-29"),
        ("2024-11-29 18:59", "2024-11-27"),  # Black Friday closes at 13:00 (18:00 UTC); the 28th is shut
    ],
)
def test_last_settled_session_from_the_exchange_calendar(at, want):
    assert sessions.last_settled(pd.Timestamp(at, tz=UTC)) == pd.Timestamp(want)


def test_a_naive_instant_is_utc_and_settle_is_a_parameter():
    at = pd.Timestamp("2024-01-02 21:10")
    assert sessions.last_settled(at) == pd.Timestamp("2023-12-29")
    assert sessions.last_settled(at, settle=pd.Timedelta(minutes=5)) == pd.Timestamp("2024-01-02")


DAYS = pd.bdate_range("2023-11-01", "2024-01-03").drop(pd.Timestamp("2024-01-01"))


def final(ticker: str) -> pd.Series:
    """The final closes (what Yahoo serves once a session is over)."""
    rng = np.random.default_rng(sum(map(ord, ticker)))
    return pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(DAYS)))), index=DAYS, name=ticker)


class Yahoo:
    """yfinance.download at a given instant: rows up to that day, today's bar live (1% off the final close)
    while its session runs."""

    def __init__(self):
        self.at = pd.Timestamp("2024-01-02 20:00", tz=UTC)
        self.open_session = True

    def download(self, ticker, start=None, end=None, **kw):
        s = final(ticker)
        day = self.at.tz_localize(None).normalize()
        s = s[(s.index >= pd.Timestamp(start)) & (s.index <= day)].copy()
        if self.open_session and day in s.index:
            s.loc[day] *= 1.01  # the running session's bar, not its close
        df = pd.DataFrame({("Adj Close", ticker): s, ("Close", ticker): s})
        df.columns = pd.MultiIndex.from_tuples(df.columns, names=["Price", "Ticker"])
        return df


@pytest.fixture
def yahoo(monkeypatch):
    y = Yahoo()
    monkeypatch.setattr(yfinance, "download", y.download)
    monkeypatch.setattr(sessions, "now", lambda: y.at)
    monkeypatch.setattr(cache, "today", lambda: y.at.tz_localize(None).normalize())
    return y


def load(tmp_path, tickers=None):
    tickers = tickers or {"SPY": "SPY"}
    return live.load(
        sources=["yahoo"], cache_dir=str(tmp_path), start="2023-11-01", yahoo={"tickers": tickers}
    )


def stored(tmp_path, name="SPY") -> pd.Series:
    return pd.read_parquet(tmp_path / "yahoo" / f"{name}.parquet")["value"]


@pytest.mark.parametrize(("ticker", "column"), [("SPY", "SPY"), ("^VIX", "VIX")])
def test_a_run_during_the_session_caches_no_live_bar_and_next_day_no_rescale(tmp_path, yahoo, ticker, column):
    during = load(tmp_path, {column: ticker})
    assert during.index[-1] == pd.Timestamp("2023-12-29")  # today's bar is not in the run either
    name = cache.cache_path(tmp_path / "yahoo", ticker).stem
    assert stored(tmp_path, name).index[-1] == pd.Timestamp("2023-12-29")
    yahoo.at, yahoo.open_session = pd.Timestamp("2024-01-03 23:00", tz=UTC), False  # next day, closed
    after = load(tmp_path, {column: ticker})
    want = final(ticker)
    np.testing.assert_allclose(stored(tmp_path, name).to_numpy(), want.to_numpy(), rtol=1e-12)
    assert stored(tmp_path, name).loc["2024-01-02"] == want.loc["2024-01-02"]  # the final close, stored
    assert not any("rescaled" in n for n in after.attrs["notes"])


def test_the_same_day_after_the_close_the_day_is_fetched(tmp_path, yahoo):
    load(tmp_path)
    yahoo.at, yahoo.open_session = pd.Timestamp("2024-01-02 22:30", tz=UTC), False  # same date, settled
    load(tmp_path)
    assert stored(tmp_path).loc["2024-01-02"] == final("SPY").loc["2024-01-02"]
    calls = []
    yahoo_download = yahoo.download
    yfinance.download = lambda *a, **k: calls.append(a) or yahoo_download(*a, **k)
    load(tmp_path)  # nothing new can have settled: no request
    assert calls == []


def test_a_cache_written_during_a_session_by_an_earlier_version_is_cut_before_it_is_compared(tmp_path, yahoo):
    live_print = final("SPY")[: "2024-01-02"].copy()
    live_print.iloc[-1] *= 1.01  # the old cache stored the running bar as 2024-01-02's close
    path = cache.cache_path(tmp_path / "yahoo", "SPY")
    vintage = {"source": "yahoo", "series": "SPY", "downloaded": "2024-01-02"}  # no `settled`: older code
    cache.write(path, cache.Cached(live_print.rename_axis("date"), vintage))
    yahoo.at, yahoo.open_session = pd.Timestamp("2024-01-03 23:00", tz=UTC), False
    after = load(tmp_path)
    np.testing.assert_allclose(stored(tmp_path).to_numpy(), final("SPY").to_numpy(), rtol=1e-12)
    assert not any("rescaled" in n for n in after.attrs["notes"])  # 1.01 was a live print, not a dividend
