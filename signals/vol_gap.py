"""Implied against realized volatility: an implied-vol index beside the realized vol of its market."""

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
from signals.primitives import hysteresis, realized_vol, rolling_zscore

MOVES = ("returns", "changes")


def _requires(*, implied: str, underlying: str, **_: object) -> tuple[str, ...]:
    return (implied, underlying)


def _check(
    *,
    implied: str,
    underlying: str,
    moves: str,
    realized_window: int,
    gap: str,
    rule: str,
    window: int,
    direction: str,
    entry: float,
    exit: float | None,
) -> None:
    column_name("implied", implied)
    column_name("underlying", underlying)
    one_of("moves", moves, MOVES)
    positive_int("realized_window", realized_window, lo=2)  # a volatility needs 2 days
    one_of("gap", gap, ("ratio", "spread"))
    one_of("rule", rule, ("level", "zscore"))
    positive_int("window", window, lo=2 if rule == "zscore" else 1)  # a z-score needs 2 days
    one_of("direction", direction, ("above", "below"))
    check_exit("entry", entry, "exit", exit, above=direction == "above")


def realized_leg(price: pd.Series, moves: str, window: int) -> pd.Series:
    """The realized volatility of `price` in the unit of its implied index.

    ``returns``: annualised std of daily percent returns, in percent (VIX's unit). ``changes``:
    annualised std of daily changes of a yield in percent, in basis points (MOVE's unit).
    """
    daily = price.pct_change(fill_method=None) * 100 if moves == "returns" else price.diff() * 100
    return realized_vol(daily, window)


def gap_units(implied: str, moves: str, gap: str, rule: str) -> Units:
    """The gap's units: ``VIX/RV z``, ``VIX/RV`` (a ratio), ``VIX-RV`` in vol points or ``MOVE-RV`` in bp.

    >>> gap_units("VIX", "returns", "spread", "level").text(4.2)
    'VIX-RV 4.2 pts'
    """
    name = f"{implied}{'/' if gap == 'ratio' else '-'}RV"
    if rule == "zscore":
        return Units(f"{name} z")
    if gap == "ratio":
        return Units(name)
    return Units(name, " pts" if moves == "returns" else " bp", 1, signed=True)


@signal(requires=_requires, check=_check)
def vol_gap(
    frame: pd.DataFrame,
    *,
    implied: str = "VIX",
    underlying: str = "SPX",
    moves: str = "returns",
    realized_window: int = 21,
    gap: str = "ratio",
    rule: str = "zscore",
    window: int = 252,
    direction: str = "above",
    entry: float = 1.5,
    exit: float | None = 0.5,
) -> SignalOutput:
    """“Note the extreme discrepancy between the realized volatility of the S&P 500 and the implied volatility of the US 10-Year Note” (seed 000).

    The implied leg is an index column (VIX, in vol points; MOVE, in basis points). The realized leg
    is the annualised (√252) std of the `underlying`'s last `realized_window` daily moves
    (21 trading days ≈ the 30 calendar days of the note's table): percent returns for an equity
    index (``moves=returns``, in percent), or yield changes for a yield in percent
    (``moves=changes``, in basis points, MOVE's unit). The gap is ``implied / realized``
    (``gap=ratio``) or ``implied - realized`` (``gap=spread``); the rule acts on the gap itself
    (``rule=level``) or its `window`-day z-score (``rule=zscore``): on when it reaches `entry`
    (``direction=above``; at or below it for ``below``), off once back past `exit` (null = `entry`).
    Rates: ``implied=MOVE underlying=UST10Y moves=changes``.

    Requires: the implied index and the underlying (default VIX and SPX).

    Args:
        frame: Market frame.
        implied: Implied-volatility index column.
        underlying: Price (``returns``) or yield in percent (``changes``) whose realized vol is the
            other leg.
        moves: ``returns`` or ``changes``.
        realized_window: Days of daily moves in the realized volatility.
        gap: ``ratio`` or ``spread``.
        rule: ``level`` or ``zscore``.
        window: Z-score window, trading days.
        direction: ``above`` (risk-off on a wide gap) or ``below`` (on a narrow one).
        entry: Gap (or z-score) that turns risk-off on.
        exit: Gap (or z-score) past which it turns off (null = `entry`).

    Returns:
        Risk-off state; score: the gap (level rule) or its z-score (zscore rule).
    """
    realized = realized_leg(frame[underlying], moves, realized_window)
    iv = frame[implied]
    value = iv / realized.where(realized > 0) if gap == "ratio" else iv - realized
    score = rolling_zscore(value, window) if rule == "zscore" else value
    sign = 1.0 if direction == "above" else -1.0
    out = entry if exit is None else exit
    state = hysteresis(sign * score, sign * entry, sign * out)
    th = Thresholds(entry, out, above=direction == "above", units=gap_units(implied, moves, gap, rule))
    return SignalOutput(
        risk_off=state, score=score.rename(f"vol_gap_{gap}{'_z' if rule == 'zscore' else ''}"), thresholds=th
    )
