"""Yield shocks: repeated large daily swings in the 10-year yield."""

from __future__ import annotations

import pandas as pd

from common.errors import ConfigError
from signals.base import (
    SIGNAL_KEY,
    SignalOutput,
    Thresholds,
    Units,
    column_name,
    finite,
    one_of,
    positive_count,
    signal,
)
from signals.primitives import count_in_window

MEASURES = ("auto", "range", "close")


def _range_columns(column: str) -> tuple[str, str]:
    return f"{column}_HIGH", f"{column}_LOW"


def _requires(*, column: str, measure: str, **_: object) -> tuple[str, ...]:
    return (column, *_range_columns(column)) if measure == "range" else (column,)


def _check(*, column: str, measure: str, x_bp: float, k: int, n: int) -> None:
    column_name("column", column)
    one_of("measure", measure, MEASURES)
    positive_count("k", k)
    positive_count("n", n)
    if k > n:
        raise ConfigError(
            f"k ({k}) is larger than n ({n}): at least k moves cannot happen within n days.",
            key=f"{SIGNAL_KEY}.k",
            hint="set k ≤ n, e.g. k=3 n=5.",
        )
    finite("x_bp", x_bp, lo=0, lo_open=True, fix="a swing in basis points, e.g. 15.")


@signal(requires=_requires, check=_check)
def yield_shock(
    frame: pd.DataFrame,
    *,
    column: str = "UST10Y",
    measure: str = "auto",
    x_bp: float = 15.0,
    k: int = 3,
    n: int = 5,
) -> SignalOutput:
    """“intraday swings in the 10-year yield have exceeded 15 basis points three times in the last week” (seed 000).

    A day's swing is its intraday range, ``<column>_HIGH - <column>_LOW``, when the data has both
    columns (e.g. mapped in with ``data=csv``), else the absolute close-to-close change. Risk-off is on
    while at least `k` of the last `n` days (today included) swung by `x_bp` basis points or more. The
    output's ``notes`` say which measure was used.

    Requires: UST10Y (percent); UST10Y_HIGH and UST10Y_LOW for the intraday range.

    Args:
        frame: Market frame.
        column: The yield column, in percent.
        measure: ``auto`` (range if the data has it, else close-to-close), ``range`` or ``close``.
        x_bp: Size of a shock, in basis points.
        k: Shocks needed ...
        n: ... within this many trading days (k ≤ n).

    Returns:
        Risk-off state; score: number of shocks in the last `n` days.
    """
    high, low = _range_columns(column)
    use_range = measure == "range" or (measure == "auto" and {high, low} <= set(frame.columns))
    if use_range:
        swing, covered = (frame[high] - frame[low]) * 100, frame[[high, low]].notna().all(axis=1)
        note = f"yield_shock: intraday range {high} - {low} of ≥ {x_bp:g}bp, {k} of {n} days"
    else:
        swing, covered = frame[column].diff().abs() * 100, None
        note = (
            f"yield_shock: close-to-close |Δ{column}| ≥ {x_bp:g}bp, {k} of {n} days (the data has no "
            f"{high}/{low} columns for the intraday range)"
        )
    count = count_in_window(swing >= x_bp - 1e-9, n)
    return SignalOutput(
        risk_off=count >= k,
        score=count.rename("shocks"),
        covered=covered,
        notes=(note,),
        thresholds=Thresholds(
            float(k), float(k), units=Units(f"{column} shocks (≥ {x_bp:g}bp) in {n}d", "", 0)
        ),
    )
