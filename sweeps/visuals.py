"""The grid's report (`report.grid_report`) from a sweep: its table, luck statistics and benchmarks as frames.

`write_grid_report` writes ``grid_report.html`` (offline, plotly.js inlined once) and its PNG twin
``grid_report.png`` into the grid's results folder, which is logged on the grid's parent MLflow run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from analysis.verdict import BENCHMARK_LABELS, sentence
from backtest.metrics import METRICS, describe
from core.simulation import PortfolioResult
from report import grid_report as R
from report.render import ChartJob, Helper, Pending, job, start
from sweeps.results import GridSettings, Luck, Sweep
from sweeps.walkforward import record_metrics

HTML = "grid_report.html"
PNG = "grid_report.png"
SIXTY_FORTY = "sixty_forty"


def parameters(table: pd.DataFrame) -> list[str]:
    """The parameter columns of a results table: config paths, not metrics (``vs_x.sharpe_diff``)."""
    return [c for c in table.columns if "." in c and describe(c) is None]


def swept(table: pd.DataFrame) -> list[str]:
    """The parameter columns of a results table with more than one value."""
    return [c for c in parameters(table) if table[c].nunique(dropna=False) > 1]


#: A selection metric -> the results table's difference from a benchmark (``vs_<benchmark>.<diff>``).
DIFFERENCES = {"sharpe_excess_tbill": "sharpe_diff", "cagr": "excess_cagr"}


def reference(table: pd.DataFrame, metric: str, benchmark: str = SIXTY_FORTY) -> float | None:
    """The benchmark's value of `metric` on the grid's days: a configuration's minus its difference.

    None when the table has no difference from `benchmark` for `metric` (its charts then have no line).
    """
    col = f"vs_{benchmark}.{DIFFERENCES.get(metric, '')}"
    if metric not in DIFFERENCES or col not in table.columns:
        return None
    values = (table[metric] - table[col]).dropna()
    return float(values.median()) if len(values) else None


def oos_returns(sweep: Sweep, lk: Luck, bench: dict[str, PortfolioResult]) -> pd.DataFrame:
    """Daily returns on the walk-forward's out-of-sample days: walk-forward, in-sample best, 60/40."""
    if lk.wf is None:
        return pd.DataFrame()
    days = lk.wf.oos_returns.index
    col = sweep.table.index.get_loc(lk.wf.in_sample_best)
    out = {
        "walk-forward (out of sample)": lk.wf.oos_returns.to_numpy(),
        f"in-sample best, config {lk.wf.in_sample_best} (hindsight)": sweep.returns[-len(days) :, col],
    }
    if SIXTY_FORTY in bench:
        out["60/40"] = bench[SIXTY_FORTY].returns.reindex(days).to_numpy()
    return pd.DataFrame(out, index=days)


