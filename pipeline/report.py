"""The terminal summary: strategy beside its benchmarks, one metric a row."""

from __future__ import annotations

from collections.abc import Mapping

from backtest.metrics import METRICS, RELATIVE
from pipeline.backtest import STRATEGY, RunResult


def table(result: RunResult) -> str:
    """Render the comparison table as fixed-width text."""
    names = list(result.portfolios)
    header = ["", *names]
    lines = [header]
    for m in METRICS.values():
        vals = [result.portfolios[n].metrics.get(m.name) for n in names]
        if all(v is None for v in vals):
            continue
        lines.append([m.label, *(m.format(v) for v in vals)])
    mine = result.portfolios[STRATEGY].metrics if STRATEGY in result.portfolios else {}
    for m in RELATIVE.values():  # strategy against each benchmark, in that benchmark's column
        vals = [None if n == STRATEGY else mine.get(f"vs_{n}.{m.name}") for n in names]
        if any(v is not None for v in vals):
            lines.append([m.label, *(m.format(v) for v in vals)])
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    text = [
        "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
        for row in lines
    ]
    text.insert(1, "-" * len(text[0]))
    return "\n".join(text)


def summary(result: RunResult) -> str:
    """Header line, the table, and the window and data it ran on."""
    s = result.strategy
    m = result.market
    head = (
        f"{result.plan.name}: {s.value.index[0].date()} to {s.value.index[-1].date()} "
        f"({len(s.value)} days), data={m.source} [{m.digest}], lag={result.plan.lag}, "
        f"fees={_bp(result.plan.fees_bp)}, slippage={_bp(result.plan.slippage_bp)}, engine={result.engine}"
    )
    notes = "".join(f"\nnote: {n}" for n in (result.signal.notes if result.signal is not None else ()))
    return f"{head}{notes}\n\n{table(result)}"


def _bp(cost: float | Mapping[str, float]) -> str:
    """``1bp``, or ``{equity: 1bp, bonds: 2bp}`` for per-sleeve costs."""
    if isinstance(cost, Mapping):
        return "{" + ", ".join(f"{k}: {v:g}bp" for k, v in cost.items()) + "}"
    return f"{cost:g}bp"
