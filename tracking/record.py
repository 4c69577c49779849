"""The run folder's own tracking record (`RunRecord`), and a marker once the run is in the store.

The record (what a run logs) is written before logging, so a store that was down loses nothing; the
marker lets a re-sync skip runs already logged. `RunRecord` is the one definition of the record: it is
built by the tracked run (`tracking.tracked`), written and read here, and taken as it is by the
background worker (`tracking.background`) and the re-sync (`tracking.resync`). A field added to it (with
a default) is written, read back and checked with no other change.

Layout of a run folder (Hydra's output folder)::

    results/                 the artifacts (daily.csv, stats.json, charts, config.yaml)
    .hydra/                  Hydra's config and overrides
    tracking/record.json     `RunRecord`: params, metrics, tags, start info (dataset, re-run command),
                             child runs (a grid's top k); written before logging
    tracking/logged.json     run id, store and experiment (written after the run was logged)

and of a sweep folder (``multirun/<date>/<time>``)::

    tracking/sweep.json      the sweep's id, overrides, parent run id (null if the store was down)
    tracking/failed/<n>.json a job that stopped on bad input: its number, overrides and the message
    leaderboard.csv/.png     the sweep's leaderboard, also logged to the parent run

Plain Python: no mlflow here.
"""

from __future__ import annotations

import dataclasses
import json
import os
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
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

#: The record layout this code writes and reads. A record without ``version`` was written before the
#: field existed (version 0): its layout is version 1's, and it is read as version 1.
VERSION = 1


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


@dataclass
class StartInfo:
    """What is known when a run is created, before its results (``start`` in the record).

    Attributes:
        tags: Set at creation: ``run_uid`` (how a re-sync finds the run), ``run_folder``, and in a sweep
            ``sweep_uid`` and ``mlflow.parentRunId``.
        dataset: The market data's description for `mlflow.log_input` (`tracking.lineage.dataset_info`).
        rerun: The command that re-runs the run.
        command: The command line that ran it, secrets hidden.
        folder: The run folder (absolute).
        sweep: The sweep the run belongs to (`current_sweep`), or None.
    """

    tags: dict[str, str] = field(default_factory=dict)
    dataset: dict[str, Any] | None = None
    rerun: str = ""
    command: str = ""
    folder: str = ""
    sweep: dict[str, Any] | None = None


