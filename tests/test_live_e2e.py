"""`python run.py strategy=term_premium data=live` on caches filled from recorded responses (no network)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yfinance
from omegaconf import OmegaConf

from market import live, nyfed
from tests.cli import REPO
from tests.market.test_live import DAYS, Network, acm_sheet

pytestmark = pytest.mark.slow


def fill_cache(monkeypatch, cache_dir: Path) -> dict:
    """Load data=live's own source list once through the recorded network, as a first online run would."""
    net = Network()
    net.fred_ids = None  # answer every id
    monkeypatch.setattr(yfinance, "download", net.download)
    monkeypatch.setattr(requests, "get", net.get)
    monkeypatch.setattr(nyfed, "read_workbook", lambda content: acm_sheet(DAYS))
    loader = OmegaConf.to_container(OmegaConf.load(REPO / "conf" / "data" / "live.yaml"))["loader"]
    loader.pop("_target_")
    live.load(**{**loader, "cache_dir": str(cache_dir), "start": "2021-01-01"})
    return loader


def blocked(tmp_path: Path) -> dict[str, str]:
    """The environment of a run without network (a dead proxy), tracking into `tmp_path`."""
    env = {**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    return {**env, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}


def offline_run(tmp_path: Path, *overrides: str) -> subprocess.CompletedProcess:
    """`python run.py strategy=term_premium data=live` with the network blocked."""
    cmd = [
        sys.executable,
        "run.py",
        "strategy=term_premium",
        "data=live",
        f"data.loader.cache_dir={tmp_path / 'cache'}",
        f"hydra.run.dir={tmp_path / 'out'}",
        *overrides,
    ]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env=blocked(tmp_path))


def test_a_bad_day_without_cache_exits_2_without_a_traceback(tmp_path):
    proc = offline_run(tmp_path, "data.loader.sources=[bundled,nyfed]")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "source `nyfed` failed with no cache" in proc.stderr
    assert "cannot reach the New York Fed" in proc.stderr and not (tmp_path / "out").exists()
    assert not (tmp_path / "cache" / "nyfed").exists()
    db = tmp_path / "mlflow.db"  # no MLflow run either
    assert not db.exists() or not sqlite3.connect(db).execute("select count(*) from runs").fetchone()[0]


def test_term_premium_on_live_data_runs_offline_from_the_caches(tmp_path, monkeypatch):
    fill_cache(monkeypatch, tmp_path / "cache")
    proc = offline_run(tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "data=live" in proc.stdout
    assert "vintage nyfed: downloaded" in proc.stdout and "file dated 2023-12-05" in proc.stdout
    assert "last prints: 2023-12-29" in proc.stdout and "revised series: TERM_PREMIUM_10Y" in proc.stdout
    stats = json.loads((tmp_path / "out" / "results" / "stats.json").read_text())
    sources = {"yahoo", "fred", "nyfed", "nyfed_rates", "fiscaldata"}
    assert {v["source"] for v in stats["data"]["vintages"]} == sources
    assert stats["data"]["last_observed"]["TERM_PREMIUM_10Y"] == "2023-12-29"
    record = json.loads((tmp_path / "out" / "tracking" / "record.json").read_text())
    assert "2023-12-05" in json.dumps(record)  # the workbook's own date reaches the tracking record


def test_monitor_on_live_data_offline_shows_every_signal_the_bundled_data_cannot(tmp_path, monkeypatch):
    fill_cache(monkeypatch, tmp_path / "cache")
    env = {**blocked(tmp_path), "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "monitor", "data=live", f"data.loader.cache_dir={tmp_path / 'cache'}",
           f"monitor.state_dir={tmp_path / 'state'}", f"hydra.run.dir={tmp_path / 'out'}"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "data=live" in proc.stdout and "dollar_weakness" in proc.stdout  # DTWEXBGS from FRED
    assert "skipped" not in proc.stderr and "Traceback" not in proc.stderr
    # every signal in native units with its thresholds and evidence (issue 37's monitor, on live data)
    lines = proc.stdout.splitlines()
    rows = {line.split()[0].rstrip("!"): i for i, line in enumerate(lines) if line[:1].isalpha()}
    for name in ("auction_stress", "repo_stress", "yield_breakout", "vol_gap", "curve_divergence"):
        reading = lines[rows[name] + 1]
        assert reading.startswith("  ") and "(entry " in reading, (name, reading)
    breakout = lines[rows["yield_breakout"] + 1]
    assert breakout.startswith("  10y ") and "(entry ≥ 4.55%, exit < 4.55%)" in breakout
    assert lines[rows["repo_stress"] + 1].startswith("  repo - IORB ")
    assert "evidence: python -m analysis verdicts of" in proc.stdout
    assert "  vs 60/40: no evidence it beats 60/40 (SPA p" in proc.stdout


def test_auction_stress_on_live_data_runs_offline_on_columns_derived_from_fiscaldata(tmp_path, monkeypatch):
    fill_cache(monkeypatch, tmp_path / "cache")
    proc = offline_run(tmp_path, "strategy=auction_stress")
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads((tmp_path / "out" / "results" / "stats.json").read_text())
    fiscal = next(v for v in stats["data"]["vintages"] if v["source"] == "fiscaldata")
    assert "AUCTION10Y_COUNT" in fiscal["columns"]
    assert stats["data"]["last_observed"]["AUCTION10Y_BID_TO_COVER"] == "2023-12-29"
    run_cfg = OmegaConf.load(tmp_path / "out" / ".hydra" / "config.yaml")
    assert run_cfg.strategy.name == "auction_stress"  # the later strategy= is the run's


def test_a_named_monitor_preset_needs_only_its_own_columns(tmp_path, monkeypatch):
    # FiscalData is down with no cache: term_premium (which does not read the auctions) is monitored,
    # auction_stress (which does) stops with exit 2 naming the source and its columns
    fill_cache(monkeypatch, tmp_path / "cache")
    shutil.rmtree(tmp_path / "cache" / "fiscaldata")
    env = {**blocked(tmp_path), "PYTHONPATH": str(REPO)}

    def monitor(preset: str, out: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "monitor", "data=live", f"strategy={preset}",
               f"data.loader.cache_dir={tmp_path / 'cache'}", f"monitor.state_dir={tmp_path / out}",
               f"hydra.run.dir={tmp_path / out / 'run'}"]  # fmt: skip
        return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env)

    ok = monitor("term_premium", "tp")
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert any(line.startswith("term_premium") for line in ok.stdout.splitlines()), ok.stdout
    assert "Traceback" not in ok.stderr
    refused = monitor("auction_stress", "as")
    assert refused.returncode == 2, refused.stderr[-3000:]
    assert "fiscaldata" in refused.stderr and "AUCTION10Y_" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "as" / "run").exists()