def luck_table(sweep: Sweep, lk: Luck, opts: GridSettings, equity: pd.DataFrame) -> pd.DataFrame:
    """The luck statistics as text rows (statistic → value, meaning)."""
    sharpe, cagr = METRICS["sharpe_excess_tbill"], METRICS["cagr"]
    d = lk.deflated
    rows = [
        ("deflated Sharpe ratio", f"{d.dsr:.3f}",
         f"P[true Sharpe > {d.sr0:.2f}], the best Sharpe expected from {d.n_trials:,} skill-less trials; "
         "near 0.5 or below: indistinguishable from luck"),
        ("best Sharpe (annualised)", f"{d.sharpe:.2f}",
         f"config {lk.best}; daily excess returns' skew {d.skew:.2f}, kurtosis {d.kurtosis:.1f}"),
    ]  # fmt: skip
    if lk.overfit is not None:
        o = lk.overfit
        rows += [
            (f"PBO (CSCV, {o.n_blocks} blocks)", f"{o.pbo:.3f}",
             f"share of {len(o.logits):,} splits whose in-sample best is in the bottom half out of sample"),
            ("median logit", f"{o.median_logit:.2f}", "above 0: the in-sample best mostly beats the median"),
            ("P[OOS Sharpe < 0]", f"{o.prob_oos_loss:.3f}", "share of splits where the in-sample best loses"),
        ]  # fmt: skip
    rows.append(
        (
            "bootstrap 95% CI of the best's Sharpe",
            f"[{lk.ci[0]:.2f}, {lk.ci[1]:.2f}]",
            f"stationary bootstrap, {opts.boot_samples} resamples, mean block {opts.boot_block:g} days",
        )
    )
    if lk.against is not None:
        a = lk.against
        label = BENCHMARK_LABELS.get(a.benchmark, a.benchmark)
        ids = [str(sweep.table.index[j]) for j in a.spa.survivors]
        rows += [
            (f"SPA against {label} (consistent p)", f"{a.spa.p_consistent:.3f}",
             f"Hansen's test that no configuration of {a.spa.trials:,} beats {label} (lower "
             f"{a.spa.p_lower:.3f}, upper {a.spa.p_upper:.3f}); {a.spa.reps:,} resamples, mean block "
             f"{a.spa.block} days"),
            (f"StepM survivors against {label}", f"{len(ids):,}",
             f"configurations that beat {label} at a {a.spa.size:.0%} family-wise error rate (Romano-Wolf)"
             + (f": {', '.join(ids[:20])}{' ...' if len(ids) > 20 else ''}" if ids else "")),
            (f"deflated Sharpe of the best's active returns against {label}", f"{a.deflated.dsr:.3f}",
             f"P[true information ratio > {a.deflated.sr0:.2f}], the best expected from "
             f"{a.deflated.n_trials:,} skill-less trials; config {lk.best}'s is {a.deflated.sharpe:.2f}"),
        ]  # fmt: skip
    if lk.wf is not None:
        cash = pd.Series(sweep.cash_returns[-len(equity) :], index=equity.index)
        for name in equity.columns:
            m = record_metrics(equity[name], cash)
            rows.append(
                (
                    f"{name}: Sharpe, CAGR",
                    f"{sharpe.format(m['sharpe_excess_tbill'])}, {cagr.format(m['cagr'])}",
                    f"{equity.index[0].date()} to {equity.index[-1].date()}, the same days for each line",
                )
            )
        rows.append(
            (
                "walk-forward windows",
                f"{len(lk.wf.choices)}",
                f"{opts.wf_mode}, train {opts.wf_train} / test {opts.wf_test} days; "
                f"{lk.wf.choices['config'].nunique()} distinct choices",
            )
        )
    return pd.DataFrame(rows, columns=["statistic", "value", "meaning"]).set_index("statistic")


def lead(sweep: Sweep, lk: Luck, equity: pd.DataFrame) -> tuple[str, ...]:
    """The lines under the verdict: out of sample against the benchmark on the same days, then SPA's reach."""
    out = []
    wf, sixty = "walk-forward (out of sample)", "60/40"
    if wf in equity and sixty in equity:
        cash = pd.Series(sweep.cash_returns[-len(equity) :], index=equity.index)
        m = {name: record_metrics(equity[name], cash) for name in (wf, sixty)}
        sharpe = METRICS["sharpe_excess_tbill"]
        out.append(
            f"Out of sample (walk-forward, {equity.index[0].date()} to {equity.index[-1].date()}): Sharpe "
            f"{sharpe.format(m[wf]['sharpe_excess_tbill'])} against 60/40's "
            f"{sharpe.format(m[sixty]['sharpe_excess_tbill'])} on the same days."
        )
    if lk.against is not None:
        a = lk.against
        label = BENCHMARK_LABELS.get(a.benchmark, a.benchmark)
        out.append(
            f"Searched: {a.spa.trials:,} configurations against {label}; SPA p {a.spa.p_consistent:.3f}, "
            f"{len(a.spa.survivors):,} StepM survivors at {a.spa.size:.0%} FWER, deflated active Sharpe "
            f"{a.deflated.dsr:.3f}."
        )
    first = next(iter(lk.verdicts.values()), None)
    if first is not None:  # the chosen configuration alone, as a single run's verdict
        out.append(
            f"The in-sample best (config {lk.best}) over the whole window, the search not counted: "
            f"{sentence(first.verdict)}."
        )
    return tuple(out)


