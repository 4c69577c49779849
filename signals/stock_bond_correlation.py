"""Stocks and bonds moving together: bonds no longer hedge."""

from __future__ import annotations

import pandas as pd

from signals.base import (
    SignalOutput,
    Thresholds,
    Units,
    check_exit,
    column_name,
    finite,
    positive_int,
    signal,
)
from signals.primitives import hysteresis, rolling_corr


def _requires(*, equity: str, bonds: str, **_: object) -> tuple[str, ...]:
    return (equity, bonds)


def _check(*, equity: str, bonds: str, window: int, entry: float, exit: float) -> None:
    column_name("equity", equity)
    column_name("bonds", bonds)
    positive_int("window", window, lo=3)  # a correlation needs 3 days
    for key, value in (("entry", entry), ("exit", exit)):
        finite(key, value, lo=-1, hi=1, fix="a correlation, between -1 and 1.")
    check_exit("entry", entry, "exit", exit)


@signal(requires=_requires, check=_check)
def stock_bond_correlation(
    frame: pd.DataFrame,
    *,
    equity: str = "SPY",
    bonds: str = "IEF",
    window: int = 63,
    entry: float = 0.3,
    exit: float = 0.0,
) -> SignalOutput:
    """“in a regime of rising volatility and fiscal uncertainty, both assets can fall simultaneously” (seed 000).

    The rolling `window`-day Pearson correlation of daily equity and bond returns (close to close).
    Risk-off turns on when it reaches `entry` (bonds are no hedge) and off when it falls below `exit`.
    The strategy presets point `equity` and `bonds` at the data's sleeve columns.

    Requires: an equity and a bond price column (default SPY, IEF).

    Args:
        frame: Market frame.
        equity: Equity price column.
        bonds: Bond price column.
        window: Correlation window, trading days.
        entry: Correlation at which risk-off turns on.
        exit: Correlation below which it turns off (≤ `entry`).

    Returns:
        Risk-off state; score: the rolling correlation.
    """
    r_eq = frame[equity].pct_change(fill_method=None)
    r_bd = frame[bonds].pct_change(fill_method=None)
    corr = rolling_corr(r_eq, r_bd, window)
    return SignalOutput(
        risk_off=hysteresis(corr, entry, exit),
        score=corr.rename("stock_bond_corr"),
        thresholds=Thresholds(entry, exit, units=Units(f"{equity}/{bonds} {window}d corr", signed=True)),
    )
