"""A Hydra multirun as one MLflow parent run with one child run per job, and a leaderboard.

`MlflowSweepCallback` is registered in ``conf/config.yaml`` (``hydra.callbacks``). At the start of a
multirun it creates the parent run (the sweep's overrides and number of configurations) and writes
``tracking/sweep.json`` into the sweep folder; each job (in this process with the basic launcher, in a
loky worker with ``hydra/launcher=joblib``) reads that file in `on_job_start` and exports it in the
``REGIME_BACKTEST_SWEEP`` environment variable, from which the run's tracking worker takes the
``mlflow.parentRunId`` tag. At the end it reads the children back with `mlflow.search_runs`, writes the
leaderboard (CSV and PNG) into the sweep folder and logs it to the parent.

Importing this module is cheap (Hydra instantiates callbacks on every run): mlflow is imported inside
the functions that need it.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import sys
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from common.errors import UserError
from common.folders import discard
from report import leaderboard
from tracking.background import in_worker
from tracking.mlflow_store import (
    Session,
    check_store,
    describe_error,
    redact_hydra_file,
    redact_logs,
    redact_override,
    resolve_uri,
    store_name,
    uri_key,
    with_retry,
)
from tracking.record import SWEEP, SWEEP_ENV, RunRecord, failed_jobs, read_json, run_folders, write_json

PARENT_TAG = "sweep"  # value "parent" on a sweep's parent run
#: The loggers of Hydra's launchers, which print each job's overrides (``#0 : ... +tracking.token=...``).
LAUNCHER_LOGGERS = (
    "hydra._internal.core_plugins.basic_launcher",
    "hydra_plugins.hydra_joblib_launcher._core",
    "hydra_plugins.hydra_joblib_launcher.joblib_launcher",
)


def count_configurations(overrides: Sequence[str]) -> int | None:
    """How many jobs Hydra's basic sweeper makes of these overrides (None if it cannot tell).

    >>> count_configurations(["strategy=move_vix_wedge", "a.b=1,2,3", "c=range(0,4)"])
    12
    """
    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
        return sum(len(batch) for batch in BasicSweeper.split_arguments(parsed, None))
    except Exception:
        return None


def swept_overrides(overrides: Sequence[str]) -> dict[str, str]:
    """The overrides that sweep (``key=a,b``, ``range(...)``, ``choice(...)``): key -> value text.

    >>> swept_overrides(["strategy=move_vix_wedge", "strategy.signal.z_entry=1.0,1.5"])
    {'strategy.signal.z_entry': '1.0,1.5'}
    """
    out = {}
    for o in OverridesParser.create().parse_overrides(list(overrides)):
        if o.is_sweep_override():
            out[o.get_key_element().lstrip("+~")] = o.input_line.partition("=")[2]
    return out


def redacted_swept(overrides: Sequence[str]) -> dict[str, str]:
    """`swept_overrides` with secret-looking values hidden (what the parent run and the folder may show).

    >>> redacted_swept(["+tracking.token=a,b", "strategy.signal.z_entry=1,2"])
    {'tracking.token': '<redacted>', 'strategy.signal.z_entry': '1,2'}
    """
    return {k: redact_override(f"{k}={v}")[len(k) + 1 :] for k, v in swept_overrides(overrides).items()}


def _swept(ctx: Mapping[str, Any]) -> dict[str, str]:
    """The sweep's swept overrides from its context (one written before ``swept`` was kept: parsed)."""
    if "swept" in ctx:
        return dict(ctx["swept"])
    try:
        return redacted_swept(ctx["overrides"])
    except Exception:  # a redacted value Hydra's grammar cannot parse
        return {}


