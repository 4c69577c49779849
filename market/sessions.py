"""When a market's day is over: which dated rows of a live source are final and may enter the cache.

Yahoo's daily history includes today's bar while the session runs, and that bar changes until the close.
A row enters the cache only once its session is closed plus a settling delay (`SETTLE`), so that the
cache never stores an intraday print as a close, and the re-adjustment check (`market.cache.append_new`)
never compares a final close with a live one. Sessions, holidays and early closes (the day after
Thanksgiving closes at 13:00 New York time) come from the `exchange-calendars` package, not from guesses.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

#: The calendar of the exchanges whose prints Yahoo serves for our tickers (NYSE: ETFs, and the CBOE
#: indices ^VIX, ^MOVE, ^TNX, which print on the same sessions).
EXCHANGE = "XNYS"
#: How long after the close a day's bar is taken as final (Yahoo's last print and the index's official
#: close settle within minutes; an hour leaves room).
SETTLE = pd.Timedelta(hours=1)


def now() -> pd.Timestamp:
    """The current instant, in UTC (tests replace it)."""
    return pd.Timestamp.now(tz="UTC")


@lru_cache(maxsize=4)
def _calendar(exchange: str):  # noqa: ANN202 - exchange_calendars' ExchangeCalendar
    # lazy: exchange_calendars builds its holiday tables at import (~0.3 s); only live runs need it
    import exchange_calendars

    return exchange_calendars.get_calendar(exchange)


def last_settled(at: pd.Timestamp, exchange: str = EXCHANGE, settle: pd.Timedelta = SETTLE) -> pd.Timestamp:
    """The last session whose close plus `settle` is at or before `at`: rows after it are unfinished.

    Args:
        at: An instant (tz-aware; a naive one is taken as UTC).
        exchange: An `exchange-calendars` code (``XNYS``).
        settle: The settling delay after the close.

    Returns:
        The session's date (midnight, tz-naive).

    >>> str(last_settled(pd.Timestamp("2026-11-27 18:30", tz="UTC")).date())  # 13:00 ET close; 26th a holiday
    '2026-11-25'
    >>> str(last_settled(pd.Timestamp("2026-11-27 19:00", tz="UTC")).date())
    '2026-11-27'
    """
    at = pd.Timestamp(at)
    at = at.tz_localize("UTC") if at.tz is None else at.tz_convert("UTC")
    cal = _calendar(exchange)
    day = at.tz_localize(None).normalize()
    sessions = cal.sessions_in_range(day - pd.Timedelta(days=14), day)
    for session in reversed(sessions):
        if cal.session_close(session) + settle <= at:
            return pd.Timestamp(session).tz_localize(None).normalize()
    return pd.Timestamp(sessions[0]).tz_localize(None).normalize() - pd.Timedelta(days=1)
