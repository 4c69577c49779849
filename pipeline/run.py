"""The front of `run.py`: `run(cfg)` picks the mode (a single run or a grid) and `main_cli` wraps it.

The modes are `single` (one backtest) and `sweeps` (a grid or a search), both on the run core (`core`);
neither imports the other. A single run never loads the grid's code: `sweeps` is imported only when
``mode: grid`` asks for it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from common.errors import UserError
from common.folders import discard
from core.job import multirun_job
from core.job import output_dir as hydra_folder
from core.plan import make_plan
from core.simulation import RunResult
from single.run import run_single
from tracking.background import TrackingError
from tracking.record import current_sweep, record_failed_job
from tracking.tracked import resync_hint


def is_grid(cfg: DictConfig) -> bool:
    """``mode: grid`` (conf/experiment/wedge_grid.yaml): a vectorized sweep, else a single run."""
    return cfg.get("mode") == "grid"


def run(cfg: DictConfig, output_dir: Path | None = None, *, echo: bool = True) -> dict[str, float]:
    """Run one backtest or one grid: validate, load data, simulate, write the run folder, track, print.

    Args:
        cfg: The composed config.
        output_dir: Where to write results (default: Hydra's run folder).
        echo: Print the summary table.

    Returns:
        A single run: the strategy's metrics (unprefixed) and the benchmarks' (``<benchmark>.<metric>``);
        a grid: its summary metrics, as logged on its parent run.

    Raises:
        UserError: Bad config or data, raised before anything is written or tracked.
    """
    return execute(cfg, output_dir, echo=echo)[1]


def validate(cfg: DictConfig) -> None:
    """The checks a job makes before it loads any data (a grid's or a single run's); a sweep runs them first.

    Raises:
        UserError: Naming the first bad key.
    """
    if is_grid(cfg):
        from sweeps.run import validate as validate_grid  # lazy: a single run never loads the grid's code

        validate_grid(cfg)
    else:
        make_plan(cfg)


def execute(
    cfg: DictConfig, output_dir: Path | None = None, *, echo: bool = True, market: Any = None
) -> tuple[RunResult | None, dict[str, float]]:
    """`run`, also returning the core's result (None for a grid); `market`: a single run's data, loaded."""
    folder = Path(output_dir) if output_dir is not None else hydra_folder()
    if is_grid(cfg):
        from sweeps.run import run_grid  # lazy: a single run never loads the grid's code

        return None, run_grid(cfg, folder, echo=echo)
    return run_single(cfg, make_plan(cfg), folder, echo=echo, market=market, tree=output_dir is None)


def main_cli(cfg: DictConfig) -> Any:
    """Entry point body for `run.py`: user errors become one message and exit status 2."""
    try:
        metrics = run(cfg)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        discard(hydra_folder())  # only the folders this run made, and Hydra's files (`common.folders`)
        job = multirun_job()
        if job is None:
            sys.exit(2)
        record_failed_job(*job, message=str(err))
        return None  # the sweep's other jobs still run; the sweep callback lists this one and exits 2
    except Exception as err:
        if not isinstance(err, TrackingError):
            raise
        print(resync_hint(err, hydra_folder()), file=sys.stderr)

        if current_sweep() is None:
            sys.exit(3)
        return None  # in a sweep, the other jobs still run; the sweep callback exits 3 at the end
    return metrics.get("sharpe_excess_tbill")

