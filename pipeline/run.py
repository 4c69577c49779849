"""`run(cfg)`: one backtest from config to tracked results; `main_cli` wraps it for `run.py`."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from common.errors import UserError
from pipeline.backtest import RunResult, prepare_inputs, simulate_all
from pipeline.plan import make_plan

REPO_ROOT = Path(__file__).resolve().parent.parent


def load_market(cfg: DictConfig):
    """Load and align the market data the config asks for."""
    from hydra.utils import instantiate

    from market.frame import prepare

    try:
        raw = instantiate(cfg.data.loader, _convert_="all")
    except UserError:
        raise
    except Exception as exc:
        cause = exc.__cause__ if isinstance(exc.__cause__, UserError) else None
        if cause is not None:
            raise cause from None
        raise
    return prepare(
        raw,
        source=str(cfg.data.source),
        calendar_column=str(cfg.data.calendar_column),
        max_ffill_days=cfg.data.max_ffill_days,
        start=None,
        end=cfg.data.end,
    )


def tags_of(result: RunResult, cfg: DictConfig) -> dict[str, str]:
    """Run tags: `tracking.tracked.base_tags` and the backtest's dates and engine (the worker adds git)."""
    from tracking.tracked import base_tags

    return base_tags(cfg, result.market) | {
        "backtest_first": str(result.strategy.value.index[0].date()),
        "backtest_last": str(result.strategy.value.index[-1].date()),
        "engine": result.engine,
    }


def output_dir_of(cfg: DictConfig) -> Path:
    """The Hydra run folder, or ``outputs/adhoc`` when called outside `@hydra.main`."""
    from hydra.core.hydra_config import HydraConfig

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
    from pipeline import outputs
    from pipeline.report import summary
    from tracking.lineage import run_name
    from tracking.tracked import Outcome, execute, job_overrides

    if cfg.get("mode") == "grid":  # a vectorized sweep (sweeps/): conf/experiment/wedge_grid.yaml
        from sweeps.pipeline import run_grid

        return run_grid(cfg, Path(output_dir) if output_dir is not None else output_dir_of(cfg), echo=echo)
    plan = make_plan(cfg)

    def load():
        market = load_market(cfg)
        return market, (market, prepare_inputs(plan, market, start=cfg.data.start, end=cfg.data.end))

    def compute(state, results: Path) -> Outcome:
        market, inputs = state
        started = outputs.signal_charts(  # drawn while the portfolios are simulated
            plan, market, inputs.signal, inputs.prices, results, cfg.charts.plotlyjs
        )
        result = simulate_all(plan, market, inputs)
        outputs.write(result, results, plotlyjs=cfg.charts.plotlyjs, started=started)
        return Outcome(outputs.flat_metrics(result), summary(result), tags_of(result, cfg))

    folder = Path(output_dir) if output_dir is not None else output_dir_of(cfg)
    # the store opens in a worker while we compute (tracking.tracked)
    return execute(cfg, run_name(plan.name, job_overrides()), folder, load, compute, echo=echo)


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
        from tracking.record import record_failed_job

        record_failed_job(*job, message=str(err))
        return None  # the sweep's other jobs still run; the sweep callback lists this one and exits 2
    except Exception as err:
        from tracking.background import TrackingError

        if not isinstance(err, TrackingError):
            raise
        from tracking.record import current_sweep
        from tracking.tracked import resync_hint

        print(resync_hint(err, output_dir_of(cfg)), file=sys.stderr)

        if current_sweep() is None:
            sys.exit(3)
        return None  # in a sweep, the other jobs still run; the sweep callback exits 3 at the end
    return metrics.get("sharpe_excess_tbill")


def _multirun_job() -> tuple[Path, int, list[str]] | None:
    """(sweep folder, job number, job overrides) when this is a job of a ``-m`` sweep, else None."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    if not HydraConfig.initialized():
        return None
    hc = HydraConfig.get()
    if hc.mode != RunMode.MULTIRUN:
        return None
    return Path(str(hc.sweep.dir)).resolve(), int(hc.job.num), [str(o) for o in hc.overrides.task]


def _discard_run_folder(cfg: DictConfig) -> None:
    """Remove the folder Hydra made for a run that failed on user input: nothing half-written.

    Only a folder holding nothing but Hydra's own files (``.hydra/`` and the job log) is removed.
    """
    folder = output_dir_of(cfg)
    if not folder.is_dir():
        return
    if all(p.name == ".hydra" or p.suffix == ".log" for p in folder.iterdir()):
        shutil.rmtree(folder, ignore_errors=True)
