"""`data=csv` end to end: the bundled series written as vendor-style exports give the same backtest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from market.bundled import load
from tests import cli
from tests.cli import REPO

COLUMNS = ["SPX", "SPY", "IEF", "GLD", "TBILL3M", "MOVE", "VIX"]

pytestmark = pytest.mark.slow


def write_vendor_export(path: Path, column: str) -> None:
    """Bloomberg-style: BOM, metadata lines, `Date,PX_LAST`, m/d/yy dates, newest first, #N/A for gaps."""
    s = load()[column].loc["1990-01-01":]
    lines = [
        "\ufeffSecurity,X Index,",
        "Start Date,1/2/90,",
        "End Date,8/21/26,",
        "Period,D,",
        "Pricing Source,X,",
        "",
    ]
    lines.append("Date,PX_LAST")
    for day, v in s.iloc[::-1].items():
        if s.loc[:day].notna().any():
            lines.append(
                f"{day.month}/{day.day}/{day.strftime('%y')},{'#N/A N/A' if v != v else repr(float(v))}"
            )
    path.write_text("\n".join(lines) + "\n")


def run_py(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    return cli.run_py("tracking=disabled", f"hydra.run.dir={tmp / 'out'}", *args, timeout=600)


def test_csv_exports_of_the_bundled_series_reproduce_the_bundled_backtest(tmp_path):
    specs = []
    for col in COLUMNS:
        write_vendor_export(tmp_path / f"{col}.csv", col)
        specs.append(f"{{path: '{tmp_path / (col + '.csv')}', columns: {{PX_LAST: {col}}}}}")
    files = "data.loader.files=[" + ",".join(specs) + "]"
    csv = run_py(tmp_path / "csv", "data=csv", files, "data.calendar_column=SPX", "data.start=2005-01-01")
    assert csv.returncode == 0, csv.stderr[-2000:]
    bundled = run_py(tmp_path / "bundled", "data.start=2005-01-01")
    assert bundled.returncode == 0, bundled.stderr[-2000:]
    a = json.loads((tmp_path / "csv" / "out" / "results" / "stats.json").read_text())
    b = json.loads((tmp_path / "bundled" / "out" / "results" / "stats.json").read_text())
    assert a["window"] == b["window"]
    for name in ("strategy", "sixty_forty", "equity_buy_hold"):
        for metric, value in b["portfolios"][name].items():
            assert a["portfolios"][name][metric] == pytest.approx(value, rel=1e-9, abs=1e-12), (name, metric)


def test_csv_with_a_missing_column_exits_2_naming_it(tmp_path):
    write_vendor_export(tmp_path / "SPY.csv", "SPY")
    files = f"data.loader.files=[{{path: '{tmp_path / 'SPY.csv'}', columns: {{PX_CLOSE: SPY}}}}]"
    proc = run_py(tmp_path, "data=csv", files)
    assert proc.returncode == 2
    assert "PX_CLOSE" in proc.stderr and "PX_LAST" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_yfinance_without_network_or_cache_exits_2_suggesting_bundled(tmp_path, monkeypatch):
    # no network in tests: point yfinance at a proxy that refuses, and at an empty cache
    env = {**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    cmd = [
        sys.executable,
        "run.py",
        "data=yfinance",
        f"data.loader.cache_dir={tmp_path / 'cache'}",
        "tracking=disabled",
        f"hydra.run.dir={tmp_path / 'out'}",
    ]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 2
    assert "could not be downloaded and has no cache" in proc.stderr and "data=bundled" in proc.stderr
    assert "check the network" in proc.stderr  # the cause: the network, not an unknown ticker
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()
