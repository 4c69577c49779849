"""A single run: one backtest from config to tracked results (`run_single`), on the run core (`core`).

config → plan (`core.plan.make_plan`, once) → data (`core.data`) → decisions
(`core.simulation.prepare_inputs`) → simulation and measures (`core.simulation.simulate_all`) → the terminal
summary, the run folder (`single.outputs`) and the tracked run it tells what happened (`tracking.tracked`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from analysis.verdict import sentence
from common import progress
from core.data import load_market, needed_columns
from core.job import multirun_job
from core.plan import Plan
from core.simulation import RunResult, prepare_inputs, simulate_all
from single import outputs
from single.summary import summary
from tracking.lineage import rerun_command, run_name
from tracking.mlflow_store import VERDICT_TAG
from tracking.tracked import Outcome, base_tags, job_overrides, opened


def tags_of(result: RunResult, cfg: DictConfig) -> dict[str, str]:
    """Run tags: `tracking.tracked.base_tags`, the backtest's dates and engine, the verdict (git: the worker).

    The ``verdict`` tag (the sentence against the primary benchmark) opens the run's MLflow description.
    """
    verdict = next(iter(result.verdicts.values()), None)
    return base_tags(cfg, result.market) | {
        "backtest_first": str(result.strategy.value.index[0].date()),
        "backtest_last": str(result.strategy.value.index[-1].date()),
        "engine": result.engine,
        **({VERDICT_TAG: sentence(verdict.verdict)} if verdict is not None else {}),
    }


def run_single(
    cfg: DictConfig, plan: Plan, folder: Path, *, echo: bool = True, market: Any = None, tree: bool = True
) -> tuple[RunResult, dict[str, float]]:
    """Run one backtest: load data, simulate, print, write the run folder, track.

    Args:
        cfg: The composed config.
        plan: Its validated plan (`core.plan.make_plan`, made once by the caller).
        folder: The run folder.
        echo: Print the summary table.
        market: The market data, already loaded (None: loaded here).
        tree: In a ``-m`` sweep, share one plotly.js over the sweep's pages (``charts.plotlyjs=shared``);
            False when the caller chose the folder.

    Returns:
        The core's result and the flat metrics: the strategy's (unprefixed) and the benchmarks'
        (``<benchmark>.<metric>``).

    Raises:
        UserError: Bad data, raised before anything is written or tracked.
        TrackingError: The store failed; the results and the tracking record are kept in `folder`.
    """
    # on screen from the first second: the stage under way (stderr; gone once the summary prints)
    bar = progress.open_bar(4, enabled=echo, label=plan.name, unit="stage", first="loading data", leave=False)
    try:
        # the store opens in a worker while we load and compute (tracking.tracked)
        with opened(cfg, run_name(plan.name, job_overrides()), folder) as run:
            # bad input or data raises here: no run is created
            data = market if market is not None else load_market(cfg, needed_columns(cfg, plan.signal))
            progress.stage(bar, "computing the signal", done=1)
            inputs = prepare_inputs(plan, data, start=cfg.data.start, end=cfg.data.end)
            run.start(data)
            result, text = _compute(cfg, plan, data, inputs, run.results, bar=bar, echo=echo, tree=tree)
            out = Outcome(outputs.flat_metrics(result), text, tags_of(result, cfg), printed=echo)
            return result, run.finish(out, echo=echo)
    finally:
        bar.close()  # a refusal's message is not printed under a half-drawn bar


def _compute(
    cfg: DictConfig, plan: Plan, data: Any, inputs: Any, results: Path, *, bar: Any, echo: bool, tree: bool
) -> tuple[RunResult, str]:
    """Simulate, print the summary table as soon as it exists, write the results folder."""
    charts_on = bool(cfg.charts.get("enabled", True))
    progress.stage(bar, "simulating", done=1)
    started = outputs.signal_charts(  # drawn while the portfolios are simulated
        plan, data, inputs.signal, inputs.prices, results, inputs.event_study, charts_on=charts_on
    )
    result = simulate_all(plan, data, inputs)
    text = summary(result, end=cfg.data.end, overrides=job_overrides())
    bar.close()  # the table replaces the bar
    if echo:  # the table as soon as the numbers exist; the charts and the tracking follow
        print(text, flush=True)
    sweep = multirun_job()  # charts.plotlyjs=shared: one plotly.js for the sweep's pages
    outputs.write(
        result,
        results,
        plotlyjs=cfg.charts.plotlyjs,
        started=started,
        rerun=rerun_command(job_overrides()),
        charts_on=charts_on,
        tree=sweep[0] if sweep is not None and tree else None,
    )
    return result, text
