"""The terminal summary of a grid sweep: the top configurations, then how much of the best is luck."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from analysis.verdict import BENCHMARK_LABELS, sentence
from backtest.metrics import METRICS, benchmark_label, column_label, describe, short_keys
from common.text import WIDTH, short_names, text_table, weights_text, wrap
from sweeps.results import GridSettings, Luck, Sweep


def _value(v: object) -> str:
    """A parameter value as config writes it; a weight set (JSON text) as ``eq20 bo30 ca50``."""
    if isinstance(v, str) and v.startswith("{"):
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            return weights_text({k: float(w) for k, w in json.loads(v).items()})
    if isinstance(v, float | np.floating):
        return repr(float(v))  # the shortest text that reads back the value: 2.0, 0.3
    return str(v)


def _cell(key: str, v: object) -> str:
    m = describe(key)
    return m.format(v, digits=3) if m is not None else _value(v)  # type: ignore[arg-type]


def fixed_params(table: pd.DataFrame) -> dict[str, str]:
    """The grid's parameters that take one value in every configuration, as text."""
    params = [c for c in table.columns if describe(c) is None]
    return {p: _value(table[p].iat[0]) for p in params if table[p].astype(str).nunique() == 1}


def top_table(
    table: pd.DataFrame,
    metric: str,
    n: int = 10,
    *,
    bench: Mapping[str, Mapping[str, float]] | None = None,
    wide: bool = False,
) -> str:
    """The `n` best configurations by `metric`, and the benchmarks on the same days to beat.

    Short (default): the parameters that vary (short names), `metric` and the `SHORT_TABLE` metrics
    (against the main benchmark, named: ``vs 60/40: ΔSharpe``), fitted to `common.text.WIDTH`
    columns; ``wide``: every parameter and metric. Metrics are formatted by the registry (percent
    for fractions).

    Args:
        table: One row per configuration (index ``config``): parameters, then metrics.
        metric: The selection metric (sorted by, best first).
        n: How many configurations.
        bench: Each benchmark's metrics on the grid's days (`sweeps.run.benchmarks`): a row each.
        wide: Every column, at any width.
    """
    params = [c for c in table.columns if describe(c) is None]
    if not wide:
        params = [p for p in params if p not in fixed_params(table)]
    metrics = (
        list(dict.fromkeys([metric, *(c for c in table.columns if describe(c) is not None)]))
        if wide
        else short_keys([c for c in table.columns if describe(c) is not None], first=metric)
    )
    top = table.sort_values(metric, ascending=False, na_position="last").head(n)
    names = short_names(params)
    header = ["config", *(names[p] for p in params), *map(column_label, metrics)]
    rows = [[str(i), *(_cell(k, top.at[i, k]) for k in params + metrics)] for i in top.index]  # `.at`: dtypes
    shown = dict(bench or {}).items()
    rows += [
        [benchmark_label(b), *([""] * len(params)), *(_cell(k, m.get(k)) if k in m else "" for k in metrics)]
        for b, m in shown
    ]
    text, dropped = text_table(header, rows, width=None if wide else WIDTH, rule_before=len(top))
    if not wide:
        more = f"{', '.join(dropped)} and every other metric" if dropped else "every metric"
        text += f"\n({more}: grid.wide=true)"
    return text


