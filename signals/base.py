"""What a signal is: a pure function of the market frame and its parameters.

A signal sees data up to and including the close of day t and nothing later. It returns a
`SignalOutput`: a boolean risk-off series, a continuous score where it has one, and the days its
inputs cover. Where the inputs do not cover a day, the signal is neutral (risk-off False) there.

Write one with the `signal` decorator::

    @signal(requires=("MOVE", "VIX"), check=_check)
    def my_signal(frame: pd.DataFrame, *, lookback: int = 63) -> SignalOutput: ...

The decorator checks the frame has the required columns (naming the ones missing and the data
sources that carry them), validates parameters before any work is done, coerces the risk-off series
to bool with NaN as neutral, and fills in coverage.

Coverage is the days on which the signal could decide: every required column has data there (a
series is cut after its last own print, so the forward-filled tail of a series that has ended covers
nothing: `observed_frame`), and the signal's score, where it has one, is defined (a z-score in its
warm-up cannot decide). The signal is neutral on every other day.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from common import checks
from common.errors import ConfigError, DataError, did_you_mean
from market.columns import COLUMN_SOURCES
from market.types import MarketData

SIGNAL_KEY = "strategy.signal"


@dataclass(frozen=True)
class Units:
    """How a strategist reads a signal's value: ``10y 4.69%``, ``wedge z 0.82``, ``repo - IORB -2 bp``.

    Declared by each signal beside its thresholds (`Thresholds.units`), so the monitor and the charts
    write the value and every threshold the same way, in the units of the series they apply to.

    Attributes:
        name: What the value is, written before the number (``10y``, ``wedge z``); empty for none.
        unit: Written right after the number (``%``, `` bp``).
        decimals: Decimal places.
        signed: A ``+`` on positive values (a change, a spread, a distance to a high).
        scale: The number written is the value times this (a share 0.5 written as 50 with unit ``%``).
        gap_bp: A move of the value reads in basis points (a yield or a rate in percent): the distance
            to the next trigger of ``4.69%`` against ``4.55%`` is ``-14 bp``.
    """

    name: str = ""
    unit: str = ""
    decimals: int = 2
    signed: bool = False
    scale: float = 1.0
    gap_bp: bool = False

    def number(self, x: float | None) -> str:
        """`x` in these units without the name (``4.69%``); ``-`` for a missing value.

        >>> Units("10y", "%").number(4.6912), Units("repo - IORB", " bp", 0, signed=True).number(3.0)
        ('4.69%', '+3 bp')
        """
        if x is None or not math.isfinite(x):
            return "-"
        return f"{x * self.scale:{'+' if self.signed else ''}.{self.decimals}f}{self.unit}"

    def text(self, x: float | None) -> str:
        """`x` with its name: ``10y 4.69%``, ``wedge z 0.82``.

        >>> Units("wedge z").text(0.8241)
        'wedge z 0.82'
        """
        return f"{self.name} {self.number(x)}".strip()

    def gap(self, x: float | None) -> str:
        """A signed move of the value: ``-14 bp`` for a yield in percent (`gap_bp`), else its units.

        >>> Units("10y", "%", gap_bp=True).gap(-0.14), Units("wedge z").gap(-0.32)
        ('-14 bp', '-0.32')
        """
        if x is None or not math.isfinite(x):
            return "-"
        if self.gap_bp:
            return f"{x * 100:+.0f} bp"
        return f"{x * self.scale:+.{self.decimals}f}{self.unit}"


@dataclass(frozen=True)
class Thresholds:
    """Where a signal's rule turns on and off, in the units of its score (or of `measure`).

    Attributes:
        entry: Risk-off turns on at or beyond this value: above it when `above`, else below it.
        exit: Risk-off turns off once the value is back beyond this one (past it on the other side),
            or None when the exit is by time (`hold_days`).
        above: True for a rule that turns on at high values, False for one that turns on at low ones.
        hold_days: A time exit: risk-off stays on this many days from the last day the rule fired.
        triggers: The days the rule fired (hold rules: the state is these days, held `hold_days`).
        measure: The series the thresholds apply to when it is not the score (e.g. a spread's fall
            while the score is the spread itself).
        conditions: What else must hold for the rule to fire (e.g. ``MOVE rising over 20 days``).
        units: How the value they apply to (`measure`, else the score) and they themselves read.
    """

    entry: float
    exit: float | None = None
    above: bool = True
    hold_days: int | None = None
    triggers: pd.Series | None = None
    measure: pd.Series | None = None
    conditions: tuple[str, ...] = ()
    units: Units = Units()


@dataclass(frozen=True)
class SignalOutput:
    """What every signal returns.

    Attributes:
        risk_off: Bool series on the frame's index; True means "de-risk".
        score: Continuous score behind the decision (e.g. a z-score), or None.
        covered: Bool series, True where all inputs had data.
        notes: Remarks for the run's record, e.g. which measure a signal used given the data.
        thresholds: Where the rule turns on and off (for the monitor's distance to the next trigger),
            or None where no single threshold describes it.
        conditions: The parts of the rule, day by day, for a reader to see why each episode opened
            and closed: one bool column per condition, named for a person (``wedge z ≥ 1.5``, ``VIX <
            20``), each computed from data up to that day's close like the state itself; or None for
            a rule with no parts. The decorator aligns it to the frame's index (NaN as False).
        gauges: For some conditions (by their column name in `conditions`), the number it reads and
            how that reads (``"VIX < 20": (frame["VIX"], Units())``): the monitor writes it beside
            the condition, ``✓ VIX < 20: 16.01``.
    """

    risk_off: pd.Series
    score: pd.Series | None = None
    covered: pd.Series | None = None
    notes: tuple[str, ...] = ()
    thresholds: Thresholds | None = None
    conditions: pd.DataFrame | None = None
    gauges: Mapping[str, tuple[pd.Series, Units]] = field(default_factory=dict)

    @property
    def thresholded(self) -> pd.Series | None:
        """The series the thresholds apply to: their `Thresholds.measure`, else the score (or None)."""
        th = self.thresholds
        return th.measure if th is not None and th.measure is not None else self.score

    @property
    def coverage(self) -> float:
        """Fraction of days on which the signal could decide (see `covered`)."""
        if self.covered is None or len(self.covered) == 0:
            return 1.0
        return float(self.covered.mean())


def first_decision(covered: pd.Series) -> pd.Timestamp | None:
    """The first day on which a signal could decide (its first covered day), or None if it never can.

    >>> idx = pd.date_range("2024-01-01", periods=3)
    >>> first_decision(pd.Series([False, True, True], index=idx)).date()
    datetime.date(2024, 1, 2)
    """
    days = covered.index[covered.to_numpy(dtype=bool)]
    return days[0] if len(days) else None


def observed_frame(market: MarketData) -> pd.DataFrame:
    """The frame a signal reads: each column cut (NaN) after its series' last own print.

    `market.frame` carries a print forward up to ``data.max_ffill_days`` rows; after a series' last
    observation that carry would keep a signal deciding on a series that has ended (a user's spread
    file ending 2025-07-22 would drive a signal to 2025-07-29), while the sleeves are cut at their
    last print. Cut here, the signal is neutral and uncovered there. Inside a series' history the
    bounded carry is kept (a bond holiday is not an ended series), and so it is at the data's edge: a
    series whose carry still reaches the frame's last date (VIX published a day after MOVE) is late,
    not ended, and its age is what the monitor reports.
    """
    frame = market.frame
    cut = {
        c: frame[c].where(frame.index <= market.last_observed[c])
        for c in frame.columns
        if c in market.last_observed
        and market.last_observed[c] < frame.index[-1]
        and pd.isna(frame[c].iloc[-1])
    }
    return frame.assign(**cut) if cut else frame


@functools.cache
def keyword_defaults(fn: Callable[..., Any]) -> dict[str, Any]:
    """`fn`'s keyword-only parameters and their defaults (cached: a grid asks once per configuration).

    Callers must not modify the returned dict.
    """
    sig = inspect.signature(fn)
    return {n: p.default for n, p in sig.parameters.items() if p.kind is p.KEYWORD_ONLY}


def params_of(fn: Callable[..., Any], given: Mapping[str, Any], key: str = SIGNAL_KEY) -> dict[str, Any]:
    """Bind `given` keyword parameters over `fn`'s defaults, refusing unknown names.

    Args:
        fn: A function whose configurable parameters are keyword-only.
        given: The parameters from config.
        key: Config path of the parameters, for error messages.

    Returns:
        All keyword parameters with defaults filled in.

    Raises:
        ConfigError: A parameter name the function does not take.
    """
    known = keyword_defaults(fn)
    for name in given:
        if name not in known:
            raise ConfigError(
                f"`{fn.__name__}` has no parameter `{name}`.{did_you_mean(name, known)}",
                key=f"{key}.{name}",
                hint=f"its parameters are: {', '.join(known)}",
            )
    merged = {**known, **given}
    missing = [n for n, v in merged.items() if v is inspect.Parameter.empty]
    if missing:
        raise ConfigError(f"missing value for `{missing[0]}`", key=f"{key}.{missing[0]}")
    return merged


def require_columns(frame: pd.DataFrame, columns: tuple[str, ...], signal_name: str) -> None:
    """Raise a DataError naming any required column the frame lacks.

    Args:
        frame: The market frame.
        columns: Columns the signal needs.
        signal_name: For the message.
    """
    for col in columns:
        if col not in frame.columns:
            carriers = COLUMN_SOURCES.get(col, "a csv file you map to this name (data=csv)")
            raise DataError(
                f"signal `{signal_name}` needs column `{col}`, which the data does not have "
                f"(it has: {', '.join(map(str, frame.columns))}).",
                key="data",
                hint=f"`{col}` is carried by: {carriers}.",
            )


Requires = tuple[str, ...] | Callable[..., tuple[str, ...]]


def signal(
    *,
    requires: Requires,
    check: Callable[..., None] | None = None,
    own_coverage: bool = False,
    unused: Callable[..., tuple[str, ...]] | None = None,
) -> Callable[[Callable[..., SignalOutput]], Callable[..., SignalOutput]]:
    """Declare a function as a signal.

    Args:
        requires: The frame columns the signal reads: a tuple, or a function of the signal's keyword
            parameters (defaults filled in) returning one, for signals whose columns are config (a
            generic threshold on any column, a composite of other signals).
        check: Optional validator called with all keyword parameters (defaults filled in); raises
            `ConfigError` naming the bad key. Runs before any data is touched.
        own_coverage: The signal's `SignalOutput.covered` is its whole coverage (a composite, neutral
            only where its rule cannot fire); by default coverage is "every required column has data,
            and the score (where the signal has one) is defined", and'ed with the signal's own.
        unused: Optional function of the keyword parameters (defaults filled in) naming those the
            chosen rule ignores (a threshold's ``window`` under its level rule), so a check of
            windows against the data's length does not refuse a window nothing reads.

    Returns:
        A decorator. The decorated function gains ``requires``, ``columns(**params)`` (the columns
        for those parameters) and ``validate(**params)``.
    """

    def wrap(fn: Callable[..., SignalOutput]) -> Callable[..., SignalOutput]:
        def validate(**params: Any) -> dict[str, Any]:
            merged = params_of(fn, params)
            if check is not None:
                check(**merged)
            return merged

        def columns(**params: Any) -> tuple[str, ...]:
            if not callable(requires):
                return tuple(requires)
            return tuple(dict.fromkeys(requires(**params_of(fn, params))))

        @functools.wraps(fn)
        def run(data: pd.DataFrame | MarketData, **params: Any) -> SignalOutput:
            validate(**params)
            frame = observed_frame(data) if isinstance(data, MarketData) else data
            cols = columns(**params)
            require_columns(frame, cols, fn.__name__)
            out = fn(frame, **params)
            own = out.covered.fillna(False).astype(bool) if out.covered is not None else None
            covered = frame[list(cols)].notna().all(axis=1)
            if own is not None:
                covered = own if own_coverage else covered & own
            if out.score is not None and not own_coverage:
                covered &= out.score.reindex(frame.index).notna()
            risk_off = out.risk_off.astype("boolean").fillna(False).astype(bool) & covered
            conditions = _bool_frame(out.conditions, frame.index)
            return replace(out, risk_off=risk_off.rename(fn.__name__), covered=covered, conditions=conditions)

        run.requires = requires  # type: ignore[attr-defined]
        run.columns = columns  # type: ignore[attr-defined]
        run.validate = validate  # type: ignore[attr-defined]
        run.unused = lambda **params: tuple(unused(**params_of(fn, params))) if unused else ()  # type: ignore[attr-defined]
        return run

    return wrap


def _bool_frame(conditions: pd.DataFrame | None, index: pd.Index) -> pd.DataFrame | None:
    """`conditions` on `index` as plain bools, NaN (a condition not computable yet) as False."""
    if conditions is None:
        return None
    aligned = conditions.reindex(index)
    return aligned.apply(lambda col: col.astype("boolean").fillna(False).astype(bool))


def positive_int(key: str, value: Any, *, lo: int = 1) -> int:
    """A window of trading days under ``strategy.signal.<key>``: a whole number ≥ `lo` (`common.checks`)."""
    return checks.whole(
        f"{SIGNAL_KEY}.{key}", value, lo=lo, unit="trading days", fix="use e.g. 20 (a month) or 252 (a year)."
    )


def positive_count(key: str, value: Any) -> int:
    """A count (not a window) under ``strategy.signal.<key>``: a whole number ≥ 1."""
    return checks.whole(f"{SIGNAL_KEY}.{key}", value, lo=1)


def finite(key: str, value: Any, **bounds: Any) -> float:
    """A finite number under ``strategy.signal.<key>`` (`common.checks.number`, same bounds)."""
    return checks.number(f"{SIGNAL_KEY}.{key}", value, **bounds)


def check_exit(
    entry_key: str, entry: float, exit_key: str, exit: float | None, *, above: bool = True
) -> None:
    """Raise ConfigError if an exit threshold is on the wrong side of its entry threshold.

    For a rule that turns on above `entry`, the exit must be at or below it (and at or above it for a
    rule that turns on below `entry`). A None exit means "exit at the entry level". Both must be finite
    numbers (`common.checks.number`).
    """
    entry = finite(entry_key, entry)
    if exit is None:
        return
    exit = finite(exit_key, exit)
    wrong = exit > entry if above else exit < entry
    if wrong:
        side = "above" if above else "below"
        other = "below" if above else "above"
        raise ConfigError(
            f"{exit_key} ({exit}) is {side} {entry_key} ({entry}): the signal would switch off before it "
            "switched on.",
            key=f"{SIGNAL_KEY}.{exit_key}",
            hint=f"set {exit_key} {other} {entry_key}, or null to exit at the entry level.",
        )


def one_of(key: str, value: Any, choices: tuple[str, ...]) -> None:
    """Raise ConfigError unless `value` is one of `choices` (`common.checks.choice`)."""
    checks.choice(f"{SIGNAL_KEY}.{key}", value, choices)


def column_name(key: str, value: Any) -> None:
    """Raise ConfigError unless `value` is a non-empty column name."""
    checks.text(
        f"{SIGNAL_KEY}.{key}",
        value,
        what="the name of a column of the data",
        fix="e.g. UST10Y, or a column you map in with data=csv.",
    )
