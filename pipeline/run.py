"""`run(cfg)`: one backtest from config to tracked results; `main_cli` wraps it for `run.py`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from analysis.verdict import sentence
from common import progress
from common.errors import UserError
from common.folders import discard
from core.data import load_market, needed_columns
from core.plan import make_plan
from core.simulation import RunResult, prepare_inputs, simulate_all
from pipeline import outputs
from pipeline.report import summary
from sweeps.pipeline import run_grid
from sweeps.pipeline import validate as validate_grid
from tracking.background import TrackingError
from tracking.lineage import rerun_command, run_name
from tracking.mlflow_store import VERDICT_TAG
from tracking.record import current_sweep, record_failed_job
from tracking.tracked import Outcome, base_tags, job_overrides, resync_hint
from tracking.tracked import execute as tracked_execute

REPO_ROOT = Path(__file__).resolve().parent.parent


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


def output_dir_of(cfg: DictConfig) -> Path:
    """The Hydra run folder, or ``outputs/adhoc`` when called outside `@hydra.main`."""
    if HydraConfig.initialized():
        return Path(HydraConfig.get().runtime.output_dir)
    return REPO_ROOT / "outputs" / "adhoc"


def run(cfg: DictConfig, output_dir: Path | None = None, *, echo: bool = True) -> dict[str, float]:
    """Run one backtest: validate, load data, simulate, write the run folder, track, print.

    Args:
        cfg: The composed config.
        output_dir: Where to write results (default: Hydra's run folder).
        echo: Print the summary table.

    Returns:
        The strategy's metrics (unprefixed) and the benchmarks' (``<benchmark>.<metric>``).

    Raises:
        UserError: Bad config or data, raised before anything is written or tracked.
    """
    return execute(cfg, output_dir, echo=echo)[1]


def validate(cfg: DictConfig) -> None:
    """The checks a job makes before it loads any data (a grid's or a single run's); a sweep runs them first.

    Raises:
        UserError: Naming the first bad key.
    """
    if cfg.get("mode") == "grid":
        validate_grid(cfg)
    else:
        make_plan(cfg)


def execute(
    cfg: DictConfig, output_dir: Path | None = None, *, echo: bool = True, market: Any = None
) -> tuple[RunResult | None, dict[str, float]]:
    """`run`, also returning the core's result (None for a grid); `market` skips loading the data."""
    if cfg.get("mode") == "grid":  # a vectorized sweep (sweeps/): conf/experiment/wedge_grid.yaml
        folder = Path(output_dir) if output_dir is not None else output_dir_of(cfg)
        return None, run_grid(cfg, folder, echo=echo)
    plan = make_plan(cfg)
    given = market
    done: dict[str, RunResult] = {}
    # on screen from the first second: the stage under way (stderr; gone once the summary prints)
    bar = progress.open_bar(4, enabled=echo, label=plan.name, unit="stage", first="loading data", leave=False)

    def load():
        data = given if given is not None else load_market(cfg, needed_columns(cfg, plan.signal))
        progress.stage(bar, "computing the signal", done=1)
        return data, (data, prepare_inputs(plan, data, start=cfg.data.start, end=cfg.data.end))

    def compute(state, results: Path) -> Outcome:
        data, inputs = state
        charts_on = bool(cfg.charts.get("enabled", True))
        progress.stage(bar, "simulating", done=1)
        started = outputs.signal_charts(  # drawn while the portfolios are simulated
            plan, data, inputs.signal, inputs.prices, results, inputs.event_study, charts_on=charts_on
        )
        result = done["result"] = simulate_all(plan, data, inputs)
        text = summary(result, end=cfg.data.end, overrides=job_overrides())
        bar.close()  # the table replaces the bar
        if echo:  # the table as soon as the numbers exist; the charts and the tracking follow
            print(text, flush=True)
        rerun = rerun_command(job_overrides())
        sweep = _multirun_job()  # charts.plotlyjs=shared: one plotly.js for the sweep's pages
        outputs.write(
            result,
            results,
            plotlyjs=cfg.charts.plotlyjs,
            started=started,
            rerun=rerun,
            charts_on=charts_on,
            tree=sweep[0] if sweep is not None and output_dir is None else None,
        )
        return Outcome(outputs.flat_metrics(result), text, tags_of(result, cfg), printed=echo)

    folder = Path(output_dir) if output_dir is not None else output_dir_of(cfg)
    # the store opens in a worker while we compute (tracking.tracked)
    try:
        metrics = tracked_execute(cfg, run_name(plan.name, job_overrides()), folder, load, compute, echo=echo)
    finally:
        bar.close()  # a refusal's message is not printed under a half-drawn bar
    return done.get("result"), metrics


def main_cli(cfg: DictConfig) -> Any:
    """Entry point body for `run.py`: user errors become one message and exit status 2."""
    try:
        metrics = run(cfg)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        _discard_run_folder(cfg)
        job = _multirun_job()
        if job is None:
            sys.exit(2)
        record_failed_job(*job, message=str(err))
        return None  # the sweep's other jobs still run; the sweep callback lists this one and exits 2
    except Exception as err:
        if not isinstance(err, TrackingError):
            raise
        print(resync_hint(err, output_dir_of(cfg)), file=sys.stderr)

        if current_sweep() is None:
            sys.exit(3)
        return None  # in a sweep, the other jobs still run; the sweep callback exits 3 at the end
    return metrics.get("sharpe_excess_tbill")


def _multirun_job() -> tuple[Path, int, list[str]] | None:
    """(sweep folder, job number, job overrides) when this is a job of a ``-m`` sweep, else None."""
    if not HydraConfig.initialized():
        return None
    hc = HydraConfig.get()
    if hc.mode != RunMode.MULTIRUN:
        return None
    return Path(str(hc.sweep.dir)).resolve(), int(hc.job.num), [str(o) for o in hc.overrides.task]


def _discard_run_folder(cfg: DictConfig) -> None:
    """Remove what was made for a run that failed on user input (`common.folders.discard`).

    Nothing half-written, nothing of the user's touched: only the folders this run created, and Hydra's files.
    """
    discard(output_dir_of(cfg))
