"""One tracking path for every kind of run: a single backtest, a grid, a grid chunk, a merged grid.

`run_tracked` runs a job between its tracking steps, the same way for all of them:

1. Hydra's copy of the config in the run folder (``.hydra/``) has its secret-looking values hidden;
2. the store opens in a background worker (`tracking.background`) while the job loads its data;
   a user error there leaves no run behind (a malformed URI, or a local store that is mistyped or
   read-only, is refused before any work; a new store is announced in one line);
3. a start record (``complete: false``) is written into the run folder, then the run is created
   with its start info (`start_info`: run uid and folder, the sweep it belongs
   to, the dataset for `mlflow.log_input`, the redacted command line and re-run command); the worker
   adds the code version (git commit and diff, package versions) while the job computes;
4. the job computes and writes its results folder; the resolved config, secrets hidden, goes to
   ``results/config.yaml``;
5. the tracking record (`tracking.record.RECORD`: params, metrics, tags, start info, child runs) is
   written into the run folder before logging, so that ``python -m tracking resync <folder>`` can log
   a run whose store was down; then the run (and its child runs) is logged. A job killed on the way
   leaves its run KILLED (the worker's doing), never an empty FINISHED one.

Imports neither pipeline nor sweeps: the job's work comes in as two callables.
"""

from __future__ import annotations

import contextlib
import logging
import shlex
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from tracking.background import TrackingError
from tracking.background import opened as background
from tracking.lineage import dataset_info, repro_info, rerun_command
from tracking.mlflow_store import (
    check_store,
    command_line,
    flatten,
    redact_hydra_dir,
    redact_override,
    redact_text,
    redacted_config,
    resolve_uri,
    runs_page,
    store_path,
    ui_command,
    uri_key,
)
from tracking.record import RECORD, current_sweep, write_json


@dataclass
class Outcome:
    """What a job computed, for the terminal and the tracking record.

    Attributes:
        metrics: Flat metrics of the run.
        text: The terminal summary.
        tags: Run tags (`base_tags` and the job's own).
        children: Child runs (e.g. a grid's top configurations): ``name``, ``params``, ``metrics`` and
            their own ``tags`` (added to the parent's).
        footer: Printed after the results folder (e.g. the next step).
        printed: The job printed `text` itself as soon as its numbers existed (before its charts and
            tracking); `run_tracked` then prints only what follows it.
    """

    metrics: dict[str, float]
    text: str
    tags: dict[str, str]
    children: list[dict[str, Any]] = field(default_factory=list)
    footer: str = ""
    printed: bool = False


def write_config(cfg: DictConfig, results: Path) -> Path:
    """Write the resolved config, secrets hidden, to ``results/config.yaml``."""
    results.mkdir(parents=True, exist_ok=True)
    path = results / "config.yaml"
    path.write_text(OmegaConf.to_yaml(redacted_config(cfg)))
    return path


def job_overrides() -> list[str]:
    """The command-line overrides of this run (of this job, in a sweep), secrets hidden."""
    if not HydraConfig.initialized():
        return []
    return [redact_override(str(o)) for o in HydraConfig.get().overrides.task]


def base_tags(cfg: DictConfig, market: Any) -> dict[str, str]:
    """Tags every run carries: strategy, signal, data lineage, command line (the worker adds git)."""
    sig = cfg.strategy.get("signal")
    return {
        "strategy": str(cfg.strategy.name),
        "signal": str(sig["_target_"]).rsplit(".", 1)[-1] if sig is not None else "none",
        "data_source": market.source,
        "data_first": str(market.start.date()),
        "data_last": str(market.end.date()),
        "data_digest": market.digest,
        "command": command_line(),
    }


def start_info(cfg: DictConfig, market: Any, folder: Path, rerun: str | None = None) -> dict[str, Any]:
    """What the tracking worker needs to create the run: tags, dataset lineage, re-run command.

    Args:
        cfg: The run's config.
        market: Its market data (`market.types.MarketData`).
        folder: The run folder.
        rerun: The command that re-runs it (default: ``python run.py`` and this job's overrides).
    """
    tags = {"run_uid": uuid.uuid4().hex, "run_folder": str(folder.resolve())}
    sweep = current_sweep()
    if sweep is not None:
        tags["sweep_uid"] = sweep["sweep_uid"]
        if sweep.get("parent_run_id"):
            tags["mlflow.parentRunId"] = sweep["parent_run_id"]
    return {
        "tags": tags,
        "dataset": dataset_info(market, redacted_config(cfg)["data"]),
        "rerun": rerun or rerun_command(job_overrides()),
        "command": command_line(),
        "folder": str(folder.resolve()),
        "sweep": sweep,
    }


def write_record(
    cfg: DictConfig, name: str, out: Outcome | None, folder: Path, info: Mapping[str, Any]
) -> dict[str, Any]:
    """Write the run's tracking record into its folder.

    First as a start record (``out`` None, ``complete`` false), just before the run is created, so a
    run whose process dies is still known to ``python -m tracking resync``; then with the outcome,
    before logging, so a store that is down loses nothing.
    """
    record = {
        "experiment": str(cfg.tracking.experiment),
        "uri": None if cfg.tracking.uri is None else redact_text(str(cfg.tracking.uri)),
        "run_name": name,
        "complete": out is not None,
        "params": flatten(redacted_config(cfg)),
        "metrics": out.metrics if out is not None else {},
        "tags": out.tags if out is not None else {},
        "start": dict(info),
        "children": out.children if out is not None else [],
    }
    write_json(folder / RECORD, record)
    return record


def keep_for_resync(folder: Path, record: Mapping[str, Any]) -> None:
    """After a tracking failure, add the code version to the record (the worker could not log it)."""
    write_json(folder / RECORD, {**record, "repro": repro_info()})


