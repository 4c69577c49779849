"""A grid's progress bar is on screen before the data and the engine load, saying what is loading.

Through `python run.py` in a real process; `python -X importtime` writes a line to stderr as each module
is imported, so the order of stderr's messages shows what the user saw before the engine (no timing),
and that the grid ran on vectorbt's Rust kernels without importing vectorbt's package.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.cli import REPO

pytestmark = pytest.mark.slow


def imported(stderr: str, module: str) -> int:
    """Where `python -X importtime` reports `module` itself imported (-1 if never)."""
    m = re.search(rf"\|\s+{re.escape(module)}\s*$", stderr, re.M)
    return m.start() if m else -1


def test_the_bar_says_what_loads_before_the_rust_kernels_are_imported(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "run.py",
            "experiment=wedge_grid",
            "grid.params.strategy.signal.lookback=[126,252]",
            "grid.params.strategy.signal.z_entry=[1.5]",
            "grid.params.strategy.signal.z_exit=[0.5]",
            "grid.params.strategy.signal.trend_window=[20]",
            "grid.params.strategy.allocation.risk_off_weights=[{equity: 0.2, bonds: 0.3, cash: 0.5}]",
            "grid.bootstrap.samples=20",
            "tracking.enabled=false",
            f"hydra.run.dir={tmp_path / 'grid'}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    err = proc.stderr
    said = ("validated", "loading data", "loading the engine", "simulating")
    stages = [err.find(f"grid: {s}") for s in said]
    assert -1 not in stages, err[-2000:]
    assert stages == sorted(stages)  # each stage said in the order it happens
    assert stages[2] < imported(err, "vectorbt_rust") < stages[3]  # said before it began
    assert imported(err, "vectorbt") == -1  # the Rust door: no package import
    numba = imported(err, "numba")  # only inside arch's import (SPA's resample indices), never vectorbt's
    assert numba == -1 or -1 < numba < imported(err, "arch")
    assert "2/2" in err[stages[3] :]  # and then counted the configurations
