"""`run(cfg)`: one backtest from config to tracked results; `main_cli` wraps it for `run.py`."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from common.errors import UserError
from pipeline.backtest import RunResult, prepare_inputs, simulate_all
from pipeline.plan import make_plan

REPO_ROOT = Path(__file__).resolve().parent.parent


def load_market(cfg: DictConfig):
    """Load and align the market data the config asks for (``data.loader``, then `market.frame.prepare`)."""
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


def git_commit() -> str:
    """The repository's HEAD commit, or ``unknown`` outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def tags_of(result: RunResult, cfg: DictConfig) -> dict[str, str]:
    """Run tags: strategy, signal, data lineage, command line (the tracking worker adds git and versions)."""
    from tracking.mlflow_store import redact_override

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
        "command": " ".join(["python", *map(redact_override, sys.argv)]),
    }


def job_overrides() -> list[str]:
    """The command-line overrides of this run (of this job, in a sweep), secrets hidden."""
    from hydra.core.hydra_config import HydraConfig

    from tracking.mlflow_store import redact_override

    if not HydraConfig.initialized():
        return []
    return [redact_override(str(o)) for o in HydraConfig.get().overrides.task]


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
    return execute(cfg, output_dir, echo=echo)[1]


def execute(
    cfg: DictConfig, output_dir: Path | None = None, *, echo: bool = True, market: Any = None
) -> tuple[RunResult | None, dict[str, float]]:
    """`run`, also returning the core's result (None for a grid); `market` skips loading the data."""
    from pipeline import outputs
    from pipeline.report import summary
    from tracking.lineage import run_name

    if cfg.get("mode") == "grid":  # a vectorized sweep (sweeps/): conf/experiment/wedge_grid.yaml
        from sweeps.pipeline import run_grid

        return None, run_grid(
            cfg, Path(output_dir) if output_dir is not None else output_dir_of(cfg), echo=echo
        )
    plan = make_plan(cfg)
    if cfg.tracking.enabled:
        from tracking.mlflow_store import resolve_uri

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
                from tracking.mlflow_store import ui_command

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
    from tracking.background import opened

    return opened(cfg.tracking.uri, str(cfg.tracking.experiment), run_name)


def redacted_config(cfg: DictConfig) -> dict:
    """The resolved config as plain containers, secret-looking values hidden."""
    from tracking.mlflow_store import redact

    return redact(OmegaConf.to_container(cfg, resolve=True))


def _start_info(cfg: DictConfig, market: Any, folder: Path) -> dict[str, Any]:
    """What the tracking worker needs to create the run: tags, dataset lineage, re-run command."""
    import uuid

    from tracking.lineage import dataset_info, rerun_command
    from tracking.mlflow_store import redact_override
    from tracking.record import current_sweep

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
        "command": " ".join(["python", *map(redact_override, sys.argv)]),
        "folder": str(folder.resolve()),
        "sweep": sweep,
    }


def _write_record(
    cfg: DictConfig, name: str, result: RunResult, metrics: dict, folder: Path, start_info: dict
) -> dict[str, Any]:
    """Write the run's tracking record into its folder (before logging: nothing is lost)."""
    from tracking.mlflow_store import flatten
    from tracking.record import RECORD, write_json

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
    from tracking.lineage import repro_info
    from tracking.record import RECORD, write_json

    write_json(folder / RECORD, {**record, "repro": repro_info()})


def _start(tracker: Any, info: dict[str, Any]) -> Exception | None:
    """Create the run; a store that cannot be reached is reported, not fatal to the backtest."""
    from tracking.background import TrackingError

    if tracker is None:
        return None
    try:
        tracker.start(info)
    except TrackingError as exc:
        return exc
    return None


def _log(tracker: Any, record: dict[str, Any], results: Path, hydra: Path) -> Exception | None:
    """Send the run's record to the tracking worker; return the error if the store refused it."""
    from tracking.background import TrackingError

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
        from tracking.record import record_failed_job

        record_failed_job(*job, message=str(err))
        return None  # the sweep's other jobs still run; the sweep callback lists this one and exits 2
    except Exception as err:
        from tracking.background import TrackingError

        if not isinstance(err, TrackingError):
            raise
        folder = output_dir_of(cfg)
        print(
            f"error: tracking failed ({err}); the backtest completed and its results are kept in "
            f"{folder / 'results'}\n  log them later with: python -m tracking resync {folder}",
            file=sys.stderr,
        )
        from tracking.record import current_sweep

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
