"""MLflow for grid sweeps: one parent run with the results table, child runs for the top k.

Builds on `tracking.mlflow_store` (store resolution, retries, run lifecycle); kept apart so that a
sweep's logging and a single run's can evolve independently. A grid chunk run inside a Hydra multirun
is nested under the multirun's parent run (`tracking.sweep.MlflowSweepCallback`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tracking import mlflow_store
from tracking.record import current_sweep


def _finite(metrics: Mapping[str, float]) -> dict[str, float]:
    return {k: float(v) for k, v in metrics.items() if not math.isnan(float(v))}


def log_sweep(
    *,
    uri: str | None,
    experiment: str,
    run_name: str,
    config: Mapping[str, Any],
    metrics: Mapping[str, float],
    tags: Mapping[str, str],
    folder: Path,
    children: Sequence[tuple[str, Mapping[str, str], Mapping[str, float]]] = (),
) -> tuple[str, str]:
    """Log a sweep (or a chunk of one) as one run, FAILED if logging raises, with optional child runs.

    Args:
        uri: Tracking URI from config (None: environment, then the repo's SQLite file).
        experiment: Experiment name.
        run_name: The run's name.
        config: The resolved config; flattened into params.
        metrics: Sweep-level metrics (best configuration, DSR, PBO, ...).
        tags: Run tags.
        folder: The results folder (table, summary, walk-forward), logged as artifacts.
        children: (run name, params, metrics) of child runs, e.g. the top k configurations.

    Returns:
        The run id and the tracking URI.
    """
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    import mlflow

    session = mlflow_store.Session.open(uri=uri, experiment=experiment)
    sweep = current_sweep()
    parent = {"mlflow.parentRunId": sweep["parent_run_id"]} if sweep and sweep.get("parent_run_id") else {}
    tracker = session.start_run(run_name, tags=parent)
    try:
        params = mlflow_store.flatten(mlflow_store.redact(dict(config)))
        tracker.log(params=params, metrics=metrics, tags=tags, folder=folder)
        for name, child_params, child_metrics in children:
            child = {**tags, "mode": "grid_child", "mlflow.parentRunId": tracker.run_id}
            mlflow_store.with_retry(
                mlflow.start_run, run_name=name, nested=True, experiment_id=tracker.experiment_id, tags=child
            )
            mlflow_store.with_retry(mlflow.log_params, dict(child_params))
            mlflow_store.with_retry(mlflow.log_metrics, _finite(child_metrics))
            mlflow_store.with_retry(mlflow.end_run, status="FINISHED")
    except BaseException:
        session.end_run("FAILED")
        raise
    session.end_run("FINISHED")
    return tracker.run_id, tracker.uri
