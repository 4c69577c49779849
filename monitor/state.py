"""What a signal says on the last date of its data: pure functions of its output, no I/O.

Every function here reads a signal's `signals.base.SignalOutput` (and its strategy's target weights)
as computed on the whole market frame; nothing refits or peeks past the last close.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from signals.base import SignalOutput, Thresholds, Units


@dataclass(frozen=True)
class InputAge:
    """One input column's freshness.

    Attributes:
        column: The frame column.
        last: The last date it had its own print (not a forward-filled one), or None if never.
        stale_days: Trading days (rows of the frame) after `last`, up to the report date.
    """

    column: str
    last: pd.Timestamp | None
    stale_days: int


@dataclass(frozen=True)
class SignalState:
    """One signal on the report date.

    Attributes:
        name: The row's label (the strategy preset, or the replayed run).
        signal: The signal function's name.
        as_of: The report date: the last date of the market frame.
        risk_off: The state on `as_of` (neutral, False, where the inputs do not cover it).
        covered: Whether the inputs covered `as_of`.
        since: The first date of the current unbroken run of `risk_off` (not covered: of the run of
            days without coverage, i.e. since when the signal cannot decide).
        value: The value the thresholds apply to on `as_of` (the score, or the thresholds' measure).
        value_name: Its name (its units: ``wedge_z``, ``bp_above_level``, ...).
        thresholds: The signal's thresholds, or None.
        trigger: ``entry`` (off: what turns it on), ``exit`` (on: what turns it off), ``hold`` (on:
            a time exit) or ``""`` (no thresholds).
        to_trigger: How far `value` must move to reach the next trigger, in its units (signed: up is
            positive), or NaN.
        days_left: For a hold exit: closes after `as_of` that stay on unless the rule fires again.
        inputs: Each input column's freshness.
        coverage: Share of the frame's days the inputs cover.
        weights: The strategy's target weights decided at the close of `as_of` (traded `lag` closes
            later); NaN where the rule cannot decide (a sleeve without prices).
        lag: Execution lag, closes.
        history: ``value`` and ``risk_off`` over the chart's window.
        units: How `value` and the thresholds read (`signals.base.Units`, the signal's declaration).
        why: Each condition of the rule (`SignalOutput.conditions`) on `as_of` and whether it holds.
        gauges: For the conditions that have one (`SignalOutput.gauges`), the number they read on
            `as_of`, in its units (``16.01``, ``-6.1 in 20d``).
    """

    name: str
    signal: str
    as_of: pd.Timestamp
    risk_off: bool
    covered: bool
    since: pd.Timestamp
    value: float
    value_name: str
    thresholds: Thresholds | None
    trigger: str
    to_trigger: float
    days_left: int | None
    inputs: tuple[InputAge, ...]
    coverage: float
    weights: Mapping[str, float]
    lag: int
    history: pd.DataFrame = field(repr=False, compare=False)
    units: Units = Units()
    why: tuple[tuple[str, bool], ...] = ()
    gauges: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``on``, ``off`` or ``n/c`` (off because the inputs do not cover the report date)."""
        if self.risk_off:
            return "on"
        return "off" if self.covered else "n/c"


def since(state: pd.Series) -> pd.Timestamp:
    """The first date of the last unbroken run of equal values in a boolean series.

    >>> s = pd.Series([False, True, True, False, False], index=pd.date_range("2024-01-01", periods=5))
    >>> str(since(s).date())
    '2024-01-04'
    """
    values = state.to_numpy(dtype=bool)
    changes = np.flatnonzero(values[1:] != values[:-1])
    return state.index[changes[-1] + 1] if len(changes) else state.index[0]


def gauges_now(out: SignalOutput, index: pd.Index) -> dict[str, str]:
    """Each gauge's number on the last date of `index`, in its units (`SignalOutput.gauges`).

    >>> idx = pd.date_range("2024-01-01", periods=2)
    >>> vix = pd.Series([18.0, 16.01], index=idx)
    >>> gauges_now(SignalOutput(pd.Series(False, index=idx), gauges={"VIX < 20": (vix, Units())}), idx)
    {'VIX < 20': '16.01'}
    """
    return {
        name: units.number(float(series.reindex(index).iloc[-1]))
        for name, (series, units) in out.gauges.items()
    }


def conditions_now(conditions: pd.DataFrame | None) -> tuple[tuple[str, bool], ...]:
    """Each condition of a rule on the last date, and whether it holds there.

    >>> idx = pd.date_range("2024-01-01", periods=2)
    >>> conditions_now(pd.DataFrame({"VIX < 20": [False, True], "MOVE rising": [True, False]}, index=idx))
    (('VIX < 20', True), ('MOVE rising', False))
    """
    if conditions is None or not len(conditions):
        return ()
    last = conditions.iloc[-1]
    return tuple((str(name), bool(last[name])) for name in conditions.columns)


def next_trigger(value: float, on: bool, th: Thresholds) -> tuple[str, float]:
    """The next trigger and how far `value` must move to reach it (signed: up is positive).

    Off, the next trigger is the entry; on, the exit (or a time exit, ``hold``, with no distance).

    >>> next_trigger(1.1, False, Thresholds(1.5, 0.5))
    ('entry', 0.4)
    >>> next_trigger(2.0, True, Thresholds(1.5, 0.5))
    ('exit', -1.5)
    """
    if on:
        if th.exit is None:
            return "hold", math.nan
        return "exit", round(th.exit - value, 12)
    return "entry", round(th.entry - value, 12)


def hold_days_left(triggers: pd.Series, hold_days: int) -> int | None:
    """Closes after the last date that a hold rule stays on unless it fires again (None: never fired).

    A rule that fired on day t holds days t .. t + hold_days - 1 (`signals.primitives.hold`).

    >>> hold_days_left(pd.Series([False, True, False, False]), 5)
    2
    """
    fired = np.flatnonzero(triggers.fillna(False).to_numpy(dtype=bool))
    if not len(fired):
        return None
    return max(hold_days - 1 - (len(triggers) - 1 - int(fired[-1])), 0)


def input_ages(
    index: pd.DatetimeIndex,
    last_observed: Mapping[str, pd.Timestamp],
    frame: pd.DataFrame,
    columns: tuple[str, ...],
) -> tuple[InputAge, ...]:
    """Each input's last own print and the trading days since (frame rows after it).

    Columns the loader did not report on (`MarketData.last_observed`) fall back to their last
    non-missing value in the frame.
    """
    ages = []
    for col in columns:
        last = last_observed.get(col)
        if last is None:
            last = frame[col].last_valid_index()
        stale = int((index > last).sum()) if last is not None else len(index)
        ages.append(InputAge(col, last, stale))
    return tuple(ages)


def assess(
    name: str,
    out: SignalOutput,
    targets: pd.DataFrame,
    *,
    frame: pd.DataFrame,
    last_observed: Mapping[str, pd.Timestamp],
    columns: tuple[str, ...],
    lag: int,
    history_days: int = 504,
) -> SignalState:
    """The state of one signal on the frame's last date.

    Args:
        name: The row's label.
        out: The signal's output on the whole frame (through the `@signal` wrapper: coverage filled in).
        targets: Its strategy's target weights on the whole frame.
        frame: The market frame.
        last_observed: Each column's last own print (`market.types.MarketData.last_observed`).
        columns: The signal's input columns.
        lag: Execution lag.
        history_days: Trading days of history kept for the chart.
    """
    as_of = frame.index[-1]
    risk_off = out.risk_off.reindex(frame.index, fill_value=False).astype(bool)
    on = bool(risk_off.iloc[-1])
    series = out.thresholded
    value = float(series.iloc[-1]) if series is not None else math.nan
    th = out.thresholds
    trigger, distance, left = "", math.nan, None
    if th is not None and series is not None:
        trigger, distance = next_trigger(value, on, th)
        if trigger == "hold" and th.triggers is not None and th.hold_days is not None:
            left = hold_days_left(th.triggers, th.hold_days)
    history = pd.DataFrame(
        {"value": series if series is not None else risk_off.astype(float), "risk_off": risk_off}
    ).iloc[-history_days:]
    last_w = targets.iloc[-1] if len(targets) else pd.Series(dtype=float)
    covered_now = bool(out.covered.iloc[-1]) if out.covered is not None else True
    return SignalState(
        name=name,
        signal=str(out.risk_off.name),
        as_of=as_of,
        risk_off=on,
        covered=covered_now,
        since=since(risk_off if covered_now else out.covered.astype(bool)),  # n/c: since coverage ended
        value=value,
        value_name=str(series.name) if series is not None else "risk_off",
        thresholds=th,
        trigger=trigger,
        to_trigger=distance,
        days_left=left,
        inputs=input_ages(frame.index, last_observed, frame, columns),
        coverage=out.coverage,
        weights={str(k): float(v) for k, v in last_w.items()},
        lag=lag,
        history=history,
        units=th.units if th is not None else Units(),
        why=conditions_now(out.conditions),
        gauges=gauges_now(out, frame.index),
    )