def resync_hint(err: BaseException, folder: Path) -> str:
    """The message for a run whose results are kept but whose tracking failed."""
    return (
        f"error: tracking failed ({err}); the backtest completed and its results are kept in "
        f"{folder / 'results'}\n  log them later with: python -m tracking resync {shlex.quote(str(folder))}"
    )


class TrackedRun:
    """The store side of one run: a background MLflow run, or nothing when tracking is off.

    A store that cannot be reached is not fatal to the job: the error is kept in `error` (the caller
    raises it once the results are written) and the record stays in the run folder for a re-sync.
    """

    def __init__(self, cfg: DictConfig, name: str, folder: Path, worker: Any, rerun: str | None) -> None:
        self.cfg, self.name, self.folder, self.rerun = cfg, name, folder, rerun
        self._worker = worker
        self._info: dict[str, Any] = {}
        self.error: Exception | None = None

    def abort(self) -> None:
        """Leave without creating a run (the job stopped before it started: bad input)."""
        if self._worker is not None:
            self._worker.abort()

    def start(self, market: Any) -> None:
        """Create the run (after the job's inputs were validated and its data loaded)."""
        if self._worker is None:
            return
        self._info = start_info(self.cfg, market, self.folder, self.rerun)
        record = write_record(self.cfg, self.name, None, self.folder, self._info)
        try:
            self._worker.start(self._info, record["params"])
        except TrackingError as exc:
            self.error = exc

    def fail(self) -> None:
        """End the run FAILED (the job raised)."""
        if self._worker is not None and self.error is None:
            self._worker.fail()

    def finish(self, out: Outcome) -> str:
        """Write the record, log the run and its children; return the lines saying where it went."""
        if self._worker is None:
            return ""
        record = write_record(self.cfg, self.name, out, self.folder, self._info)
        if self.error is None:
            try:
                self._worker.log(
                    params=record["params"],
                    metrics=record["metrics"],
                    tags=record["tags"],
                    folder=self.folder / "results",
                    hydra_dir=self.folder / ".hydra",
                    children=record["children"],
                )
            except TrackingError as exc:
                self.error = exc
        if self.error is not None:
            keep_for_resync(self.folder, record)
            return ""

        kids = f" (+{len(out.children)} child runs)" if out.children else ""
        page = self._worker.experiment_id and runs_page(self._worker.uri, self._worker.experiment_id)
        return (
            f"\n\nMLflow run {self._worker.run_id}{kids} in experiment '{self.cfg.tracking.experiment}' at "
            f"{redact_text(self._worker.uri)}\n  open the UI: {ui_command(self._worker.uri)}"
            + (f"\n  runs table: {page}" if page else "")
        )


@contextlib.contextmanager
def opened(cfg: DictConfig, name: str, folder: Path, rerun: str | None = None) -> Iterator[TrackedRun]:
    """A `TrackedRun` whose store opens in a worker while the job works; a malformed URI raises first."""
    if not cfg.tracking.enabled:
        yield TrackedRun(cfg, name, folder, None, rerun)
        return

    # a malformed URI, a mistyped or read-only store path: config errors, found before any work
    uri = resolve_uri(cfg.tracking.uri)
    if check_store(uri, key=uri_key(cfg.tracking.uri)):
        print(
            f"tracking: creating a new MLflow store at {store_path(uri) or redact_text(uri)}", file=sys.stderr
        )

    # a sweep's jobs in one process (the basic launcher) share one worker, kept warm between them
    keep = current_sweep() is not None
    with background(cfg.tracking.uri, str(cfg.tracking.experiment), name, keep=keep) as worker:
        yield TrackedRun(cfg, name, folder, worker, rerun)


def job_log(text: str) -> None:
    """Write `text` to Hydra's job log (``<run folder>/<job>.log``, e.g. ``run.log``), not to the console.

    The terminal has the summary through `print` (plain text, also outside Hydra: a notebook, a test);
    the log file gets it as one INFO record through the file handlers Hydra put on the root logger.
    Outside Hydra there are none and nothing is written.
    """
    record = logging.LogRecord("summary", logging.INFO, __file__, 0, text, None, None)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)


def run_tracked(
    cfg: DictConfig,
    name: str,
    folder: Path,
    load: Callable[[], tuple[Any, Any]],
    compute: Callable[[Any, Path], Outcome],
    *,
    echo: bool = True,
    rerun: str | None = None,
) -> dict[str, float]:
    """Run a job in `folder` between its tracking steps (see the module docstring).

    Args:
        cfg: The job's config.
        name: The run's display name (`tracking.lineage.run_name`).
        folder: The run folder; results go to ``folder/results``.
        load: Validates and loads the inputs: returns (market data, state for `compute`). What it
            raises leaves no run behind.
        compute: (state, results folder) -> `Outcome`, having written the results folder. What it
            raises ends the run FAILED.
        echo: Print the summary.
        rerun: The command that re-runs the job (default: ``python run.py`` with its overrides).

    Returns:
        The outcome's metrics.

    Raises:
        TrackingError: The store failed; the results and the record are kept in `folder`.
    """
    folder = Path(folder)
    results = folder / "results"
    redact_hydra_dir(folder / ".hydra")
    with opened(cfg, name, folder, rerun) as run:
        try:
            market, state = load()
        except BaseException:
            run.abort()
            raise
        run.start(market)
        try:
            out = compute(state, results)
            write_config(cfg, results)
        except BaseException:
            run.fail()
            raise
        tail = run.finish(out)
    tail += f"\nresults: {results}{out.footer}"
    if echo:
        print(tail if out.printed else out.text + tail)
    job_log(out.text + tail)
    if run.error is not None:
        raise run.error
    return out.metrics
