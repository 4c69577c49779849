"""Log run folders whose runs never reached the tracking store, without logging any run twice.

Each run folder holds the record of what its run logs (``tracking/record.json``, a
`tracking.record.RunRecord` written before logging). A run is identified in the store by its ``run_uid``
tag, set when the run is created: a run already FINISHED there is skipped; a run left RUNNING or FAILED by a
store that died mid-run is completed in place (its child runs, e.g. a grid's top configurations, that are
not in the store yet are added); a missing run is created. A folder holding only a start record (its process
died before its results) has nothing to log: its run, left RUNNING if the worker died too, is ended KILLED.
The store must exist already: a re-sync never creates one. Runs of a sweep are nested under the sweep's
parent run (found by its ``sweep_uid`` tag, created if the store was down when the sweep started), whose
leaderboard is then rebuilt from the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.errors import ConfigError
from tracking import lineage
from tracking.mlflow_store import (
    REDACTED,
    Session,
    Tracker,
    check_store,
    resolve_uri,
    store_name,
    with_retry,
)
from tracking.record import LOGGED, SWEEP, RunRecord, mark_logged, read_json, run_folders
from tracking.sweep import PARENT_TAG, finish_parent, start_parent


@dataclass
class Outcome:
    """What a re-sync did: folders logged (created or completed), skipped, left incomplete, sweeps finished.

    ``incomplete`` are folders whose process died before its results (a start record only): there is
    nothing to log; their run, if the store has one, is ended KILLED.
    """

    logged: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    sweeps: list[str] = field(default_factory=list)
    incomplete: list[Path] = field(default_factory=list)


def store_uri(uri: str | None, rec: RunRecord) -> str:
    """The store a record is re-synced to (`uri`, else the record's own), which must exist already.

    Raises:
        ConfigError: The URI is malformed, had credentials that were not kept, or names no store.
    """
    key = "--uri" if uri else "tracking.uri (in the run's record)"
    resolved = resolve_uri(uri or rec.uri)
    if REDACTED in resolved:
        raise ConfigError(
            f"the run's store `{resolved}` had credentials in its URI, which were not kept.",
            key=key,
            hint="pass --uri (credentials in MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD)",
        )
    check_store(resolved, key=key, create=False)
    return resolved


def _end_killed(exp_id: str, existing: Any) -> None:
    """End a run left RUNNING by a process that died with its worker."""
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    import mlflow

    if existing is not None and existing.info.status == "RUNNING":
        with_retry(mlflow.MlflowClient().set_terminated, existing.info.run_id, "KILLED")


def _find_all(exp_id: str, tag: str, value: str, extra: str = "", max_results: int = 1000) -> list[Any]:
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    import mlflow

    return with_retry(
        mlflow.search_runs,
        experiment_ids=[exp_id],
        filter_string=f"tags.`{tag}` = '{value}'{extra}",
        output_format="list",
        max_results=max_results,
    )


def _find(exp_id: str, tag: str, value: str, extra: str = "") -> Any:
    df = _find_all(exp_id, tag, value, extra, max_results=10)
    return df[0] if df else None


def _parent(ctx: dict[str, Any], uri: str, experiment: str, exp_id: str, cache: dict[str, str]) -> str:
    """The sweep's parent run id in this store (created if missing)."""
    uid = ctx["sweep_uid"]
    if uid not in cache:
        found = _find(exp_id, "sweep_uid", uid, f" AND tags.`{PARENT_TAG}` = 'parent'")
        if found is not None:
            cache[uid] = found.info.run_id
        else:
            cache[uid] = start_parent({**ctx, "uri": uri, "experiment": experiment})[0]
    return cache[uid]


def _log_folder(folder: Path, rec: RunRecord, session: Any, run_id: str | None, tags: dict) -> str:
    """Log one folder's record into run `run_id` (None: a new run); return the run id."""
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    import mlflow

    repro = rec.repro or {**lineage.repro_info(), "source": "computed at re-sync"}
    children = rec.children
    if run_id is None:
        tracker = session.start_run(rec.run_name, tags=tags)
    else:
        with_retry(mlflow.start_run, run_id=run_id)
        with_retry(mlflow.set_tags, tags)
        tracker = Tracker(run_id=run_id, uri=session.uri, experiment_id=session.experiment_id)
        if children:  # a store that died mid-run may have taken some of the child runs already
            done = _find_all(session.experiment_id, "mlflow.parentRunId", run_id, " AND status = 'FINISHED'")
            names = {r.info.run_name for r in done}
            children = [c for c in children if store_name(c["name"]) not in names]
    try:
        lineage.describe(tracker, rec.start, repro, {"resynced": "true"})
        rec.log_to(tracker, folder, children)
    except BaseException:
        session.end_run("FAILED")
        raise
    session.end_run("FINISHED")
    return tracker.run_id


def resync(
    paths: Iterable[Path], *, uri: str | None = None, experiment: str | None = None, dry_run: bool = False
) -> Outcome:
    """Log every run folder under `paths` whose run is not in the store.

    Args:
        paths: Run folders, sweep folders, or any folder above them (``outputs/``, ``multirun/``).
        uri: Tracking URI (None: each record's ``tracking.uri``, then ``MLFLOW_TRACKING_URI``, then the
            repository's SQLite file).
        experiment: Experiment name (None: each record's).
        dry_run: Only report what would be logged.

    Returns:
        The folders logged, skipped and left incomplete, and the sweeps whose parent was finished.

    Raises:
        DataError: A run folder's record is damaged (checked for every folder before any is logged).
        ConfigError: The store is malformed or does not exist (a re-sync never creates one).
    """
    out = Outcome()
    parents: dict[str, str] = {}
    sweeps: dict[str, dict[str, Any]] = {}
    folders = run_folders(paths)
    records = {folder: RunRecord.read(folder) for folder in folders}  # every record checked before logging
    for folder in folders:
        rec = records[folder]
        session = Session.open(uri=store_uri(uri, rec), experiment=experiment or rec.experiment)
        start_tags = dict(rec.start.tags)
        existing = _find(session.experiment_id, "run_uid", start_tags["run_uid"])
        if existing is not None and existing.info.status == "FINISHED":
            out.skipped.append(folder)
            if not (folder / LOGGED).is_file():
                mark_logged(
                    folder, run_id=existing.info.run_id, uri=session.uri, experiment_id=session.experiment_id
                )
            continue
        if not rec.complete:  # a start record: the process died before its results
            out.incomplete.append(folder)
            if not dry_run:
                _end_killed(session.experiment_id, existing)
            continue
        if dry_run:
            out.logged.append(folder)
            continue
        sweep = rec.start.sweep
        if sweep:
            ctx = read_json(Path(sweep["sweep_dir"]) / SWEEP) or sweep
            exp_name = experiment or rec.experiment
            start_tags["mlflow.parentRunId"] = _parent(
                ctx, session.uri, exp_name, session.experiment_id, parents
            )
            sweeps[ctx["sweep_uid"]] = {
                **ctx,
                "uri": session.uri,
                "experiment": exp_name,
                "experiment_id": session.experiment_id,
                "parent_run_id": start_tags["mlflow.parentRunId"],
            }
        run_id = _log_folder(folder, rec, session, existing.info.run_id if existing else None, start_tags)
        mark_logged(folder, run_id=run_id, uri=session.uri, experiment_id=session.experiment_id)
        out.logged.append(folder)
    for ctx in sweeps.values():
        finish_parent(ctx, title=f"{ctx['name']}: leaderboard (best Sharpe at the top)")
        out.sweeps.append(ctx["parent_run_id"])
    return out
