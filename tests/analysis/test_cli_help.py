"""`python -m analysis.event_study` is the command `python -m analysis`: `--help` prints its help."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.cli import REPO


@pytest.mark.parametrize("module", ["analysis", "analysis.event_study"])
def test_help_prints_the_command_and_exits_0(module):
    proc = subprocess.run(
        [sys.executable, "-m", module, "--help"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "python -m analysis strategy=" in proc.stdout
    assert "Traceback" not in proc.stderr
