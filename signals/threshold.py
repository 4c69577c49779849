"""A generic rule on any column: a level, a z-score or a breakout, so a user's own series needs no code."""

from __future__ import annotations

import pandas as pd

from common.errors import ConfigError
from signals.base import (
    SIGNAL_KEY,
    SignalOutput,
    Thresholds,
    Units,
    check_exit,
    column_name,
    one_of,
    positive_int,
    signal,
)
from signals.primitives import breakdown, breakout, hold, hysteresis, rolling_zscore

RULES = ("level", "zscore", "breakout")


def _requires(*, column: str, **_: object) -> tuple[str, ...]:
    return (column,)


def _check(
    *,
    column: str,
    rule: str,
    direction: str,
    entry: float | None,
    exit: float | None,
    window: int,
    hold_days: int,
) -> None:
    column_name("column", column)
    one_of("rule", rule, RULES)
    one_of("direction", direction, ("above", "below"))
    positive_int("window", window, lo=2 if rule == "zscore" else 1)  # a z-score needs 2 days
    positive_int("hold_days", hold_days)
    if rule != "breakout":
        if entry is None:
            raise ConfigError(
                f"the {rule} rule needs an entry threshold.",
                key=f"{SIGNAL_KEY}.entry",
                hint="e.g. strategy.signal.entry=2.0",
            )
        check_exit("entry", entry, "exit", exit, above=direction == "above")


@signal(requires=_requires, check=_check, unused=lambda rule, **_: ("window",) if rule == "level" else ())
def threshold(
    frame: pd.DataFrame,
    *,
    column: str = "VIX",
    rule: str = "level",
    direction: str = "above",
    entry: float | None = None,
    exit: float | None = None,
    window: int = 252,
    hold_days: int = 1,
) -> SignalOutput:
    """“By the way, watch these alongside:” (seed 004): SOFR-OIS, repo rates, cross-currency basis, MBS spreads.

    One rule on one column, any column of the data (bring your own with ``data=csv``):

    - ``level``: on when the column is at or beyond `entry`, off once it is back beyond `exit`
      (default `entry`); "beyond" is above for ``direction=above`` and below for ``below``.
    - ``zscore``: the same on the column's `window`-day rolling z-score.
    - ``breakout``: on for `hold_days` days from each close above the previous `window` days' high
      (``above``) or below their low (``below``).

    Requires: `column`.

    Args:
        frame: Market frame.
        column: The column to watch.
        rule: ``level``, ``zscore`` or ``breakout``.
        direction: ``above`` (risk-off on high values) or ``below`` (on low values).
        entry: Threshold that turns risk-off on (level and zscore rules).
        exit: Threshold past which it turns off again (null = `entry`).
        window: Z-score window or breakout look-back, trading days.
        hold_days: Days a breakout keeps risk-off on.

    Returns:
        Risk-off state; score: the column (level), its z-score (zscore), or its distance beyond the
        prior high/low (breakout).
    """
    x = frame[column]
    sign = 1.0 if direction == "above" else -1.0
    if rule == "breakout":
        prior = x.shift(1).rolling(window, min_periods=window)
        hit = breakout(x, window) if sign > 0 else breakdown(x, window)
        edge = prior.max() if sign > 0 else prior.min()
        return SignalOutput(
            risk_off=hold(hit, hold_days),
            score=(sign * (x - edge)).rename(f"{column}_beyond"),
            thresholds=Thresholds(
                0.0,
                hold_days=hold_days,
                triggers=hit,
                units=Units(f"{column} beyond its {window}d {'high' if sign > 0 else 'low'}", signed=True),
            ),  # fmt: skip
        )
    score = rolling_zscore(x, window).rename(f"{column}_z") if rule == "zscore" else x.rename(column)
    out = exit if exit is not None else entry
    return SignalOutput(
        risk_off=hysteresis(sign * score, sign * entry, sign * out),
        score=score,
        thresholds=Thresholds(entry, out, above=sign > 0, units=Units(str(score.name).replace("_z", " z"))),
    )
