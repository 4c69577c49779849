"""A grid gets the single run's redaction: a secret-looking value reaches no file of ours, no MLflow field."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from tests.cli import REPO

SECRETS = ("SECRETXYZ123", "PWDXYZ999")

pytestmark = pytest.mark.slow


def test_a_secret_given_to_a_grid_reaches_no_file_and_no_mlflow_field(tmp_path):
    db = tmp_path / "mlflow.db"
    cmd = [
        sys.executable, str(REPO / "run.py"), "experiment=wedge_grid",
        "grid.params={strategy: {signal: {lookback: [63, 252]}}}", "grid.top_k=2",
        f"+tracking.api_key={SECRETS[0]}", f"+data.password={SECRETS[1]}",
        f"tracking.uri=sqlite:///{db}", f"hydra.run.dir={tmp_path / 'run'}",
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600, env=dict(os.environ)
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "MLflow" in proc.stdout and "mlflow ui" in proc.stdout
    assert not any(s in proc.stdout for s in SECRETS)
    # every file written (run folder, MLflow artifacts), except the copy Hydra itself keeps in .hydra/
    files = [p for p in tmp_path.rglob("*") if p.is_file() and ".hydra" not in p.parts and p != db]
    assert any(p.name == "config.yaml" for p in files) and any(p.suffix == ".parquet" for p in files)
    for p in files:
        data = p.read_bytes()
        assert not any(s.encode() in data for s in SECRETS), p
    # every MLflow field: params, tags, metrics, run names, inputs
    con = sqlite3.connect(db)
    tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
    n_params = con.execute("select count(*) from params").fetchone()[0]
    assert n_params > 10
    for table in tables:
        for row in con.execute(f"select * from {table}"):  # noqa: S608 - our own test store
            text = " ".join(map(str, row))
            assert not any(s in text for s in SECRETS), table
    redacted = con.execute("select value from params where key = 'tracking.api_key'").fetchall()
    assert redacted and all(v[0] != SECRETS[0] for v in redacted)
