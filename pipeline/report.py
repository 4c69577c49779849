"""The terminal summary: strategy beside its benchmarks, one metric a row."""

from __future__ import annotations

from pipeline.backtest import RunResult

ROWS: tuple[tuple[str, str, str], ...] = (
    ("cagr", "CAGR", "pct"),
    ("volatility", "Volatility", "pct"),
    ("sharpe_excess_tbill", "Sharpe (excess of T-bill)", "num"),
    ("sortino_excess_tbill", "Sortino (excess of T-bill)", "num"),
    ("max_drawdown", "Max drawdown", "pct"),
    ("calmar", "Calmar", "num"),
    ("total_return", "Total return", "pct"),
    ("turnover_per_year", "Turnover / year (one-way)", "pct"),
    ("fees_total", "Fees (% of initial capital)", "pct"),
    ("time_in_risk_off", "Time in risk-off", "pct"),
    ("n_switches", "Regime switches", "int"),
    ("signal_coverage", "Signal coverage", "pct"),
)


def _fmt(value: float | None, kind: str) -> str:
    if value is None or value != value:
        return "-"
    if kind == "pct":
        return f"{value * 100:.2f}%"
    if kind == "int":
        return f"{value:.0f}"
    return f"{value:.2f}"


def table(result: RunResult) -> str:
    """Render the comparison table as fixed-width text."""
    names = list(result.portfolios)
    header = ["", *names]
    lines = [header]
    for key, label, kind in ROWS:
        vals = [result.portfolios[n].metrics.get(key) for n in names]
        if all(v is None for v in vals):
            continue
        lines.append([label, *(_fmt(v, kind) for v in vals)])
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
        f"fees={result.plan.fees_bp:g}bp, slippage={result.plan.slippage_bp:g}bp, engine={result.engine}"
    )
    notes = "".join(f"\nnote: {n}" for n in (result.signal.notes if result.signal is not None else ()))
    return f"{head}{notes}\n\n{table(result)}"