def swept_params(swept: Sequence[str], runs: pd.DataFrame) -> list[str]:
    """The parameter columns of `runs` that the sweep varied.

    A swept config group (``strategy=a,b``) is shown by its ``name`` key when it has one. Without any
    sweep override (``hydra.sweeper.params``), the parameters whose values differ between runs.
    """
    cols = []
    for key in swept:
        for cand in (key, f"{key}.name"):
            if cand in runs.columns:
                cols.append(cand)
                break
    if cols:
        return cols
    skip = {"run_id", "run_name"}
    return [c for c in runs.columns if c not in skip and "." in c and runs[c].astype(str).nunique() > 1]


def children_frame(parent_run_id: str, experiment_id: str) -> pd.DataFrame:
    """The parent's child runs from the store, params and metrics under their own names.

    Columns: ``run_id``, ``run_name``, ``status``, then e.g. ``strategy.signal.z_entry`` and
    ``sharpe_excess_tbill``.
    """
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    import mlflow

    df = mlflow.search_runs(
        experiment_ids=[experiment_id],
        filter_string=f"tags.`mlflow.parentRunId` = '{parent_run_id}'",
        output_format="pandas",
    )
    return plain_columns(df)


def plain_columns(df: pd.DataFrame) -> pd.DataFrame:
    """`search_runs` columns renamed: ``params.x`` -> ``x``, ``metrics.y`` -> ``y``, run name."""
    if df.empty:
        return pd.DataFrame(columns=["run_id", "run_name", "status"])
    out = {"run_id": df["run_id"], "run_name": df.get("tags.mlflow.runName"), "status": df["status"]}
    for c in df.columns:
        for prefix in ("params.", "metrics."):
            if c.startswith(prefix):
                out[c.removeprefix(prefix)] = df[c]
    return pd.DataFrame(out)


def records_frame(sweep_dir: Path) -> pd.DataFrame:
    """The sweep's runs from their folders' records (when the store was down)."""
    rows = []
    for folder in run_folders([sweep_dir]):
        rec = RunRecord.read(folder)
        rows.append({"run_id": None, "run_name": rec.run_name, **rec.params, **rec.metrics})
    return pd.DataFrame(rows)


def write_leaderboard(runs: pd.DataFrame, swept: Sequence[str], sweep_dir: Path, title: str) -> list[Path]:
    """Write ``leaderboard.csv`` and ``leaderboard.png`` into the sweep folder; return their paths."""
    cols = swept_params(swept, runs)
    board = leaderboard.table(runs, cols)
    csv = sweep_dir / "leaderboard.csv"
    board.to_csv(csv, index=False, float_format="%.6g")
    return [csv, leaderboard.png(board, cols, sweep_dir / "leaderboard.png", title=title)]


def start_parent(ctx: Mapping[str, Any]) -> tuple[str, str, str]:
    """Create the sweep's parent run; return (run id, resolved URI, experiment id)."""
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    from mlflow import MlflowClient

    session = Session.open(uri=ctx["uri"], experiment=ctx["experiment"])
    client = MlflowClient(session.uri)
    overrides = ctx["overrides"]  # redacted
    note = (
        f"**Sweep** of {ctx['n_configurations']} configurations\n\n"
        f"    python run.py -m {' '.join(overrides)}\n\n"
        f"- sweep folder: `{ctx['sweep_dir']}`\n- leaderboard: `leaderboard/leaderboard.png`"
    )
    tags = {
        PARENT_TAG: "parent",
        "sweep_uid": ctx["sweep_uid"],
        "sweep_dir": ctx["sweep_dir"],
        "sweep_overrides": " ".join(overrides),
        "mlflow.note.content": note,
    }
    run = with_retry(client.create_run, session.experiment_id, run_name=store_name(ctx["name"]), tags=tags)
    rid = run.info.run_id
    params = {"n_configurations": str(ctx["n_configurations"])}
    params |= {f"sweep.{k}": v for k, v in _swept(ctx).items()}
    try:
        for k, v in params.items():
            with_retry(client.log_param, rid, k, v)
    except Exception:  # never a RUNNING parent: the sweep goes on without one and says so
        with contextlib.suppress(Exception):
            client.set_terminated(rid, "FAILED")
        raise
    return rid, session.uri, session.experiment_id


