"""Typed checks of config values: the one set every room validates with.

Each check takes the value's full config key (``strategy.signal.z_entry``) and the value, returns the
value in its checked type, and raises `BadValue` (a `ConfigError`) naming the key, the value and a fix.
A check looks at one value alone; rules relating several values (an exit below its entry) stay with
the room that owns them and raise a plain `ConfigError`. The difference matters for sweeps: a value
that fails here is wrong in every configuration, so a grid or a ``-m`` sweep holding it runs nothing.

>>> number("backtest.fees_bp", 2, lo=0, hi=10_000, hi_open=True)
2.0
>>> whole("strategy.signal.lookback", 252, lo=2)
252
>>> str(date("data.start", "2020-01-31").date())
'2020-01-31'
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date as _date
from typing import Any

import pandas as pd

from common.errors import ConfigError, did_you_mean

#: A date as config writes it: ``2020``, ``2020-06`` or ``2020-06-30`` (a time may follow the day).
_DATE = re.compile(r"^\d{4}(-\d{1,2}(-\d{1,2}([ T].*)?)?)?$")


class BadValue(ConfigError):
    """A value no configuration can accept: of the wrong type, not finite, or out of its range."""


def _refuse(key: str, value: Any, what: str, fix: str | None) -> BadValue:
    return BadValue(f"must be {what}, got {value!r}.", key=key, hint=fix)


def _interval(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    """The range for a message, e.g. ``in [0, 10000)`` or ``> 0``."""
    if lo is not None and hi is not None:
        return f"in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    if lo is not None:
        return f"{'>' if lo_open else '≥'} {lo:g}"
    if hi is not None:
        return f"{'<' if hi_open else '≤'} {hi:g}"
    return ""


def is_number(value: Any) -> bool:
    """True for a finite real number (not a bool, not a string)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(float(value))


def number(
    key: str,
    value: Any,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    fix: str | None = None,
) -> float:
    """A finite real number, optionally inside [lo, hi] (open ends with `lo_open`/`hi_open`).

    Raises:
        BadValue: Not a number (a string, null, a bool), NaN or infinite, or out of the range.

    >>> number("strategy.signal.z_entry", float("nan"))
    Traceback (most recent call last):
    common.checks.BadValue: `strategy.signal.z_entry`: must be a finite number, got nan.
    """
    span = _interval(lo, hi, lo_open, hi_open)
    what = f"a finite number {span}".rstrip() if span else "a finite number"
    if not is_number(value):
        raise _refuse(key, value, what, fix)
    x = float(value)
    below = lo is not None and (x <= lo if lo_open else x < lo)
    above = hi is not None and (x >= hi if hi_open else x > hi)
    if below or above:
        raise _refuse(key, value, what, fix)
    return x


def whole(
    key: str, value: Any, *, lo: int | None = 1, hi: int | None = None, unit: str = "", fix: str | None = None
) -> int:
    """A whole number (an int; 2.0 is refused: config writes counts without a point), at least `lo`.

    Args:
        key: The config key.
        value: The value.
        lo: Smallest allowed value (None: no bound).
        hi: Largest allowed value (None: no bound).
        unit: What it counts, for the message (e.g. ``trading days``).
        fix: How to fix it.

    Raises:
        BadValue: Not an int, or out of [lo, hi].
    """
    span = _interval(lo, hi, False, False)
    what = " ".join(p for p in ("a whole number", f"of {unit}" if unit else "", span) if p)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _refuse(key, value, what, fix)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise _refuse(key, value, what, fix)
    return int(value)


def choice(key: str, value: Any, choices: Iterable[Any], fix: str | None = None) -> Any:
    """One of `choices` (compared with ``==``; True is not 1 here), with a "did you mean".

    Raises:
        BadValue: Any other value.
    """
    options = list(choices)
    if not any(value == c and isinstance(value, bool) == isinstance(c, bool) for c in options):
        shown = ", ".join(str(c).lower() if isinstance(c, bool) else str(c) for c in options)
        raise BadValue(
            f"unknown value {value!r}.{did_you_mean(str(value), [str(c) for c in options])}",
            key=key,
            hint=fix or f"choose one of: {shown}.",
        )
    return value


def text(key: str, value: Any, *, what: str = "a non-empty name", fix: str | None = None) -> str:
    """A non-empty string (surrounding blanks do not count).

    Raises:
        BadValue: Not a string, or blank.
    """
    if not isinstance(value, str) or not value.strip():
        raise _refuse(key, value, what, fix)
    return value


def date(key: str, value: Any, fix: str | None = None) -> pd.Timestamp | None:
    """A calendar date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, or a date object); None stays None.

    Words pandas would read relative to today (``now``, ``today``) are refused: a backtest's window
    must not move with the day it is run.

    Raises:
        BadValue: Not a date, or an impossible one (``2020-13-01``).
    """
    if value is None:
        return None
    fix = fix or f"write the date as YYYY-MM-DD, e.g. {key}=2010-01-04 (or null for no bound)."
    if isinstance(value, _date):
        return pd.Timestamp(value)
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        raise _refuse(key, value, "a date (YYYY-MM-DD)", fix)
    try:
        return pd.Timestamp(value.strip())
    except (ValueError, OverflowError):
        raise _refuse(key, value, "a date that exists (YYYY-MM-DD)", fix) from None


def mapping(
    key: str, value: Any, item: Callable[[str, Any], Any] | None = None, *, fix: str | None = None
) -> dict[str, Any]:
    """A mapping with string keys; each entry checked by ``item(f"{key}.{name}", v)`` when given.

    Returns:
        A plain dict of the checked entries.

    Raises:
        BadValue: Not a mapping; or what `item` raises, naming the entry's key.
    """
    if not isinstance(value, Mapping):
        raise _refuse(key, value, "a mapping, e.g. {equity: 0.6, bonds: 0.4}", fix)
    return {str(k): (item(f"{key}.{k}", v) if item is not None else v) for k, v in value.items()}
