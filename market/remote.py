"""One honest GET for every remote source (FRED, ALFRED, the NY Fed, FiscalData): timeouts, retries, pacing.

Every request has a timeout. HTTP 429 and 5xx are retried with exponential backoff (a 429's
``Retry-After`` is honoured when it asks for at most `MAX_WAIT_S`; a longer wait gives up at once and
says so). Requests to one host are paced (`PACE_S`: FRED publishes a limit of 120 requests a minute).
A 200 that is not data, an HTML service page (maintenance, a bot check) or an empty body, is a failure
too. Every failure is one `market.cache.FetchError` whose cause says what happened in words, so that
the cache fallback keeps the cache, flags it stale, and the run says why.

Written on `requests` rather than urllib3's ``Retry``: the retry decision needs the cause of the last
answer for the message (a rate limit, a server error, a timeout), which ``Retry`` hides behind one
``MaxRetryError``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import requests

from market.cache import FetchError

TIMEOUT_S = 30
#: Tries for a 429 or a 5xx (the first one included).
TRIES = 3
#: Backoff before the second and third tries, when a 429 gives no Retry-After.
BACKOFF_S = (2.0, 8.0)
#: The longest Retry-After waited for; a longer one fails at once (the cache is used).
MAX_WAIT_S = 60.0
#: Least seconds between two requests to one host: FRED's published limit is 120 a minute.
PACE_S: dict[str, float] = {"fred.stlouisfed.org": 0.6, "api.stlouisfed.org": 0.6}

HINT_LATER = "try again later (the cache, where there is one, is used meanwhile)"
HINT_NETWORK = "check the network (a proxy, a firewall), or run offline on the cache or data=bundled"

_last_request: dict[str, float] = {}


def sleep(seconds: float) -> None:
    """Wait (tests replace it: no test sleeps)."""
    time.sleep(seconds)


def clock() -> float:
    """A monotonic clock in seconds (tests replace it)."""
    return time.monotonic()


def _pace(host: str) -> None:
    gap = PACE_S.get(host)
    if gap is None:
        return
    last = _last_request.get(host)
    if last is not None:
        wait = last + gap - clock()
        if wait > 0:
            sleep(wait)
    _last_request[host] = clock()


def retry_after(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds (a number or an HTTP date); None when absent or unreadable.

    >>> retry_after("120")
    120.0
    >>> retry_after(None) is None
    True
    """
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = pd.Timestamp(parsedate_to_datetime(value))
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - pd.Timestamp.now(tz="UTC")).total_seconds())


def service_page(body: bytes) -> bool:
    """Whether a body is an HTML page (a service's error, maintenance or bot-check page), not data.

    >>> service_page(b"  <!DOCTYPE html><html>down for maintenance</html>")
    True
    >>> service_page(b"observation_date,DGS10")
    False
    """
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head[:200]


def get(
    url: str,
    *,
    what: str,
    params: Mapping[str, Any] | None = None,
    timeout: float = TIMEOUT_S,
    passthrough: tuple[int, ...] = (),
) -> requests.Response:
    """GET `url` and return a 200 answer that holds data (or a status in `passthrough`).

    Args:
        url: The address.
        what: The service, as the messages name it (``FRED``, ``the New York Fed``).
        params: Query parameters.
        timeout: Seconds for the connection and for each read.
        passthrough: Statuses the caller reads itself (FRED's 400 names an unknown id in its body).

    Raises:
        FetchError: No answer (the network, a timeout), a 429 or 5xx after `TRIES`, another HTTP error, or
            a 200 with an empty body or an HTML page; the cause in words, with what to do.
    """
    host = urlsplit(url).netloc
    for attempt in range(TRIES):
        _pace(host)
        try:
            resp = requests.get(url, params=params, timeout=timeout)
        except requests.Timeout:
            cause = f"{what} gave no answer within {timeout:g} s (timeout)"
            raise FetchError(cause, hint=HINT_LATER) from None
        except requests.RequestException as exc:
            raise FetchError(f"cannot reach {what} ({type(exc).__name__})", hint=HINT_NETWORK) from None
        status = resp.status_code
        if status in passthrough:
            return resp
        if status == 200:
            return _holds_data(resp, what)
        if status != 429 and status < 500:
            raise FetchError(f"{what} answered HTTP {status}", hint=HINT_LATER)
        last = attempt == TRIES - 1
        if status == 429:
            wait = retry_after(resp.headers.get("Retry-After"))
            asked = f", asking to wait {wait:g} s" if wait is not None else ""
            if last or (wait is not None and wait > MAX_WAIT_S):
                raise FetchError(
                    f"{what} rate limited the requests (HTTP 429{asked}, after {attempt + 1} tries)",
                    hint="wait a few minutes and run again; fewer series per run helps",
                )
            sleep(wait if wait is not None else BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
            continue
        if last:
            cause = f"{what} failed with HTTP {status} (a server error, after {TRIES} tries)"
            raise FetchError(cause, hint=HINT_LATER)
        sleep(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
    raise AssertionError("unreachable")  # pragma: no cover


def _holds_data(resp: requests.Response, what: str) -> requests.Response:
    body = resp.content or b""
    if not body.strip():
        raise FetchError(f"{what} answered HTTP {resp.status_code} with an empty body", hint=HINT_LATER)
    if service_page(body):
        raise FetchError(
            f"{what} answered with a web page instead of data (maintenance or a bot check)", hint=HINT_LATER
        )
    return resp