def grid_view(cfg: DictConfig, sweep: Sweep, lk: Luck, opts: GridSettings, bench: dict) -> R.GridView:
    """The report's input: the results table, the swept parameters, returns on the out-of-sample days."""
    params = swept(sweep.table)
    fixed = [c for c in parameters(sweep.table) if c not in params]
    equity = oos_returns(sweep, lk, bench)
    best = sweep.table.loc[lk.best]
    notes = [
        f"{len(sweep.table):,} configurations ({len(sweep.skipped):,} invalid skipped) from "
        f"{sweep.dates[0].date()} to {sweep.dates[-1].date()} ({len(sweep.dates):,} days), "
        f"chosen by {opts.metric}.",
        f"In-sample best (hindsight): config {lk.best}, "
        + " ".join(f"{R.short(p)}={R.tick(best[p])}" for p in params)
        + f"; {opts.metric} {describe(opts.metric).format(best[opts.metric], digits=3)}.",
    ]
    if fixed:
        notes.append("Held fixed: " + " ".join(f"{R.short(p)}={R.tick(best[p])}" for p in fixed) + ".")
    return R.GridView(
        table=sweep.table,
        params=params,
        metric=opts.metric,
        best=lk.best,
        equity=equity,
        windows=lk.wf.choices if lk.wf is not None else pd.DataFrame(),
        stats=luck_table(sweep, lk, opts, equity),
        logits=np.asarray(lk.overfit.logits) if lk.overfit is not None else None,
        title=_title(cfg),
        notes=tuple(notes),
        verdict=sentence(lk.against.verdict()) if lk.against is not None else "",
        outcome=lk.against.verdict().outcome if lk.against is not None else "",
        lead=lead(sweep, lk, equity),
        reference=reference(sweep.table, opts.metric),
    )


def _title(cfg: DictConfig) -> str:
    return f"{cfg.strategy.name} grid"


def prepare_png(helper: Helper, folder: Path, cfg: DictConfig, columns: pd.DataFrame, metric: str) -> None:
    """Have `helper` build ``grid_report.png``'s scaffold now, from the parameter columns alone.

    Its axes, ticks, labels and titles (`report.grid_report.prepare_png`) are then drawn while the grid
    simulates; `start_png`'s job later only fills the metric in, if the table still fits.

    Args:
        helper: The run's helper (`report.render.Helper`).
        folder: The results folder the PNG will be written to.
        cfg: The run's config (the title).
        columns: The parameter columns of the configurations to be simulated (`pipeline.param_columns`).
        metric: The selection metric.
    """
    args = (columns, swept(columns), metric, _title(cfg))
    helper.start([ChartJob(R.prepare_png, Path(folder) / PNG, args)])  # its answer is not awaited


def start_png(
    folder: Path, cfg: DictConfig, sweep: Sweep, metric: str, best: Any, helper: Helper | None = None
) -> Pending:
    """Start drawing ``grid_report.png`` beside this process; `finish` it later.

    The PNG's heatmaps and sensitivity plots need only the results table and the best configuration,
    so it can be drawn while the luck statistics are computed and the results and the HTML written:
    by `helper` (`report.render.Helper`, forked when the run started), else by a child forked now
    (`report.render.start`).
    """
    view = R.GridView(
        table=sweep.table,
        params=swept(sweep.table),
        metric=metric,
        best=best,
        equity=pd.DataFrame(),
        windows=pd.DataFrame(),
        stats=pd.DataFrame(),
        logits=None,
        title=_title(cfg),
        reference=reference(sweep.table, metric),
    )
    return (helper.start if helper is not None else start)([job(R.write_png, Path(folder) / PNG, view)])


def write_grid_report(
    folder: Path,
    cfg: DictConfig,
    sweep: Sweep,
    lk: Luck,
    opts: GridSettings,
    bench: dict,
    png: Pending | None = None,
) -> list[Path]:
    """Write ``grid_report.html`` and ``grid_report.png`` into `folder` (the grid's results folder).

    The PNG is rasterised by a forked child on the second core while this process writes the HTML
    (`report.render`, as a single run's charts are); `png`, if given, is that child already started
    (`start_png`).

    Args:
        folder: The results folder.
        cfg: The grid's config.
        sweep: The simulated grid.
        lk: Its luck statistics (`sweeps.run.luck`).
        opts: `sweeps.results.settings`.
        bench: The benchmark portfolios on the grid's days, by name (`core.simulation.benchmark_portfolios`).
        png: The PNG's child, started by `start_png` (None: started here).
    """
    png = png if png is not None else start_png(folder, cfg, sweep, opts.metric, lk.best)
    try:
        page = R.write_html(grid_view(cfg, sweep, lk, opts, bench), Path(folder) / HTML)
    except BaseException:
        png.cancel()
        raise
    return [page, *png.finish()]
