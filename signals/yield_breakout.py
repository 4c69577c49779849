"""The 10-year yield breaking a level (or an N-day high) with the MOVE index rising."""

from __future__ import annotations

import pandas as pd

from signals.base import SignalOutput, Thresholds, Units, check_exit, one_of, positive_int, signal
from signals.primitives import breakout, hold, latch, rising


def _check(
    *, rule: str, level: float, exit_level: float | None, window: int, move_window: int, hold_days: int
) -> None:
    one_of("rule", rule, ("level", "high"))
    positive_int("window", window)
    positive_int("move_window", move_window)
    positive_int("hold_days", hold_days)
    check_exit("level", level, "exit_level", exit_level)


@signal(requires=("UST10Y", "MOVE"), check=_check)
def yield_breakout(
    frame: pd.DataFrame,
    *,
    rule: str = "level",
    level: float = 4.55,
    exit_level: float | None = None,
    window: int = 252,
    move_window: int = 20,
    hold_days: int = 20,
) -> SignalOutput:
    """“Watch the 4.55 percent level on the 10-year yield. A break above that mark with a rising MOVE index will likely trigger the systematic deleveraging” (seed 000).

    ``rule=level``: risk-off turns on when UST10Y closes at or above `level` while MOVE is above its
    level `move_window` days ago, and stays on until UST10Y closes below `exit_level` (default: `level`).
    ``rule=high``: risk-off for `hold_days` days from each close above the previous `window` days' high
    made while MOVE is rising.

    Requires: UST10Y (percent), MOVE.

    Args:
        frame: Market frame.
        rule: ``level`` (a fixed mark) or ``high`` (an N-day high).
        level: The mark, in percent (level rule).
        exit_level: Close below which the level rule exits (≤ `level`; null = `level`).
        window: N of the N-day high, in trading days (high rule).
        move_window: MOVE must be higher than this many days ago (the confirmation).
        hold_days: Days a high-rule breakout keeps risk-off on.

    Returns:
        Risk-off state; score: UST10Y minus the mark (level rule) or minus the prior N-day high (high
        rule), in basis points. The level rule's thresholds apply to UST10Y itself (its `measure`, in
        percent: `level` and the exit level), the high rule's to the score.
    """
    y, move_up = frame["UST10Y"], rising(frame["MOVE"], move_window)
    gate = (f"MOVE above its level {move_window} days ago",)
    move_change = frame["MOVE"] - frame["MOVE"].shift(move_window)
    move_units = Units(unit=f" in {move_window}d", decimals=1, signed=True)
    if rule == "level":
        out = level if exit_level is None else exit_level
        state = latch((y >= level) & move_up, y < out)
        # the thresholds in the yield's own units: "10y 4.69% ≥ 4.55%"
        th = Thresholds(level, out, measure=y, conditions=gate, units=Units("10y", "%", gap_bp=True))
        parts = {
            f"UST10Y ≥ {level:g}% (entry)": y >= level,
            gate[0]: move_up,
            f"UST10Y < {out:g}% (exit)": y < out,
        }
        score = ((y - level) * 100).rename("bp_above_level")
        gauges = dict.fromkeys(parts, (y, th.units)) | {gate[0]: (move_change, move_units)}
        return SignalOutput(
            risk_off=state, score=score, thresholds=th, conditions=pd.DataFrame(parts), gauges=gauges
        )
    broke = breakout(y, window)
    fired = broke & move_up
    prior_high = y.shift(1).rolling(window, min_periods=window).max()
    units = Units(f"10y vs its {window}d high", " bp", 0, signed=True)
    th = Thresholds(0.0, hold_days=hold_days, triggers=fired, conditions=gate, units=units)
    score = ((y - prior_high) * 100).rename("bp_above_high")
    parts = pd.DataFrame({f"UST10Y above its {window}-day high": broke, gate[0]: move_up})
    gauges = {parts.columns[0]: (score, units), gate[0]: (move_change, move_units)}
    return SignalOutput(
        risk_off=hold(fired, hold_days), score=score, thresholds=th, conditions=parts, gauges=gauges
    )