def render(
    cfg: DictConfig,
    sweep: Sweep,
    lk: Luck,
    opts: GridSettings,
    bench: dict[str, dict[str, float]] | None = None,
) -> str:
    """Header, top configurations and benchmarks, deflated Sharpe, PBO, bootstrap interval, walk-forward.

    Every line fits `common.text.WIDTH` columns (prose wrapped, the table fitted), unless ``grid.wide``.
    """
    n = len(sweep.table)
    sharpe, cagr = METRICS["sharpe_excess_tbill"], METRICS["cagr"]
    rate = n / sweep.seconds if sweep.seconds > 0 else float("nan")
    d0, d1 = sweep.dates[0].date(), sweep.dates[-1].date()
    head = (
        f"{cfg.strategy.name} grid: {n:,} configurations ({sweep.n_simulated:,} distinct portfolios"
        + (
            f", {len(sweep.skipped):,} invalid skipped: {next(iter(sweep.skipped.values()))}"
            if sweep.skipped
            else ""
        )
        + f") over {d0} to {d1} ({len(sweep.dates)} days) in {sweep.seconds:.1f} s ({rate:,.0f} configs/s)"
    )
    wide = bool(cfg.grid.get("wide", False))
    fixed = fixed_params(sweep.table)
    lines = [wrap(head)]
    if lk.against is not None:  # the verdict first: the search counted
        lines.append(wrap(f"verdict: {sentence(lk.against.verdict())}"))
    lines += [
        "",
        f"top configurations by {opts.metric}, and the benchmarks on the same days:",
        top_table(sweep.table, opts.metric, bench=bench, wide=wide),  # fitted to the width, unless wide
    ]
    if fixed and not wide:
        names = short_names(list(fixed))
        lines.append(
            wrap("same in every configuration: " + ", ".join(f"{names[k]}={v}" for k, v in fixed.items()))
        )
    prose = len(lines)
    lines += ["", "how much of the best is luck:"]
    d = lk.deflated
    lines.append(
        f"  deflated Sharpe ratio  {d.dsr:.3f}  (P[true Sharpe > {d.sr0:.2f}], the best expected from "
        f"{d.n_trials:,} "
        f"skill-less trials; best Sharpe {d.sharpe:.2f}, skew {d.skew:.2f}, kurtosis {d.kurtosis:.1f})"
    )
    if lk.overfit is not None:
        o = lk.overfit
        lines.append(
            f"  PBO (CSCV, {o.n_blocks} blocks, {len(o.logits):,} splits)  {o.pbo:.3f}  "
            "(in-sample best lands in the "
            f"bottom half out of sample; P[OOS Sharpe < 0] {o.prob_oos_loss:.3f})"
        )
    if lk.against is not None:
        a = lk.against
        label = BENCHMARK_LABELS.get(a.benchmark, a.benchmark)
        ids = [str(sweep.table.index[j]) for j in a.spa.survivors]
        lines += [
            f"  SPA against {label}  p {a.spa.p_consistent:.3f}  (Hansen's consistent p that none of "
            f"{a.spa.trials:,} beats it; lower {a.spa.p_lower:.3f}, upper {a.spa.p_upper:.3f}; "
            f"{a.spa.reps:,} resamples, mean block {a.spa.block} days)",
            f"  StepM against {label}  {len(ids):,} survivors at {a.spa.size:.0%} FWER"
            + (f": configs {', '.join(ids[:10])}{' ...' if len(ids) > 10 else ''}" if ids else ""),
            f"  deflated active Sharpe against {label}  {a.deflated.dsr:.3f}  (P[true information ratio > "
            f"{a.deflated.sr0:.2f}]; config {lk.best}'s is {a.deflated.sharpe:.2f})",
        ]
    lines += [  # the single run's verdict of the chosen configuration: beside SPA, not instead of it
        f"  config {lk.best} over the whole window, the search not counted: {sentence(c.verdict)}"
        for c in lk.verdicts.values()
    ]
    lines.append(
        f"  Sharpe 95% CI (stationary bootstrap, {opts.boot_samples} resamples, mean block "
        f"{opts.boot_block:g} days)  [{lk.ci[0]:.2f}, {lk.ci[1]:.2f}]  for config {lk.best}"
    )
    if lk.wf is not None:
        w = lk.wf
        lines.append(
            f"  walk-forward ({opts.wf_mode}, train {opts.wf_train} / test {opts.wf_test} days, "
            f"{len(w.choices)} windows, {w.choices['config'].nunique()} distinct choices) from "
            f"{w.oos_returns.index[0].date()}: Sharpe {sharpe.format(w.oos_metrics['sharpe_excess_tbill'])}, "
            f"CAGR {cagr.format(w.oos_metrics['cagr'])}\n"
            f"    vs in-sample best (config {w.in_sample_best}) on the "
            f"same days: Sharpe {sharpe.format(w.in_sample_metrics['sharpe_excess_tbill'])}, "
            f"CAGR {cagr.format(w.in_sample_metrics['cagr'])}"
            + "".join(f"\n    out of sample: {sentence(c.verdict)}" for c in w.verdicts.values())
        )
    return "\n".join(lines[:prose] + [wrap(ln) for text in lines[prose:] for ln in text.splitlines() or [""]])
