"""MLflow as the lab notebook: one run per backtest, params, metrics, tags and the run folder.

This is the only module of the project that imports mlflow. The default store is a SQLite file at
the repository root (``mlflow.db``), which a plain ``mlflow ui`` started there opens; artifacts go
to ``mlartifacts/`` beside it. ``MLFLOW_TRACKING_URI`` or ``tracking.uri`` points elsewhere
(``tracking=server`` for a shared ``mlflow server``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
MAX_PARAM_LEN = 6000


def resolve_uri(uri: str | None) -> str:
    """The tracking URI: `uri` from config, else ``MLFLOW_TRACKING_URI``, else the repo's SQLite file."""
    uri = uri or os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{REPO_ROOT / 'mlflow.db'}"
    if "://" not in uri and not uri.startswith("sqlite:"):
        raise ConfigError(
            f"`{uri}` is not a tracking URI.",
            key="tracking.uri",
            hint="use sqlite:///path/to/mlflow.db, file:///path/to/mlruns or http://host:port.",
        )
    return uri


def artifact_root(uri: str) -> str | None:
    """Where a new experiment keeps artifacts: beside a SQLite file; the server decides otherwise."""
    if uri.startswith("sqlite:///"):
        return (Path(uri.removeprefix("sqlite:///")).resolve().parent / "mlartifacts").as_uri()
    return None


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Flatten a nested mapping into ``a.b.c`` keys with string values (lists kept as their repr).

    >>> flatten({"a": {"b": 1, "c": [1, 2]}, "d": None})
    {'a.b': '1', 'a.c': '[1, 2]', 'd': 'None'}
    """
    out: dict[str, str] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten(v, f"{key}."))
        else:
            out[key] = str(v)[:MAX_PARAM_LEN]
    return out


@dataclass
class Tracker:
    """A live MLflow run; `log` sends params, metrics, tags and a folder of artifacts."""

    run_id: str
    uri: str
    experiment_id: str

    def log(
        self,
        *,
        params: Mapping[str, str],
        metrics: Mapping[str, float],
        tags: Mapping[str, str],
        folder: Path,
        hydra_dir: Path | None = None,
    ) -> None:
        """Log everything about the run; the folder's files become the run's artifacts.

        Args:
            params: Flattened config.
            metrics: Metric name -> value (NaN values are skipped).
            tags: Run tags.
            folder: The run's results folder, logged at the artifact root.
            hydra_dir: Hydra's ``.hydra`` folder (config, overrides), logged under ``hydra/``.
        """
        import math

        import mlflow

        mlflow.log_params(dict(params))
        mlflow.log_metrics({k: float(v) for k, v in metrics.items() if not math.isnan(float(v))})
        mlflow.set_tags(dict(tags))
        mlflow.log_artifacts(str(folder))
        if hydra_dir is not None and hydra_dir.is_dir():
            mlflow.log_artifacts(str(hydra_dir), artifact_path="hydra")


@dataclass
class Session:
    """A connection to a tracking store and one experiment in it."""

    uri: str
    experiment_id: str

    @classmethod
    def open(cls, *, uri: str | None, experiment: str) -> Session:
        """Connect to the store and get (or create) the experiment.

        Args:
            uri: Tracking URI from config (None: environment, then the repo's SQLite file).
            experiment: Experiment name; created on first use, artifacts beside a SQLite store.
        """
        import mlflow

        uri = resolve_uri(uri)
        mlflow.set_tracking_uri(uri)
        exp = mlflow.get_experiment_by_name(experiment)
        exp_id = exp.experiment_id if exp else mlflow.create_experiment(experiment, artifact_root(uri))
        return cls(uri=uri, experiment_id=exp_id)

    def start_run(self, run_name: str) -> Tracker:
        """Start a run in the experiment and make it the active one."""
        import mlflow

        run = mlflow.start_run(experiment_id=self.experiment_id, run_name=run_name)
        return Tracker(run_id=run.info.run_id, uri=self.uri, experiment_id=self.experiment_id)

    @staticmethod
    def end_run(status: str) -> None:
        """End the active run with `status` (FINISHED or FAILED)."""
        import mlflow

        mlflow.end_run(status=status)


@contextlib.contextmanager
def start(*, uri: str | None, experiment: str, run_name: str) -> Iterator[Tracker]:
    """Open an MLflow run in this process; it ends FINISHED, or FAILED if the body raises.

    Args:
        uri: Tracking URI from config (None: environment, then the repo's SQLite file).
        experiment: Experiment name (created on first use, artifacts beside a SQLite store).
        run_name: The run's display name.

    Yields:
        A `Tracker` for the active run.
    """
    session = Session.open(uri=uri, experiment=experiment)
    tracker = session.start_run(run_name)
    try:
        yield tracker
    except BaseException:
        session.end_run("FAILED")
        raise
    session.end_run("FINISHED")


def ui_command(uri: str) -> str:
    """The shell command that opens the MLflow UI on `uri`."""
    if uri == f"sqlite:///{REPO_ROOT / 'mlflow.db'}":
        return f"cd {REPO_ROOT} && mlflow ui"
    if uri.startswith("http"):
        return f"open {uri} in a browser"
    return f"mlflow ui --backend-store-uri {uri}"
