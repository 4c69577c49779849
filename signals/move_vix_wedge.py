"""The MOVE/VIX wedge: bond volatility spiking while equity volatility sleeps."""

from __future__ import annotations

import pandas as pd

from common.checks import choice
from signals.base import SIGNAL_KEY, SignalOutput, Thresholds, Units, check_exit, finite, positive_int, signal
from signals.primitives import latch, rising, rolling_zscore


def _check(
    *,
    lookback: int,
    z_entry: float,
    z_exit: float,
    trend_window: int,
    vix_ceiling: float,
    full_window: bool = False,
) -> None:
    choice(
        f"{SIGNAL_KEY}.full_window",
        full_window,
        (True, False),
        fix="full_window=true waits for a full lookback window before the first z-score.",
    )
    positive_int("lookback", lookback, lo=2)  # a z-score needs 2 days
    positive_int("trend_window", trend_window)
    finite("vix_ceiling", vix_ceiling, lo=0, lo_open=True, fix="a VIX level, e.g. 20.")
    check_exit("z_entry", z_entry, "z_exit", z_exit)


@signal(requires=("MOVE", "VIX"), check=_check)
def move_vix_wedge(
    frame: pd.DataFrame,
    *,
    lookback: int = 252,
    z_entry: float = 1.5,
    z_exit: float = 0.5,
    trend_window: int = 20,
    vix_ceiling: float = 20.0,
    full_window: bool = False,
) -> SignalOutput:
    """“While the VIX remains near historic lows, the MOVE index has spiked, creating a technical wedge that historically precedes a sharp correction” (seed 000).

    Risk-off turns on when the MOVE/VIX ratio's z-score over `lookback` days reaches `z_entry`
    while MOVE is above its level `trend_window` days ago and VIX is below `vix_ceiling`; it stays
    on until the z-score falls below `z_exit`.

    Warm-up: the z-score is computed once 80% of its window has data (202 of 252 days with the
    default lookback; `signals.primitives.min_obs`), so on the bundled data the first decision is
    on 2003-09-02, about ten months after MOVE starts (2002-11-12); `full_window=true` waits for all
    `lookback` days. Before it the signal is neutral and not covered: `signal_coverage` and the run
    header count only the days on which it could decide.

    Requires: MOVE, VIX.

    Args:
        frame: Market frame.
        lookback: Window of the ratio's z-score, in trading days.
        z_entry: Z-score at which the wedge opens.
        z_exit: Z-score below which it closes (≤ z_entry).
        trend_window: MOVE must be higher than this many days ago.
        vix_ceiling: VIX must be below this level ("suppressed").
        full_window: Compute the z-score only on a full `lookback` window (default: from 80% of it).

    Returns:
        Risk-off state and the ratio z-score as score.
    """
    z = rolling_zscore(frame["MOVE"] / frame["VIX"], lookback, full_window=full_window)
    gates = (f"MOVE above its level {trend_window} days ago", f"VIX < {vix_ceiling:g}")
    parts = {
        f"wedge z ≥ {z_entry:g} (entry)": z >= z_entry,
        gates[0]: rising(frame["MOVE"], trend_window),
        gates[1]: frame["VIX"] < vix_ceiling,
    }
    leave = (z < z_exit) | z.isna()
    state = latch(pd.concat(parts, axis=1).all(axis=1), leave)
    exit_name = f"wedge z < {z_exit:g} (exit)"
    conditions = pd.DataFrame(parts | {exit_name: leave & z.notna()})
    move_change = frame["MOVE"] - frame["MOVE"].shift(trend_window)
    z_units = Units("wedge z")
    gauges = {
        f"wedge z ≥ {z_entry:g} (entry)": (z, z_units),
        gates[0]: (move_change, Units(unit=f" in {trend_window}d", decimals=1, signed=True)),
        gates[1]: (frame["VIX"], Units()),
        exit_name: (z, z_units),
    }
    return SignalOutput(
        risk_off=state,
        score=z.rename("wedge_z"),
        thresholds=Thresholds(z_entry, z_exit, conditions=gates, units=z_units),
        conditions=conditions,
        gauges=gauges,
    )
