"""The exact config of a tracked run, read back from the store (for ``python -m monitor --run <id>``)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml

from common.errors import ConfigError
from tracking.mlflow_store import resolve_uri, with_retry

CONFIG_ARTIFACT = "config.yaml"  # the resolved config, secrets hidden (`tracking.tracked.write_config`)


def run_config(run_id: str, uri: str | None = None) -> dict[str, Any]:
    """The resolved config a run logged (its ``config.yaml`` artifact), as plain containers.

    Args:
        run_id: The MLflow run id.
        uri: The tracking URI (None: ``MLFLOW_TRACKING_URI``, else the repo's SQLite file).

    Raises:
        ConfigError: No such run in the store, or a run without a config (key ``--run``).
    """
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    resolved = resolve_uri(uri)
    client = MlflowClient(tracking_uri=resolved)
    try:
        with_retry(client.get_run, run_id)
    except MlflowException:
        raise ConfigError(
            f"no MLflow run `{run_id}` at {resolved} (python -m tracking compare lists the runs).",
            key="--run",
        ) from None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = with_retry(client.download_artifacts, run_id, CONFIG_ARTIFACT, tmp)
        except (MlflowException, OSError):
            raise ConfigError(
                f"run `{run_id}` has no {CONFIG_ARTIFACT} artifact to replay (a child run of a grid?).",
                key="--run",
            ) from None
        return yaml.safe_load(Path(path).read_text())
