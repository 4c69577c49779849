"""The terminal summary: strategy beside its benchmarks, one metric a row."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pipeline.backtest import STRATEGY, RunResult
from pipeline.plan import Plan

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
    ("slippage_total", "Slippage (% of initial capital)", "pct"),
    ("costs_total", "Costs total (% of initial capital)", "pct"),
    ("n_orders", "Trades (single-sleeve orders)", "int"),
    ("n_rebalances", "Rebalance days", "int"),
    ("time_in_risk_off", "Time in risk-off", "pct"),
    ("n_switches", "Regime switches", "int"),
    ("signal_coverage", "Signal coverage", "pct"),
)

#: Strategy against each benchmark, shown in that benchmark's column (``vs_<benchmark>.<key>``).
RELATIVE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("excess_cagr", "Strategy: excess CAGR vs", "pct"),
    ("sharpe_diff", "Strategy: Sharpe difference vs", "num"),
    ("max_drawdown_reduction", "Strategy: max DD reduction vs", "pct"),
    ("up_capture", "Strategy: up capture vs", "num"),
    ("down_capture", "Strategy: down capture vs", "num"),
    ("tracking_error", "Strategy: tracking error vs", "pct"),
)


def _fmt(value: float | None, kind: str) -> str:
    if value is None or value != value:
        return "-"
    if kind == "pct":
        return f"{value * 100:.2f}%"
    if kind == "int":
        return f"{value:.0f}"
    return f"{value:.2f}"


def stats_frame(result: RunResult) -> pd.DataFrame:
    """Metric x portfolio, the numbers of the terminal table (fractions, unformatted).

    Rows: the keys of `ROWS` that any portfolio has, then ``vs.<key>`` for `RELATIVE_ROWS` (the strategy
    against the benchmark of that column; NaN in the strategy's own column).
    """
    names = list(result.portfolios)
    rows: dict[str, list[float | None]] = {}
    for key, _, _ in ROWS:
        vals = [result.portfolios[n].metrics.get(key) for n in names]
        if any(v is not None for v in vals):
            rows[key] = vals
    mine = result.portfolios[STRATEGY].metrics if STRATEGY in result.portfolios else {}
    for key, _, _ in RELATIVE_ROWS:
        vals = [None if n == STRATEGY else mine.get(f"vs_{n}.{key}") for n in names]
        if any(v is not None for v in vals):
            rows[f"vs.{key}"] = vals
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=names).astype(float)
    frame.index.name = "metric"
    return frame


def table(result: RunResult) -> str:
    """Render the comparison table (`stats_frame`) as fixed-width text."""
    stats = stats_frame(result)
    header = ["", *stats.columns]
    lines = [header]
    labels = {key: (label, kind) for key, label, kind in ROWS}
    labels |= {f"vs.{key}": (label, kind) for key, label, kind in RELATIVE_ROWS}
    for key, vals in stats.iterrows():
        label, kind = labels[str(key)]
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
        f"fees={_bp(result.plan.fees_bp)}, slippage={_bp(result.plan.slippage_bp)}, engine={result.engine}"
    )
    notes = "".join(f"\nnote: {n}" for n in (result.signal.notes if result.signal is not None else ()))
    return f"{head}\n{parts(result.plan)}{notes}\n\n{table(result)}"


def parts(plan: Plan) -> str:
    """The strategy's four parts, as the config groups name them (a mix shows what was mixed).

    >>> from pipeline.api import compose
    >>> from pipeline.plan import make_plan
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
