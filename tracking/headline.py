"""The headline table at the top of a run's description in the MLflow UI, and grid child runs' names.

Plain Python over the flat metrics a run logs (the strategy's unprefixed, a benchmark's as
``<benchmark>.<metric>``, the strategy against it as ``vs_<benchmark>.<metric>``): no mlflow here.
"""

from __future__ import annotations

from collections.abc import Mapping

from backtest.metrics import METRICS, RELATIVE

#: The metrics a strategist sorts by, in the table's order (also the columns docs/tracking.md pins in the UI).
HEADLINE = ("cagr", "volatility", "sharpe_excess_tbill", "max_drawdown", "calmar", "turnover_per_year")
#: The strategy against each benchmark, in that benchmark's column.
HEADLINE_RELATIVE = ("excess_cagr", "sharpe_diff", "max_drawdown_reduction")
STRATEGY = "strategy"


def benchmarks(metrics: Mapping[str, float]) -> list[str]:
    """The benchmarks among flat metric keys: each ``<name>`` with a ``<name>.cagr``, in key order.

    >>> benchmarks({"cagr": 0.1, "sixty_forty.cagr": 0.08, "vs_sixty_forty.excess_cagr": 0.02})
    ['sixty_forty']
    """
    names = (k.rsplit(".", 1)[0] for k in metrics if k.endswith(".cagr"))
    return [n for n in names if not n.startswith("vs_") and n != "event"]


def headline_table(metrics: Mapping[str, float]) -> str:
    """The strategy beside every benchmark as a Markdown table, percentages in percent, rounded.

    Rows: the `HEADLINE` metrics the run has, then the strategy against each benchmark
    (`HEADLINE_RELATIVE`, blank in the strategy's column). Empty if the run has none of them.

    >>> print(headline_table({"cagr": 0.10234, "b.cagr": 0.0812, "vs_b.excess_cagr": 0.02}))
    | | strategy | b |
    |---|---:|---:|
    | CAGR | 10.23% | 8.12% |
    | Strategy: excess CAGR vs | | 2.00% |
    """
    columns = benchmarks(metrics)
    rows = []
    for name in HEADLINE:
        cells = [metrics.get(name), *(metrics.get(f"{b}.{name}") for b in columns)]
        if any(c is not None for c in cells):
            rows.append([METRICS[name].label, *(METRICS[name].format(c) for c in cells)])
    for name in HEADLINE_RELATIVE:
        cells = [metrics.get(f"vs_{b}.{name}") for b in columns]
        if any(c is not None for c in cells):
            rows.append([RELATIVE[name].label, "", *(RELATIVE[name].format(c) for c in cells)])
    if not rows:
        return ""
    lines = ["| | " + " | ".join([STRATEGY, *columns]) + " |", "|---|" + "---:|" * (1 + len(columns))]
    lines += ["| " + " | ".join(r).replace("|  |", "| |") + " |" for r in rows]
    return "\n".join(lines)


def params_name(params: Mapping[str, object]) -> str:
    """A run's name from its parameters: each key's last part, ``=``, the value, in order.

    >>> params_name({"strategy.signal.lookback": 504, "strategy.signal.z_entry": 2.0})
    'lookback=504 z_entry=2.0'
    """
    return " ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in params.items())
