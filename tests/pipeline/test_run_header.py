"""The run header shows the user's overrides and says when `data.end` was cut back to the data's end;
Hydra's job log (run.log) holds the same summary.

Through `python run.py` on the bundled data (its sleeves end in August 2026), tracking off."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from single.summary import cut_back
from tests.cli import REPO


@pytest.mark.slow
def test_header_shows_overrides_and_the_cut_back_end(tmp_path):
    args = ["data.end=2026-12-31", "strategy=sixty_forty", "tracking=disabled"]
    cmd = [sys.executable, "run.py", *args, f"hydra.run.dir={tmp_path / 'out'}"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    header = proc.stdout.split("\n\n")[0].splitlines()
    assert f"overrides: {' '.join(args)}" in header
    last = pd.read_csv(tmp_path / "out" / "results" / "daily.csv", index_col="date").index[-1]
    assert last < "2026-12-31"  # the bundled data ends before the asked end
    note = f"note: data.end=2026-12-31 is past the data's last day: the window was cut back to end {last}"
    assert note in header
    log = (tmp_path / "out" / "run.log").read_text()  # Hydra's job log holds the summary too
    assert header[0] in log and note in log and "Sharpe (excess of T-bill)" in log


def test_no_note_when_the_end_is_inside_the_data():
    last = pd.Timestamp("2025-09-26")
    assert (
        cut_back(last, None) == "" and cut_back(last, "2025-09-26") == "" and cut_back(last, "2020-1-2") == ""
    )
    assert "2025-09-26" in cut_back(last, "2025-09-29")
