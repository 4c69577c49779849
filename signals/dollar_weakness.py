"""A weakening US dollar: the broad dollar index falling over n days, or breaking below its n-day low."""

from __future__ import annotations

import pandas as pd

from signals.base import (
    SignalOutput,
    Thresholds,
    Units,
    check_exit,
    column_name,
    finite,
    one_of,
    positive_int,
    signal,
)
from signals.primitives import breakdown, hold, hysteresis


def _requires(*, column: str, **_: object) -> tuple[str, ...]:
    return (column,)


def _check(
    *, column: str, rule: str, window: int, drop_pct: float, exit_drop_pct: float, hold_days: int
) -> None:
    column_name("column", column)
    one_of("rule", rule, ("change", "low"))
    positive_int("window", window)
    positive_int("hold_days", hold_days)
    finite("drop_pct", drop_pct, lo=0, lo_open=True, fix="e.g. drop_pct=3: the dollar index fell 3% or more.")
    check_exit("drop_pct", drop_pct, "exit_drop_pct", exit_drop_pct)


@signal(requires=_requires, check=_check)
def dollar_weakness(
    frame: pd.DataFrame,
    *,
    column: str = "DTWEXBGS",
    rule: str = "change",
    window: int = 63,
    drop_pct: float = 3.0,
    exit_drop_pct: float = 1.0,
    hold_days: int = 20,
) -> SignalOutput:
    """“the global asset markets are facing rising bond yields, falling stocks and a weakening USD” (seed 004).

    ``rule=change`` (default): on when the dollar index has fallen `drop_pct` percent or more over
    `window` days (``100 * (1 - x[t] / x[t - window])``), off once the fall is less than
    `exit_drop_pct`. ``rule=low``: on for `hold_days` days from each close below the lowest close
    of the previous `window` days. FRED's `DTWEXBGS` (Nominal Broad U.S. Dollar Index, daily from
    2006) is in the bundled data and comes through ``data=live``; or map your own export (DXY, a
    trade-weighted index) with ``data=csv`` and point `column` at it.

    Requires: DTWEXBGS (or `column`).

    Args:
        frame: Market frame.
        column: The dollar index column.
        rule: ``change`` or ``low``.
        window: Days over which the fall is measured, or the look-back of the low.
        drop_pct: Fall in percent that turns the change rule on.
        exit_drop_pct: The change rule turns off when the fall is less than this (≤ `drop_pct`).
        hold_days: Days a new low keeps risk-off on (low rule).

    Returns:
        Risk-off state; score: the fall over `window` days in percent (positive = weaker dollar).
    """
    x = frame[column]
    fall = (1 - x / x.shift(window)) * 100
    if rule == "change":
        units = Units(f"{column} fall over {window}d", "%", 1)
        th = Thresholds(drop_pct, exit_drop_pct, units=units)
        return SignalOutput(risk_off=hysteresis(fall, drop_pct, exit_drop_pct), score=fall.rename("dollar_fall_pct"),
                            thresholds=th)  # fmt: skip
    broke = breakdown(x, window)
    beyond = ((x / x.shift(1).rolling(window, min_periods=window).min() - 1) * 100).rename(
        f"{column}_vs_low_pct"
    )
    units = Units(f"{column} vs its {window}d low", "%", 2, signed=True)
    th = Thresholds(0.0, above=False, hold_days=hold_days, triggers=broke, measure=beyond, units=units)
    return SignalOutput(risk_off=hold(broke, hold_days), score=fall.rename("dollar_fall_pct"), thresholds=th)
