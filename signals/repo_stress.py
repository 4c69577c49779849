"""Repo-market stress: overnight repo above the interest on reserves, or a wide spread of SOFR's trades."""

from __future__ import annotations

import pandas as pd

from signals.base import SignalOutput, Thresholds, Units, finite, one_of, positive_int, signal
from signals.primitives import hold, rolling_zscore

RULES = ("either", "iorb", "dispersion")
#: The score's units: the higher of SOFR and TGCR over IORB, basis points.
UNITS = Units("repo - IORB", " bp", 0, signed=True)


def _check(*, rule: str, x_bp: float, window: int, z_entry: float, hold_days: int) -> None:
    one_of("rule", rule, RULES)
    finite("x_bp", x_bp, fix="basis points above IORB, e.g. 5.")
    positive_int("window", window, lo=2)
    positive_int("hold_days", hold_days)
    finite("z_entry", z_entry, fix="standard deviations above the trailing mean, e.g. 2.")


@signal(requires=("SOFR", "TGCR", "IORB", "SOFR_P1", "SOFR_P99"), check=_check)
def repo_stress(
    frame: pd.DataFrame,
    *,
    rule: str = "either",
    x_bp: float = 5.0,
    window: int = 252,
    z_entry: float = 2.0,
    hold_days: int = 5,
) -> SignalOutput:
    """“Treasury repo rates (tightness signals demand for collateral)” (seed 004).

    ``rule=iorb``: on while SOFR or TGCR is `x_bp` basis points or more above the interest rate on
    reserve balances (banks would rather lend cash in repo than hold reserves: collateral is in
    demand, cash is scarce). ``rule=dispersion``: on when SOFR's 99th-minus-1st percentile spread
    (the day's range of repo trades) is `z_entry` standard deviations or more above its trailing
    `window`-day mean. ``rule=either`` (default): either one. Each firing holds risk-off for
    `hold_days` trading days.

    Requires: SOFR, TGCR, IORB, SOFR_P1, SOFR_P99 (percent; IORB from 2021-07-29).

    Args:
        frame: Market frame.
        rule: ``either``, ``iorb`` or ``dispersion``.
        x_bp: Repo above IORB, basis points.
        window: Trading days of the dispersion's trailing mean and standard deviation.
        z_entry: Standard deviations above that mean.
        hold_days: Trading days risk-off stays on after a firing.

    Returns:
        Risk-off state; score: the higher of SOFR and TGCR minus IORB, basis points.
    """
    over = ((frame[["SOFR", "TGCR"]].max(axis=1, skipna=False) - frame["IORB"]) * 100).rename(
        "repo_over_iorb_bp"
    )
    z = rolling_zscore((frame["SOFR_P99"] - frame["SOFR_P1"]) * 100, window)
    parts = pd.DataFrame(
        {f"repo - IORB ≥ {x_bp:g}bp": over >= x_bp, f"SOFR p99-p1 z ≥ {z_entry:g}": z >= z_entry}
    )
    used = {"either": list(parts.columns), "iorb": parts.columns[:1], "dispersion": parts.columns[1:]}[rule]
    fired = parts[used].any(axis=1)
    gauge = {parts.columns[0]: (over, UNITS), parts.columns[1]: (z, Units())}
    return SignalOutput(
        risk_off=hold(fired, hold_days),
        score=over,
        thresholds=Thresholds(
            x_bp,
            hold_days=hold_days,
            triggers=fired,
            units=UNITS,
            conditions=(f"or: SOFR p99-p1 z ≥ {z_entry:g}",) if rule == "either" else (),
        ),
        conditions=parts[used],
        gauges={name: gauge[name] for name in used},
    )