@dataclass
class RunRecord:
    """A run's tracking record (``tracking/record.json``): everything its MLflow run logs.

    Attributes:
        experiment: The MLflow experiment's name.
        run_name: The run's display name.
        params: The flattened config, secrets hidden.
        start: What was known when the run was created.
        uri: The tracking URI the run was configured with (a password hidden), or None (the default).
        complete: False for a start record (written just before the run is created; a process that
            died leaves it so); True once the results are in. A record without the key is complete.
        metrics: The run's flat metrics.
        tags: The run's tags (beside ``start.tags``).
        children: Child runs (e.g. a grid's top configurations): ``name``, ``params``, ``metrics``,
            ``tags``.
        repro: The code version (`tracking.lineage.repro_info`), added when the store failed (the
            worker could not log it); None otherwise (a re-sync computes it).
        version: The record's layout (`VERSION`).
    """

    experiment: str
    run_name: str
    params: dict[str, Any]
    start: StartInfo
    uri: str | None = None
    complete: bool = True
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    children: list[dict[str, Any]] = field(default_factory=list)
    repro: dict[str, Any] | None = None
    version: int = VERSION

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object (every field, ``start`` nested)."""
        return dataclasses.asdict(self)

    def write(self, folder: Path) -> Path:
        """Write the record into run folder `folder` (atomically); return its path."""
        return write_json(Path(folder) / RECORD, self.to_json())

    def log_to(self, tracker: Any, folder: Path, children: list[dict[str, Any]] | None = None) -> None:
        """Log the record's results on `tracker` (a `tracking.mlflow_store.Tracker`).

        Args:
            tracker: The run to log into.
            folder: The run folder: its ``results/`` become the artifacts, its ``.hydra/`` goes under
                ``hydra/``.
            children: The child runs to log (None: the record's own; a re-sync passes those the store
                does not have yet).
        """
        tracker.log(
            params=self.params,
            metrics=self.metrics,
            tags=self.tags,
            folder=Path(folder) / "results",
            hydra_dir=Path(folder) / ".hydra",
            children=self.children if children is None else children,
        )

    @classmethod
    def read(cls, folder: Path) -> RunRecord:
        """Run folder `folder`'s record, checked (`from_json`).

        Raises:
            DataError: The record is empty, not JSON, not a run's record, or newer than this code.
        """
        path = Path(folder) / RECORD
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(
                f"the tracking record `{path}` cannot be read ({type(exc).__name__}: {exc}).",
                key=str(path),
                hint="it was damaged after the run; re-run the backtest "
                "(its overrides: .hydra/overrides.yaml)",
            ) from None
        return cls.from_json(data, path)

    @classmethod
    def from_json(cls, data: Any, path: Path | str = RECORD) -> RunRecord:
        """A record from its JSON object: what a re-sync needs is there, each field of its type.

        Args:
            data: The parsed JSON.
            path: Where it was read (for the messages).

        Raises:
            DataError: A version newer than `VERSION`, a missing field (``start.tags.run_uid``
                included) or one of the wrong type: the folder is at fault, not the store.
        """
        version = data.get("version", 0) if isinstance(data, dict) else None
        if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
            raise DataError(
                f"the tracking record `{path}` is version {version}, newer than this code reads "
                f"(version {VERSION}).",
                key=str(path),
                hint="update the project (git pull, then pip install -e .) and re-sync with it",
            )
        missing = [f.name for f in _required(cls) if not isinstance(data, dict) or f.name not in data]
        start = data.get("start") if not missing else None
        if isinstance(start, dict) and "run_uid" not in (start.get("tags") or {}):
            missing = ["start.tags.run_uid"]
        if missing:
            raise _not_a_record(path, f"missing: {', '.join(missing)}")
        record = _build(cls, data, path, "")
        record.version = VERSION  # an older layout is read as this one
        return record


def _not_a_record(path: Path | str, why: str) -> DataError:
    return DataError(
        f"the tracking record `{path}` is not a run's record ({why}).",
        key=str(path),
        hint="re-run the backtest, or leave this folder out of the re-sync",
    )


def _required(cls: type) -> list[dataclasses.Field]:
    """The fields of dataclass `cls` without a default."""
    no_default = dataclasses.MISSING
    return [f for f in dataclasses.fields(cls) if f.default is no_default and f.default_factory is no_default]


def _kinds(hint: Any) -> tuple[type, ...]:
    """The JSON-level types a field's type hint admits (a nested dataclass is a JSON object)."""
    if hint is Any:
        return (object,)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return tuple(k for arg in typing.get_args(hint) for k in _kinds(arg))
    if dataclasses.is_dataclass(hint):
        return (dict,)
    if hint is float:
        return (int, float)
    return (typing.get_origin(hint) or hint,)


def _build(cls: type, data: dict[str, Any], path: Path | str, prefix: str) -> Any:
    """An instance of dataclass `cls` from `data`'s keys (defaults for those absent), types checked."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value, kinds = data[f.name], _kinds(hints[f.name])
        if not isinstance(value, kinds) or (isinstance(value, bool) and not {bool, object} & set(kinds)):
            wanted = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
            raise _not_a_record(path, f"`{prefix}{f.name}` is {type(value).__name__}, not {wanted}")
        nested = hints[f.name] if dataclasses.is_dataclass(hints[f.name]) else None
        values[f.name] = _build(nested, value, path, f"{prefix}{f.name}.") if nested else value
    return cls(**values)


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
