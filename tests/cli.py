"""The repository root, and one way for every test to run the project's commands in a subprocess.

``python("-m", "monitor", ...)`` and ``run_py("strategy=sixty_forty", ...)`` run this checkout's code (from
the repository root, so ``run.py`` and ``-m <room>`` import it, not an installed copy), capture text, and
log to the MLflow store the test names (``uri``, or ``store``: a folder holding ``mlflow.db``) and never
to one the environment happens to point at.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent


def sqlite_uri(store: Path | str) -> str:
    """The URI of the SQLite store ``mlflow.db`` in the folder `store` (a URI is returned as it is)."""
    return str(store) if "://" in str(store) else f"sqlite:///{Path(store) / 'mlflow.db'}"


def python(
    *args: str,
    uri: str | None = None,
    store: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO,
    timeout: float = 900,
    **kw,
) -> subprocess.CompletedProcess:
    """``python <args>`` from the repository root, its output captured as text.

    Args:
        args: The arguments after ``python`` (``"run.py", ...`` or ``"-m", "tracking", ...``).
        uri: The MLflow store its runs go to; with neither this nor `store` MLFLOW_TRACKING_URI is unset.
        store: A folder whose ``mlflow.db`` is the store (instead of `uri`).
        env: More environment variables (added last).
        cwd: The working directory.
        timeout: Seconds before the process is killed and the test fails.
        kw: More `subprocess.run` arguments (``input=...``).
    """
    full = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    if uri or store:
        full["MLFLOW_TRACKING_URI"] = uri or sqlite_uri(store)
    full["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    full |= dict(env or {})
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=timeout, **kw
    )


def run_py(*args: str, **kw) -> subprocess.CompletedProcess:
    """``python run.py <args>`` (keywords as `python`)."""
    return python("run.py", *args, **kw)


def store_runs(store: Path | str, experiment: str = "regime-backtest") -> pd.DataFrame:
    """The runs of `experiment` in a store (a URI, or a folder holding ``mlflow.db``), as MLflow lists."""
    import mlflow  # lazy: only the tests that read a store pay for the import

    mlflow.set_tracking_uri(sqlite_uri(store))
    return mlflow.search_runs(experiment_names=[experiment], output_format="pandas")