def finish_parent(ctx: Mapping[str, Any], *, title: str, status: str = "FINISHED") -> pd.DataFrame:
    """Read the children back, write and log the leaderboard, end the parent; return the children.

    Args:
        ctx: The sweep's context (``tracking/sweep.json``) with its parent run id.
        title: The leaderboard chart's title.
        status: The parent's final status: ``FAILED`` when the sweep stopped on a job's error.
    """
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    from mlflow import MlflowClient

    Session.open(uri=ctx["uri"], experiment=ctx["experiment"])
    client = MlflowClient(ctx["uri"])
    rid = ctx["parent_run_id"]
    runs = with_retry(children_frame, rid, ctx["experiment_id"])
    if not runs.empty:
        for path in write_leaderboard(runs, list(_swept(ctx)), Path(ctx["sweep_dir"]), title):
            with_retry(client.log_artifact, rid, str(path), "leaderboard")
        column = runs["sharpe_excess_tbill"] if "sharpe_excess_tbill" in runs else pd.Series(dtype=float)
        sharpe = pd.to_numeric(column, errors="coerce")
        if sharpe.notna().any():
            with_retry(client.log_metric, rid, "best.sharpe_excess_tbill", float(sharpe.max()))
    with_retry(client.log_metric, rid, "n_children_logged", float(len(runs)))
    with_retry(client.set_terminated, rid, status)
    return runs


def sweep_name(overrides: Sequence[str], strategy: str) -> str:
    """The parent run's display name.

    >>> sweep_name(["strategy.signal.z_entry=1.0,1.5"], "move_vix_wedge")
    'sweep move_vix_wedge z_entry=1.0,1.5'
    """
    shown = [f"{k.rsplit('.', 1)[-1]}={v}" for k, v in redacted_swept(overrides).items()]
    return " ".join(["sweep", strategy, *shown])[:200]


def report_failed_jobs(sweep_dir: Path, n_jobs: int) -> bool:
    """Print the sweep's jobs that stopped on bad input (one line each); True if there were any."""
    failed = failed_jobs(sweep_dir)
    if not failed:
        return False
    lines = [f"error: {len(failed)} of {n_jobs} jobs stopped on bad input (nothing was written for them):"]
    lines += [f"  #{f['job']} {' '.join(f['overrides'])}: {f['message']}" for f in failed]
    print("\n".join(lines), file=sys.stderr)
    return True


