"""The New York Fed's reference rates from its Markets API (JSON, no key): SOFR, TGCR, BGCR, EFFR, OBFR.

``https://markets.newyorkfed.org/api/rates/<secured|unsecured>/<rate>/search.json?startDate=&endDate=``
answers ``{"refRates": [{"effectiveDate": "2026-08-04", "type": "SOFR", "percentRate": 3.66,
"percentPercentile1": 3.60, "percentPercentile25": 3.64, "percentPercentile75": 3.71,
"percentPercentile99": 3.74, "volumeInBillions": 3036, "revisionIndicator": ""}, ...]}``, newest first.
A column names a rate and, after a colon, one of its fields: ``sofr`` (the rate), ``sofr:percentPercentile1``,
``sofr:percentPercentile99``, ``effr:targetRateTo``. Rates are in percent and published the next business
morning, so every row is final when it appears; a rate the New York Fed revises the same day carries
``revisionIndicator`` ``"Y"`` (the cache is extended from its last date, so a revision of that day is
taken on the next fetch).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd

from common.errors import ConfigError, did_you_mean
from market import remote
from market.cache import Fetched, FetchError

API_URL = "https://markets.newyorkfed.org/api/rates"
#: Each rate's group in the API's path.
RATES = {"sofr": "secured", "tgcr": "secured", "bgcr": "secured", "effr": "unsecured", "obfr": "unsecured"}
TIMEOUT_S = 30
HINT_LAYOUT = "the New York Fed changed its API's answer; use the cache (or data=bundled) and report it"


def split_spec(spec: str) -> tuple[str, str]:
    """A column's spec as (rate, field): ``sofr`` -> (``sofr``, ``percentRate``).

    Raises:
        ConfigError: An unknown rate (the known ones listed, with a near miss).

    >>> split_spec("SOFR:percentPercentile99")
    ('sofr', 'percentPercentile99')
    """
    rate, _, field_name = spec.partition(":")
    rate = rate.strip().lower()
    if rate not in RATES:
        raise ConfigError(
            f"the New York Fed publishes no rate `{rate}`; it has: {', '.join(RATES)}."
            + did_you_mean(rate, RATES),
            key="data.loader.nyfed_rates.rates",
            hint="map a column to RATE or RATE:FIELD, e.g. {SOFR_P99: sofr:percentPercentile99}",
        )
    return rate, field_name.strip() or "percentRate"


def parse_rates(text: str, rate: str, field_name: str) -> pd.Series:
    """One field of a ``search.json`` answer as a float series on its effective dates.

    Raises:
        FetchError: Not JSON, no ``refRates`` list, a row without ``effectiveDate``, or a field the rows do
            not have (the fields they have are listed): a changed schema.
    """
    try:
        rows = json.loads(text).get("refRates")
    except (ValueError, AttributeError):
        cause = f"the New York Fed's answer is not its JSON: {text[:60]!r}"
        raise FetchError(cause, hint=HINT_LAYOUT) from None
    if not isinstance(rows, list):
        raise FetchError("the New York Fed's answer has no `refRates` list", hint=HINT_LAYOUT)
    if not rows:
        raise FetchError(f"the New York Fed sent no {rate.upper()} rows", hint=remote.HINT_LATER)
    if field_name not in rows[0]:
        raise FetchError(
            f"the New York Fed's {rate.upper()} rows have no field `{field_name}` "
            f"(they have: {', '.join(rows[0])})",
            hint="name a field they have, e.g. sofr:percentPercentile99, or report the change",
        )
    try:
        dates = pd.to_datetime([r["effectiveDate"] for r in rows], format="%Y-%m-%d")
    except (KeyError, ValueError) as exc:
        cause = f"the New York Fed's rows have a bad effectiveDate ({exc})"
        raise FetchError(cause, hint=HINT_LAYOUT) from None
    values = pd.to_numeric(pd.Series([r.get(field_name) for r in rows]), errors="coerce").to_numpy("float64")
    s = pd.Series(values, index=pd.DatetimeIndex(dates), name=f"{rate}:{field_name}").dropna()
    return s[~s.index.duplicated(keep="first")].sort_index()  # newest first: the first print is the latest


def fetch_rate(
    spec: str, start: str, answers: dict[tuple[str, str], str | FetchError] | None = None
) -> Callable[[pd.Timestamp | None], Fetched]:
    """A `market.cache` fetcher for one rate's field from a date on.

    Args:
        spec: ``rate`` or ``rate:field``.
        start: First date of a full download.
        answers: A per-run memo of answers (or failures) by (rate, start), so that SOFR's rate and
            percentiles cost one request, and a service that is down is asked once.
    """
    rate, field_name = split_spec(spec)
    memo = {} if answers is None else answers

    def fetch(since: pd.Timestamp | None) -> Fetched:
        first = start if since is None else since.strftime("%Y-%m-%d")
        if (rate, first) not in memo:
            try:
                memo[(rate, first)] = remote.get(
                    f"{API_URL}/{RATES[rate]}/{rate}/search.json",
                    what="the New York Fed's Markets API",
                    params={"startDate": first, "endDate": str(pd.Timestamp.now().date())},
                    timeout=TIMEOUT_S,
                ).text
            except FetchError as exc:
                memo[(rate, first)] = exc
        answer = memo[(rate, first)]
        if isinstance(answer, FetchError):
            raise FetchError(answer.cause, hint=answer.hint)
        return Fetched(parse_rates(answer, rate, field_name))

    return fetch
