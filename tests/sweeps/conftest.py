"""The unchunked small grid, run once for the scale-out tests that compare their merged chunks with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sweeps.chunked import SMALL, sh


@pytest.fixture(scope="session")
def unchunked(tmp_path_factory) -> Path:
    """The run folder of the small grid run in one process (`tests.sweeps.chunked.SMALL`)."""
    tmp = tmp_path_factory.mktemp("unchunked")
    proc = sh(tmp, "run.py", *SMALL, "tracking.enabled=false", f"hydra.run.dir={tmp / 'out'}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "grid: 8 configurations" in proc.stdout
    return tmp / "out"