class MlflowSweepCallback(Callback):
    """Hydra callback: a multirun becomes one MLflow parent run, its jobs the children.

    A job that stops on bad input is listed at the end and the sweep exits 2 (its other jobs still
    run). A job that raises makes Hydra stop the sweep without calling `on_multirun_end`: the parent
    is then ended FAILED at exit, with the leaderboard of the children that finished.
    """

    _ended: bool = False

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Create the parent run (or note that the store is down) and publish the sweep's context."""
        if not config.get("tracking", {}).get("enabled", False):
            return
        sweep_dir = Path(str(config.hydra.sweep.dir)).resolve()
        try:  # a malformed URI, a mistyped or read-only store path: refused before any job
            check_store(resolve_uri(config.tracking.uri), key=uri_key(config.tracking.uri))
        except UserError as err:
            print(f"error: {err}", file=sys.stderr)
            discard(Path(str(config.hydra.sweep.dir)))  # the folder `RunFolders` made: nothing left
            sys.exit(2)
        overrides = [str(o) for o in config.hydra.overrides.task]
        redact_logs(LAUNCHER_LOGGERS)  # Hydra's launchers print each job's overrides
        ctx: dict[str, Any] = {  # written to sweep.json and every job's record: no secret in it
            "sweep_uid": uuid.uuid4().hex,
            "sweep_dir": str(sweep_dir),
            "uri": config.tracking.uri,
            "experiment": str(config.tracking.experiment),
            "overrides": [redact_override(o) for o in overrides],
            "swept": redacted_swept(overrides),
            "n_configurations": count_configurations(overrides),
            "name": sweep_name(overrides, str(config.strategy.name)),
            "parent_run_id": None,
        }
        try:
            ctx["parent_run_id"], ctx["uri"], ctx["experiment_id"] = in_worker(start_parent, ctx)
        except Exception as exc:
            print(
                f"warning: {describe_error(exc, ctx['uri'])}; the sweep runs and keeps its results in "
                f"{sweep_dir}",
                file=sys.stderr,
            )
        write_json(sweep_dir / SWEEP, ctx)
        os.environ[SWEEP_ENV] = json.dumps(ctx)
        if ctx["parent_run_id"]:
            atexit.register(self._end_abandoned_parent, sweep_dir)

    def _end_abandoned_parent(self, sweep_dir: Path) -> None:
        """At exit: end the parent FAILED if `on_multirun_end` never ran (a job raised)."""
        if self._ended:
            return
        ctx = read_json(sweep_dir / SWEEP)
        if not ctx or not ctx.get("parent_run_id"):
            return
        try:
            in_worker(
                finish_parent,
                ctx,
                title=f"{ctx['name']}: leaderboard (sweep stopped by an error)",
                status="FAILED",
            )
            print(
                f"sweep stopped by an error: its parent run {ctx['parent_run_id']} is marked FAILED",
                file=sys.stderr,
            )
        except Exception as exc:  # at exit, a message is all that is left to give
            print(
                f"warning: could not end the sweep's parent run ({type(exc).__name__}: {exc})",
                file=sys.stderr,
            )

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        """In the job's process (a loky worker with joblib), take the sweep's context from its file."""
        if config.hydra.mode != RunMode.MULTIRUN:
            return
        sweep_dir = Path(str(config.hydra.sweep.dir)).resolve()
        multirun = sweep_dir / "multirun.yaml"  # Hydra's copy of the sweep's config, written at launch
        if multirun.is_file():
            redact_hydra_file(multirun, multirun)
        ctx = read_json(sweep_dir / SWEEP)
        if ctx is not None:
            os.environ[SWEEP_ENV] = json.dumps(ctx)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write and log the leaderboard, end the parent; exit 2 on bad input, 3 if runs were not logged."""
        self._ended = True
        os.environ.pop(SWEEP_ENV, None)
        sweep_dir = Path(str(config.hydra.sweep.dir)).resolve()
        ctx = read_json(sweep_dir / SWEEP)
        folders = run_folders([sweep_dir])
        n_jobs = count_configurations([str(o) for o in config.hydra.overrides.task])
        bad_input = report_failed_jobs(sweep_dir, n_jobs or len(folders) + len(failed_jobs(sweep_dir)))
        if ctx is None:
            if bad_input:
                sys.exit(2)
            return
        unlogged = [f for f in folders if not (f / "tracking" / "logged.json").is_file()]
        title = f"{ctx['name']}: leaderboard (best Sharpe at the top)"
        error = None
        if ctx.get("parent_run_id"):
            try:
                in_worker(finish_parent, ctx, title=title)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
        else:
            write_leaderboard(records_frame(sweep_dir), list(_swept(ctx)), sweep_dir, title)
        board = sweep_dir / "leaderboard.csv"
        if board.is_file():
            print(f"\nsweep leaderboard: {board} (and leaderboard.png)")
            print(pd.read_csv(board).drop(columns=["run_id"]).head(10).to_string(index=False))
        if unlogged or error or not ctx.get("parent_run_id"):
            print(
                f"error: tracking failed for {len(unlogged)} of {len(folders)} runs"
                + (f" and for the sweep's parent run ({error})" if error else "")
                + f"; all results are kept under {sweep_dir}\n"
                f"  log them later with: python -m tracking resync {sweep_dir}",
                file=sys.stderr,
            )
        if bad_input:
            sys.exit(2)
        if unlogged or error or not ctx.get("parent_run_id"):
            sys.exit(3)
