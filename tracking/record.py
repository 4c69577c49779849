"""The run folder's own tracking record, and a marker once the run is in the store.

The record (what a run logs) is written before logging, so a store that was down loses nothing; the
marker lets a re-sync skip runs already logged.

Layout of a run folder (Hydra's output folder)::

    results/                 the artifacts (daily.csv, stats.json, charts, config.yaml)
    .hydra/                  Hydra's config and overrides
    tracking/record.json     params, metrics, tags, dataset, re-run command, child runs (a grid's top k)
                             (written before logging; `tracking.tracked.write_record`)
    tracking/logged.json     run id, store and experiment (written after the run was logged)

and of a sweep folder (``multirun/<date>/<time>``)::

    tracking/sweep.json      the sweep's id, overrides, parent run id (null if the store was down)
    tracking/failed/<n>.json a job that stopped on bad input: its number, overrides and the message
    leaderboard.csv/.png     the sweep's leaderboard, also logged to the parent run

Plain Python: no mlflow here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common.errors import DataError
from tracking.mlflow_store import redact_override, redact_text

RECORD = Path("tracking") / "record.json"
LOGGED = Path("tracking") / "logged.json"
SWEEP = Path("tracking") / "sweep.json"
SWEEP_ENV = "REGIME_BACKTEST_SWEEP"
FAILED = Path("tracking") / "failed"


def write_json(path: Path, data: Mapping[str, Any]) -> Path:
    """Write JSON atomically (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str))
    tmp.replace(path)
    return path


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in `path`, or None if the file is missing."""
    return json.loads(path.read_text()) if path.is_file() else None


def read_record(folder: Path) -> dict[str, Any]:
    """A run folder's tracking record, checked: a readable JSON object naming its experiment and run.

    Raises:
        DataError: The record is empty, not JSON, or lacks what a re-sync needs (the folder is at
            fault, not the store).
    """
    path = Path(folder) / RECORD
    try:
        rec = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(
            f"the tracking record `{path}` cannot be read ({type(exc).__name__}: {exc}).",
            key=str(path),
            hint="it was damaged after the run; re-run the backtest (its overrides: .hydra/overrides.yaml)",
        ) from None
    needed = ("experiment", "run_name", "params", "start")
    missing = [k for k in needed if not isinstance(rec, dict) or k not in rec]
    if not missing and "run_uid" not in (rec["start"].get("tags") or {}):
        missing = ["start.tags.run_uid"]
    if missing:
        raise DataError(
            f"the tracking record `{path}` is not a run's record (missing: {', '.join(missing)}).",
            key=str(path),
            hint="re-run the backtest, or leave this folder out of the re-sync",
        )
    return rec


def mark_logged(folder: Path, *, run_id: str, uri: str, experiment_id: str) -> Path:
    """Record in the run folder that its run is in the store (a URI's password hidden)."""
    uri = redact_text(uri)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return write_json(
        folder / LOGGED, {"run_id": run_id, "uri": uri, "experiment_id": experiment_id, "logged_at": now}
    )


def current_sweep() -> dict[str, Any] | None:
    """The sweep this process's job belongs to (set by `tracking.sweep.MlflowSweepCallback`), or None."""
    raw = os.environ.get(SWEEP_ENV)
    return json.loads(raw) if raw else None


def run_folders(paths: Iterable[Path]) -> list[Path]:
    """Run folders (those holding a tracking record) at or under `paths`, sorted."""
    found: set[Path] = set()
    for p in paths:
        p = Path(p)
        if (p / RECORD).is_file():
            found.add(p.resolve())
        elif p.is_dir():
            found |= {r.parent.parent.resolve() for r in p.rglob(str(RECORD)) if r.is_file()}
    return sorted(found)


def record_failed_job(sweep_dir: Path, job_num: int, overrides: Iterable[str], message: str) -> Path:
    """Note in the sweep folder that job `job_num` stopped on bad input (read back by `failed_jobs`)."""
    shown = [redact_override(o) for o in overrides]
    data = {"job": int(job_num), "overrides": shown, "message": redact_text(message)}
    return write_json(Path(sweep_dir) / FAILED / f"{int(job_num)}.json", data)


def failed_jobs(sweep_dir: Path) -> list[dict[str, Any]]:
    """The sweep's jobs that stopped on bad input, by job number."""
    folder = Path(sweep_dir) / FAILED
    found = [read_json(p) for p in folder.glob("*.json")] if folder.is_dir() else []
    return sorted((f for f in found if f is not None), key=lambda f: f["job"])
