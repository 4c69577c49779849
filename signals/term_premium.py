"""The 10-year term premium at a multi-month high, or above a level."""

from __future__ import annotations

import pandas as pd

from signals.base import (
    SignalOutput,
    Thresholds,
    Units,
    check_exit,
    column_name,
    one_of,
    positive_int,
    signal,
)
from signals.primitives import breakout, hold, hysteresis


def _requires(*, column: str, **_: object) -> tuple[str, ...]:
    return (column,)


def _check(
    *, column: str, rule: str, window: int, hold_days: int, level: float, exit_level: float | None
) -> None:
    column_name("column", column)
    one_of("rule", rule, ("high", "level"))
    positive_int("window", window)
    positive_int("hold_days", hold_days)
    check_exit("level", level, "exit_level", exit_level)


@signal(requires=_requires, check=_check)
def term_premium(
    frame: pd.DataFrame,
    *,
    column: str = "TERM_PREMIUM_10Y",
    rule: str = "high",
    window: int = 378,
    hold_days: int = 20,
    level: float = 1.0,
    exit_level: float | None = None,
) -> SignalOutput:
    """“the term premium on the 10-year note has hit its highest level in eighteen months” (seed 000).

    ``rule=high`` (default): risk-off for `hold_days` days from each close above the highest value of
    the previous `window` days (378 trading days ≈ 18 months). ``rule=level``: on at or above `level`
    (percent), off below `exit_level` (default `level`).

    Requires: TERM_PREMIUM_10Y (percent; the NY Fed ACM estimate in the bundled data).

    Args:
        frame: Market frame.
        column: The term-premium column, in percent.
        rule: ``high`` or ``level``.
        window: Look-back of the high, in trading days.
        hold_days: Days a new high keeps risk-off on.
        level: Level rule threshold, percent.
        exit_level: Level rule exit (≤ `level`; null = `level`).

    Returns:
        Risk-off state; score: term premium minus the prior `window`-day high, in basis points (high
        rule), or the term premium in percent (level rule).
    """
    tp = frame[column]
    if rule == "level":
        out = level if exit_level is None else exit_level
        th = Thresholds(level, out, units=Units("term premium", "%", gap_bp=True))
        return SignalOutput(
            risk_off=hysteresis(tp, level, out), score=tp.rename("term_premium"), thresholds=th
        )
    prior_high = tp.shift(1).rolling(window, min_periods=window).max()
    fired = breakout(tp, window)
    units = Units(f"term premium vs its {window}d high", " bp", 0, signed=True)
    th = Thresholds(0.0, hold_days=hold_days, triggers=fired, units=units)
    score = ((tp - prior_high) * 100).rename("bp_above_high")
    return SignalOutput(risk_off=hold(fired, hold_days), score=score, thresholds=th)
