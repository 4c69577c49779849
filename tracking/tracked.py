"""One tracking path for every kind of run: a backtest, a grid (chunk, merge), the monitor, the catalogue.

A mode opens a tracked run and tells it what happened; tracking never calls back into the mode::

    with opened(cfg, name, folder, rerun=rerun) as run:
        market = load(cfg)                     # raises: no run is created, nothing is tracked
        run.start(market)                      # the run is created
        out = compute(market, run.results)     # raises: the run ends FAILED
        return run.finish(out, echo=echo)      # the record, the run, the summary's tail

1. `opened` hides the secret-looking values of Hydra's copy of the config in the run folder
   (``.hydra/``), refuses a malformed URI, or a local store that is mistyped or read-only, before any
   work (a new store is announced in one line), and opens the store in a background worker
   (`tracking.background`) while the mode loads its data;
2. `TrackedRun.start` writes a start record (`tracking.record.RunRecord`, ``complete: false``) into the
   run folder, then has the run created with its start info (`start_info`: run uid and folder, the
   sweep it belongs to, the dataset for `mlflow.log_input`, the redacted command line and re-run
   command); the worker adds the code version (git commit and diff, package versions) while the mode
   computes;
3. `TrackedRun.finish` writes the resolved config, secrets hidden, to ``results/config.yaml``, then the
   complete record (params, metrics, tags, start info, child runs) before logging, so that
   ``python -m tracking resync <folder>`` can log a run whose store was down; then it logs the run (and
   its child runs), prints the summary's tail and writes the job log. A store that failed raises
   `TrackingError` last, the results and the record kept;
4. an exception that leaves the block before `TrackedRun.start` leaves no run behind; one after it (or a
   block left without `TrackedRun.finish`) ends the run FAILED. A job killed on the way leaves its run
   KILLED (the worker's doing), never an empty FINISHED one.

Imports neither pipeline nor sweeps.
"""

from __future__ import annotations

import contextlib
import logging
import shlex
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
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
from tracking.record import RunRecord, StartInfo, current_sweep


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
            tracking); `TrackedRun.finish` then prints only what follows it.
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


def start_info(cfg: DictConfig, market: Any, folder: Path, rerun: str | None = None) -> StartInfo:
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
    return StartInfo(
        tags=tags,
        dataset=dataset_info(market, redacted_config(cfg)["data"]),
        rerun=rerun or rerun_command(job_overrides()),
        command=command_line(),
        folder=str(folder.resolve()),
        sweep=sweep,
    )


def start_record(cfg: DictConfig, name: str, start: StartInfo) -> RunRecord:
    """The run's start record (``complete`` false): its store, name, redacted params and start info."""
    return RunRecord(
        experiment=str(cfg.tracking.experiment),
        run_name=name,
        params=flatten(redacted_config(cfg)),
        start=start,
        uri=None if cfg.tracking.uri is None else redact_text(str(cfg.tracking.uri)),
        complete=False,
    )


def resync_hint(err: BaseException, folder: Path) -> str:
    """The message for a run whose results are kept but whose tracking failed."""
    return (
        f"error: tracking failed ({err}); the backtest completed and its results are kept in "
        f"{folder / 'results'}\n  log them later with: python -m tracking resync {shlex.quote(str(folder))}"
    )


class TrackedRun:
    """One run as the mode tells it what happened: `start` (inputs loaded), `finish` (results written).

    The store side is a background MLflow run, or nothing when tracking is off (`finish` still writes
    ``results/config.yaml`` and prints). A store that cannot be reached is not fatal to the job: the
    error is kept in `error`, raised by `finish` once the results are written, and the record stays in
    the run folder for a re-sync.

    Attributes:
        folder: The run folder.
        results: Where the mode writes its results (``folder/results``).
        error: The store's failure, if any.
    """

    def __init__(self, cfg: DictConfig, name: str, folder: Path, worker: Any, rerun: str | None) -> None:
        self.cfg, self.name, self.folder, self.rerun = cfg, name, Path(folder), rerun
        self.results = self.folder / "results"
        self._worker = worker
        self._record: RunRecord | None = None
        self._started = self._finished = False
        self.error: Exception | None = None

    def start(self, market: Any) -> None:
        """Create the run (after the job's inputs were validated and its data loaded)."""
        self._started = True
        if self._worker is None:
            return
        info = start_info(self.cfg, market, self.folder, self.rerun)
        self._record = start_record(self.cfg, self.name, info)
        self._record.write(self.folder)
        try:
            self._worker.start(info, self._record.params)
        except TrackingError as exc:
            self.error = exc

    def finish(self, out: Outcome, *, echo: bool = True) -> dict[str, float]:
        """Write ``results/config.yaml`` and the record, log the run, print the tail; return the metrics.

        Args:
            out: What the job computed (its results folder already written).
            echo: Print the summary (only its tail when the job printed it: ``out.printed``).

        Raises:
            TrackingError: The store failed; the results and the record are kept in the run folder.
        """
        write_config(self.cfg, self.results)
        self._finished = True
        tail = self._log(out) + f"\nresults: {self.results}{out.footer}"
        if echo:
            print(tail if out.printed else out.text + tail)
        job_log(out.text + tail)
        if self.error is not None:
            raise self.error
        return out.metrics

    def _log(self, out: Outcome) -> str:
        """Write the complete record, log it; return the lines saying where the run went."""
        if self._worker is None or self._record is None:
            return ""
        done = {"metrics": out.metrics, "tags": out.tags, "children": out.children}
        record = replace(self._record, complete=True, **done)
        record.write(self.folder)
        if self.error is None:
            try:
                self._worker.log(record, self.folder)
            except TrackingError as exc:
                self.error = exc
        if self.error is not None:  # the worker could not log the code version: the record keeps it
            replace(record, repro=repro_info()).write(self.folder)
            return ""

        kids = f" (+{len(out.children)} child runs)" if out.children else ""
        page = self._worker.experiment_id and runs_page(self._worker.uri, self._worker.experiment_id)
        return (
            f"\n\nMLflow run {self._worker.run_id}{kids} in experiment '{self.cfg.tracking.experiment}' at "
            f"{redact_text(self._worker.uri)}\n  open the UI: {ui_command(self._worker.uri)}"
            + (f"\n  runs table: {page}" if page else "")
        )

    def close(self) -> None:
        """End the store side of a run left before `finish`: no run if never started, else FAILED."""
        if self._worker is None or self._finished:
            return
        if not self._started:
            self._worker.abort()
        elif self.error is None:
            self._worker.fail()


@contextlib.contextmanager
def opened(cfg: DictConfig, name: str, folder: Path, rerun: str | None = None) -> Iterator[TrackedRun]:
    """A `TrackedRun` for the run in `folder`, its store opening in a worker while the job works.

    Args:
        cfg: The job's config (``tracking.enabled``, ``uri``, ``experiment``).
        name: The run's display name (`tracking.lineage.run_name`).
        folder: The run folder; results go to ``folder/results``.
        rerun: The command that re-runs the job (default: ``python run.py`` with its overrides).

    Raises:
        ConfigError: A malformed URI, or a local store that is mistyped or read-only (before any work).
    """
    folder = Path(folder)
    redact_hydra_dir(folder / ".hydra")
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
        run = TrackedRun(cfg, name, folder, worker, rerun)
        try:
            yield run
        finally:
            run.close()


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
