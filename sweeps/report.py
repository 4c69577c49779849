"""The terminal summary of a grid sweep: the top configurations, then how much of the best is luck."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import pandas as pd
from omegaconf import DictConfig

from backtest.metrics import METRICS, describe

if TYPE_CHECKING:
    from sweeps.pipeline import Luck, Sweep

SHOWN = ("sharpe_excess_tbill", "cagr", "max_drawdown", "time_in_risk_off", "turnover_per_year")


def top_table(table: pd.DataFrame, metric: str, n: int = 10) -> str:
    """The `n` best configurations by `metric`: their varied parameters (short names) and key metrics."""
    params = [c for c in table.columns if describe(c) is None]
    shown = [metric, *(m for m in SHOWN if m in table.columns and m != metric)]
    top = table.sort_values(metric, ascending=False, na_position="last").head(n)[params + shown]
    top = top.rename(columns={p: p.rsplit(".", 1)[-1] for p in params})
    formats = {c: m for c in shown if (m := describe(c)) is not None}
    return top.to_string(
        float_format=lambda v: f"{v:.3f}",
        na_rep="-",
        formatters={c: functools.partial(m.format, digits=3) for c, m in formats.items()},
    )


def render(
    cfg: DictConfig,
    sweep: Sweep,
    lk: Luck,
    opts: dict[str, Any],
    bench: dict[str, dict[str, float]] | None = None,
) -> str:
    """Header, top configurations, benchmarks, deflated Sharpe, PBO, bootstrap interval and walk-forward."""
    n = len(sweep.table)
    sharpe, cagr = METRICS["sharpe_excess_tbill"], METRICS["cagr"]
    rate = n / sweep.seconds if sweep.seconds > 0 else float("nan")
    d0, d1 = sweep.dates[0].date(), sweep.dates[-1].date()
    lines = [
        f"{cfg.strategy.name} grid: {n:,} configurations ({sweep.n_simulated:,} distinct portfolios"
        + (
            f", {len(sweep.skipped):,} invalid skipped: {next(iter(sweep.skipped.values()))}"
            if sweep.skipped
            else ""
        )
        + f") over {d0} to {d1} ({len(sweep.dates)} days) in {sweep.seconds:.1f} s ({rate:,.0f} configs/s)",
        "",
        f"top configurations by {opts['metric']}:",
        top_table(sweep.table, opts["metric"]),
    ]
    if bench:
        lines.append(
            "benchmarks on the same days: "
            + "; ".join(
                f"{name} Sharpe {sharpe.format(m['sharpe_excess_tbill'], digits=3)}, "
                f"CAGR {cagr.format(m['cagr'])}"
                for name, m in bench.items()
            )
        )
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
    lines.append(
        f"  Sharpe 95% CI (stationary bootstrap, {opts['boot_samples']} resamples, mean block "
        f"{opts['boot_block']:g} days)  [{lk.ci[0]:.2f}, {lk.ci[1]:.2f}]  for config {lk.best}"
    )
    if lk.wf is not None:
        w = lk.wf
        lines.append(
            f"  walk-forward ({opts['wf_mode']}, train {opts['wf_train']} / test {opts['wf_test']} days, "
            f"{len(w.choices)} windows, {w.choices['config'].nunique()} distinct choices) from "
            f"{w.oos_returns.index[0].date()}: Sharpe {sharpe.format(w.oos_metrics['sharpe_excess_tbill'])}, "
            f"CAGR {cagr.format(w.oos_metrics['cagr'])}\n"
            f"    vs in-sample best (config {w.in_sample_best}) on the "
            f"same days: Sharpe {sharpe.format(w.in_sample_metrics['sharpe_excess_tbill'])}, "
            f"CAGR {cagr.format(w.in_sample_metrics['cagr'])}"
        )
    return "\n".join(lines)
