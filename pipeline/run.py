"""`run(cfg)`: one backtest from config to tracked results; `main_cli` wraps it for `run.py`."""

from __future__ import annotations

import contextlib
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from common.errors import UserError
from pipeline import outputs
from pipeline.backtest import RunResult, prepare_inputs, simulate_all
from pipeline.data import load_market
from pipeline.plan import make_plan
from pipeline.report import summary
from sweeps.pipeline import run_grid
from tracking.background import TrackingError, opened
from tracking.lineage import dataset_info, repro_info, rerun_command, run_name
from tracking.mlflow_store import (
    command_line,
    flatten,
    redact_override,
    redacted_config,
    resolve_uri,
    ui_command,
)
from tracking.record import RECORD, current_sweep, record_failed_job, write_json

REPO_ROOT = Path(__file__).resolve().parent.parent


def tags_of(result: RunResult, cfg: DictConfig) -> dict[str, str]:
    """Run tags: strategy, signal, data lineage, command line (the tracking worker adds git and versions)."""
    sig = cfg.strategy.get("signal")
    return {
        "strategy": result.plan.name,
        "signal": str(sig["_target_"]).rsplit(".", 1)[-1] if sig is not None else "none",
        "data_source": result.market.source,
        "data_first": str(result.market.start.date()),
        "data_last": str(result.market.end.date()),
        "data_digest": result.market.digest,
        "backtest_first": str(result.strategy.value.index[0].date()),
        "backtest_last": str(result.strategy.value.index[-1].date()),
        "engine": result.engine,
        "command": command_line(),
    }


def job_overrides() -> list[str]:
    """The command-line overrides of this run (of this job, in a sweep), secrets hidden."""
    if not HydraConfig.initialized():
        return []
    return [redact_override(str(o)) for o in HydraConfig.get().overrides.task]


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


def execute(
    cfg: DictConfig, output_dir: Path | None = None, *, echo: bool = True, market: Any = None
) -> tuple[RunResult | None, dict[str, float]]:
    """`run`, also returning the core's result (None for a grid); `market` skips loading the data."""
    if cfg.get("mode") == "grid":  # a vectorized sweep (sweeps/): conf/experiment/wedge_grid.yaml
        folder = Path(output_dir) if output_dir is not None else output_dir_of(cfg)
        return None, run_grid(cfg, folder, echo=echo)
    plan = make_plan(cfg)
    if cfg.tracking.enabled:
        resolve_uri(cfg.tracking.uri)  # a malformed URI is a config error, found before any work
    folder = Path(output_dir) if output_dir is not None else output_dir_of(cfg)
    results = folder / "results"
    name = run_name(plan.name, job_overrides())
    with _tracking(cfg, name) as tracker:  # the store opens in a worker while we compute
        try:
            market = market if market is not None else load_market(cfg)
            inputs = prepare_inputs(plan, market, start=cfg.data.start, end=cfg.data.end)
        except BaseException:
            if tracker is not None:
                tracker.abort()
            raise
        start_info = _start_info(cfg, market, folder) if tracker is not None else {}
        tracking_error = _start(tracker, start_info)
        try:
            started = outputs.signal_charts(  # drawn while the portfolios are simulated
                plan, market, inputs.signal, inputs.prices, results, cfg.charts.plotlyjs
            )
            result = simulate_all(plan, market, inputs)
            outputs.write(result, results, plotlyjs=cfg.charts.plotlyjs, started=started)
            (results / "config.yaml").write_text(OmegaConf.to_yaml(redacted_config(cfg)))
            metrics = outputs.flat_metrics(result)
            text = summary(result)
        except BaseException:
            if tracker is not None and tracking_error is None:
                tracker.fail()
            raise
        if tracker is not None:
            record = _write_record(cfg, name, result, metrics, folder, start_info)
            if tracking_error is None:
                tracking_error = _log(tracker, record, results, folder / ".hydra")
            if tracking_error is not None:
                _keep_for_resync(folder, record)
            else:
                text += (
                    f"\n\nMLflow run {tracker.run_id} in experiment '{cfg.tracking.experiment}' at "
                    f"{tracker.uri}\n  open the UI: {ui_command(tracker.uri)}"
                )
    text += f"\nresults: {results}"
    if echo:
        print(text)
    if tracking_error is not None:
        raise tracking_error
    return result, metrics


def _tracking(cfg: DictConfig, run_name: str) -> contextlib.AbstractContextManager:
    """A background MLflow run (see `tracking.background`), or a no-op when tracking is off."""
    if not cfg.tracking.enabled:
        return contextlib.nullcontext(None)
    return opened(cfg.tracking.uri, str(cfg.tracking.experiment), run_name)


def _start_info(cfg: DictConfig, market: Any, folder: Path) -> dict[str, Any]:
    """What the tracking worker needs to create the run: tags, dataset lineage, re-run command."""
    tags = {"run_uid": uuid.uuid4().hex, "run_folder": str(folder.resolve())}
    sweep = current_sweep()
    if sweep is not None:
        tags["sweep_uid"] = sweep["sweep_uid"]
        if sweep.get("parent_run_id"):
            tags["mlflow.parentRunId"] = sweep["parent_run_id"]
    return {
        "tags": tags,
        "dataset": dataset_info(market, OmegaConf.to_container(cfg.data, resolve=True)),
        "rerun": rerun_command(job_overrides()),
        "command": command_line(),
        "folder": str(folder.resolve()),
        "sweep": sweep,
    }


def _write_record(
    cfg: DictConfig, name: str, result: RunResult, metrics: dict, folder: Path, start_info: dict
) -> dict[str, Any]:
    """Write the run's tracking record into its folder (before logging: nothing is lost)."""
    record = {
        "experiment": str(cfg.tracking.experiment),
        "uri": cfg.tracking.uri,
        "run_name": name,
        "params": flatten(OmegaConf.to_container(cfg, resolve=True)),
        "metrics": metrics,
        "tags": tags_of(result, cfg),
        "start": start_info,
    }
    write_json(folder / RECORD, record)
    return record


def _keep_for_resync(folder: Path, record: dict[str, Any]) -> None:
    """After a tracking failure, add the code version to the record (the worker could not log it)."""
    write_json(folder / RECORD, {**record, "repro": repro_info()})


def _start(tracker: Any, info: dict[str, Any]) -> Exception | None:
    """Create the run; a store that cannot be reached is reported, not fatal to the backtest."""
    if tracker is None:
        return None
    try:
        tracker.start(info)
    except TrackingError as exc:
        return exc
    return None


def _log(tracker: Any, record: dict[str, Any], results: Path, hydra: Path) -> Exception | None:
    """Send the run's record to the tracking worker; return the error if the store refused it."""
    try:
        tracker.log(
            params=record["params"],
            metrics=record["metrics"],
            tags=record["tags"],
            folder=results,
            hydra_dir=hydra,
        )
    except TrackingError as exc:
        return exc
    return None


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
        folder = output_dir_of(cfg)
        print(
            f"error: tracking failed ({err}); the backtest completed and its results are kept in "
            f"{folder / 'results'}\n  log them later with: python -m tracking resync {folder}",
            file=sys.stderr,
        )
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
    """Remove the folder Hydra made for a run that failed on user input: nothing half-written.

    Only a folder holding nothing but Hydra's own files (``.hydra/`` and the job log) is removed.
    """
    folder = output_dir_of(cfg)
    if not folder.is_dir():
        return
    if all(p.name == ".hydra" or p.suffix == ".log" for p in folder.iterdir()):
        shutil.rmtree(folder, ignore_errors=True)
