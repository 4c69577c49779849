"""Provenance does not lie: a run in a pristine clone is tagged ``git_dirty: false``.

What the project itself creates beside the code (the default store ``mlflow.db``, its ``mlflow.db.lock``,
run folders, caches) is ignored by git, so it never makes the tree look edited.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_a_run_in_a_pristine_clone_is_tagged_clean_and_leaves_the_tree_clean(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "PYTHONPATH")}
    proc = subprocess.run(
        [sys.executable, "run.py", "strategy=sixty_forty"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (clone / "mlflow.db").is_file()  # the default store, in the clone's root
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True)
    assert status.stdout == ""
    with sqlite3.connect(clone / "mlflow.db") as con:
        tags = dict(con.execute("select key, value from tags where key like 'git_%'").fetchall())
    assert tags["git_dirty"] == "false"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True).stdout
    assert tags["git_commit"] == head.strip()
