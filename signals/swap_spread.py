"""The 10-year swap spread: swap rate minus Treasury yield, falling or below a level."""

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
from signals.primitives import change, hysteresis

RULES = ("change", "level", "either")


def _requires(*, swap: str, treasury: str, spread: str | None, **_: object) -> tuple[str, ...]:
    return (spread,) if spread else (swap, treasury)


def _check(
    *,
    swap: str,
    treasury: str,
    spread: str | None,
    rule: str,
    window: int,
    drop_bp: float,
    exit_drop_bp: float,
    level_bp: float,
    exit_level_bp: float | None,
) -> None:
    if spread is not None:
        column_name("spread", spread)
    else:
        column_name("swap", swap)
        column_name("treasury", treasury)
    one_of("rule", rule, RULES)
    positive_int("window", window)
    finite(
        "drop_bp",
        drop_bp,
        lo=0,
        lo_open=True,
        fix="e.g. drop_bp=10: the spread fell 10bp or more over `window` days.",
    )
    check_exit("drop_bp", drop_bp, "exit_drop_bp", exit_drop_bp)
    check_exit("level_bp", level_bp, "exit_level_bp", exit_level_bp, above=False)


@signal(requires=_requires, check=_check)
def swap_spread(
    frame: pd.DataFrame,
    *,
    swap: str = "SWAP10Y",
    treasury: str = "UST10Y",
    spread: str | None = None,
    rule: str = "change",
    window: int = 60,
    drop_bp: float = 20.0,
    exit_drop_bp: float = 0.0,
    level_bp: float = 0.0,
    exit_level_bp: float | None = None,
) -> SignalOutput:
    """“A negative spread between the US SOFR swap rate and 10y UST yield ... suggests risk-off mood, flight to safety” (seed 004).

    The spread is ``(swap - treasury) * 100`` in basis points (both columns in percent), or the
    `spread` column as given (in basis points: a vendor's swap-spread series, mapped in with
    ``data=csv``). ``rule=change`` (default): on when the spread has fallen `drop_bp` or more over
    `window` days, off once the fall is less than `exit_drop_bp`. ``rule=level``: on when the spread
    is at or below `level_bp`, off above `exit_level_bp` (default `level_bp`). ``either``: both. The
    default is the change rule because the 10-year spread has been negative since 2015, so the level
    rule alone is always on from then. Neutral wherever the inputs have no data (the bundled swap rate
    covers 2000-07 to 2016-10 only); the run reports the covered fraction.

    Requires: SWAP10Y and UST10Y, or a spread column.

    Args:
        frame: Market frame.
        swap: Swap-rate column (percent).
        treasury: Treasury-yield column (percent).
        spread: A spread column in basis points, used instead of `swap` - `treasury`.
        rule: ``change``, ``level`` or ``either``.
        window: Days over which the fall is measured.
        drop_bp: Fall in basis points that turns the change rule on.
        exit_drop_bp: The change rule turns off when the fall is less than this (≤ `drop_bp`).
        level_bp: Spread level in basis points at or below which the level rule turns on.
        exit_level_bp: The level rule turns off above this (≥ `level_bp`; null = `level_bp`).

    Returns:
        Risk-off state; score: the spread in basis points.
    """
    bp = frame[spread] if spread else (frame[swap] - frame[treasury]) * 100
    fall = -change(bp, window)
    on_change = hysteresis(fall, drop_bp, exit_drop_bp)
    exit_level = level_bp if exit_level_bp is None else exit_level_bp
    on_level = hysteresis(-bp, -level_bp, -exit_level)  # on at bp ≤ level_bp, off at bp > exit_level
    state = {"change": on_change, "level": on_level, "either": on_change | on_level}[rule]
    name = "swap spread" if spread else f"{swap}-{treasury}"
    th = {
        "change": Thresholds(drop_bp, exit_drop_bp, measure=fall.rename(f"fall_{window}d_bp"),
                             units=Units(f"{name} fall over {window}d", " bp", 1, signed=True)),
        "level": Thresholds(level_bp, exit_level, above=False, units=Units(name, " bp", 1, signed=True)),
    }.get(rule)  # `either` has two rules: no single threshold  # fmt: skip
    return SignalOutput(risk_off=state, score=bp.rename("swap_spread_bp"), thresholds=th)
