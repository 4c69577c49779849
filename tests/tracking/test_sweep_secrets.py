"""A ``-m`` sweep with a secret override: it runs, its parent run ends, and the secret is nowhere.

A real 2-job sweep through ``run.py`` against a fresh SQLite store: every file under the sweep folder and
the store (artifacts included), the store's params and tags, and the terminal are searched for the value.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SECRET = "hunter2-SWEEP-9f3a"

pytestmark = pytest.mark.slow


def test_a_two_job_sweep_with_a_secret_override_runs_and_keeps_the_secret_nowhere(tmp_path):
    db = tmp_path / "mlflow.db"
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{db}"}
    proc = subprocess.run(
        [sys.executable, str(REPO / "run.py"), "-m", "strategy.signal.z_entry=1.5,2",
         f"+tracking.api_key={SECRET}", f"hydra.sweep.dir={tmp_path / 'sweep'}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "Traceback" not in out and SECRET not in out
    assert "+tracking.api_key=<redacted>" in out  # the launcher's job lines, redacted
    leaked = [p for p in tmp_path.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaked == []
    sweep = tmp_path / "sweep"
    assert (sweep / "multirun.yaml").is_file() and (sweep / "1" / "results").is_dir()
    with sqlite3.connect(db) as con:
        runs = con.execute("select name, status from runs").fetchall()
        stored = con.execute("select value from params union all select value from tags").fetchall()
    assert len(runs) == 3 and {s for _, s in runs} == {"FINISHED"}, runs  # the parent and its 2 children
    assert not any(SECRET in str(v) for (v,) in stored)
