"""MLflow for grid sweeps: one parent run with the results table, child runs for the top k.

Builds on `tracking.mlflow_store` (store resolution, run lifecycle); kept apart so that a sweep's
logging and a single run's can evolve independently.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tracking import mlflow_store


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
    """Log a sweep as one parent run (FAILED if logging raises) with optional child runs.

    Args:
        uri: Tracking URI from config (None: environment, then the repo's SQLite file).
        experiment: Experiment name.
        run_name: The parent run's name.
        config: The resolved config; flattened into params.
        metrics: Sweep-level metrics (best configuration, DSR, PBO, ...).
        tags: Run tags.
        folder: The results folder (table, returns, summary), logged as artifacts.
        children: (run name, params, metrics) of child runs, e.g. the top k configurations.

    Returns:
        The parent run id and the tracking URI.
    """
    import mlflow

    with mlflow_store.start(uri=uri, experiment=experiment, run_name=run_name) as tracker:
        tracker.log(params=mlflow_store.flatten(config), metrics=metrics, tags=tags, folder=folder)
        for name, params, child_metrics in children:
            with mlflow.start_run(run_name=name, nested=True, experiment_id=tracker.experiment_id):
                mlflow.log_params(dict(params))
                mlflow.log_metrics(_finite(child_metrics))
                mlflow.set_tags({**tags, "mode": "grid_child", "parent_run_id": tracker.run_id})
        return tracker.run_id, tracker.uri
