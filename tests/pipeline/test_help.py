"""``python run.py --help``: the user's config groups only, every line within the terminal's width."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import choices, help_text

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("width", [60, 80, 120])
def test_help_fits_the_width_and_lists_only_the_users_groups(width):
    text = help_text(width)
    assert max(len(line) for line in text.splitlines()) <= width
    flat = " ".join(text.split())
    for group in ("allocation", "data", "signal", "strategy", "tracking"):
        assert f"{group}: {', '.join(choices(group))}" in flat  # every option, wrapped or not
    assert "schema:" not in text and "monitor:" not in text


def test_run_py_help_uses_the_terminals_width():
    env = {**os.environ, "COLUMNS": "72"}
    proc = subprocess.run(
        [sys.executable, "run.py", "--help"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0 and "Config groups" in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) <= 72
