"""The terminal summary: strategy beside its benchmarks, one metric a row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from analysis.event_study import headline
from analysis.verdict import sentence
from backtest.metrics import METRICS, RELATIVE
from core.plan import Plan
from core.simulation import STRATEGY, RunResult
from market.types import MarketData
from market.vintage import last_dates_line, vintage_lines


def stats_frame(result: RunResult) -> pd.DataFrame:
    """Metric x portfolio, the numbers of the terminal table (fractions, unformatted).

    Rows: the metrics of `backtest.metrics.METRICS` any portfolio has, then ``vs.<key>`` for `RELATIVE`
    (the strategy against the benchmark of that column; NaN in the strategy's own column).
    """
    names = list(result.portfolios)
    rows: dict[str, list[float | None]] = {}
    for m in METRICS.values():
        vals = [result.portfolios[n].metrics.get(m.name) for n in names]
        if any(v is not None for v in vals):
            rows[m.name] = vals
    mine = result.portfolios[STRATEGY].metrics if STRATEGY in result.portfolios else {}
    for m in RELATIVE.values():  # strategy against each benchmark, in that benchmark's column
        vals = [None if n == STRATEGY else mine.get(f"vs_{n}.{m.name}") for n in names]
        if any(v is not None for v in vals):
            rows[f"vs.{m.name}"] = vals
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=names).astype(float)
    frame.index.name = "metric"
    return frame


def table(result: RunResult) -> str:
    """Render the comparison table (`stats_frame`) as fixed-width text."""
    stats = stats_frame(result)
    header = ["", *stats.columns]
    lines = [header]
    metrics = dict(METRICS) | {f"vs.{k}": m for k, m in RELATIVE.items()}
    for key, vals in stats.iterrows():
        m = metrics[str(key)]
        lines.append([m.label, *(m.format(v) for v in vals)])
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    text = [
        "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
        for row in lines
    ]
    text.insert(1, "-" * len(text[0]))
    return "\n".join(text)


def summary(result: RunResult, *, end: object = None, overrides: Sequence[str] = ()) -> str:
    """Header line, the table, and the window and data it ran on.

    Args:
        result: The run.
        end: The ``data.end`` asked for (None: the data's end); the header says when the data ends
            before it.
        overrides: The run's command-line overrides (secrets hidden), shown under the header.
    """
    s = result.strategy
    m = result.market
    head = (
        f"{result.plan.name}: {s.value.index[0].date()} to {s.value.index[-1].date()} "
        f"({len(s.value)} days), data={m.source} [{m.digest}], lag={result.plan.lag}, "
        f"fees={_bp(result.plan.fees_bp)}, slippage={_bp(result.plan.slippage_bp)}, engine={result.engine}"
    )
    notes = "".join(f"\nnote: {n}" for n in (result.signal.notes if result.signal is not None else ()))
    events = f"\n{headline(result.event_study)}" if result.event_study is not None else ""
    given = f"\noverrides: {' '.join(overrides)}" if overrides else ""
    head += verdict_lines(result) + given + cut_back(s.value.index[-1], end)
    return f"{head}\n{parts(result.plan)}{decides(result)}{data_lines(m)}{notes}{events}\n\n{table(result)}"


def verdict_lines(result: RunResult) -> str:
    """The verdict against each benchmark, the primary first: the first lines after the run header.

    Each ``verdict: <sentence>``, e.g. ``verdict: no evidence it beats 60/40 (Sharpe -0.02, 95% CI -0.09
    to +0.06, p 0.68)``.
    """
    if not result.verdicts:
        return "\nverdict: none (the window is too short for the block bootstrap)"
    return "".join(f"\nverdict: {sentence(c.verdict)}" for c in result.verdicts.values())


def cut_back(last: pd.Timestamp, end: object) -> str:
    """A header line when ``data.end`` is later than the window's last day (empty otherwise).

    >>> print(cut_back(pd.Timestamp("2025-09-26"), "2026-02-28").strip())
    note: data.end=2026-02-28 is past the data's last day: the window was cut back to end 2025-09-26
    >>> cut_back(pd.Timestamp("2025-09-26"), None)
    ''
    """
    if end is None or pd.Timestamp(str(end)) <= last:
        return ""
    return f"\nnote: data.end={end} is past the data's last day: the window was cut back to end {last.date()}"


def decides(result: RunResult) -> str:
    """When the signal first decides and on what share of the window it can (empty without a signal).

    Before its first decision (a z-score's warm-up, an input that starts late) the signal is neutral:
    the strategy is its risk-on allocation there, and those days are inside every metric.
    """
    if result.signal is None:
        return ""
    first = result.first_decision
    share = result.strategy.metrics.get("signal_coverage", float("nan"))
    when = f"first decides on {first.date()}" if first is not None else "never decides in this window"
    return f"\nsignal: {when}; can decide on {share:.1%} of the window's days (signal_coverage)"


def data_lines(market: MarketData) -> str:
    """For live sources (data with vintages): each source's vintage, every column's last print, notes."""
    if not market.vintages:
        return ""
    lines = [f"vintage {v}" for v in vintage_lines(market.vintages)]
    lines += [last_dates_line(market.last_observed), *(f"data note: {n}" for n in market.notes)]
    return "".join(f"\n{line}" for line in lines)


def parts(plan: Plan) -> str:
    """The strategy's four parts, as the config groups name them (a mix shows what was mixed).

    >>> from pipeline.api import compose
    >>> from core.plan import make_plan
    >>> parts(make_plan(compose(None, ["allocation=graded", "rebalance=weekly"])))  # doctest: +SKIP
    'parts: signal=move_vix_wedge allocation=graded overlay=none rebalance=weekly (and on regime changes)'
    """
    name = lambda p: p.func.__name__ if p is not None else "none"  # noqa: E731
    extra = " (and on regime changes)" if plan.on_regime_change and plan.signal is not None else ""
    gates = f", drift band {plan.drift_band:g}" if plan.drift_band else ""
    gates += f", min hold {plan.min_hold_days}d" if plan.min_hold_days else ""
    return (
        f"parts: signal={name(plan.signal)} allocation={name(plan.allocation)} overlay={name(plan.overlay)} "
        f"rebalance={plan.calendar}{extra}{gates}"
    )


def _bp(cost: float | Mapping[str, float]) -> str:
    """``1bp``, or ``{equity: 1bp, bonds: 2bp}`` for per-sleeve costs."""
    if isinstance(cost, Mapping):
        return "{" + ", ".join(f"{k}: {v:g}bp" for k, v in cost.items()) + "}"
    return f"{cost:g}bp"
