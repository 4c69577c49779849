"""Long yields up while short-rate expectations fall: the 2-year down and the 10-year up, or a steepening."""

from __future__ import annotations

import pandas as pd

from signals.base import SignalOutput, Thresholds, Units, column_name, finite, one_of, positive_int, signal
from signals.primitives import change, hold

RULES = ("divergence", "steepening", "either")


def _requires(*, short: str, long: str, **_: object) -> tuple[str, ...]:
    return (short, long)


def _check(
    *, short: str, long: str, rule: str, window: int, x_bp: float, steepen_bp: float, hold_days: int
) -> None:
    column_name("short", short)
    column_name("long", long)
    one_of("rule", rule, RULES)
    positive_int("window", window)
    positive_int("hold_days", hold_days)
    for key, value in (("x_bp", x_bp), ("steepen_bp", steepen_bp)):
        finite(
            key,
            value,
            lo=0,
            lo_open=True,
            fix="e.g. x_bp=10: each leg moved 10bp or more over `window` days.",
        )


@signal(requires=_requires, check=_check)
def curve_divergence(
    frame: pd.DataFrame,
    *,
    short: str = "UST2Y",
    long: str = "UST10Y",
    rule: str = "divergence",
    window: int = 20,
    x_bp: float = 10.0,
    steepen_bp: float = 25.0,
    hold_days: int = 5,
) -> SignalOutput:
    """“short-term rate expectations can fall while long-term yields rise” (seed 004).

    Over the last `window` days (changes ``y[t] - y[t - window]``, in basis points):
    ``rule=divergence`` (default) triggers when the `short` yield fell by `x_bp` or more and the
    `long` yield rose by `x_bp` or more; ``rule=steepening`` when the long-minus-short spread (2s10s)
    widened by `steepen_bp` or more while the long yield rose; ``either``: both. Risk-off is on for
    `hold_days` days from each trigger.

    Requires: UST2Y and UST10Y (percent).

    Args:
        frame: Market frame.
        short: Short yield column (percent), the rate-expectations leg.
        long: Long yield column (percent).
        rule: ``divergence``, ``steepening`` or ``either``.
        window: Days over which the changes are measured.
        x_bp: Minimum fall of the short yield and rise of the long yield, basis points.
        steepen_bp: Minimum widening of the long-short spread, basis points.
        hold_days: Days a trigger keeps risk-off on.

    Returns:
        Risk-off state; score: ``min(-Δshort, Δlong)`` in bp (divergence and either: at or above
        `x_bp` is a divergence), or the spread's change in bp (steepening).
    """
    d_short, d_long = change(frame[short], window) * 100, change(frame[long], window) * 100
    divergence = pd.concat([-d_short, d_long], axis=1).min(axis=1, skipna=False)
    steepening = d_long - d_short
    diverged = divergence >= x_bp - 1e-9
    steepened = (steepening >= steepen_bp - 1e-9) & (d_long > 0)
    trigger = {"divergence": diverged, "steepening": steepened, "either": diverged | steepened}[rule]
    score = steepening.rename("steepening_bp") if rule == "steepening" else divergence.rename("divergence_bp")
    names = {
        "divergence": f"{short} fell and {long} rose ≥ {x_bp:g}bp over {window}d",
        "steepening": f"{long}-{short} widened ≥ {steepen_bp:g}bp over {window}d with {long} up",
    }
    parts = {"divergence": diverged, "steepening": steepened}
    bp = Units(unit=" bp", decimals=0, signed=True)
    read = {"divergence": (divergence, bp), "steepening": (steepening, bp)}
    used = list(parts) if rule == "either" else [rule]
    if rule == "steepening":
        units = Units(f"{long}-{short} {window}d change", " bp", 0, signed=True)
        th = Thresholds(steepen_bp, hold_days=hold_days, triggers=trigger, units=units,
                        conditions=(f"{long} up over {window}d",))  # fmt: skip
    else:  # the smaller of the two legs' moves, each in the rule's direction
        units = Units(f"min({short} fall, {long} rise) {window}d", " bp", 0, signed=True)
        alt = (f"or: {names['steepening']}",) if rule == "either" else ()
        th = Thresholds(x_bp, hold_days=hold_days, triggers=trigger, units=units, conditions=alt)
    return SignalOutput(
        risk_off=hold(trigger, hold_days),
        score=score,
        thresholds=th,
        conditions=pd.DataFrame({names[k]: parts[k] for k in used}),
        gauges={names[k]: read[k] for k in used},
    )
